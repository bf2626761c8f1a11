/**
 * Capture throughput: the highest event rate delivered to a JavaScript
 * consumer with zero drops, and exact drop counts beyond it.
 *
 *   npx tsx bench/capture/throughput.ts [DURATION_MS=2000] [RATES=100000,250000,400000,500000,600000,0] [GENERATORS=1] [RING_MIB=8]
 *
 * A C generator in a watched cgroup makes failing openat() calls at a paced
 * rate (0 = as fast as it can); each call is one capture record. The consumer
 * iterates the Sensor and counts. Exactness: every record the kernel produced
 * is either delivered or counted in exactly one drop cause.
 *
 * The delivered rate is what the consumer sustains: events delivered divided by
 * the time from the generators' start to the last delivery, so whatever the
 * ring buffer and the Sensor's queue held when the generators stopped (drained
 * by the final flush, shown as "drained after") counts at the rate it was
 * actually consumed. RING_MIB is the ring buffer (default 8, the Sensor's
 * default).
 * Needs root. Prints a table; also the host process's RSS at steady state.
 */
import { spawnSync } from 'node:child_process';
import { compileWorkloads, ensureSourceConditions, fmt, median, table } from './common.js';

ensureSourceConditions();
const { Sensor, WorkloadCgroup, RecordDecoder } = await import('../../packages/ebpf-native/src/index.js');
const { HOST_WORKLOAD } = await import('../../packages/core/src/index.js');
const { LAYOUT, RecordKind } = await import('../../packages/ebpf-native/src/decode/layout.js');

const duration = Number(process.argv[2] ?? 2000);
const rates = (process.argv[3] ?? '100000,250000,400000,500000,600000,0').split(',').map(Number);
const generators = Number(process.argv[4] ?? 1);
const ringMib = Number(process.argv[5] ?? 8);
const bins = compileWorkloads();
const PATH = '/nonexistent/vigil-bench';

interface Row {
  rate: number;
  generated: number;
  seconds: number;
  delivered: number;
  /** Seconds from the generators' start to the last delivered event. */
  consumerSeconds: number;
  /** Events delivered after the last generator exited (what the final flush drained). */
  drainedAfter: number;
  drops: Record<string, number>;
  rssMb: number;
  /** Records the kernel produced (written + lost to a full ring buffer). */
  kernel: number;
  /** Records delivered as events plus every drop counted after the kernel. */
  accounted: number;
}

async function run(rate: number): Promise<Row> {
  const cg = WorkloadCgroup.create();
  const sensor = await Sensor.open({ cgroups: [cg.dir], ringBufferBytes: ringMib * 1024 * 1024 });
  let delivered = 0;
  let lastDelivery = 0;
  let all = 0;
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss / 2 ** 20), 100);
  const consume = (async () => {
    for await (const batch of sensor) {
      all += batch.length;
      const before = delivered;
      for (const ev of batch) if (ev.kind === 'file.open' && ev.path === PATH) delivered++;
      if (delivered > before) lastDelivery = performance.now();
    }
  })();
  const started = performance.now();
  // GENERATORS processes share the target rate.
  const outs = await Promise.all(
    Array.from({ length: generators }, async () => {
      const child = cg.spawn(bins.gen, [String(rate / generators), String(duration)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout?.on('data', (d) => {
        out += String(d);
      });
      await new Promise((r) => child.on('exit', r));
      return out.trim().split(' ').map(Number);
    }),
  );
  const deliveredAtEnd = delivered;
  await sensor.flush(10_000);
  await sensor.close();
  await consume;
  clearInterval(sampler);
  await cg.remove();
  const n = outs.reduce((a, [k]) => a + (k ?? 0), 0);
  const secs = Math.max(...outs.map(([, t]) => t ?? 0));
  const stats = sensor.stats();
  const d = stats.drops;
  return {
    rate,
    generated: n,
    seconds: secs,
    delivered,
    consumerSeconds: (lastDelivery - started) / 1000,
    drainedAfter: delivered - deliveredAtEnd,
    drops: d,
    rssMb: median(rss),
    kernel: stats.submitted + (d['ringbuf-full'] ?? 0),
    accounted:
      all +
      stats.skipped +
      (d['ringbuf-full'] ?? 0) +
      (d['consumer-refused'] ?? 0) +
      (d['queue-full'] ?? 0) +
      (d['decode-error'] ?? 0),
  };
}

/** The generator alone, without capture: what this machine can produce right now. */
function bare(): number {
  const r = spawnSync(bins.gen, ['0', String(duration)], { encoding: 'utf8' });
  const [n, secs] = r.stdout.trim().split(' ').map(Number);
  return (n ?? 0) / (secs ?? 1);
}

/** Decode capacity of the JavaScript side alone: synthetic batches of the same records. */
function decodeCapacity(): number {
  const decoder = new RecordDecoder({
    workloadFor: () => HOST_WORKLOAD,
    wallOffsetNs: 0,
    readExe: () => '/x',
  });
  const rec = Buffer.alloc(LAYOUT.open.size + 32);
  rec.writeUInt16LE(RecordKind.Open, 0);
  rec.writeUInt16LE(rec.length, 2);
  rec.writeUInt32LE(1, 24);
  rec.write(PATH, LAYOUT.open.size);
  rec.writeUInt16LE(LAYOUT.open.size, LAYOUT.open.fields.path);
  rec.writeUInt16LE(PATH.length, LAYOUT.open.fields.path + 2);
  const batch = Buffer.concat(Array.from({ length: 2000 }, () => rec));
  const rates: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    let n = 0;
    for (let i = 0; i < 100; i++) n += decoder.decode(batch).events.length;
    rates.push((n / (performance.now() - t)) * 1000);
  }
  return median(rates);
}

const bareRates: number[] = [];
const rows: Row[] = [];
for (const rate of rates) {
  bareRates.push(bare());
  rows.push(await run(rate));
}
console.log(
  `\nCapture throughput (${duration} ms per rate, ${generators} generator process(es), ring buffer ${ringMib} MiB, one failing openat() per record; delivered/s = delivered ÷ time from start to last delivery)\n`,
);
console.log(
  table(
    [
      'target/s',
      'generated/s',
      'delivered/s',
      'drained after',
      'ringbuf-full',
      'consumer-refused',
      'queue-full',
      'exact',
      'RSS MiB',
    ],
    rows.map((r) => {
      return [
        r.rate === 0 ? 'unpaced' : fmt(r.rate),
        fmt(r.generated / r.seconds),
        fmt(r.delivered / Math.max(r.consumerSeconds, r.seconds)),
        fmt(r.drainedAfter),
        fmt(r.drops['ringbuf-full'] ?? 0),
        fmt(r.drops['consumer-refused'] ?? 0),
        fmt(r.drops['queue-full'] ?? 0),
        r.kernel === r.accounted && r.generated <= r.kernel ? 'yes' : `no (${fmt(r.kernel - r.accounted)})`,
        fmt(r.rssMb, 0),
      ];
    }),
  ),
);
const clean = rows.filter((r) => Object.values(r.drops).every((d) => d === 0));
const best = clean.reduce((m, r) => Math.max(m, r.delivered / Math.max(r.consumerSeconds, r.seconds)), 0);
console.log(
  `\nhighest rate a consumer sustained with zero drops: ${fmt(best)} events/s (ring buffer ${ringMib} MiB)`,
);
console.log(
  `generator alone (no capture), median of ${bareRates.length} runs: ${fmt(median(bareRates))} calls/s`,
);
console.log(`decoder alone (records → events, one thread): ${fmt(decodeCapacity())} events/s`);
