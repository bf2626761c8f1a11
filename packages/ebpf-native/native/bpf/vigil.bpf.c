// SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0)
/*
 * Vigil capture programs. Tracepoints only (tp_btf), CO-RE reads.
 *
 * Syscall events are taken at tp_btf/sys_exit alone: on x86-64 the argument
 * registers in pt_regs are still the caller's at exit, so one hook sees both
 * arguments and result without a per-thread map between enter and exit.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "vigil_record.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set between open and load. */
const volatile __u32 self_tgid = 0;
const volatile __u32 dedup_enabled = 0;
/*
 * Records wake the poll thread only when it has caught up (the ring buffer's default) or
 * when this much is waiting; in between it lets a batch fill for a bounded interval.
 */
const volatile __u64 wakeup_bytes = 0;
/*
 * Written by the poll thread (the skeleton's mmapped .bss): 1 while it drains on a timer
 * because records keep coming. Records then never wake it (only a backlog does): it
 * will look anyway, and every wake-up costs far more than a record.
 */
volatile __u32 consumer_timed = 0;
/* Payload capture: the per-event byte cap (0: off), and whether plaintext TCP sockets are read too. */
const volatile __u32 payload_max = 0;
const volatile __u32 payload_sockets = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} watched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_config);
} run_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vigil_dedup_key);
	__type(value, __u64);
} dedup SEC(".maps");

/* UDP destination ports whose payloads are DNS queries. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, __u8);
} dns_ports SEC(".maps");

struct scratch {
	__u8 buf[VIGIL_SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

#define OFF_MASK (VIGIL_STR_AREA_MAX - 1)

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_UDP 17
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000
#define AT_FDCWD -100

/* Syscall numbers differ per architecture: one table per target (see the README). */
#if defined(__TARGET_ARCH_x86)
#include "syscalls/x86.h"
#else
#error "vigil: no syscall table for this architecture; add native/bpf/syscalls/<arch>.h"
#endif

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		*v += 1;
}

/* The ring buffer's wake-up for the next record: a backlog forces one; a consumer on a timer gets none. */
static __always_inline __u64 wakeup_flags(void)
{
	if (wakeup_bytes && bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return consumer_timed ? BPF_RB_NO_WAKEUP : 0;
}

static __always_inline bool cgroup_watched(__u64 cgid)
{
	__u32 zero = 0;
	struct vigil_config *cfg = bpf_map_lookup_elem(&run_config, &zero);
	if (cfg && cfg->watch_all)
		return true;
	if (bpf_map_lookup_elem(&watched, &cgid))
		return true;
	if (!cfg || !cfg->subtrees)
		return false;
	/* Is an ancestor watched with its subtree? Walk the cgroup v2 ancestors, nearest first. */
	struct task_struct *task = bpf_get_current_task_btf();
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	int level = BPF_CORE_READ(cg, level);
	for (int i = 1; i <= 16; i++) {
		int l = level - i;
		if (l < 0)
			break;
		struct cgroup *anc = NULL;
		bpf_probe_read_kernel(&anc, sizeof(anc), &cg->ancestors[l]);
		if (!anc)
			break;
		__u64 id = BPF_CORE_READ(anc, kn, id);
		__u8 *w = bpf_map_lookup_elem(&watched, &id);
		if (w && *w == VIGIL_WATCH_SUBTREE)
			return true;
	}
	return false;
}

static __always_inline __u8 *scratch_buf(void)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &zero);
	return s ? s->buf : NULL;
}

