// SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0)
/*
 * Vigil enforcement programs: an egress allowlist on cgroup sock_addr hooks
 * (connect4/6 refuse with EPERM, sendmsg4/6 for unconnected UDP) and an exec
 * allowlist at tp_btf/sched_process_exec (SIGKILL through bpf_send_signal, the
 * only exec-time action this class of kernel offers without BPF-LSM). Where the
 * kernel runs the bpf LSM, lsm/bprm_check_security refuses the exec outright
 * (EPERM) instead; it is loaded only then (autoload off by default, `lsm_exec`
 * set before load), and the tracepoint then leaves exec decisions to it.
 *
 * A policy applies to a cgroup and its subtree (`enf_targets`, keyed by cgroup
 * id); the deepest enforced ancestor of the current task wins. Modes and
 * allowlists live in maps, so a policy changes without detaching anything.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "vigil_record.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define SIGKILL 9
#define EPERM 1
#define MAX_CGROUP_DEPTH 32

/* Set before load when lsm/bprm_check_security is loaded: execs are decided there. */
const volatile bool lsm_exec = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} enf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct vigil_enf_target);
} enf_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct vigil_enf_v4_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} enf_egress4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct vigil_enf_v6_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} enf_egress6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vigil_enf_exec_key);
	__type(value, __u32);
} enf_exec SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_ENF_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} enf_counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&enf_counters, &idx);
	if (v)
		*v += 1;
}

/* The enforced cgroup nearest to the current task (its own or an ancestor's), or NULL. */
static __always_inline struct vigil_enf_target *current_target(__u64 *target_id)
{
	struct vigil_enf_target *found = NULL;
	for (int level = 0; level < MAX_CGROUP_DEPTH; level++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id)
			break;
		struct vigil_enf_target *t = bpf_map_lookup_elem(&enf_targets, &id);
		if (t) {
			found = t;
			*target_id = id;
		}
	}
	return found;
}

static __always_inline void fill_hdr(struct vigil_hdr *h)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	h->kind = VIGIL_ENFORCE;
	h->size = sizeof(struct vigil_enforce) + VIGIL_PATH_MAX;
	h->flags = 0;
	h->ts_mono = bpf_ktime_get_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->tgid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = 0;
	h->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline struct vigil_enforce *reserve(void)
{
	struct vigil_enforce *e = bpf_ringbuf_reserve(&enf_events, sizeof(*e) + VIGIL_PATH_MAX, 0);
	if (!e) {
		count(VIGIL_ENF_CNT_RINGBUF_FULL);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->h);
	return e;
}

static __always_inline int decide_v4(struct bpf_sock_addr *ctx, __u32 op)
{
	__u64 target_id = 0;
	struct vigil_enf_target *t = current_target(&target_id);
	if (!t || !(t->flags & VIGIL_ENF_EGRESS))
		return 1;
	count(VIGIL_ENF_CNT_CHECKED);
	__u32 ip = ctx->user_ip4; /* network order */
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	__u8 *a = (__u8 *)&ip;
	if ((t->flags & VIGIL_ENF_LOOPBACK) && a[0] == 127) {
		count(VIGIL_ENF_CNT_ALLOWED);
		return 1;
	}
	struct vigil_enf_v4_key k = {.prefixlen = 64 + 32, .policy = t->policy, .port = port};
	__builtin_memcpy(k.addr, &ip, 4);
	if (bpf_map_lookup_elem(&enf_egress4, &k)) {
		count(VIGIL_ENF_CNT_ALLOWED);
		return 1;
	}
	k.port = 0;
	if (bpf_map_lookup_elem(&enf_egress4, &k)) {
		count(VIGIL_ENF_CNT_ALLOWED);
		return 1;
	}
	bool enforce = t->mode == VIGIL_ENF_MODE_ENFORCE;
	count(enforce ? VIGIL_ENF_CNT_BLOCKED : VIGIL_ENF_CNT_WOULD_BLOCK);
	struct vigil_enforce *e = reserve();
	if (e) {
		e->op = op;
		e->action = enforce ? VIGIL_ENF_BLOCKED : VIGIL_ENF_WOULD_BLOCK;
		e->policy = t->policy;
		e->mode = t->mode;
		e->target_cgroup = target_id;
		e->family = AF_INET;
		e->rport = port;
		e->protocol = ctx->protocol;
		__builtin_memcpy(e->raddr, &ip, 4);
		e->path.off = sizeof(*e);
		bpf_ringbuf_submit(e, 0);
	}
	return enforce ? 0 : 1;
}

