// Reads one hostile input in this process and prints what happened and the peak memory as one JSON line.
// Run by the peak-memory test and bench/limits: CASE FILE.
import { readFileSync } from 'node:fs';
import { HOSTILE_CASES } from './hostile-inputs.js';

const [name, file] = process.argv.slice(2);
const c = HOSTILE_CASES.find((x) => x.name === name);
if (!c || !file)
  throw new Error(
    `usage: read-in-child.ts CASE FILE (cases: ${HOSTILE_CASES.map((x) => x.name).join(', ')})`,
  );
const start = performance.now();
let outcome: 'read' | 'refused' | 'crashed';
let message = '';
try {
  await c.read(file);
  outcome = 'read';
} catch (err) {
  outcome = (err as { name?: string }).name === 'VigilError' ? 'refused' : 'crashed';
  message = (err as Error).message.slice(0, 300);
}
const ms = performance.now() - start;
const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN);
process.stdout.write(`${JSON.stringify({ outcome, message, ms, peakKiB })}\n`);
