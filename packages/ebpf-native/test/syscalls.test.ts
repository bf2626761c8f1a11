import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SYSCALL_TABLES } from '../src/decode/names.js';

/** The BPF program's `#define NR_name number` lines for one architecture. */
function bpfTable(arch: string): Map<string, number> {
  const text = readFileSync(new URL(`../native/bpf/syscalls/${arch}.h`, import.meta.url), 'utf8');
  return new Map([...text.matchAll(/^#define NR_(\w+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

describe('syscall tables', () => {
  it('the decoder and the x86-64 BPF header give every syscall the same number', () => {
    const bpf = bpfTable('x86');
    const decoder = Object.entries(SYSCALL_TABLES.x64 ?? {});
    expect(decoder.length).toBeGreaterThan(20);
    for (const [nr, name] of decoder) expect([name, bpf.get(name)]).toEqual([name, Number(nr)]);
  });
});