static __always_inline void fill_hdr(struct vigil_hdr *h, __u16 kind, __u64 cgid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	h->kind = kind;
	h->flags = 0;
	h->ts_mono = bpf_ktime_get_ns();
	h->cgroup_id = cgid;
	h->tgid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Appends a NUL-terminated string; returns the new end of the string area. */
static __always_inline __u32 put_str(__u8 *rec, __u32 off, struct vigil_str *s, const void *src, bool user,
				     __u32 max, struct vigil_hdr *h)
{
	off &= OFF_MASK;
	s->off = off;
	s->len = 0;
	if (!src)
		return off;
	long n = user ? bpf_probe_read_user_str(rec + off, max, src) : bpf_probe_read_kernel_str(rec + off, max, src);
	if (n <= 0)
		return off;
	if (n == max)
		h->flags |= VIGIL_F_TRUNCATED;
	s->len = n - 1;
	return off + n;
}

/*
 * Appends the path of (dentry, vfsmount) as NUL-separated names from the leaf
 * up to the root, crossing mount points. User space reverses and joins them.
 */
static __always_inline __u32 put_dpath(__u8 *rec, __u32 off, struct vigil_str *s, struct dentry *dentry,
				       struct vfsmount *vfsmnt, struct vigil_hdr *h)
{
	off &= OFF_MASK;
	s->off = off;
	s->len = 0;
	if (!dentry || !vfsmnt)
		return off;
	__u32 start = off;
	struct mount *mnt = (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	for (int i = 0; i < VIGIL_DPATH_DEPTH; i++) {
		if (dentry == mnt_root) {
			struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
			if (parent == mnt)
				break; /* the root of the mount tree */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = parent;
			mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
			continue;
		}
		struct dentry *up = BPF_CORE_READ(dentry, d_parent);
		if (up == dentry) {
			/* A pseudo file (memfd, pipe, anon inode) has no parent: keep its own name. */
			if (off == start) {
				long n = bpf_probe_read_kernel_str(rec + (off & OFF_MASK), VIGIL_NAME_MAX,
								   BPF_CORE_READ(dentry, d_name.name));
				if (n > 0)
					off += n;
			}
			break;
		}
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		off &= OFF_MASK;
		if (off > VIGIL_STR_AREA_MAX - VIGIL_NAME_MAX) {
			h->flags |= VIGIL_F_TRUNCATED;
			break;
		}
		long n = bpf_probe_read_kernel_str(rec + off, VIGIL_NAME_MAX, name);
		if (n <= 0)
			break;
		off += n;
		dentry = up;
	}
	s->len = off > start ? off - start - 1 : 0;
	return off;
}

static __always_inline struct file *file_from_fd(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd < 0)
		return NULL;
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned int)fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline struct sock *sock_from_fd(int fd, __u16 *type)
{
	struct file *f = file_from_fd(fd);
	if (!f)
		return NULL;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	if (!sock)
		return NULL;
	*type = BPF_CORE_READ(sock, type);
	return BPF_CORE_READ(sock, sk);
}

/* FNV-1a over the body of a record (everything after the header), 8 bytes at a time. */
static __always_inline __u64 body_hash(__u8 *rec, __u32 size)
{
	__u64 hash = 0xcbf29ce484222325ULL;
	for (int i = sizeof(struct vigil_hdr) / 8; i < 1024; i++) {
		if ((__u32)(i * 8 + 8) > size)
			break;
		__u64 w = *(__u64 *)(rec + ((i * 8) & (VIGIL_SCRATCH - 16)));
		hash ^= w;
		hash *= 0x100000001b3ULL;
	}
	return hash;
}

/* Sends a record built in scratch. `dedupable` records are suppressed when already seen in the workload. */
static __always_inline void submit(__u8 *rec, __u32 size, bool dedupable)
{
	struct vigil_hdr *h = (struct vigil_hdr *)rec;
	/* Pad to 8 bytes with zeros so the padding never carries stale scratch bytes. */
	for (int i = 0; i < 8; i++)
		rec[(size + i) & (VIGIL_SCRATCH - 1)] = 0;
	size = (size + 7) & ~7u;
	if (size < sizeof(struct vigil_hdr) || size > VIGIL_SCRATCH)
		return;
	h->size = size;
	if (dedup_enabled && dedupable) {
		struct vigil_dedup_key key = {};
		key.cgroup_id = h->cgroup_id;
		key.kind = h->kind;
		key.hash = body_hash(rec, size);
		__u64 one = 1;
		__u64 *seen = bpf_map_lookup_elem(&dedup, &key);
		if (seen) {
			__sync_fetch_and_add(seen, 1);
			count(VIGIL_CNT_DEDUP);
			return;
		}
		bpf_map_update_elem(&dedup, &key, &one, BPF_ANY);
	}
	__u64 flags = wakeup_flags();
	if (bpf_ringbuf_output(&events, rec, size & (VIGIL_SCRATCH - 1), flags) != 0) {
		count(VIGIL_CNT_RINGBUF_FULL);
		return;
	}
	count(VIGIL_CNT_SUBMITTED);
}

static __always_inline bool interesting(long nr)
{
	if (payload_sockets && (nr == NR_read || nr == NR_write || nr == NR_readv || nr == NR_writev))
		return true;
	switch (nr) {
	case NR_open:
	case NR_openat:
	case NR_openat2:
	case NR_connect:
	case NR_accept:
	case NR_accept4:
	case NR_bind:
	case NR_listen:
	case NR_sendto:
	case NR_sendmsg:
	case NR_sendmmsg:
	case NR_recvfrom:
	case NR_recvmsg:
	case NR_recvmmsg:
	case NR_ptrace:
	case NR_setuid:
	case NR_setgid:
	case NR_setreuid:
	case NR_setregid:
	case NR_setresuid:
	case NR_setresgid:
	case NR_setfsuid:
	case NR_setfsgid:
	case NR_capset:
	case NR_mount:
	case NR_umount2:
	case NR_unshare:
	case NR_setns:
	case NR_init_module:
	case NR_finit_module:
	case NR_memfd_create:
	case NR_bpf:
		return true;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- process lifecycle */

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	if (!cgroup_watched(cgid))
		return 0;
	__u8 *rec = scratch_buf();
	if (!rec)
		return 0;
	struct vigil_exec *e = (struct vigil_exec *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, VIGIL_EXEC, cgid);
	e->old_tid = old_pid;
	__u32 off = sizeof(*e);

	off = put_str(rec, off, &e->filename, BPF_CORE_READ(bprm, filename), false, VIGIL_PATH_MAX, &e->h);

	struct file *file = BPF_CORE_READ(bprm, file);
	if (file) {
		if (BPF_CORE_READ(file, f_path.dentry, d_inode, __i_nlink) == 0)
			e->h.flags |= VIGIL_F_FILELESS;
		off = put_dpath(rec, off, &e->exe, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt),
				&e->h);
	} else {
		e->exe.off = off & OFF_MASK;
		e->exe.len = 0;
	}

	struct task_struct *task = bpf_get_current_task_btf();
	off = put_dpath(rec, off, &e->cwd, BPF_CORE_READ(task, fs, pwd.dentry), BPF_CORE_READ(task, fs, pwd.mnt), &e->h);

	unsigned long arg_start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(task, mm, arg_end);
	unsigned long len = arg_end - arg_start;
	off &= OFF_MASK;
	e->argv.off = off;
	e->argv.len = 0;
	e->argc = 0;
	if (len > VIGIL_ARGV_MAX) {
		len = VIGIL_ARGV_MAX;
		e->h.flags |= VIGIL_F_ARGV_TRUNCATED;
	}
	if (len > 0 && bpf_probe_read_user(rec + off, len & (VIGIL_ARGV_MAX * 2 - 1), (void *)arg_start) == 0) {
		e->argv.len = len;
		e->argc = BPF_CORE_READ(bprm, argc);
		off += len;
	}
	submit(rec, off, false);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_fork, struct task_struct *parent, struct task_struct *child)
{
	/* Threads share the thread group: only new processes are reported. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	__u64 cgid = bpf_get_current_cgroup_id();
	if (!cgroup_watched(cgid))
		return 0;
	__u8 *rec = scratch_buf();
	if (!rec)
		return 0;
	struct vigil_fork *e = (struct vigil_fork *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, VIGIL_FORK, cgid);
	e->child_tgid = BPF_CORE_READ(child, tgid);
	e->pad = 0;
	submit(rec, sizeof(*e), false);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_exit, struct task_struct *p)
{
	/* Only the last thread of a thread group ends the process. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	__u64 cgid = bpf_get_current_cgroup_id();
	if (!cgroup_watched(cgid))
		return 0;
	__u8 *rec = scratch_buf();
	if (!rec)
		return 0;
	struct vigil_exit *e = (struct vigil_exit *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, VIGIL_EXIT, cgid);
	int code = BPF_CORE_READ(p, exit_code);
	int group = BPF_CORE_READ(p, signal, group_exit_code);
	e->code = group ? group : code;
	e->pad = 0;
	submit(rec, sizeof(*e), false);
	return 0;
}

/* ---------------------------------------------------------------- syscalls */

static __always_inline void read_sockaddr(void *uaddr, __u16 *family, __u16 *port, __u8 addr[16], __u8 *rec,
					  __u32 *off, struct vigil_str *path, struct vigil_hdr *h)
{
	*family = 0;
	*port = 0;
	if (!uaddr)
		return;
	__u16 fam = 0;
	bpf_probe_read_user(&fam, sizeof(fam), uaddr);
	*family = fam;
	if (fam == AF_INET) {
		struct sockaddr_in sin = {};
		bpf_probe_read_user(&sin, sizeof(sin), uaddr);
		*port = bpf_ntohs(sin.sin_port);
		__builtin_memcpy(addr, &sin.sin_addr, 4);
	} else if (fam == AF_INET6) {
		struct sockaddr_in6 sin6 = {};
		bpf_probe_read_user(&sin6, sizeof(sin6), uaddr);
		*port = bpf_ntohs(sin6.sin6_port);
		__builtin_memcpy(addr, &sin6.sin6_addr, 16);
	} else if (fam == AF_UNIX) {
		/* An abstract socket's name starts with a NUL byte: record it as "@name", as ss and
		 * /proc/net/unix show it, rather than as an empty path. */
		char first = 0;
		bpf_probe_read_user(&first, 1, (char *)uaddr + 2);
		if (first != 0) {
			*off = put_str(rec, *off, path, (char *)uaddr + 2, true, 108, h);
		} else {
			__u32 o = *off & OFF_MASK;
			path->off = o;
			rec[o] = '@';
			long n = bpf_probe_read_user_str(rec + ((o + 1) & OFF_MASK), 107, (char *)uaddr + 3);
			path->len = n > 0 ? n : 1; /* "@" and the name without its NUL */
			*off = o + 1 + (n > 0 ? n : 0);
		}
	}
}

static __always_inline void sock_local(struct sock *sk, struct vigil_net *e)
{
	if (!sk)
		return;
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (!e->family)
		e->family = fam;
	if (fam == AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(e->laddr, &a, 4);
	} else if (fam == AF_INET6) {
		BPF_CORE_READ_INTO(&e->laddr, sk, __sk_common.skc_v6_rcv_saddr);
	}
}

static __always_inline void sock_remote(struct sock *sk, struct vigil_net *e)
{
	if (!sk)
		return;
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (fam == AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(e->raddr, &a, 4);
	} else if (fam == AF_INET6) {
		BPF_CORE_READ_INTO(&e->raddr, sk, __sk_common.skc_v6_daddr);
	}
}

static __always_inline int on_net(__u8 *rec, long nr, struct pt_regs *regs, long ret, __u64 cgid)
{
	struct vigil_net *e = (struct vigil_net *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	__u16 kind = nr == NR_connect ? VIGIL_CONNECT
		     : nr == NR_bind  ? VIGIL_BIND
		     : nr == NR_listen ? VIGIL_LISTEN
				       : VIGIL_ACCEPT;
	fill_hdr(&e->h, kind, cgid);
	e->result = ret;
	e->backlog = 0;
	e->family = 0;
	e->type = 0;
	e->protocol = 0;
	e->rport = 0;
	e->lport = 0;
	e->pad = 0;
	__builtin_memset(e->raddr, 0, 16);
	__builtin_memset(e->laddr, 0, 16);
	__u32 off = sizeof(*e);
	e->path.off = off;
	e->path.len = 0;
	int fd = BPF_CORE_READ(regs, di);
	void *uaddr = (void *)BPF_CORE_READ(regs, si);
	__u16 type = 0;
	if (kind == VIGIL_CONNECT) {
		read_sockaddr(uaddr, &e->family, &e->rport, e->raddr, rec, &off, &e->path, &e->h);
		struct sock *sk = sock_from_fd(fd, &type);
		sock_local(sk, e);
	} else if (kind == VIGIL_BIND) {
		read_sockaddr(uaddr, &e->family, &e->lport, e->laddr, rec, &off, &e->path, &e->h);
		struct sock *sk = sock_from_fd(fd, &type);
		if (sk)
			e->protocol = BPF_CORE_READ(sk, sk_protocol);
	} else if (kind == VIGIL_LISTEN) {
		e->backlog = (int)BPF_CORE_READ(regs, si);
		struct sock *sk = sock_from_fd(fd, &type);
		sock_local(sk, e);
	} else {
		/* accept: the new socket is the result */
		struct sock *sk = ret >= 0 ? sock_from_fd(ret, &type) : sock_from_fd(fd, &type);
		sock_local(sk, e);
		if (ret >= 0)
			sock_remote(sk, e);
	}
	e->type = type;
	submit(rec, off, true);
	return 0;
}

/*
 * DNS over UDP: queries sent (sendto/sendmsg/sendmmsg) and responses received
 * (recvfrom/recvmsg/recvmmsg) on UDP sockets whose peer port is in dns_ports.
 * For the *mmsg calls only the first message is looked at.
 */
static __always_inline int on_dns(__u8 *rec, long nr, struct pt_regs *regs, long ret, __u64 cgid)
{
	bool response = nr == NR_recvfrom || nr == NR_recvmsg || nr == NR_recvmmsg;
	if (response && ret <= 0)
		return 0;
	int fd = BPF_CORE_READ(regs, di);
	__u16 type = 0;
	struct sock *sk = sock_from_fd(fd, &type);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	void *buf = NULL;
	__u64 len = 0;
	void *uaddr = NULL;
	if (nr == NR_sendto || nr == NR_recvfrom) {
		/* sendto(fd, buf, len, flags, addr, addrlen) / recvfrom(fd, buf, len, flags, src, srclen) */
		buf = (void *)BPF_CORE_READ(regs, si);
		len = response ? (__u64)ret : BPF_CORE_READ(regs, dx);
		uaddr = (void *)BPF_CORE_READ(regs, r8);
	} else {
		/* (send|recv)msg(fd, msghdr*), (send|recv)mmsg(fd, mmsghdr*): the first message */
		void *umsg = (void *)BPF_CORE_READ(regs, si);
		struct user_msghdr msg = {};
		if (bpf_probe_read_user(&msg, sizeof(msg), umsg) != 0)
			return 0;
		uaddr = msg.msg_name;
		struct iovec iov = {};
		if (msg.msg_iovlen < 1 || bpf_probe_read_user(&iov, sizeof(iov), msg.msg_iov) != 0)
			return 0;
		buf = iov.iov_base;
		len = iov.iov_len;
		if (nr == NR_recvmsg) {
			len = ret;
		} else if (nr == NR_recvmmsg) {
			/* struct mmsghdr { struct user_msghdr msg_hdr; unsigned int msg_len; } */
			__u32 got = 0;
			bpf_probe_read_user(&got, sizeof(got), umsg + sizeof(struct user_msghdr));
			len = got;
		}
		if (len > iov.iov_len)
			len = iov.iov_len; /* the rest went to further iovecs */
	}
	struct vigil_dns *e = (struct vigil_dns *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	__u16 family = 0, port = 0;
	if (uaddr) {
		bpf_probe_read_user(&family, sizeof(family), uaddr);
		if (family == AF_INET) {
			struct sockaddr_in sin = {};
			bpf_probe_read_user(&sin, sizeof(sin), uaddr);
			port = bpf_ntohs(sin.sin_port);
			__builtin_memcpy(e->daddr, &sin.sin_addr, 4);
		} else if (family == AF_INET6) {
			struct sockaddr_in6 sin6 = {};
			bpf_probe_read_user(&sin6, sizeof(sin6), uaddr);
			port = bpf_ntohs(sin6.sin6_port);
			__builtin_memcpy(e->daddr, &sin6.sin6_addr, 16);
		} else {
			return 0;
		}
	} else {
		family = BPF_CORE_READ(sk, __sk_common.skc_family);
		port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (family == AF_INET) {
			__u32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
			__builtin_memcpy(e->daddr, &a, 4);
		} else if (family == AF_INET6) {
			BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr);
		}
	}
	if (!bpf_map_lookup_elem(&dns_ports, &port))
		return 0;
	fill_hdr(&e->h, VIGIL_DNS, cgid);
	if (response)
		e->h.flags |= VIGIL_F_DNS_RESPONSE;
	e->result = ret;
	e->family = family;
	e->dport = port;
	__u32 off = sizeof(*e);
	e->payload.off = off;
	e->payload.len = 0;
	if (len > VIGIL_DNS_MAX) {
		len = VIGIL_DNS_MAX;
		e->h.flags |= VIGIL_F_TRUNCATED;
	}
	if (len > 0 && bpf_probe_read_user(rec + off, len & (VIGIL_DNS_MAX * 2 - 1), buf) == 0) {
		e->payload.len = len;
		/* The random transaction id would make every query unique to dedup. */
		if (dedup_enabled && len >= 2) {
			rec[off] = 0;
			rec[off + 1] = 0;
		}
		off += len;
	}
	submit(rec, off, true);
	return 0;
}

static __always_inline int on_open(__u8 *rec, long nr, struct pt_regs *regs, long ret, __u64 cgid)
{
	struct vigil_open *e = (struct vigil_open *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, VIGIL_OPEN, cgid);
	e->result = ret;
	e->syscall = nr;
	const char *upath;
	if (nr == NR_open) {
		e->dirfd = AT_FDCWD;
		upath = (const char *)BPF_CORE_READ(regs, di);
		e->flags = BPF_CORE_READ(regs, si);
		e->mode = BPF_CORE_READ(regs, dx);
	} else if (nr == NR_openat) {
		e->dirfd = BPF_CORE_READ(regs, di);
		upath = (const char *)BPF_CORE_READ(regs, si);
		e->flags = BPF_CORE_READ(regs, dx);
		e->mode = BPF_CORE_READ(regs, r10);
	} else {
		/* openat2(dirfd, path, struct open_how *how, size) */
		e->dirfd = BPF_CORE_READ(regs, di);
		upath = (const char *)BPF_CORE_READ(regs, si);
		struct open_how how = {};
		bpf_probe_read_user(&how, sizeof(how), (void *)BPF_CORE_READ(regs, dx));
		e->flags = how.flags;
		e->mode = how.mode;
	}
	/* The mode argument is only meaningful with O_CREAT or O_TMPFILE; otherwise it is register noise. */
	if (!(e->flags & (00000100 | 020000000)))
		e->mode = 0;
	__u32 off = sizeof(*e);
	off = put_str(rec, off, &e->path, upath, true, VIGIL_PATH_MAX, &e->h);
	/* The path is already in the record: no second read of user memory for its first byte. */
	char first = rec[e->path.off & OFF_MASK];
	if (first != '/' && e->path.len > 0) {
		if (e->dirfd == AT_FDCWD) {
			struct task_struct *task = bpf_get_current_task_btf();
			off = put_dpath(rec, off, &e->dir, BPF_CORE_READ(task, fs, pwd.dentry),
					BPF_CORE_READ(task, fs, pwd.mnt), &e->h);
		} else {
			struct file *f = file_from_fd(e->dirfd);
			if (f)
				off = put_dpath(rec, off, &e->dir, BPF_CORE_READ(f, f_path.dentry),
						BPF_CORE_READ(f, f_path.mnt), &e->h);
			else {
				e->dir.off = off & OFF_MASK;
				e->dir.len = 0;
			}
		}
	} else {
		e->dir.off = off & OFF_MASK;
		e->dir.len = 0;
	}
	submit(rec, off, true);
	return 0;
}

static __always_inline int on_priv(__u8 *rec, long nr, struct pt_regs *regs, long ret, __u64 cgid)
{
	struct vigil_priv *e = (struct vigil_priv *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, VIGIL_PRIV, cgid);
	e->result = ret;
	e->syscall = nr;
	e->ids[0] = BPF_CORE_READ(regs, di);
	e->ids[1] = BPF_CORE_READ(regs, si);
	e->ids[2] = BPF_CORE_READ(regs, dx);
	e->cap_effective = 0;
	e->cap_permitted = 0;
	e->cap_inheritable = 0;
	if (nr == NR_capset) {
		e->nids = 0;
		/* capset(hdr, data): data is two {effective, permitted, inheritable} u32 triples (v2/v3) */
		__u32 d[6] = {};
		void *udata = (void *)BPF_CORE_READ(regs, si);
		if (udata && bpf_probe_read_user(d, sizeof(d), udata) != 0)
			bpf_probe_read_user(d, 12, udata);
		e->cap_effective = (__u64)d[0] | ((__u64)d[3] << 32);
		e->cap_permitted = (__u64)d[1] | ((__u64)d[4] << 32);
		e->cap_inheritable = (__u64)d[2] | ((__u64)d[5] << 32);
	} else if (nr == NR_setresuid || nr == NR_setresgid) {
		e->nids = 3;
	} else if (nr == NR_setreuid || nr == NR_setregid) {
		e->nids = 2;
	} else {
		e->nids = 1;
	}
	submit(rec, sizeof(*e), true);
	return 0;
}

static __always_inline int on_ns(__u8 *rec, long nr, struct pt_regs *regs, long ret, __u64 cgid)
{
	struct vigil_ns *e = (struct vigil_ns *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, VIGIL_NS, cgid);
	e->result = ret;
	e->syscall = nr;
	__u32 off = sizeof(*e);
	e->source.off = e->target.off = e->fstype.off = off;
	e->source.len = e->target.len = e->fstype.len = 0;
	if (nr == NR_unshare) {
		e->flags = BPF_CORE_READ(regs, di);
	} else if (nr == NR_setns) {
		e->flags = BPF_CORE_READ(regs, si);
	} else if (nr == NR_mount) {
		e->flags = BPF_CORE_READ(regs, r10);
		off = put_str(rec, off, &e->source, (void *)BPF_CORE_READ(regs, di), true, VIGIL_PATH_MAX, &e->h);
		off = put_str(rec, off, &e->target, (void *)BPF_CORE_READ(regs, si), true, VIGIL_PATH_MAX, &e->h);
		off = put_str(rec, off, &e->fstype, (void *)BPF_CORE_READ(regs, dx), true, 64, &e->h);
	} else {
		e->flags = BPF_CORE_READ(regs, si);
		off = put_str(rec, off, &e->target, (void *)BPF_CORE_READ(regs, di), true, VIGIL_PATH_MAX, &e->h);
	}
	submit(rec, off, true);
	return 0;
}

static __always_inline int on_ptrace(__u8 *rec, long nr, struct pt_regs *regs, long ret, __u64 cgid)
{
	struct vigil_ptrace *e = (struct vigil_ptrace *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, VIGIL_PTRACE, cgid);
	e->result = ret;
	e->request = BPF_CORE_READ(regs, di);
	e->target = BPF_CORE_READ(regs, si);
	submit(rec, sizeof(*e), true);
	return 0;
}

static __always_inline int on_module(__u8 *rec, long nr, struct pt_regs *regs, long ret, __u64 cgid)
{
	struct vigil_module *e = (struct vigil_module *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, VIGIL_MODULE, cgid);
	e->result = ret;
	e->syscall = nr;
	__u32 off = sizeof(*e);
	e->name.off = off;
	e->name.len = 0;
	if (nr == NR_finit_module) {
		struct file *f = file_from_fd(BPF_CORE_READ(regs, di));
		if (f)
			off = put_str(rec, off, &e->name, BPF_CORE_READ(f, f_path.dentry, d_name.name), false,
				      VIGIL_NAME_MAX, &e->h);
	}
	submit(rec, off, true);
	return 0;
}

static __always_inline int on_bpf(__u8 *rec, long nr, struct pt_regs *regs, long ret, __u64 cgid)
{
	struct vigil_bpf *e = (struct vigil_bpf *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	__u32 cmd = BPF_CORE_READ(regs, di);
	/* Only program loads are security-relevant here; map and query calls are noise. */
	if (cmd != BPF_PROG_LOAD)
		return 0;
	fill_hdr(&e->h, VIGIL_BPF, cgid);
	e->result = ret;
	e->cmd = cmd;
	e->pad = 0;
	e->prog_type = 0;
	__builtin_memset(e->prog_name, 0, 16);
	void *uattr = (void *)BPF_CORE_READ(regs, si);
	__u32 size = BPF_CORE_READ(regs, dx);
	if (uattr) {
		bpf_probe_read_user(&e->prog_type, 4, uattr);
		if (size >= bpf_core_field_offset(union bpf_attr, prog_name) + 16)
			bpf_probe_read_user(e->prog_name, 16, uattr + bpf_core_field_offset(union bpf_attr, prog_name));
	}
	submit(rec, sizeof(*e), true);
	return 0;
}

static __always_inline int on_memfd(__u8 *rec, long nr, struct pt_regs *regs, long ret, __u64 cgid)
{
	struct vigil_memfd *e = (struct vigil_memfd *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, VIGIL_MEMFD, cgid);
	e->result = ret;
	e->flags = BPF_CORE_READ(regs, si);
	__u32 off = sizeof(*e);
	off = put_str(rec, off, &e->name, (void *)BPF_CORE_READ(regs, di), true, VIGIL_NAME_MAX, &e->h);
	submit(rec, off, true);
	return 0;
}

/* ---------------------------------------------------------------- payloads */

struct pl_scratch {
	__u8 buf[VIGIL_PAYLOAD_SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_scratch);
} pl_scratch_map SEC(".maps");

/* One stream of one process: the TLS session or the socket, per direction sequence numbers. */
struct pl_conn_key {
	__u64 id;
	__u32 tgid;
	__u32 transport;
};

#define PL_STATE_PLAIN 1
#define PL_STATE_TLS 2 /* a socket that carries TLS records: its plaintext comes from the uprobes */
#define PL_STATE_IGNORED 3 /* neither HTTP nor JSON: its first bytes were sent, the rest is not read */

struct pl_conn {
	__u32 seq[2];
	__u32 state;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pl_conn_key);
	__type(value, struct pl_conn);
} pl_conns SEC(".maps");

/* Arguments of an SSL_* call in flight, by thread, for its uretprobe. */
struct pl_ssl_args {
	__u64 ssl;
	__u64 buf;
	__u64 outlen; /* the _ex variants: where the byte count is written */
	__u32 call;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pl_ssl_args);
} pl_ssl_args_map SEC(".maps");

#define PL_DATA (sizeof(struct vigil_payload))
#define PL_SOCK_STREAM 1
#define IPPROTO_TCP 6

static __always_inline __u8 *pl_buf(void)
{
	__u32 zero = 0;
	struct pl_scratch *s = bpf_map_lookup_elem(&pl_scratch_map, &zero);
	return s ? s->buf : NULL;
}

static __always_inline struct vigil_payload *pl_start(__u8 *rec, __u64 cgid, __u64 conn, __u8 transport,
						      __u8 direction, __u32 call, __u32 len, __s32 fd)
{
	struct vigil_payload *e = (struct vigil_payload *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h, VIGIL_PAYLOAD, cgid);
	e->conn = conn;
	e->transport = transport;
	e->direction = direction;
	e->call = call;
	e->len = len;
	e->fd = fd;
	e->data.off = PL_DATA;
	return e;
}

/* Numbers the record in its stream and sends it; `used` bytes of data follow the fixed part. */
static __always_inline void pl_submit(__u8 *rec, __u32 used, struct pl_conn *c)
{
	struct vigil_payload *e = (struct vigil_payload *)rec;
	if (used > VIGIL_PAYLOAD_MAX)
		used = VIGIL_PAYLOAD_MAX;
	e->data.len = used;
	if (used < e->len)
		e->h.flags |= VIGIL_F_TRUNCATED;
	if (c) {
		__u32 d = e->direction & 1;
		e->seq = c->seq[d];
		c->seq[d] += 1; /* also when the record is lost: the gap tells user space */
	}
	/* size is at most PL_DATA + VIGIL_PAYLOAD_MAX; the mask (kept from the optimiser) tells the verifier. */
	__u32 size = PL_DATA + used;
	barrier_var(size);
	size &= VIGIL_SCRATCH - 1;
	for (int i = 0; i < 8; i++)
		rec[size + i] = 0;
	size = (size + 7) & ~7u;
	e->h.size = size;
	__u64 flags = wakeup_flags();
	if (bpf_ringbuf_output(&events, rec, size & (VIGIL_SCRATCH - 1), flags) != 0) {
		count(VIGIL_CNT_PAYLOAD_FULL);
		return;
	}
	count(VIGIL_CNT_SUBMITTED);
}

static __always_inline struct pl_conn *pl_conn_of(__u64 id, __u32 transport, bool create)
{
	struct pl_conn_key key = {};
	key.id = id;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.transport = transport;
	struct pl_conn *c = bpf_map_lookup_elem(&pl_conns, &key);
	if (c || !create)
		return c;
	struct pl_conn fresh = {};
	bpf_map_update_elem(&pl_conns, &key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&pl_conns, &key);
}

static __always_inline void pl_conn_forget(__u64 id, __u32 transport)
{
	struct pl_conn_key key = {};
	key.id = id;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.transport = transport;
	bpf_map_delete_elem(&pl_conns, &key);
}

/* What a descriptor carries, when its payloads are captured. */
struct pl_target {
	__u64 ino;
	struct sock *sk; /* sockets only */
	__u16 family;
	__u8 transport;
	__u8 stdio; /* read on fd 0 or written on fd 1: a stdio transport (MCP servers) */
};

/*
 * Which descriptors are read: TCP sockets; pipes only as a process's stdin
 * (read) and stdout (written), which is the side of an MCP stdio server, so a
 * message is seen once and by the server; unix stream sockets as stdio (Node.js
 * gives a child's stdio socket pairs) or when one end has a name (the Docker or
 * containerd API, PostgreSQL, a local model server), not the unnamed pairs
 * processes keep among themselves.
 */
static __always_inline bool pl_classify(int fd, bool ingress, struct pl_target *t)
{
	struct file *f = file_from_fd(fd);
	if (!f)
		return false;
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	umode_t mode = BPF_CORE_READ(inode, i_mode) & S_IFMT;
	t->ino = BPF_CORE_READ(inode, i_ino);
	t->stdio = (ingress && fd == 0) || (!ingress && fd == 1);
	if (mode == S_IFIFO) {
		t->transport = VIGIL_PL_PIPE;
		return t->stdio;
	}
	if (mode != S_IFSOCK)
		return false;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	if (!sock || BPF_CORE_READ(sock, type) != PL_SOCK_STREAM)
		return false;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return false;
	t->sk = sk;
	t->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (t->family == AF_UNIX) {
		t->transport = VIGIL_PL_UNIX;
		if (t->stdio)
			return true;
		struct unix_sock *u = (struct unix_sock *)sk;
		if (BPF_CORE_READ(u, addr))
			return true;
		struct unix_sock *peer = (struct unix_sock *)BPF_CORE_READ(u, peer);
		return peer && BPF_CORE_READ(peer, addr);
	}
	t->stdio = 0;
	t->transport = VIGIL_PL_TCP;
	return (t->family == AF_INET || t->family == AF_INET6) && BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP;
}

/*
 * The first bytes of a stream decide whether it is read further: a TLS record
 * header means ciphertext (the uprobes see its plaintext); what cannot start
 * an HTTP/1.x message, a JSON text or a PostgreSQL conversation (another
 * binary protocol, a shell pipeline's text) is sent once, for the decoder to
 * count, and not copied again.
 */
static __always_inline __u32 pl_first_state(const __u8 *data, __u32 used, __u8 transport)
{
	__u8 b0 = data[0], b1 = data[1];
	if (transport == VIGIL_PL_TCP && used >= 3 && b0 >= 0x14 && b0 <= 0x17 && b1 == 0x03)
		return PL_STATE_TLS;
	if ((b0 >= 'A' && b0 <= 'Z') || b0 == '{' || b0 == '[' || b0 == ' ' || b0 == '\t' || b0 == '\r' || b0 == '\n')
		return PL_STATE_PLAIN;
	/*
	 * PostgreSQL's first message: a 4-byte length, then protocol 3.0 (a startup
	 * message) or the SSLRequest / GSSENCRequest codes. The retrieval decoder
	 * reads the whole conversation; after an accepted SSLRequest the decoder
	 * counts the TLS that follows.
	 */
	if (used >= 8 && b0 == 0 && ((data[4] == 0x00 && data[5] == 0x03 && data[6] == 0x00 && data[7] == 0x00) ||
				     (data[4] == 0x04 && data[5] == 0xd2 && data[6] == 0x16 && (data[7] == 0x2f || data[7] == 0x30))))
		return PL_STATE_PLAIN;
	return PL_STATE_IGNORED;
}

static __always_inline void pl_addresses(struct vigil_payload *e, struct pl_target *t)
{
	e->family = t->family;
	if (t->transport != VIGIL_PL_TCP)
		return;
	struct sock *sk = t->sk;
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (t->family == AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(e->laddr, &a, 4);
		a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(e->raddr, &a, 4);
	} else {
		BPF_CORE_READ_INTO(&e->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&e->raddr, sk, __sk_common.skc_v6_daddr);
	}
}

/* Decides a new stream's state from the record's first bytes; false when the stream is not read further. */
static __always_inline bool pl_keep(__u8 *rec, __u32 used, struct pl_conn *c, __u8 transport)
{
	if (c->state == PL_STATE_TLS || c->state == PL_STATE_IGNORED)
		return false;
	if (c->state == 0 && used > 0) {
		c->state = pl_first_state(rec + PL_DATA, used, transport);
		if (c->state == PL_STATE_TLS)
			return false;
	}
	return true;
}

/*
 * One read or write as consecutive records of up to VIGIL_PAYLOAD_MAX bytes
 * each (a `seq` each), until `payload_max` bytes of it were copied. The bytes
 * come from one buffer (read, write, SSL_*) or are gathered from a user iovec
 * array (readv, writev, sendmsg, recvmsg, one message of sendmmsg/recvmmsg),
 * VIGIL_PAYLOAD_IOV entries at most; either way a record is filled to 8 KiB
 * before the next one starts, so the records of a call are the same whatever
 * its buffers were. The last record's `len` is the rest of what the call moved,
 * so a cut beyond the cap, a page that is not resident or iovecs beyond the
 * limit are marked on it (VIGIL_F_TRUNCATED) and counted exactly by user space.
 *
 * One bpf_loop step copies one piece: the rest of the current buffer or of the
 * current record, whichever is shorter. The copy's progress lives in a per-CPU
 * map value, not on the stack: the verifier does not track what a map value
 * holds, so the step's states converge and it is checked once, not once per
 * possible byte count.
 */
struct pl_gather {
	__u64 uiov;     /* with `gathered`: the user iovec array */
	__u64 iovcnt;
	__u64 seg_base; /* the buffer being copied */
	__u64 seg_len;
	__u64 seg_off;  /* bytes of it copied */
	__u64 total;    /* bytes of the call to copy (at most the cap) */
	__u64 moved;    /* bytes the call moved */
	__u64 sent;     /* bytes in records already submitted */
	__u32 used;     /* bytes in the record being filled */
	__u32 iov_next; /* the next iovec to read */
	__u8 transport;
	__u8 decide;    /* sockets and pipes: the first record decides whether the stream is read further */
	__u8 first;     /* no record of this call submitted yet */
	__u8 gathered;  /* the bytes are spread over `uiov`; else they are `seg_len` bytes at `seg_base` */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_gather);
} pl_gather_map SEC(".maps");

/* The loop's context on the caller's stack: pointers only, the same in every step. */
struct pl_gather_ctx {
	__u8 *rec;
	struct pl_conn *c;
	struct pl_gather *g;
};

/* Submits the record being filled; returns 1 when the call is done (the last record, or a stream not read further). */
static __always_inline long pl_gather_flush(struct pl_gather_ctx *x, bool last)
{
	struct pl_gather *g = x->g;
	struct vigil_payload *e = (struct vigil_payload *)x->rec;
	struct pl_conn *c = x->c;
	__u32 used = g->used;
	if (g->first) {
		g->first = 0;
		if (g->decide && c && !pl_keep(x->rec, used, c, g->transport))
			return 1;
		/* A stream that starts with what no decoder reads: its first record only, the rest marked lost. */
		if (c && c->state == PL_STATE_IGNORED)
			last = true;
	}
	__u64 rest = g->moved - g->sent;
	e->len = last ? (rest > 0xffffffffULL ? 0xffffffffU : (__u32)rest) : used;
	pl_submit(x->rec, used, c);
	g->sent += used;
	g->used = 0;
	return last ? 1 : 0;
}

static long pl_gather_step(__u32 i, void *arg)
{
	struct pl_gather_ctx *x = arg;
	struct pl_gather *g = x->g;
	/* One place submits (the verifier walks its paths once): 1 as the call's last record, 2 as a full one. */
	int end = 0;
	if (g->seg_off >= g->seg_len) {
		/* The current buffer is done: the next iovec, or the end of what can be read. */
		struct iovec iov = {};
		const struct iovec *uiov = (const struct iovec *)g->uiov;
		if (!g->gathered || g->iov_next >= g->iovcnt || g->iov_next >= VIGIL_PAYLOAD_IOV ||
		    bpf_probe_read_user(&iov, sizeof(iov), &uiov[g->iov_next & (VIGIL_PAYLOAD_IOV - 1)]) != 0) {
			end = 1;
		} else {
			g->iov_next++;
			g->seg_base = (__u64)iov.iov_base;
			g->seg_len = iov.iov_len;
			g->seg_off = 0;
			if (iov.iov_len == 0)
				return 0;
		}
	}
	if (!end) {
		__u64 n = g->seg_len - g->seg_off;
		__u32 used = g->used;
		__u32 room = used < VIGIL_PAYLOAD_MAX ? VIGIL_PAYLOAD_MAX - used : 0;
		if (n > room)
			n = room;
		__u64 left = g->total - g->sent - used;
		if (n > left)
			n = left;
		/* used < VIGIL_PAYLOAD_MAX and n <= room here; the masks tell the verifier the same. */
		if (n > 0 && bpf_probe_read_user(x->rec + PL_DATA + (used & (VIGIL_PAYLOAD_MAX - 1)),
						 n & (VIGIL_PAYLOAD_MAX * 2 - 1), (void *)(g->seg_base + g->seg_off)) != 0) {
			end = 1; /* not resident: the rest is marked lost on this record */
		} else {
			used += n;
			g->used = used;
			g->seg_off += n;
			if (g->sent + used >= g->total)
				end = 1;
			else if (used >= VIGIL_PAYLOAD_MAX)
				end = 2;
			else
				return 0;
		}
	}
	return pl_gather_flush(x, end == 1);
}

/*
 * The record's header is filled already. The `moved` bytes are spread over
 * `iovcnt` iovecs at `uiov` when `gathered`, else they are at `base`. `x` is
 * the caller's (stack frames are small and nest: sys_exit, the payload handler,
 * the callbacks).
 */
static __always_inline void pl_gather(struct pl_gather_ctx *x, __u8 *rec, struct pl_conn *c, __u8 transport,
				      bool decide, bool gathered, const struct iovec *uiov, __u64 iovcnt, __u64 base,
				      __u64 moved)
{
	__u32 zero = 0;
	struct pl_gather *g = bpf_map_lookup_elem(&pl_gather_map, &zero);
	if (!g)
		return;
	__u64 cap = payload_max > VIGIL_PAYLOAD_TOTAL_MAX ? VIGIL_PAYLOAD_TOTAL_MAX : payload_max;
	g->uiov = (__u64)uiov;
	g->iovcnt = iovcnt;
	g->seg_base = base;
	g->seg_len = gathered ? 0 : moved;
	g->seg_off = 0;
	g->total = moved < cap ? moved : cap;
	g->moved = moved;
	g->sent = 0;
	g->used = 0;
	g->iov_next = 0;
	g->transport = transport;
	g->decide = decide;
	g->first = 1;
	g->gathered = gathered;
	x->rec = rec;
	x->c = c;
	x->g = g;
	/* One step per record and per iovec at most (an empty iovec takes a step of its own). */
	__u64 total = moved < cap ? moved : cap;
	bpf_loop((__u32)(total / VIGIL_PAYLOAD_MAX) + VIGIL_PAYLOAD_IOV + 2, pl_gather_step, x, 0);
}

/*
 * sendmmsg/recvmmsg: each message as its own call (a bpf_loop callback each),
 * up to VIGIL_PAYLOAD_MMSG, the kernel's own limit on the messages of one call
 * (UIO_MAXIOV), so in practice every message the call moved.
 */
struct pl_mmsg_ctx {
	__u8 *rec;
	struct mmsghdr *msgs;
	struct pl_target *t;
	struct pl_conn *c;
	__u64 cgid;
	__u32 nr;
	__s32 fd;
	__u32 done; /* messages looked at: sent, empty, or in a stream not read further */
};

static long pl_mmsg_one(__u32 i, void *arg)
{
	struct pl_mmsg_ctx *x = arg;
	/* Only the fields used, read one by one: the stack is shared with the callers' frames. */
	struct mmsghdr *um = &x->msgs[i & (VIGIL_PAYLOAD_MMSG - 1)];
	struct iovec *iov = NULL;
	__u64 iovlen = 0;
	__u32 len = 0;
	struct pl_conn *c = x->c;
	if (!c || bpf_probe_read_user(&iov, sizeof(iov), &um->msg_hdr.msg_iov) != 0 ||
	    bpf_probe_read_user(&iovlen, sizeof(iovlen), &um->msg_hdr.msg_iovlen) != 0 ||
	    bpf_probe_read_user(&len, sizeof(len), &um->msg_len) != 0)
		return 1; /* this message and the rest are counted as lost by the caller */
	x->done = i + 1;
	if (len == 0)
		return 0;
	struct pl_target *t = x->t;
	__u8 *rec = x->rec;
	struct vigil_payload *e =
		pl_start(rec, x->cgid, t->ino, t->transport, x->nr == NR_recvmmsg ? 1 : 0, x->nr, len, x->fd);
	pl_addresses(e, t);
	if (t->stdio)
		e->h.flags |= VIGIL_F_PAYLOAD_STDIO;
	struct pl_gather_ctx g;
	pl_gather(&g, rec, c, t->transport, true, true, iov, iovlen, 0, len);
	/* A stream found to carry TLS or nothing readable: the later messages are not read either. */
	if (c->state == PL_STATE_TLS || c->state == PL_STATE_IGNORED) {
		x->done = 0xffffffffU;
		return 1;
	}
	return 0;
}

static __always_inline void pl_mmsg(struct pl_mmsg_ctx *x, __u8 *rec, long nr, struct pt_regs *regs, long ret,
				    __u64 cgid, int fd, struct pl_target *t, struct pl_conn *c)
{
	x->rec = rec;
	x->msgs = (struct mmsghdr *)BPF_CORE_READ(regs, si);
	x->t = t;
	x->c = c;
	x->cgid = cgid;
	x->nr = nr;
	x->fd = fd;
	x->done = 0;
	__u32 n = ret < VIGIL_PAYLOAD_MMSG ? (__u32)ret : VIGIL_PAYLOAD_MMSG;
	bpf_loop(n, pl_mmsg_one, x, 0);
	/*
	 * Messages not read (past the limit, or an unreadable mmsghdr) still take
	 * their sequence numbers, one each: the decoder sees the gap. A stream
	 * found not to be read further (TLS, unrecognised) gets no more records.
	 */
	__u32 done = x->done;
	if (done < (__u64)ret)
		c->seq[nr == NR_recvmmsg ? 1 : 0] += (__u32)ret - done;
}

/*
 * read/write/readv/writev/sendto/recvfrom/sendmsg/recvmsg/sendmmsg/recvmmsg on
 * a descriptor pl_classify accepts. Returns 1 when it did (handled here), 0 otherwise.
 */
static __always_inline int on_payload_syscall(long nr, struct pt_regs *regs, long ret, __u64 cgid)
{
	int fd = BPF_CORE_READ(regs, di);
	bool ingress = nr == NR_read || nr == NR_readv || nr == NR_recvfrom || nr == NR_recvmsg || nr == NR_recvmmsg;
	struct pl_target t = {};
	if (!pl_classify(fd, ingress, &t))
		return 0;
	if (ret < 0 || (ret == 0 && !ingress))
		return 1;
	if (ret == 0) {
		/* EOF on a stream seen before: tell the decoder it ended. */
		struct pl_conn *c = pl_conn_of(t.ino, t.transport, false);
		if (!c || c->state != PL_STATE_PLAIN)
			return 1;
		__u8 *rec = pl_buf();
		if (!rec)
			return 1;
		struct vigil_payload *e = pl_start(rec, cgid, t.ino, t.transport, 1, nr, 0, fd);
		e->h.flags |= VIGIL_F_PAYLOAD_END;
		if (t.stdio)
			e->h.flags |= VIGIL_F_PAYLOAD_STDIO;
		e->family = t.family;
		pl_submit(rec, 0, c);
		pl_conn_forget(t.ino, t.transport);
		return 1;
	}
	struct pl_conn *c = pl_conn_of(t.ino, t.transport, true);
	if (!c || c->state == PL_STATE_TLS || c->state == PL_STATE_IGNORED)
		return 1;
	__u8 *rec = pl_buf();
	if (!rec)
		return 1;
	union {
		struct pl_gather_ctx gather;
		struct pl_mmsg_ctx mm;
	} loop;
	if (nr == NR_sendmmsg || nr == NR_recvmmsg) {
		pl_mmsg(&loop.mm, rec, nr, regs, ret, cgid, fd, &t, c);
		return 1;
	}
	struct vigil_payload *e = pl_start(rec, cgid, t.ino, t.transport, ingress ? 1 : 0, nr, ret, fd);
	pl_addresses(e, &t);
	if (t.stdio)
		e->h.flags |= VIGIL_F_PAYLOAD_STDIO;
	if (nr == NR_read || nr == NR_write || nr == NR_sendto || nr == NR_recvfrom) {
		pl_gather(&loop.gather, rec, c, t.transport, true, false, NULL, 0, BPF_CORE_READ(regs, si), ret);
		return 1;
	}
	/* Scattered buffers: readv/writev(fd, iov, iovcnt), sendmsg/recvmsg(fd, msghdr, flags). */
	const struct iovec *iov = NULL;
	__u64 iovcnt = 0;
	if (nr == NR_readv || nr == NR_writev) {
		iov = (const struct iovec *)BPF_CORE_READ(regs, si);
		iovcnt = BPF_CORE_READ(regs, dx);
	} else {
		struct user_msghdr *um = (struct user_msghdr *)BPF_CORE_READ(regs, si);
		if (bpf_probe_read_user(&iov, sizeof(iov), &um->msg_iov) != 0 ||
		    bpf_probe_read_user(&iovcnt, sizeof(iovcnt), &um->msg_iovlen) != 0)
			iovcnt = 0;
	}
	pl_gather(&loop.gather, rec, c, t.transport, true, true, iov, iovcnt, 0, ret);
	return 1;
}

/* TLS plaintext: uprobes on SSL_write/SSL_read(_ex), attached per file by user space. */

static __always_inline bool pl_self(void)
{
	return self_tgid && (bpf_get_current_pid_tgid() >> 32) == self_tgid;
}

static __always_inline int ssl_enter(void *ssl, const void *buf, void *outlen, __u32 call)
{
	if (!payload_max || pl_self())
		return 0;
	if (!cgroup_watched(bpf_get_current_cgroup_id()))
		return 0;
	struct pl_ssl_args a = {};
	a.ssl = (__u64)ssl;
	a.buf = (__u64)buf;
	a.outlen = (__u64)outlen;
	a.call = call;
	__u64 id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&pl_ssl_args_map, &id, &a, BPF_ANY);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(vigil_ssl_write, void *ssl, const void *buf, int num)
{
	return ssl_enter(ssl, buf, NULL, VIGIL_PL_SSL_WRITE);
}

SEC("uprobe")
int BPF_KPROBE(vigil_ssl_write_ex, void *ssl, const void *buf, __u64 num, __u64 *written)
{
	return ssl_enter(ssl, buf, written, VIGIL_PL_SSL_WRITE_EX);
}

SEC("uprobe")
int BPF_KPROBE(vigil_ssl_read, void *ssl, void *buf, int num)
{
	return ssl_enter(ssl, buf, NULL, VIGIL_PL_SSL_READ);
}

SEC("uprobe")
int BPF_KPROBE(vigil_ssl_read_ex, void *ssl, void *buf, __u64 num, __u64 *readbytes)
{
	return ssl_enter(ssl, buf, readbytes, VIGIL_PL_SSL_READ_EX);
}

/* One return probe serves the four: the entry saved which call it was. */
SEC("uretprobe")
int BPF_KRETPROBE(vigil_ssl_ret, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pl_ssl_args *ap = bpf_map_lookup_elem(&pl_ssl_args_map, &id);
	if (!ap)
		return 0;
	struct pl_ssl_args a = *ap;
	bpf_map_delete_elem(&pl_ssl_args_map, &id);
	__u64 n = 0;
	if (a.call == VIGIL_PL_SSL_WRITE_EX || a.call == VIGIL_PL_SSL_READ_EX) {
		if ((int)ret != 1 || bpf_probe_read_user(&n, sizeof(n), (void *)a.outlen) != 0)
			return 0;
	} else {
		if ((int)ret <= 0)
			return 0;
		n = (int)ret;
	}
	if (n == 0)
		return 0;
	__u8 *rec = pl_buf();
	if (!rec)
		return 0;
	struct pl_conn *c = pl_conn_of(a.ssl, VIGIL_PL_TLS, true);
	bool ingress = a.call == VIGIL_PL_SSL_READ || a.call == VIGIL_PL_SSL_READ_EX;
	pl_start(rec, bpf_get_current_cgroup_id(), a.ssl, VIGIL_PL_TLS, ingress ? 1 : 0, a.call,
		 n > 0xffffffffULL ? 0xffffffffU : (__u32)n, -1);
	struct pl_gather_ctx x;
	pl_gather(&x, rec, c, VIGIL_PL_TLS, false, false, NULL, 0, a.buf, n);
	return 0;
}

/* SSL_free ends the session: its address may be reused by the next one. */
SEC("uprobe")
int BPF_KPROBE(vigil_ssl_free, void *ssl)
{
	if (!payload_max || pl_self())
		return 0;
	struct pl_conn *c = pl_conn_of((__u64)ssl, VIGIL_PL_TLS, false);
	if (!c)
		return 0;
	__u64 cgid = bpf_get_current_cgroup_id();
	if (!cgroup_watched(cgid))
		return 0;
	__u8 *rec = pl_buf();
	if (!rec)
		return 0;
	struct vigil_payload *e = pl_start(rec, cgid, (__u64)ssl, VIGIL_PL_TLS, 1, VIGIL_PL_SSL_FREE, 0, -1);
	e->h.flags |= VIGIL_F_PAYLOAD_END;
	pl_submit(rec, 0, c);
	pl_conn_forget((__u64)ssl, VIGIL_PL_TLS);
	return 0;
}

/*
 * Payload syscalls continue here by a tail call from vigil_sys_exit: a fresh
 * stack frame, which the payload path (and its bpf_loop callbacks) needs on
 * top of the handlers of every other syscall. Loaded, never attached itself.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(vigil_payload_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;
	__u64 cgid = bpf_get_current_cgroup_id();
	if (on_payload_syscall(nr, regs, ret, cgid))
		return 0;
	if (nr == NR_read || nr == NR_write || nr == NR_readv || nr == NR_writev)
		return 0;
	/* Not a captured stream: a datagram socket may carry DNS. */
	__u8 *rec = scratch_buf();
	if (!rec)
		return 0;
	return on_dns(rec, nr, regs, ret, cgid);
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(void *));
} pl_tail SEC(".maps") = {
	.values = { [0] = (void *)&vigil_payload_exit },
};

