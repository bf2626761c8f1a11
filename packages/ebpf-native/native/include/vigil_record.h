/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every record that crosses the Vigil ring buffer. Included by the BPF
 * programs and by the addon; src/decode/layout.ts mirrors it and a test checks
 * sizes and offsets against the addon's offsetof/sizeof report.
 *
 * A record is a fixed part (header + one body per kind) followed by a string
 * area. Strings are referenced by {off, len} relative to the record start;
 * `len` excludes the terminating NUL. All integers are little-endian.
 */
#ifndef VIGIL_RECORD_H
#define VIGIL_RECORD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VIGIL_RECORD_VERSION 1

/* Record kinds (vigil_hdr.kind). */
enum vigil_kind {
	VIGIL_EXEC = 1,
	VIGIL_FORK = 2,
	VIGIL_EXIT = 3,
	VIGIL_OPEN = 4,
	VIGIL_CONNECT = 5,
	VIGIL_ACCEPT = 6,
	VIGIL_BIND = 7,
	VIGIL_LISTEN = 8,
	VIGIL_DNS = 9,
	VIGIL_PRIV = 10,
	VIGIL_NS = 11,
	VIGIL_PTRACE = 12,
	VIGIL_MODULE = 13,
	VIGIL_BPF = 14,
	VIGIL_MEMFD = 15,
	VIGIL_KIND_MAX = 16,
	/* 16 is an enforcement decision (VIGIL_ENFORCE), on the enforcer's own ring buffer. */
	VIGIL_PAYLOAD = 17, /* bytes a watched process read or wrote (opt-in payload capture) */
};

/* vigil_hdr.flags */
#define VIGIL_F_TRUNCATED (1u << 0)     /* a string was cut at its limit */
#define VIGIL_F_FILELESS (1u << 1)      /* exec: the binary had no link (memfd, deleted) */
#define VIGIL_F_ARGV_TRUNCATED (1u << 2) /* exec: argv longer than VIGIL_ARGV_MAX */
#define VIGIL_F_DNS_RESPONSE (1u << 3)   /* dns: a datagram received from a DNS port, not one sent */
#define VIGIL_F_PAYLOAD_END (1u << 4)    /* payload: the stream ended (EOF read, SSL_free); no bytes */
#define VIGIL_F_PAYLOAD_STDIO (1u << 5)  /* payload: read on fd 0 or written on fd 1 (a stdio transport) */

/* Limits of variable-length data. */
#define VIGIL_PATH_MAX 512
#define VIGIL_NAME_MAX 256
#define VIGIL_ARGV_MAX 2048
#define VIGIL_DPATH_DEPTH 24
#define VIGIL_DNS_MAX 512
#define VIGIL_SCRATCH 16384
#define VIGIL_STR_AREA_MAX 8192
#define VIGIL_PAYLOAD_MAX 8192     /* payload bytes one record carries at most */
#define VIGIL_PAYLOAD_TOTAL_MAX (1u << 20) /* largest cap of one read or write, sent as consecutive records */
#define VIGIL_PAYLOAD_SCRATCH 32768 /* per-CPU buffer payload records are built in */
#define VIGIL_PAYLOAD_IOV 64        /* iovecs of a readv/writev/sendmsg/recvmsg (or one mmsg message) read */
#define VIGIL_PAYLOAD_MMSG 1024     /* messages of a sendmmsg/recvmmsg read, each as its own call: UIO_MAXIOV, the most one call moves */

/* Per-CPU counters (index into the `counters` map). */
enum vigil_counter {
	VIGIL_CNT_SUBMITTED = 0,   /* records written to the ring buffer */
	VIGIL_CNT_RINGBUF_FULL = 1, /* records lost: ring buffer full */
	VIGIL_CNT_DEDUP = 2,       /* records suppressed as repeats (not a loss) */
	VIGIL_CNT_PAYLOAD_FULL = 3, /* payload records lost: ring buffer full */
	VIGIL_CNT_MAX = 4,
};

/* A string in the record's string area. */
struct vigil_str {
	__u16 off;
	__u16 len;
};

/* Common header of every record: 56 bytes. */
struct vigil_hdr {
	__u16 kind;
	__u16 size;      /* whole record including strings */
	__u32 flags;
	__u64 ts_mono;   /* CLOCK_MONOTONIC ns; user space adds the wall offset */
	__u64 cgroup_id; /* cgroup v2 id (inode number of the cgroup directory) */
	__u32 tgid;
	__u32 tid;
	__u32 ppid;      /* real parent's tgid */
	__u32 uid;
	char comm[16];
};

