/**
 * Capture reader: throughput and memory on a large file.
 *
 *   npx tsx bench/capture-file/reader-memory.ts [SIZE_MB=1024] [RUNS=3]
 *
 * Writes a capture of about SIZE_MB, then reads it RUNS times with and without
 * schema validation, sampling RSS and heap; prints a table of medians.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CaptureReader,
  CaptureWriter,
  type VigilEvent,
  type WorkloadRef,
} from '../../packages/core/src/index.js';

const sizeMb = Number(process.argv[2] ?? 1024);
const runs = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
const file = join(dir, 'big.vcap');

const workloads: WorkloadRef[] = Array.from({ length: 50 }, (_, i) => ({
  id: `k8s:pod-${i}/c${i}`,
  kind: 'kubernetes-pod',
  namespace: 'ai',
  pod: `agent-${i}`,
  labels: { app: 'agent' },
}));

function event(i: number): VigilEvent {
  const base = {
    ts: 1.764e18 + i * 1000,
    workload: workloads[i % workloads.length]!,
    pid: 1000 + (i % 500),
    ppid: 1,
    comm: 'python3',
    exe: '/usr/bin/python3',
    source: 'ebpf' as const,
  };
  switch (i % 4) {
    case 0:
      return {
        ...base,
        kind: 'file.open',
        path: `/srv/data/shard-${i % 997}/part-${i}.parquet`,
        flags: 0,
        access: 'read',
        result: 3,
      };
    case 1:
      return {
        ...base,
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: `10.0.${i % 200}.7`,
        dport: 443,
        result: 0,
      };
    case 2:
      return {
        ...base,
        kind: 'process.exec',
        filename: '/usr/bin/git',
        argv: ['git', 'fetch', '--depth', String(i % 9)],
      };
    default:
      return {
        ...base,
        kind: 'dns.query',
        name: `api-${i % 31}.example.com`,
        qtype: 'A',
        answers: ['10.0.0.1'],
      };
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

console.error(`writing ~${sizeMb} MB to ${file} …`);
const w = CaptureWriter.create(file, { header: { source: 'synthetic' }, bufferBytes: 1 << 20 });
let n = 0;
while (n % 100_000 !== 0 || statSync(file).size < sizeMb * 1024 * 1024) w.write(event(n++));
w.close();
const bytes = statSync(file).size;

async function readOnce(validate: boolean) {
  globalThis.gc?.();
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  let peakHeap = 0;
  let events = 0;
  const t0 = performance.now();
  const r = await CaptureReader.open(file, { validate });
  for await (const batch of r.batches()) {
    events += batch.length;
    if (events % 65_536 < batch.length) {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }
  }
  const s = (performance.now() - t0) / 1000;
  return { events, s, peakRss, baseRss, peakHeap };
}

const rows: string[][] = [];
for (const validate of [false, true]) {
  const res = [];
  for (let i = 0; i < runs; i++) res.push(await readOnce(validate));
  const s = median(res.map((r) => r.s));
  rows.push([
    validate ? 'validated' : 'unvalidated',
    (bytes / 1024 / 1024).toFixed(0),
    String(res[0]!.events),
    s.toFixed(2),
    (res[0]!.events / s / 1e3).toFixed(0),
    (bytes / 1024 / 1024 / s).toFixed(0),
    (median(res.map((r) => r.peakRss)) / 1024 / 1024).toFixed(0),
    (median(res.map((r) => r.peakRss - r.baseRss)) / 1024 / 1024).toFixed(0),
    (median(res.map((r) => r.peakHeap)) / 1024 / 1024).toFixed(0),
  ]);
}
const head = [
  'read',
  'file MB',
  'events',
  'seconds',
  'k events/s',
  'MB/s',
  'peak RSS MB',
  'RSS growth MB',
  'peak heap MB',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(`\nmedian of ${runs} runs per row; node ${process.version}`);
rmSync(dir, { recursive: true, force: true });
