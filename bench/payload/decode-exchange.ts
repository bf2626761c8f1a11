/**
 * The decoder's CPU per model-call exchange on a recorded agent run: the chunks of one run of
 * the lab's Python agent (`record-agent-chunks.ts`: 6 chat completions over httpx, each request
 * offering the same 6 tool definitions) replayed through `PayloadDecoder` in `meta` mode, as the
 * sensor feeds it.
 *
 *   npx tsx bench/payload/decode-exchange.ts [RUNS=9] [FIXTURES=python-http,python-https] [CORES=after=packages/core/src/index.ts]
 *
 * Each run is a fresh process (tsx, workspace sources unless CORES names other entry points, as
 * `name=path`; several cores are run interleaved, run by run; a name ending in `-cold` skips
 * `PayloadDecoder.warmUp`) that measures, in CPU time of the
 * process (user + system, `process.cpuUsage`):
 * - import: loading the core package (under tsx this includes transpiling);
 * - open: what the sensor does before the traced command starts (`PayloadDecoder.warmUp` when the
 *   core has it, then constructing the decoder);
 * - exchange 1 … n: the chunks up to and including the one that completed the n-th `model.call`;
 * - run: the whole recording once more on a fresh decoder, after 20 replays (steady state, JIT
 *   warm), as the mean of 20 more.
 * The table gives the median over runs and the spread (min–max); ratios are to the first core.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PayloadDecoder as Decoder, PayloadChunk } from '../../packages/core/src/index.js';
import { fmt, median, table } from '../capture/common.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtureFile = (name: string) => join(root, 'bench', 'payload', 'fixtures', `${name}.json`);

interface Fixture {
  chunks: (Omit<PayloadChunk, 'bytes'> & { bytes: string })[];
  modelCalls: number;
}
interface Measured {
  importUs: number;
  openUs: number;
  exchangesUs: number[];
  steadyRunUs: number;
  modelCalls: number;
  events: string;
}

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function child(coreName: string, corePath: string, fixture: string): Promise<void> {
  const raw = JSON.parse(readFileSync(fixtureFile(fixture), 'utf8')) as Fixture;
  const chunks: PayloadChunk[] = raw.chunks.map((c) => ({ ...c, bytes: Buffer.from(c.bytes, 'base64') }));
  const t0 = cpuUs();
  const core = (await import(pathToFileURL(isAbsolute(corePath) ? corePath : join(root, corePath)).href)) as {
    PayloadDecoder: typeof Decoder & { warmUp?: () => void };
  };
  const t1 = cpuUs();
  // A core named `…-cold` is measured without the warm-up, to tell its share from the rest.
  if (!coreName.endsWith('-cold')) core.PayloadDecoder.warmUp?.();
  let decoder = new core.PayloadDecoder({ mode: 'meta' });
  const t2 = cpuUs();
  const exchangesUs: number[] = [];
  const kinds: string[] = [];
  let since = cpuUs();
  for (const chunk of chunks) {
    const out = decoder.push(chunk);
    for (const e of out) kinds.push(JSON.stringify(e));
    if (out.some((e) => e.kind === 'model.call')) {
      const now = cpuUs();
      exchangesUs.push(now - since);
      since = now;
    }
  }
  for (const e of decoder.end()) kinds.push(JSON.stringify(e));
  const replay = (): void => {
    decoder = new core.PayloadDecoder({ mode: 'meta' });
    for (const chunk of chunks) decoder.push(chunk);
    decoder.end();
  };
  for (let i = 0; i < 20; i++) replay();
  const s0 = cpuUs();
  for (let i = 0; i < 20; i++) replay();
  const steadyRunUs = (cpuUs() - s0) / 20;
  const m: Measured = {
    importUs: t1 - t0,
    openUs: t2 - t1,
    exchangesUs,
    steadyRunUs,
    modelCalls: exchangesUs.length,
    events: kinds.join('\n'),
  };
  process.stdout.write(JSON.stringify(m));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
  process.exit(0);
}

const RUNS = Number(process.argv[2] ?? 9);
const fixtures = (process.argv[3] ?? 'python-http,python-https').split(',');
const cores = (process.argv[4] ?? 'after=packages/core/src/index.ts').split(',').map((s) => {
  const [name, path] = s.includes('=') ? (s.split('=', 2) as [string, string]) : [s, s];
  return { name, path };
});

const load0 = loadavg()[0]!;
const results = new Map<string, Measured[]>();
for (let run = 0; run < RUNS; run++)
  for (const fixture of fixtures)
    for (let k = 0; k < cores.length; k++) {
      // Rotate the order of the cores run by run.
      const core = cores[(k + run) % cores.length]!;
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', core.name, core.path, fixture],
        { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      if (r.status !== 0) {
        console.error(r.stderr);
        process.exit(1);
      }
      const key = `${fixture}\t${core.name}`;
      results.set(key, [...(results.get(key) ?? []), JSON.parse(r.stdout) as Measured]);
    }
const load1 = loadavg()[0]!;

const spread = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
const rows: string[][] = [];
for (const fixture of fixtures) {
  const first = results.get(`${fixture}\t${cores[0]!.name}`)!;
  for (const core of cores) {
    const ms = results.get(`${fixture}\t${core.name}`)!;
    const events = new Set(ms.map((m) => m.events));
    const same = ms[0]!.events === first[0]!.events;
    const n = ms[0]!.modelCalls;
    const later = ms.map((m) => median(m.exchangesUs.slice(1)));
    const firstRun = ms.map((m) => m.exchangesUs.reduce((a, b) => a + b, 0));
    rows.push([
      `${fixture}, ${core.name}`,
      `${n}${events.size === 1 ? '' : ' (events differ between runs!)'}${cores.length > 1 ? (same ? ', events =' : ', events ≠') : ''}`,
      spread(ms.map((m) => m.importUs)),
      spread(ms.map((m) => m.openUs)),
      spread(ms.map((m) => m.exchangesUs[0] ?? Number.NaN)),
      spread(later),
      spread(firstRun),
      spread(ms.map((m) => m.steadyRunUs)),
      cores.length > 1 && core !== cores[0]
        ? fmt(median(firstRun) / median(first.map((m) => m.exchangesUs.reduce((a, b) => a + b, 0))), 2)
        : '-',
    ]);
  }
}
console.log(
  `decoder CPU per exchange, µs, median (min–max) of ${RUNS} runs, load average ${fmt(load0, 1)} → ${fmt(load1, 1)}`,
);
console.log(
  table(
    [
      'recording, core',
      'model calls',
      'import',
      'open (warm-up, decoder)',
      'exchange 1',
      'exchanges 2… (median)',
      'first run (all exchanges)',
      'steady run',
      'first run ×first core',
    ],
    rows,
  ),
);
