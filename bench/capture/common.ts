/** Shared pieces of the capture benchmarks: C workloads, compilation, statistics, tables. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The benchmarks import workspace sources; re-run under node with the source condition when needed. */
export function ensureSourceConditions(): boolean {
  if (process.execArgv.some((a) => a.includes('@vigil/source'))) return true;
  const r = spawnSync(
    process.execPath,
    ['--conditions=@vigil/source', '--import', 'tsx', ...process.argv.slice(1)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(r.status ?? 1);
}

const C_PROGRAMS = {
  // Paced failing opens: one capture record each. argv: rate/s (0 = unpaced), duration ms.
  gen: `
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  double rate = atof(argv[1]), dur = atof(argv[2]) / 1000.0;
  double start = now(), end = start + dur;
  long n = 0;
  for (;;) {
    for (int i = 0; i < 64; i++) { openat(AT_FDCWD, "/nonexistent/vigil-bench", O_RDONLY); n++; }
    double t = now();
    if (t >= end) break;
    if (rate > 0) { double due = start + n / rate; if (due > t) { struct timespec s = { 0, (long)((due - t) * 1e9) }; nanosleep(&s, 0); } }
  }
  printf("%ld %.6f\\n", n, now() - start);
  return 0;
}`,
  // open+close of one file, N times.
  openstorm: `
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) { long n = atol(argv[1]); for (long i = 0; i < n; i++) { int fd = open("/etc/hostname", O_RDONLY); close(fd); } return 0; }`,
  // N refused TCP connects to 127.0.0.1:PORT.
  connectstorm: `
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  long n = atol(argv[1]); int port = atoi(argv[2]);
  struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(port); a.sin_addr.s_addr = htonl(0x7f000001);
  for (long i = 0; i < n; i++) { int s = socket(AF_INET, SOCK_STREAM, 0); connect(s, (struct sockaddr *)&a, sizeof(a)); close(s); }
  return 0;
}`,
  // N getppid() calls: syscalls Vigil does not capture, so only the per-syscall check runs.
  syscallstorm: `
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) { long n = atol(argv[1]); long s = 0; for (long i = 0; i < n; i++) s += getppid(); return s == 42; }`,
  // WITHAUID AUID PROG ARGS...: sets the audit login uid, then execs PROG (an absolute path). The
  // capture-overhead benchmark starts every workload through it, in every mode, so that auditd's
  // rules can select the workload by auid as Vigil and bpftrace select it by cgroup.
  withauid: `
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: withauid AUID PROG [ARG...]\\n"); return 2; }
  int fd = open("/proc/self/loginuid", O_WRONLY);
  if (fd < 0 || write(fd, argv[1], strlen(argv[1])) < 0) { perror("/proc/self/loginuid"); return 126; }
  close(fd);
  execv(argv[2], argv + 2);
  perror(argv[2]);
  return 127;
}`,
  // N fork+exec of /bin/true.
  execstorm: `
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  long n = atol(argv[1]);
  for (long i = 0; i < n; i++) { pid_t p = fork(); if (p == 0) { execl("/bin/true", "true", (char *)0); _exit(127); } int st; waitpid(p, &st, 0); }
  return 0;
}`,
} satisfies Record<string, string>;

/** Compiles the C workloads once into a temporary directory. */
export function compileWorkloads(): Record<keyof typeof C_PROGRAMS, string> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const out: Record<string, string> = {};
  for (const [name, src] of Object.entries(C_PROGRAMS)) {
    const file = join(dir, `${name}.c`);
    writeFileSync(file, src);
    const bin = join(dir, name);
    const r = spawnSync('cc', ['-O2', '-o', bin, file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cc ${name}: ${r.stderr}`);
    out[name] = bin;
  }
  return out as Record<keyof typeof C_PROGRAMS, string>;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** CPU time (µs) of everything in a cgroup so far (its directory), from cgroup v2 `cpu.stat`. */
export function cgroupCpuUs(dir: string): number {
  const m = /^usage_usec (\d+)$/m.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** Prints an aligned text table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The first quartile, the median and the third quartile of `xs` (linear interpolation). */
export function quartiles(xs: readonly number[]): [number, number, number] {
  if (xs.length === 0) return [Number.NaN, Number.NaN, Number.NaN];
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = q * (s.length - 1);
    const lo = Math.floor(i);
    return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
  };
  return [at(0.25), at(0.5), at(0.75)];
}

/** A 95% bootstrap interval for the median of `xs` (2,000 resamples, fixed seed). */
export function medianInterval(xs: readonly number[]): [number, number] {
  if (xs.length < 5) return [Number.NaN, Number.NaN];
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const meds: number[] = [];
  for (let i = 0; i < 2000; i++) meds.push(median(xs.map(() => xs[Math.floor(rand() * xs.length)]!)));
  meds.sort((a, b) => a - b);
  return [meds[49]!, meds[1949]!];
}
