/**
 * What `vigil daemon` costs on a node: CPU and memory of the daemon process
 * while it watches 50 idle and 50 busy workloads (real cgroups, each with a
 * small real process), learning and checking all of them.
 *
 *   npx tsx bench/fleet/daemon-cost.ts [RUNS=3] [WORKLOADS=50] [MEASURE_SECONDS=20] [BUSY_SLEEP_SECONDS=0.2]
 *   (ONLY=idle or ONLY=busy runs one kind)
 *
 * Each run starts the daemon (from the workspace sources) on a fresh cgroup
 * root shaped like a kubelet's (systemd driver, besteffort pods), waits until
 * discovery holds every workload and a warm-up passed, then reads the
 * daemon's CPU time (utime + stime of /proc/PID/stat) over MEASURE_SECONDS
 * and its RSS (sampled every 500 ms; median and peak). Idle workloads sleep.
 * Busy ones do what the lab's agents do between model calls, in a bash loop
 * five times a second: run a program that reads a file (`cat` of a file under
 * /usr/share/doc), open a TCP connection to a local listener (the model API
 * or a tool server) and close it, then `sleep 0.2` — per workload and
 * second about 10 execs and exits, 5 connects and 5 accepts, and the
 * file opens of two program starts (the loader's too). BUSY_SLEEP_SECONDS
 * sets that sleep: 1 gives each workload one round a second. The load average
 * (1 min) is printed with each run. Prints medians over RUNS. Needs root.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median, table } from '../capture/common.js';

const runs = Number(process.argv[2] ?? 3);
const workloads = Number(process.argv[3] ?? 50);
const measureSec = Number(process.argv[4] ?? 20);
const busySleep = Number(process.argv[5] ?? 0.2);
const only = process.env['ONLY'];
const WARMUP_SEC = 5;
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'packages/cli/test/fixtures/cli-main.ts');
const TICK = 100; // USER_HZ on Linux

if (process.getuid?.() !== 0) {
  console.log(
    'daemon-cost: skipped (needs root: the daemon loads BPF programs and the workloads need cgroups)',
  );
  process.exit(0);
}

function mount(): string {
  for (const p of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    try {
      readFileSync(join(p, 'cgroup.procs'));
      return p;
    } catch {
      // next
    }
  }
  throw new Error('no cgroup v2 mount');
}

const IDLE = 'exec sleep 3600';
// bash for /dev/tcp; PORT is the local listener's.
const busy = (port: number) =>
  `while :; do cat /usr/share/doc/bash/copyright > /dev/null; exec 3<>/dev/tcp/127.0.0.1/${port}; exec 3>&-; sleep ${busySleep}; done`;

interface Sample {
  load: string;
  events: number;
  cpuPct: number;
  rssMiB: number;
  peakMiB: number;
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime, stime (fields 14, 15)
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function runOnce(kind: 'idle' | 'busy', port: number): Promise<Sample> {
  const load0 = loadavg()[0]!;
  const root = join(mount(), `vigil-bench-daemon-${process.pid}-${randomBytes(3).toString('hex')}`);
  const qos = join(root, 'kubepods.slice', 'kubepods-besteffort.slice');
  const procs: ChildProcess[] = [];
  const dirs: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-daemon-'));
  let daemon: ChildProcess | undefined;
  let stderr = '';
  try {
    for (let i = 0; i < workloads; i++) {
      const pod = join(qos, `kubepods-besteffort-pod${randomUUID().replace(/-/g, '_')}.slice`);
      const dir = join(pod, `cri-containerd-${randomBytes(32).toString('hex')}.scope`);
      mkdirSync(dir, { recursive: true });
      dirs.push(dir);
    }
    daemon = spawn(
      process.execPath,
      [
        '--conditions=@vigil/source',
        '--import',
        'tsx',
        CLI,
        'daemon',
        '--store',
        join(work, 'baselines.db'),
        '--cgroup-root',
        root,
        '--out',
        '/dev/null',
        '--report-interval',
        '5s',
      ],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    daemon.stderr!.on('data', (d) => {
      stderr += String(d);
    });
    const deadline = Date.now() + 180_000;
    while (!/watching \d+ workload/.test(stderr)) {
      if (daemon.exitCode !== null || Date.now() > deadline)
        throw new Error(`the daemon did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const dir of dirs) {
      procs.push(
        spawn(
          '/bin/sh',
          [
            '-c',
            'echo $$ > "$1" && exec /bin/bash -c "$2"',
            'w',
            join(dir, 'cgroup.procs'),
            kind === 'idle' ? IDLE : busy(port),
          ],
          {
            stdio: 'ignore',
          },
        ),
      );
    }
    await new Promise((r) => setTimeout(r, WARMUP_SEC * 1000));
    const pid = daemon.pid!;
    const t0 = cpuTicks(pid);
    const started = performance.now();
    const rss: number[] = [];
    while (performance.now() - started < measureSec * 1000) {
      await new Promise((r) => setTimeout(r, 500));
      rss.push(rssMiB(pid));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuPct = ((cpuTicks(pid) - t0) / TICK / seconds) * 100;
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon!.once('exit', r));
    const events = Number(/stopped; (\d+) events/.exec(stderr)?.[1] ?? Number.NaN);
    return {
      load: `${load0.toFixed(0)}–${loadavg()[0]!.toFixed(0)}`,
      events,
      cpuPct,
      rssMiB: median(rss),
      peakMiB: Math.max(...rss),
    };
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon!.once('exit', r));
    }
    for (const d of dirs) {
      try {
        writeFileSync(join(d, 'cgroup.kill'), '1');
      } catch {
        // gone
      }
    }
    const all: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
      all.push(d);
    };
    try {
      walk(root);
    } catch {
      // never made
    }
    for (const d of all)
      for (let i = 0; i < 100; i++) {
        try {
          rmdirSync(d);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    rmSync(work, { recursive: true, force: true });
  }
}

// The local peer the busy workloads connect to: accepts and closes.
const sockets = new Set<Socket>();
const listener = createServer((sock) => {
  sockets.add(sock);
  sock.on('close', () => sockets.delete(sock));
  sock.on('error', () => undefined);
  sock.end();
});
await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
const port = (listener.address() as { port: number }).port;

const rows: string[][] = [];
for (const kind of (['idle', 'busy'] as const).filter((k) => only === undefined || only === k)) {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const s = await runOnce(kind, port);
    samples.push(s);
    console.error(
      `  ${kind} run ${i + 1}: load ${s.load}, ${s.events} events, CPU ${fmt(s.cpuPct, 1)} %, RSS ${fmt(s.rssMiB, 0)} MiB (peak ${fmt(s.peakMiB, 0)})`,
    );
  }
  rows.push([
    `${workloads} ${kind}${kind === 'busy' ? ` (sleep ${busySleep} s)` : ''}`,
    fmt(median(samples.map((s) => s.events)), 0),
    fmt(median(samples.map((s) => s.cpuPct)), 1),
    fmt(median(samples.map((s) => s.rssMiB)), 0),
    fmt(median(samples.map((s) => s.peakMiB)), 0),
    samples.map((s) => fmt(s.cpuPct, 1)).join(' / '),
    samples.map((s) => s.load).join(', '),
  ]);
}
for (const sock of sockets) sock.destroy();
listener.close();
console.log(
  `vigil daemon cost: ${runs} run(s) each, ${measureSec} s measured after ${WARMUP_SEC} s of warm-up; CPU in % of one core (medians)\n`,
);
console.log(
  table(
    [
      'workloads',
      'events seen',
      'CPU %',
      'RSS MiB',
      'peak RSS MiB',
      'CPU % per run',
      'load avg per run (start–end)',
    ],
    rows,
  ),
);
