/**
 * AI-BOM: builder throughput over a realistic event mix, declared-input
 * reading throughput on large lockfiles, and CycloneDX export.
 *
 *   npx tsx bench/aibom/aibom.ts [EVENTS=1000000] [RUNS=5]
 *
 * Prints a table of medians over RUNS runs.
 */

import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AiBomBuilder,
  streamDeclaredInput,
  type VigilEvent,
  type WorkloadRef,
} from '../../packages/core/src/index.js';
import { renderCycloneDx } from '../../packages/reporters/src/index.js';

const total = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-aibom-'));

const workloads: WorkloadRef[] = Array.from({ length: 20 }, (_, i) => ({
  id: `k8s:pod-${i}/c${i}`,
  kind: 'kubernetes-pod',
  labels: {},
}));
const PKGS = [
  'openai',
  '@langchain/core',
  '@openai/agents',
  'zod',
  'express',
  'undici',
  'lodash',
  '@anthropic-ai/sdk',
];

function event(i: number): VigilEvent {
  const base = {
    ts: 1.764e18 + i * 1000,
    workload: workloads[i % workloads.length]!,
    pid: 1000 + (i % 300),
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'ebpf' as const,
  };
  switch (i % 8) {
    case 0:
    case 1:
    case 2:
      return {
        ...base,
        kind: 'file.open',
        path: `/app/node_modules/${PKGS[i % PKGS.length]}/dist/f${i % 50}.js`,
        flags: 0,
        access: 'read',
        result: 3,
      };
    case 3:
      return {
        ...base,
        kind: 'file.open',
        path: `/srv/data/doc-${i % 2000}.txt`,
        flags: 0,
        access: 'read',
        result: 3,
      };
    case 4:
      return {
        ...base,
        kind: 'net.connect',
        family: 'inet',
        protocol: 'tcp',
        daddr: `10.0.${i % 4}.1`,
        dport: [443, 6333, 8080, 5432][i % 4]!,
        ...(i % 3 === 0 ? { dnsName: 'api.openai.com' } : {}),
        result: 0,
      };
    case 5:
      return {
        ...base,
        kind: 'dns.query',
        name: ['api.openai.com', 'example.com', 'api.anthropic.com'][i % 3]!,
        qtype: 'A',
      };
    case 6:
      return {
        ...base,
        kind: 'process.exec',
        filename: '/usr/bin/npx',
        argv: ['npx', '-y', '@modelcontextprotocol/server-filesystem', '/srv'],
      };
    default:
      return { ...base, kind: 'tool.call', server: 'filesystem', tool: `t${i % 12}`, agent: 'a' };
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// Batches are made as a source would deliver them; only the builder's time is counted.
const build: number[] = [];
const buildCpu: number[] = [];
let components = 0;
let bomText = '';
for (let r = 0; r < runs; r++) {
  const b = new AiBomBuilder();
  let spent = 0;
  let cpu = 0;
  const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  for (let i = 0; i < total; i += 1024) {
    const batch = Array.from({ length: Math.min(1024, total - i) }, (_, k) => event(i + k));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    b.onBatch(batch);
    spent += performance.now() - t0;
    cpu += cpuMs(process.cpuUsage(c0));
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const bom = b.result();
  build.push(spent + performance.now() - t0);
  buildCpu.push(cpu + cpuMs(process.cpuUsage(c0)));
  components = bom.components.length;
  if (r === 0) {
    const t1 = performance.now();
    bomText = renderCycloneDx(bom);
    console.error(`cyclonedx render: ${(performance.now() - t1).toFixed(1)} ms, ${bomText.length} bytes`);
  }
}

async function writeLock(path: string, entries: number): Promise<void> {
  const out = createWriteStream(path);
  out.write("lockfileVersion: '9.0'\n\npackages:\n\n");
  for (let i = 0; i < entries; i++) {
    if (!out.write(`  pkg-${i}@1.0.${i}:\n    resolution: {integrity: sha512-${'A'.repeat(80)}}\n\n`))
      await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
const lock = join(dir, 'pnpm-lock.yaml');
await writeLock(lock, 500_000);
const lockMb = statSync(lock).size / 1e6;
const read: number[] = [];
const readCpu: number[] = [];
const rss: number[] = [];
for (let r = 0; r < runs; r++) {
  const before = process.memoryUsage().rss;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  for await (const _ of streamDeclaredInput(lock)) n++;
  read.push(performance.now() - t0);
  const cu = process.cpuUsage(c0);
  readCpu.push((cu.user + cu.system) / 1000);
  rss.push((process.memoryUsage().rss - before) / 1e6);
  if (n !== 500_000) throw new Error(`read ${n}`);
}
rmSync(dir, { recursive: true, force: true });

// CPU time is reported beside wall time: on a shared, loaded machine it is the steadier figure.
const rows = [
  [
    'AI-BOM builder',
    `${total.toLocaleString()} events`,
    `${median(build).toFixed(0)} ms`,
    `${median(buildCpu).toFixed(0)} ms`,
    `${(((total / median(buildCpu)) * 1000) / 1e3).toFixed(0)} k events/CPU-s`,
    `${components} components`,
  ],
  [
    'pnpm-lock.yaml reader',
    `${lockMb.toFixed(0)} MB, 500,000 entries`,
    `${median(read).toFixed(0)} ms`,
    `${median(readCpu).toFixed(0)} ms`,
    `${(lockMb / (median(readCpu) / 1000)).toFixed(0)} MB/CPU-s`,
    `RSS growth ${median(rss).toFixed(0)} MB`,
  ],
];
console.log(
  `load average at the end: ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(`| what | input | wall, median of ${runs} | CPU, median | rate | note |`);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
