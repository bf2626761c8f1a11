/**
 * Where the tracer's CPU goes on the exec storm: records per fork+exec by kind,
 * hand-overs (batches) per fork+exec, and this process's CPU per fork+exec split
 * by thread (the JavaScript thread, the poll thread, V8's helper threads, libuv's
 * pool), above a run with capture off, rounds interleaved: capture in the default
 * mode and, with `payloads`, with payload capture on (`meta`: the TLS uprobes are
 * looked for in every executable a watched process runs).
 *
 *   npx tsx bench/capture/exec-cost.ts [ROUNDS=5] [EXECS=300] [MODES=on,payloads]
 *
 * `VIGIL_NATIVE_ADDON=/path/to/vigil_native.node` measures another build of the
 * addon with the same TypeScript; `FLUSH_MS=N` sets the sensor's `flushIntervalMs`
 * (hand-overs further apart: what of the cost is per hand-over). Needs root.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { compileWorkloads, ensureSourceConditions, fmt, median, table } from './common.js';

ensureSourceConditions();
const { Sensor, WorkloadCgroup } = await import('../../packages/ebpf-native/src/index.js');

const rounds = Number(process.argv[2] ?? 5);
const execs = Number(process.argv[3] ?? 300);
const modes = (process.argv[4] ?? 'on,payloads').split(',') as Mode[];
type Mode = 'off' | 'on' | 'payloads';
const flushMs = process.env['FLUSH_MS'];
for (const m of modes)
  if (m !== 'on' && m !== 'payloads') throw new Error(`unknown mode ${m}: on or payloads`);
const bins = compileWorkloads();

/**
 * CPU (µs) of each thread of this process, grouped by what the thread does, and
 * the poll thread's wake-ups (times it was scheduled in). The poll thread is the
 * one the sensor started (`pollTids`; builds since it was named also call it `vigil-poll`).
 */
function threadCpu(pollTids: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    let name: string;
    let stat: string[];
    try {
      name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      // Time on the CPU in ns and times scheduled in (schedstat), finer than /proc/PID/stat's ticks.
      stat = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
    } catch {
      continue; // ended meanwhile
    }
    const us = Number(stat[0]) / 1000;
    const poll = pollTids.has(tid) || name === 'vigil-poll';
    const group =
      tid === String(process.pid)
        ? 'javascript'
        : poll
          ? 'poll thread'
          : name.startsWith('libuv')
            ? 'libuv pool'
            : 'v8 helpers';
    out.set(group, (out.get(group) ?? 0) + us);
    if (poll) out.set(WAKEUPS, (out.get(WAKEUPS) ?? 0) + Number(stat[2]));
  }
  return out;
}
const WAKEUPS = 'poll thread wake-ups';

const diff = (a: Map<string, number>, b: Map<string, number>) => {
  const out = new Map<string, number>();
  for (const [k, v] of b) out.set(k, v - (a.get(k) ?? 0));
  return out;
};

interface Round {
  cpu: Map<string, number>;
  kinds: Map<string, number>;
  records: number;
  batches: number;
  wallMs: number;
}