struct vigil_exec {
	struct vigil_hdr h;
	__u32 argc;      /* NUL-separated strings in argv */
	__u32 old_tid;
	struct vigil_str filename; /* as passed to execve */
	struct vigil_str exe;      /* resolved path of the binary, leaf first (dpath) */
	struct vigil_str cwd;      /* working directory, leaf first (dpath) */
	struct vigil_str argv;     /* NUL-separated arguments */
};

struct vigil_fork {
	struct vigil_hdr h;
	__u32 child_tgid;
	__u32 pad;
};

struct vigil_exit {
	struct vigil_hdr h;
	__s32 code; /* raw wait status: (exit << 8) | signal */
	__u32 pad;
};

struct vigil_open {
	struct vigil_hdr h;
	__s32 result;
	__s32 dirfd;
	__u32 flags;
	__u32 mode;
	__u32 syscall; /* syscall number */
	struct vigil_str path; /* as passed */
	struct vigil_str dir;  /* for relative paths: dirfd or cwd, leaf first (dpath) */
};

/* connect, accept, bind, listen */
struct vigil_net {
	struct vigil_hdr h;
	__s32 result;
	__s32 backlog;
	__u16 family;   /* AF_INET 2, AF_INET6 10, AF_UNIX 1 */
	__u16 type;     /* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3 */
	__u16 protocol; /* IPPROTO_* */
	__u16 rport;    /* remote port, host order */
	__u16 lport;    /* local port, host order */
	__u16 pad;
	__u8 raddr[16]; /* IPv4 in the first 4 bytes */
	__u8 laddr[16];
	struct vigil_str path; /* AF_UNIX path */
};

struct vigil_dns {
	struct vigil_hdr h;
	__s32 result;
	__u16 family;
	__u16 dport;
	__u8 daddr[16];           /* the DNS server: destination of a query, source of a response */
	struct vigil_str payload; /* raw UDP payload (a DNS message), at most VIGIL_DNS_MAX bytes */
};

struct vigil_priv {
	struct vigil_hdr h;
	__s32 result;
	__u32 syscall;
	__s32 ids[3];
	__u32 nids;
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 cap_inheritable;
};

struct vigil_ns {
	struct vigil_hdr h;
	__s32 result;
	__u32 syscall;
	__u64 flags;
	struct vigil_str source;
	struct vigil_str target;
	struct vigil_str fstype;
};

struct vigil_ptrace {
	struct vigil_hdr h;
	__s32 result;
	__s32 target;
	__s64 request;
};

struct vigil_module {
	struct vigil_hdr h;
	__s32 result;
	__u32 syscall;
	struct vigil_str name;
};

struct vigil_bpf {
	struct vigil_hdr h;
	__s32 result;
	__u32 cmd;
	__u32 prog_type;
	__u32 pad;
	char prog_name[16];
};

struct vigil_memfd {
	struct vigil_hdr h;
	__s32 result;
	__u32 flags;
	struct vigil_str name;
};

/* vigil_payload.transport */
enum vigil_pl_transport {
	VIGIL_PL_TCP = 1, /* a plaintext TCP socket */
	VIGIL_PL_TLS = 2, /* plaintext at the SSL_read/SSL_write boundary (uprobes) */
	VIGIL_PL_PIPE = 3,
	VIGIL_PL_UNIX = 4,
};

/* vigil_payload.call: what produced the bytes (a syscall number, or one of these for uprobes). */
enum vigil_pl_call {
	VIGIL_PL_SSL_WRITE = 1000,
	VIGIL_PL_SSL_WRITE_EX = 1001,
	VIGIL_PL_SSL_READ = 1002,
	VIGIL_PL_SSL_READ_EX = 1003,
	VIGIL_PL_SSL_FREE = 1004,
};

/*
 * One completed read or write of a watched process (or the end of its
 * stream), taken on return so `len` is what the call really moved. `data`
 * holds the first bytes, at most the configured cap (VIGIL_F_TRUNCATED when
 * cut). `seq` counts per stream and direction in the kernel, so a record lost
 * to a full ring buffer shows as a gap.
 */
struct vigil_payload {
	struct vigil_hdr h;
	__u64 conn;       /* TLS: the SSL* address; sockets and pipes: the inode number */
	__u32 len;        /* bytes of the call this record stands for: its data, and on the last
	                     record of a call the rest of what it moved (more than data.len when cut) */
	__s32 fd;         /* -1 for TLS */
	__u32 seq;
	__u8 direction;   /* 0: the process wrote (egress); 1: it read (ingress) */
	__u8 transport;   /* enum vigil_pl_transport */
	__u16 family;     /* AF_INET / AF_INET6 / AF_UNIX for sockets, else 0 */
	__u16 lport;      /* host order */
	__u16 rport;
	__u32 call;       /* syscall number or enum vigil_pl_call */
	__u8 laddr[16];   /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
	struct vigil_str data;
	__u32 pad;
};

