/**
 * Input limits: peak resident memory and time of each reader on a hostile
 * input at its limit (the cases of packages/core/test/limits/hostile-inputs.ts),
 * each read in a fresh child process with a 4 GiB heap allowance.
 *
 *   scripts/ts bench/limits/limits.ts [RUNS=3] [CASE…]
 *
 * Prints a table of medians over RUNS runs; peak memory includes the
 * process's start-up (Node.js, the TypeScript loader and @vigil/core).
 */

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTILE_CASES } from '../../packages/core/test/limits/hostile-inputs.js';
import { type ChildResult, readInChild } from '../../packages/core/test/limits/run-child.js';

const runs = Number(process.argv[2] ?? 3);
const only = process.argv.slice(3);
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-limits-'));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const rows: string[][] = [];
try {
  for (const c of HOSTILE_CASES) {
    if (only.length > 0 && !only.includes(c.name)) continue;
    const file = join(dir, c.file);
    await c.write(file);
    const size = statSync(file).size;
    const results: ChildResult[] = [];
    for (let i = 0; i < runs; i++) results.push(await readInChild(c.name, file));
    rmSync(file, { force: true });
    const outcomes = [...new Set(results.map((r) => r.outcome))].join('/');
    rows.push([
      c.name,
      `${(size / 2 ** 20).toFixed(1)}`,
      outcomes,
      `${Math.round(median(results.map((r) => r.peakKiB)) / 1024)}`,
      `${(median(results.map((r) => r.ms)) / 1000).toFixed(2)}`,
      `${c.capMiB}`,
    ]);
    process.stderr.write(`${c.name}: ${outcomes} ${results[0]?.message.slice(0, 120) ?? ''}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const head = ['case', 'input MiB', 'outcome', 'peak RSS MiB', 'time s', 'test cap MiB'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(`Input limits at their edge (median of ${runs} runs, child process per run)\n`);
console.log(line(head));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