/*
 * Runs on every syscall exit on the machine, so the path for syscalls Vigil
 * does not capture is kept short: tp_btf gives a typed pt_regs pointer, read
 * directly instead of through a probe-read helper call.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(vigil_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;
	if (!interesting(nr))
		return 0;
	if (self_tgid && (bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return 0;
	__u64 cgid = bpf_get_current_cgroup_id();
	if (!cgroup_watched(cgid))
		return 0;
	__u8 *rec = scratch_buf();
	if (!rec)
		return 0;
	switch (nr) {
	case NR_open:
	case NR_openat:
	case NR_openat2:
		return on_open(rec, nr, regs, ret, cgid);
	case NR_connect:
	case NR_accept:
	case NR_accept4:
	case NR_bind:
	case NR_listen:
		return on_net(rec, nr, regs, ret, cgid);
	case NR_read:
	case NR_write:
	case NR_readv:
	case NR_writev:
		bpf_tail_call(ctx, &pl_tail, 0);
		return 0;
	case NR_sendto:
	case NR_sendmsg:
	case NR_recvfrom:
	case NR_recvmsg:
	case NR_sendmmsg:
	case NR_recvmmsg:
		if (payload_sockets)
			bpf_tail_call(ctx, &pl_tail, 0);
		return on_dns(rec, nr, regs, ret, cgid);
	case NR_ptrace:
		return on_ptrace(rec, nr, regs, ret, cgid);
	case NR_mount:
	case NR_umount2:
	case NR_unshare:
	case NR_setns:
		return on_ns(rec, nr, regs, ret, cgid);
	case NR_init_module:
	case NR_finit_module:
		return on_module(rec, nr, regs, ret, cgid);
	case NR_memfd_create:
		return on_memfd(rec, nr, regs, ret, cgid);
	case NR_bpf:
		return on_bpf(rec, nr, regs, ret, cgid);
	default:
		return on_priv(rec, nr, regs, ret, cgid);
	}
}
