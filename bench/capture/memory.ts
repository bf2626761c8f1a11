/**
 * Host process memory with capture running: RSS before the sensor opens and
 * at steady state while a workload produces a constant event rate.
 *
 *   npx tsx bench/capture/memory.ts [RATE=50000] [SECONDS=6]
 *
 * Default sensor options (8 MiB ring buffer). Samples RSS every 100 ms during
 * the second half of the run; prints medians and the maximum.
 */
import { compileWorkloads, ensureSourceConditions, fmt, median, table } from './common.js';

ensureSourceConditions();
const { Sensor, WorkloadCgroup } = await import('../../packages/ebpf-native/src/index.js');

const rate = Number(process.argv[2] ?? 50_000);
const seconds = Number(process.argv[3] ?? 6);
const bins = compileWorkloads();
const mib = () => process.memoryUsage().rss / 2 ** 20;

const rows: string[][] = [];
for (const ring of [undefined, 64 * 1024 * 1024]) {
  global.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const before = mib();
  const cg = WorkloadCgroup.create();
  const sensor = await Sensor.open({ cgroups: [cg.dir], ...(ring ? { ringBufferBytes: ring } : {}) });
  let events = 0;
  const consume = (async () => {
    for await (const b of sensor) events += b.length;
  })();
  const samples: number[] = [];
  const start = Date.now();
  const sampler = setInterval(() => {
    if (Date.now() - start > (seconds * 1000) / 2) samples.push(mib());
  }, 100);
  const child = cg.spawn(bins.gen, [String(rate), String(seconds * 1000)], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  clearInterval(sampler);
  await sensor.flush();
  await sensor.close();
  await consume;
  await cg.remove();
  rows.push([
    ring ? `${ring / 2 ** 20} MiB` : '8 MiB (default)',
    fmt(before, 0),
    fmt(median(samples), 0),
    fmt(Math.max(...samples), 0),
    fmt(events / seconds, 0),
  ]);
}
console.log(`\nHost process RSS with capture running (${fmt(rate)} target events/s for ${seconds} s)\n`);
console.log(
  table(['ring buffer', 'RSS before (MiB)', 'steady RSS (MiB)', 'max RSS (MiB)', 'events/s'], rows),
);