static __always_inline int decide_v6(struct bpf_sock_addr *ctx, __u32 op)
{
	__u64 target_id = 0;
	struct vigil_enf_target *t = current_target(&target_id);
	if (!t || !(t->flags & VIGIL_ENF_EGRESS))
		return 1;
	count(VIGIL_ENF_CNT_CHECKED);
	__u32 ip[4];
	ip[0] = ctx->user_ip6[0];
	ip[1] = ctx->user_ip6[1];
	ip[2] = ctx->user_ip6[2];
	ip[3] = ctx->user_ip6[3];
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	__u8 *a = (__u8 *)ip;
	bool loopback = ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] == bpf_htonl(1);
	/* ::ffff:127.x.x.x, an IPv4 loopback peer reached through an IPv6 socket */
	bool mapped_loopback = ip[0] == 0 && ip[1] == 0 && ip[2] == bpf_htonl(0xffff) && a[12] == 127;
	if ((t->flags & VIGIL_ENF_LOOPBACK) && (loopback || mapped_loopback)) {
		count(VIGIL_ENF_CNT_ALLOWED);
		return 1;
	}
	struct vigil_enf_v6_key k = {.prefixlen = 64 + 128, .policy = t->policy, .port = port};
	__builtin_memcpy(k.addr, ip, 16);
	if (bpf_map_lookup_elem(&enf_egress6, &k)) {
		count(VIGIL_ENF_CNT_ALLOWED);
		return 1;
	}
	k.port = 0;
	if (bpf_map_lookup_elem(&enf_egress6, &k)) {
		count(VIGIL_ENF_CNT_ALLOWED);
		return 1;
	}
	bool enforce = t->mode == VIGIL_ENF_MODE_ENFORCE;
	count(enforce ? VIGIL_ENF_CNT_BLOCKED : VIGIL_ENF_CNT_WOULD_BLOCK);
	struct vigil_enforce *e = reserve();
	if (e) {
		e->op = op;
		e->action = enforce ? VIGIL_ENF_BLOCKED : VIGIL_ENF_WOULD_BLOCK;
		e->policy = t->policy;
		e->mode = t->mode;
		e->target_cgroup = target_id;
		e->family = AF_INET6;
		e->rport = port;
		e->protocol = ctx->protocol;
		__builtin_memcpy(e->raddr, ip, 16);
		e->path.off = sizeof(*e);
		bpf_ringbuf_submit(e, 0);
	}
	return enforce ? 0 : 1;
}

SEC("cgroup/connect4")
int vigil_enf_connect4(struct bpf_sock_addr *ctx)
{
	return decide_v4(ctx, VIGIL_ENF_CONNECT4);
}

SEC("cgroup/connect6")
int vigil_enf_connect6(struct bpf_sock_addr *ctx)
{
	return decide_v6(ctx, VIGIL_ENF_CONNECT6);
}

SEC("cgroup/sendmsg4")
int vigil_enf_sendmsg4(struct bpf_sock_addr *ctx)
{
	return decide_v4(ctx, VIGIL_ENF_SENDMSG4);
}

