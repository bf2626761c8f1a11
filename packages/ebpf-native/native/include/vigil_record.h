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
};

/* vigil_hdr.flags */
#define VIGIL_F_TRUNCATED (1u << 0)     /* a string was cut at its limit */
#define VIGIL_F_FILELESS (1u << 1)      /* exec: the binary had no link (memfd, deleted) */
#define VIGIL_F_ARGV_TRUNCATED (1u << 2) /* exec: argv longer than VIGIL_ARGV_MAX */
#define VIGIL_F_DNS_RESPONSE (1u << 3)   /* dns: a datagram received from a DNS port, not one sent */

/* Limits of variable-length data. */
#define VIGIL_PATH_MAX 512
#define VIGIL_NAME_MAX 256
#define VIGIL_ARGV_MAX 2048
#define VIGIL_DPATH_DEPTH 24
#define VIGIL_DNS_MAX 512
#define VIGIL_SCRATCH 16384
#define VIGIL_STR_AREA_MAX 8192

/* Per-CPU counters (index into the `counters` map). */
enum vigil_counter {
	VIGIL_CNT_SUBMITTED = 0,   /* records written to the ring buffer */
	VIGIL_CNT_RINGBUF_FULL = 1, /* records lost: ring buffer full */
	VIGIL_CNT_DEDUP = 2,       /* records suppressed as repeats (not a loss) */
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

#endif
