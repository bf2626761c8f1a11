/**
 * In-kernel cost of the capture programs, per run, from the kernel's own BPF
 * statistics (`kernel.bpf_stats_enabled`, restored afterwards): how long each
 * program takes per invocation while storms run in a watched cgroup.
 *
 *   npx tsx bench/capture/kernel-cost.ts [ROUNDS=3]
 *
 * `vigil_sys_exit` runs on every syscall exit on the machine; unwatched ones
 * leave after the syscall-number and cgroup checks. Needs root.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { compileWorkloads, ensureSourceConditions, fmt, median, table } from './common.js';

ensureSourceConditions();
const { Sensor, WorkloadCgroup } = await import('../../packages/ebpf-native/src/index.js');

const rounds = Number(process.argv[2] ?? 3);
const bins = compileWorkloads();
const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const before = readFileSync(STATS, 'utf8').trim();
const restore = () => execFileSync('sysctl', ['-qw', `kernel.bpf_stats_enabled=${before}`]);
process.on('exit', restore);

interface ProgStat {
  name: string;
  id: number;
  run_time_ns?: number;
  run_cnt?: number;
}
const snapshot = (ids: number[]) =>
  new Map(
    (JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as ProgStat[])
      .filter((p) => ids.includes(p.id))
      .map((p) => [p.name, [p.run_time_ns ?? 0, p.run_cnt ?? 0] as const]),
  );

const workloads: [string, string, string[]][] = [
  ['open/close storm (50,000)', bins.openstorm, ['50000']],
  ['connect storm (5,000 refused)', bins.connectstorm, ['5000', '1']],
  ['exec storm (300)', bins.execstorm, ['300']],
  ['syscall storm (1,000,000 getppid, not captured)', bins.syscallstorm, ['1000000']],
];
const perRun = new Map<string, number[]>();
execFileSync('sysctl', ['-qw', 'kernel.bpf_stats_enabled=1']);
try {
  for (let r = 0; r < rounds; r++) {
    for (const [name, cmd, args] of workloads) {
      const cg = WorkloadCgroup.create();
      const sensor = await Sensor.open({ cgroups: [cg.dir] });
      const consume = (async () => {
        for await (const _ of sensor) {
          // drain
        }
      })();
      const ids = sensor.programIds();
      const a = snapshot(ids);
      const child = cg.spawn(cmd, args, { stdio: 'ignore' });
      await new Promise((res) => child.on('exit', res));
      const b = snapshot(ids);
      for (const [prog, [t1, c1]] of b) {
        const [t0, c0] = a.get(prog) ?? [0, 0];
        if (c1 > c0)
          (
            perRun.get(`${name}\0${prog}`) ?? perRun.set(`${name}\0${prog}`, []).get(`${name}\0${prog}`)!
          ).push((t1 - t0) / (c1 - c0));
      }
      await sensor.flush();
      await sensor.close();
      await consume;
      await cg.remove();
    }
  }
} finally {
  restore();
}
console.log(`\nIn-kernel cost per program run (median over ${rounds} rounds, kernel.bpf_stats_enabled)\n`);
console.log(
  table(
    ['workload', 'program', 'ns per run'],
    [...perRun].map(([k, v]) => {
      const [w, p] = k.split('\0');
      return [w!, p!, fmt(median(v), 0)];
    }),
  ),
);