SEC("cgroup/sendmsg6")
int vigil_enf_sendmsg6(struct bpf_sock_addr *ctx)
{
	return decide_v6(ctx, VIGIL_ENF_SENDMSG6);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_enf_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (lsm_exec)
		return 0;
	__u64 target_id = 0;
	struct vigil_enf_target *t = current_target(&target_id);
	if (!t || !(t->flags & VIGIL_ENF_EXEC_ALLOW))
		return 0;
	count(VIGIL_ENF_CNT_CHECKED);
	struct vigil_enf_exec_key k = {.policy = t->policy};
	struct file *file = BPF_CORE_READ(bprm, file);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	k.ino = BPF_CORE_READ(inode, i_ino);
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (bpf_map_lookup_elem(&enf_exec, &k)) {
		count(VIGIL_ENF_CNT_ALLOWED);
		return 0;
	}
	bool enforce = t->mode == VIGIL_ENF_MODE_ENFORCE;
	if (enforce)
		bpf_send_signal(SIGKILL);
	count(enforce ? VIGIL_ENF_CNT_KILLED : VIGIL_ENF_CNT_WOULD_BLOCK);
	struct vigil_enforce *e = reserve();
	if (e) {
		e->op = VIGIL_ENF_EXEC;
		e->action = enforce ? VIGIL_ENF_KILLED : VIGIL_ENF_WOULD_BLOCK;
		e->policy = t->policy;
		e->mode = t->mode;
		e->target_cgroup = target_id;
		e->dev = k.dev;
		e->ino = k.ino;
		e->h.ppid = BPF_CORE_READ(p, real_parent, tgid);
		e->path.off = sizeof(*e);
		long n = bpf_probe_read_kernel_str((__u8 *)e + sizeof(*e), VIGIL_PATH_MAX, BPF_CORE_READ(bprm, filename));
		if (n > 0) {
			e->path.len = n - 1;
			if (n == VIGIL_PATH_MAX)
				e->h.flags |= VIGIL_F_TRUNCATED;
		}
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

/*
 * Untested on a kernel that runs the bpf LSM (the development kernel does not):
 * the same decision as vigil_enf_exec, taken before the exec commits, so a
 * refused program never replaces the caller's image and execve fails with EPERM.
 * Called once per binary handler step: a script and then its interpreter.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(vigil_enf_bprm, struct linux_binprm *bprm, int ret)
{
	if (ret != 0)
		return ret;
	__u64 target_id = 0;
	struct vigil_enf_target *t = current_target(&target_id);
	if (!t || !(t->flags & VIGIL_ENF_EXEC_ALLOW))
		return 0;
	count(VIGIL_ENF_CNT_CHECKED);
	struct vigil_enf_exec_key k = {.policy = t->policy};
	struct file *file = BPF_CORE_READ(bprm, file);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	k.ino = BPF_CORE_READ(inode, i_ino);
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (bpf_map_lookup_elem(&enf_exec, &k)) {
		count(VIGIL_ENF_CNT_ALLOWED);
		return 0;
	}
	bool enforce = t->mode == VIGIL_ENF_MODE_ENFORCE;
	count(enforce ? VIGIL_ENF_CNT_BLOCKED : VIGIL_ENF_CNT_WOULD_BLOCK);
	struct vigil_enforce *e = reserve();
	if (e) {
		e->op = VIGIL_ENF_EXEC;
		e->action = enforce ? VIGIL_ENF_BLOCKED : VIGIL_ENF_WOULD_BLOCK;
		e->policy = t->policy;
		e->mode = t->mode;
		e->target_cgroup = target_id;
		e->dev = k.dev;
		e->ino = k.ino;
		struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
		e->h.ppid = BPF_CORE_READ(task, real_parent, tgid);
		e->path.off = sizeof(*e);
		long n = bpf_probe_read_kernel_str((__u8 *)e + sizeof(*e), VIGIL_PATH_MAX, BPF_CORE_READ(bprm, filename));
		if (n > 0) {
			e->path.len = n - 1;
			if (n == VIGIL_PATH_MAX)
				e->h.flags |= VIGIL_F_TRUNCATED;
		}
		bpf_ringbuf_submit(e, 0);
	}
	return enforce ? -EPERM : 0;
}
