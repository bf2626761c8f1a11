/**
 * Enforcement overhead: the connect storm and the exec storm run with
 * enforcement off, capture only, enforcement only (monitor and enforce, every
 * operation on the allowlist, so each is checked and allowed: the cost users
 * pay on every benign operation) and capture plus enforcement, in
 * interleaved rounds. Each cell is the median over rounds of the ratio to
 * "off" (and to capture only) in the same round, with a 95% bootstrap
 * interval.
 *
 * Run as root: scripts/ts bench/enforce/overhead.ts [ROUNDS=9]
 */
import { createServer } from 'node:net';
import {
  cgroupCpuUs,
  compileWorkloads,
  ensureSourceConditions,
  fmt,
  median,
  medianInterval,
  table,
} from '../capture/common.js';

ensureSourceConditions();
const { Enforcer, Sensor, WorkloadCgroup } = await import('../../packages/ebpf-native/src/index.js');

const rounds = Number(process.argv[2] ?? 9);
const bins = compileWorkloads();
const closed = createServer();
await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
const port = (closed.address() as { port: number }).port;
await new Promise((r) => closed.close(r));

const WORKLOADS = [
  {
    name: 'connect storm (5,000 refused TCP connects)',
    cmd: bins.connectstorm,
    args: ['5000', String(port)],
    ops: 5000,
  },
  { name: 'exec storm (300 fork+exec /bin/true)', cmd: bins.execstorm, args: ['300'], ops: 300 },
];
const MODES = ['off', 'capture', 'monitor', 'enforce', 'capture+enforce'] as const;
type Mode = (typeof MODES)[number];

const policy = {
  schemaVersion: 1 as const,
  id: 'bench',
  version: 1,
  createdAt: new Date().toISOString(),
  source: { kind: 'manual' as const },
  // Loopback is not exempt, so every connect walks the allowlist (an LPM trie lookup).
  egress: {
    enforce: true,
    allowLoopback: false,
    rules: [{ id: 'egress-1', protocol: 'tcp' as const, cidr: '127.0.0.1/32', port, reason: 'bench' }],
  },
  exec: {
    enforce: true,
    rules: [
      { id: 'exec-1', path: '/bin/true', reason: 'bench' },
      { id: 'exec-2', path: bins.connectstorm, reason: 'bench' },
      { id: 'exec-3', path: bins.execstorm, reason: 'bench' },
    ],
  },
  notes: [],
};

interface Sample {
  msPerOp: number;
  cpuUsPerOp: number;
}
const samples: Record<string, Record<string, Sample[]>> = {};
let violations = 0;

for (let round = 0; round < rounds; round++) {
  const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]!);
  for (const mode of order) {
    const cg = WorkloadCgroup.create();
    let sensor: Awaited<ReturnType<typeof Sensor.open>> | undefined;
    let enforcer: Awaited<ReturnType<typeof Enforcer.open>> | undefined;
    let consume: Promise<void> | undefined;
    try {
      if (mode === 'capture' || mode === 'capture+enforce') {
        const s = await Sensor.open({ cgroups: [cg.dir] });
        sensor = s;
        consume = (async () => {
          for await (const _ of s);
        })();
      }
      if (mode !== 'off' && mode !== 'capture') {
        enforcer = await Enforcer.open();
        enforcer.on('violation', () => violations++);
        await enforcer.apply(cg.dir, policy, mode === 'monitor' ? 'monitor' : 'enforce');
      }
      for (const w of WORKLOADS) {
        const cpu0 = cgroupCpuUs(cg.dir);
        const t0 = process.hrtime.bigint();
        const child = cg.spawn(w.cmd, w.args, { stdio: 'ignore' });
        const code = await new Promise<number | null>((r) => child.on('exit', r));
        if (code !== 0) throw new Error(`${w.name} exited with ${code} under ${mode}`);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const byMode = samples[mode] ?? {};
        samples[mode] = byMode;
        const list = byMode[w.name] ?? [];
        byMode[w.name] = list;
        list[round] = {
          msPerOp: ms / w.ops,
          cpuUsPerOp: (cgroupCpuUs(cg.dir) - cpu0) / w.ops,
        };
      }
    } finally {
      enforcer?.close();
      if (sensor) {
        await sensor.close();
        await consume;
      }
      await cg.remove();
    }
  }
  process.stderr.write(`round ${round + 1}/${rounds} done\n`);
}
if (violations > 0)
  throw new Error(
    `${violations} operations were outside the policy: the benchmark would not measure the allowed path`,
  );

function ratios(mode: Mode, base: Mode, w: string, f: (s: Sample) => number): number[] {
  const a = samples[mode]?.[w] ?? [];
  const b = samples[base]?.[w] ?? [];
  return a.flatMap((x, i) => (x && b[i] ? [f(x) / f(b[i]!)] : []));
}
const cell = (xs: number[]) => {
  const [lo, hi] = medianInterval(xs);
  return `${fmt(median(xs), 3)}${Number.isNaN(lo) ? '' : ` (${fmt(lo, 3)}–${fmt(hi, 3)})`}`;
};
const modes = MODES.filter((m) => m !== 'off');
for (const [title, f, toUs] of [
  ['Wall time, ratio to off', (s: Sample) => s.msPerOp, 1000],
  ["The workload's own CPU time (cgroup cpu.stat), ratio to off", (s: Sample) => s.cpuUsPerOp, 1],
] as const) {
  console.log(`\n${title} — median over ${rounds} interleaved rounds (95% bootstrap interval)\n`);
  console.log(
    table(
      ['workload', 'off (µs/op)', ...modes],
      WORKLOADS.map((w) => [
        w.name,
        fmt(median((samples['off']?.[w.name] ?? []).map((s) => f(s) * toUs)), 1),
        ...modes.map((m) => cell(ratios(m, 'off', w.name, f))),
      ]),
    ),
  );
}
console.log('\nEnforcement on top of capture: capture+enforce ÷ capture (wall)\n');
console.log(
  table(
    ['workload', 'ratio'],
    WORKLOADS.map((w) => [w.name, cell(ratios('capture+enforce', 'capture', w.name, (s) => s.msPerOp))]),
  ),
);
