// SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0)
/*
 * Feature probes: one minimal program per attach type. The addon loads and
 * attaches each one alone and reports what the kernel refused and why.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Never set: keeps the verifier from pruning the send_signal call. */
volatile __u32 never = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} probe_rb SEC(".maps");

SEC("tp_btf/sched_process_fork")
int BPF_PROG(probe_tp_btf, struct task_struct *parent, struct task_struct *child)
{
	return 0;
}

SEC("raw_tp/sys_exit")
int probe_raw_tp(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_exit")
int probe_ringbuf(void *ctx)
{
	if (never)
		bpf_ringbuf_output(&probe_rb, (void *)&never, sizeof(never), 0);
	return 0;
}

/* Where the enforcer kills a program outside its exec allowlist. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(probe_send_signal, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (never)
		bpf_send_signal(9);
	return 0;
}

SEC("kprobe/vfs_read")
int BPF_KPROBE(probe_kprobe)
{
	return 0;
}

SEC("fentry/vfs_read")
int BPF_PROG(probe_fentry)
{
	return 0;
}

/* The hook the enforcer refuses execs at where the bpf LSM runs. */
SEC("lsm/bprm_check_security")
int BPF_PROG(probe_lsm, struct linux_binprm *bprm, int ret)
{
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(probe_uprobe)
{
	return 0;
}

SEC("cgroup/connect4")
int probe_sock_addr(struct bpf_sock_addr *ctx)
{
	return 1;
}