/* Key of the dedup LRU map. */
struct vigil_dedup_key {
	__u64 cgroup_id;
	__u64 hash;
	__u32 kind;
	__u32 pad;
};

/* Run-time switches (the single entry of the `config` array map). */
struct vigil_config {
	__u32 watch_all; /* 1: every cgroup; 0: only cgroups in `watched` */
	__u32 subtrees;  /* 1: some entry of `watched` includes its descendants */
};

/* Values of the `watched` map. */
#define VIGIL_WATCH_EXACT 1   /* this cgroup only */
#define VIGIL_WATCH_SUBTREE 2 /* this cgroup and every cgroup below it */

/*
 * Enforcement (native/bpf/enforce.bpf.c): a separate object with its own ring
 * buffer. Its records use the same header; the body says what was decided.
 */
#define VIGIL_ENFORCE 16 /* vigil_hdr.kind of an enforcement decision */

/* vigil_enforce.op */
enum vigil_enf_op {
	VIGIL_ENF_CONNECT4 = 1,
	VIGIL_ENF_CONNECT6 = 2,
	VIGIL_ENF_SENDMSG4 = 3,
	VIGIL_ENF_SENDMSG6 = 4,
	VIGIL_ENF_EXEC = 5,
};

/* vigil_enforce.action */
enum vigil_enf_action {
	VIGIL_ENF_WOULD_BLOCK = 1, /* monitor mode: allowed, reported */
	VIGIL_ENF_BLOCKED = 2,     /* enforce mode: the syscall failed with EPERM */
	VIGIL_ENF_KILLED = 3,      /* enforce mode: SIGKILL sent at exec */
};

/* Modes (vigil_enf_target.mode). */
#define VIGIL_ENF_MODE_MONITOR 1
#define VIGIL_ENF_MODE_ENFORCE 2

/* vigil_enf_target.flags: which domains the policy restricts. */
#define VIGIL_ENF_EGRESS (1u << 0)
#define VIGIL_ENF_EXEC_ALLOW (1u << 1)
#define VIGIL_ENF_LOOPBACK (1u << 2) /* loopback peers are always allowed */

/* Per-CPU counters of the enforcer (index into `enf_counters`). */
enum vigil_enf_counter {
	VIGIL_ENF_CNT_CHECKED = 0,
	VIGIL_ENF_CNT_ALLOWED = 1,
	VIGIL_ENF_CNT_WOULD_BLOCK = 2,
	VIGIL_ENF_CNT_BLOCKED = 3,
	VIGIL_ENF_CNT_KILLED = 4,
	VIGIL_ENF_CNT_RINGBUF_FULL = 5,
	VIGIL_ENF_CNT_MAX = 8,
};

/* Value of `enf_targets`, keyed by cgroup id: the policy that applies to the cgroup and its subtree. */
struct vigil_enf_target {
	__u32 policy;
	__u32 mode;
	__u32 flags;
	__u32 pad;
};

/* Key of `enf_egress4` (an LPM trie): policy and port are matched exactly, the address by prefix. */
struct vigil_enf_v4_key {
	__u32 prefixlen; /* 64 + address prefix bits */
	__u32 policy;
	__u16 port;      /* host order; 0: any port */
	__u16 pad;
	__u8 addr[4];
};

struct vigil_enf_v6_key {
	__u32 prefixlen; /* 64 + address prefix bits */
	__u32 policy;
	__u16 port;
	__u16 pad;
	__u8 addr[16];
};

/* Key of `enf_exec`: an executable by device and inode. */
struct vigil_enf_exec_key {
	__u32 policy;
	__u32 pad;
	__u64 dev; /* the kernel's dev_t: (major << 20) | minor */
	__u64 ino;
};

/* One enforcement decision. */
struct vigil_enforce {
	struct vigil_hdr h;
	__u32 op;
	__u32 action;
	__u32 policy;
	__u32 mode;
	__u64 target_cgroup; /* the cgroup whose policy applied */
	__u16 family;
	__u16 rport;         /* host order */
	__u16 protocol;
	__u16 pad;
	__u8 raddr[16];
	__u64 dev;
	__u64 ino;
	struct vigil_str path; /* exec: the file name as passed to execve */
};

#endif
