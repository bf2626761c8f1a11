/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86-64 syscall numbers the capture program hooks (arch/x86/entry/syscalls/syscall_64.tbl).
 * src/decode/names.ts holds the same table for the decoder; a test compares the two.
 */
#pragma once

#define NR_read 0
#define NR_write 1
#define NR_readv 19
#define NR_writev 20
#define NR_open 2
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_sendmsg 46
#define NR_bind 49
#define NR_listen 50
#define NR_ptrace 101
#define NR_setuid 105
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_setfsuid 122
#define NR_setfsgid 123
#define NR_capset 126
#define NR_mount 165
#define NR_umount2 166
#define NR_init_module 175
#define NR_openat 257
#define NR_unshare 272
#define NR_accept4 288
#define NR_sendmmsg 307
#define NR_recvfrom 45
#define NR_recvmsg 47
#define NR_recvmmsg 299
#define NR_setns 308
#define NR_finit_module 313
#define NR_memfd_create 319
#define NR_bpf 321
#define NR_openat2 437