async function run(mode: Mode): Promise<Round> {
  const capture = mode !== 'off';
  const cg = WorkloadCgroup.create();
  const kinds = new Map<string, number>();
  let sensor: Awaited<ReturnType<typeof Sensor.open>> | undefined;
  let consume: Promise<void> | undefined;
  const pollTids = new Set<string>();
  try {
    if (capture) {
      const before = new Set(readdirSync('/proc/self/task'));
      const s = await Sensor.open({
        cgroups: [cg.dir],
        ...(flushMs ? { flushIntervalMs: Number(flushMs) } : {}),
        ...(mode === 'payloads' ? { payloads: 'meta' as const } : {}),
      });
      for (const tid of readdirSync('/proc/self/task')) {
        const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8');
        if (!before.has(tid) && !name.startsWith('libuv')) pollTids.add(tid);
      }
      sensor = s;
      consume = (async () => {
        for await (const batch of s)
          for (const ev of batch) kinds.set(ev.kind, (kinds.get(ev.kind) ?? 0) + 1);
      })();
    }
    const cpu0 = threadCpu(pollTids);
    const t0 = performance.now();
    const child = cg.spawn(bins.execstorm, [String(execs)], { stdio: 'ignore' });
    await new Promise((r) => child.on('exit', r));
    const wallMs = performance.now() - t0;
    await sensor?.flush();
    // As overhead.ts: a short pause lets the last hand-over land in this round.
    await new Promise((r) => setTimeout(r, 50));
    const cpu = diff(cpu0, threadCpu(pollTids));
    const stats = sensor?.stats();
    return { cpu, kinds, records: stats?.records ?? 0, batches: stats ? Number(stats.batches) : 0, wallMs };
  } finally {
    await sensor?.close();
    await consume;
    await cg.remove();
  }
}

const all: Mode[] = ['off', ...modes];
const byMode = new Map<Mode, Round[]>(all.map((m) => [m, []]));
for (let r = 0; r < rounds; r++) {
  // A rotating order, so no mode always runs first.
  for (let i = 0; i < all.length; i++) {
    const m = all[(i + r) % all.length]!;
    byMode.get(m)!.push(await run(m));
  }
  process.stderr.write(`round ${r + 1}/${rounds}\n`);
}
const off = byMode.get('off')!;

const groups = [...new Set([...byMode.values()].flat().flatMap((x) => [...x.cpu.keys()]))]
  .filter((g) => g !== WAKEUPS)
  .sort();
const per = (x: number) => x / execs;
const label = (m: Mode) => (m === 'payloads' ? 'payloads meta' : m);
console.log(
  `\nExec storm (${execs} fork+exec of /bin/true), ${rounds} rounds, ${all.map(label).join(', ')} interleaved; medians over rounds\n`,
);
console.log(
  table(
    ['thread', 'off µs/exec', ...modes.flatMap((m) => [`${label(m)} µs/exec`, `${label(m)} − off`])],
    [...groups, 'total'].map((g) => {
      const of = (x: Round) =>
        g === 'total' ? groups.reduce((a, k) => a + (x.cpu.get(k) ?? 0), 0) : (x.cpu.get(g) ?? 0);
      return [
        g,
        fmt(median(off.map((x) => per(of(x)))), 1),
        ...modes.flatMap((m) => {
          const on = byMode.get(m)!;
          // Each round's capture run against the "off" run of the same round.
          return [
            fmt(median(on.map((x) => per(of(x)))), 1),
            fmt(median(on.map((x, i) => per(of(x) - of(off[i]!)))), 1),
          ];
        }),
      ];
    }),
  ),
);
const kinds = [...new Set(modes.flatMap((m) => byMode.get(m)!.flatMap((x) => [...x.kinds.keys()])))].sort();
console.log('\nWhat one fork+exec yields (events per exec, median)\n');
const col = (f: (x: Round) => number, d: number) => modes.map((m) => fmt(median(byMode.get(m)!.map(f)), d));
console.log(
  table(
    ['event', ...modes.map(label)],
    [
      ...kinds.map((k) => [k, ...col((x) => per(x.kinds.get(k) ?? 0), 2)]),
      ['ring-buffer records', ...col((x) => per(x.records), 2)],
      ['hand-overs to JavaScript', ...col((x) => per(x.batches), 3)],
      [
        'poll thread wake-ups per hand-over',
        ...col((x) => (x.cpu.get(WAKEUPS) ?? 0) / Math.max(1, x.batches), 2),
      ],
    ],
  ),
);
console.log(
  `\nwall ms per exec: ${all.map((m) => `${label(m)} ${fmt(median(byMode.get(m)!.map((x) => x.wallMs / execs)), 3)}`).join(', ')}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} CPUs`,
);
