import { type EventOf, EventSchema, type VigilEvent } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { Sensor } from '../src/sensor.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { compileC, whyNoBpf } from './helpers.js';

const why = whyNoBpf();
if (why) console.warn(`skipping live capture tests of the other event kinds: ${why}`);

// Exercises every other kind once, as root: openat/openat2 relative to a directory fd,
// bind/listen/accept on loopback, an IPv6 connect,
// setresuid, capset, unshare + mount in a private mount namespace, ptrace,
// a BPF program load, finit_module on a bad fd, and a fileless exec from a memfd.
const SCRIPT = `
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET; a.sin_addr.s_addr = htonl(0x7f000001); a.sin_port = htons(atoi(argv[1]));
  if (bind(l, (struct sockaddr *)&a, sizeof(a)) != 0) return 2;
  listen(l, 7);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  connect(c, (struct sockaddr *)&a, sizeof(a));
  int s = accept(l, 0, 0);
  close(s); close(c); close(l);

  int c6 = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 a6 = {0};
  a6.sin6_family = AF_INET6; a6.sin6_addr = in6addr_loopback; a6.sin6_port = htons(9);
  connect(c6, (struct sockaddr *)&a6, sizeof(a6));
  close(c6);

  int dir = open("/etc", O_RDONLY | O_DIRECTORY);
  close(openat(dir, "hostname", O_RDONLY));
  struct open_how how = { .flags = O_RDONLY };
  close(syscall(SYS_openat2, dir, "passwd", &how, sizeof(how)));
  close(dir);

  setresuid(0, 0, 0);
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  syscall(SYS_capget, &h, d);
  syscall(SYS_capset, &h, d);

  unshare(CLONE_NEWNS | CLONE_NEWUTS);
  mount("none", "/", 0, MS_REC | MS_PRIVATE, 0);
  mount("vigil-tmp", argv[2], "tmpfs", 0, 0);
  umount2(argv[2], 0);

  ptrace(PTRACE_TRACEME, 0, 0, 0);

  struct bpf_insn insns[2] = { { .code = 0xb7, .dst_reg = 0, .imm = 0 }, { .code = 0x95 } };
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  attr.insns = (unsigned long)insns; attr.insn_cnt = 2; attr.license = (unsigned long)"GPL";
  strcpy(attr.prog_name, "vigil_test");
  int p = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
  if (p >= 0) close(p);

  syscall(SYS_finit_module, -1, "", 0);

  int m = memfd_create("vigil-fileless", MFD_CLOEXEC);
  int t = open("/bin/true", O_RDONLY);
  char buf[65536]; ssize_t n;
  while ((n = read(t, buf, sizeof(buf))) > 0) write(m, buf, n);
  close(t);
  char *args[] = { "fileless", 0 };
  char *env[] = { 0 };
  fexecve(m, args, env);
  return 127;
}
`;

const of = <K extends VigilEvent['kind']>(events: VigilEvent[], kind: K) =>
  events.filter((e): e is EventOf<K> => e.kind === kind);

describe.skipIf(why !== undefined)('live capture of the other event kinds', () => {
  it('sees bind/listen/accept, priv, ns, ptrace, bpf, module and fileless exec events', async () => {
    const helper = compileC('vigil-kinds', SCRIPT);
    const cg = WorkloadCgroup.create();
    const port = 20000 + (process.pid % 20000);
    const mnt = helper.replace(/vigil-kinds$/, 'mnt');
    await import('node:fs').then((fs) => fs.mkdirSync(mnt));
    try {
      const sensor = await Sensor.open({ cgroups: [cg.dir] });
      const child = cg.spawn(helper, [String(port), mnt], { stdio: 'ignore' });
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      await sensor.flush();
      await sensor.close();
      const events: VigilEvent[] = [];
      for await (const b of sensor) events.push(...b);
      expect(code).toBe(0);
      for (const e of events) expect(EventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);

      expect(of(events, 'net.bind').map((e) => [e.addr, e.port, e.protocol, e.result])).toEqual([
        ['127.0.0.1', port, 'tcp', 0],
      ]);
      expect(of(events, 'net.listen').map((e) => [e.addr, e.port, e.backlog, e.result])).toEqual([
        ['127.0.0.1', port, 7, 0],
      ]);
      // Relative paths resolved against the directory fd, for openat and openat2.
      const viaDir = of(events, 'file.open').filter(
        (e) => e.path === '/etc/hostname' || e.path === '/etc/passwd',
      );
      expect(viaDir.map((e) => [e.path, e.access, e.result >= 0])).toEqual([
        ['/etc/hostname', 'read', true],
        ['/etc/passwd', 'read', true],
      ]);
      // IPv6: a connect to [::1]:9 (refused, or unreachable without IPv6 loopback).
      const v6 = of(events, 'net.connect').filter((e) => e.family === 'inet6');
      expect(v6.map((e) => [e.daddr, e.dport, e.protocol])).toEqual([['::1', 9, 'tcp']]);
      expect(v6[0]?.result).toBeLessThan(0);
      const [acc] = of(events, 'net.accept');
      expect(acc).toMatchObject({ laddr: '127.0.0.1', lport: port, raddr: '127.0.0.1', protocol: 'tcp' });
      expect(acc?.result).toBeGreaterThanOrEqual(0);

      const priv = of(events, 'priv.change');
      expect(priv.map((e) => e.syscall)).toEqual(['setresuid', 'capset']);
      expect(priv[0]?.ids).toEqual([0, 0, 0]);
      expect(priv[1]?.capEffective).toContain('CAP_SYS_ADMIN');

      const ns = of(events, 'ns.change');
      expect(ns.map((e) => e.syscall)).toEqual(['unshare', 'mount', 'mount', 'umount']);
      expect(ns[0]?.namespaces).toEqual(['CLONE_NEWNS', 'CLONE_NEWUTS']);
      expect(ns[2]).toMatchObject({ mountSource: 'vigil-tmp', target: mnt, fstype: 'tmpfs', result: 0 });
      expect(ns[3]).toMatchObject({ target: mnt, result: 0 });

      expect(of(events, 'ptrace').map((e) => [e.requestName, e.result])).toEqual([['PTRACE_TRACEME', 0]]);
      const [bpf] = of(events, 'bpf.load');
      expect(bpf).toMatchObject({
        command: 'BPF_PROG_LOAD',
        programType: 'socket_filter',
        programName: 'vigil_test',
      });
      // EBADF, or ENOSYS on a kernel built without module support.
      const mods = of(events, 'module.load');
      expect(mods.map((e) => e.syscall)).toEqual(['finit_module']);
      expect([-9, -38]).toContain(mods[0]?.result);
      const [memfd] = of(events, 'memfd.create');
      expect(memfd).toMatchObject({ name: 'vigil-fileless' });
      expect(memfd?.result).toBeGreaterThanOrEqual(0);

      const execs = of(events, 'process.exec');
      expect(execs).toHaveLength(2);
      expect(execs[1]?.fileless).toBe(true);
      expect(execs[1]?.argv).toEqual(['fileless']);
      expect(execs[1]?.exe).toMatch(/memfd:vigil-fileless/);
    } finally {
      await cg.remove();
      await import('node:fs').then((fs) => fs.rmSync(mnt, { recursive: true, force: true }));
    }
  });
});
