import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShellContextCache, shellContextOf } from '../../src/baseline/shell-context.js';
import { type ProcessTree, ProcessTreeEnricher, type VigilEvent } from '../../src/index.js';
import { agentWorkload } from './helpers/agent-sim.js';

const w = agentWorkload();
const env = { ts: 1, workload: w, comm: 'x', exe: '', source: 'synthetic' as const };
const exec = (pid: number, ppid: number, filename: string, argv: string[]): VigilEvent => ({
  ...env,
  kind: 'process.exec',
  pid,
  ppid,
  filename,
  argv,
  result: 0,
});
const fork = (pid: number, childPid: number): VigilEvent => ({
  ...env,
  kind: 'process.fork',
  pid,
  ppid: 1,
  childPid,
});
const open = (pid: number, path: string): VigilEvent => ({
  ...env,
  kind: 'file.open',
  pid,
  ppid: 0,
  path,
  flags: 0,
  access: 'read',
  result: 3,
});

/** The tree's lookups, counted. */
function counting(tree: ProcessTree): { tree: ProcessTree; gets: () => number } {
  let n = 0;
  return {
    tree: {
      get: (pid) => {
        n++;
        return tree.get(pid);
      },
      ancestors: (pid, limit) => tree.ancestors(pid, limit),
      root: (pid) => tree.root(pid),
    },
    gets: () => n,
  };
}

describe('ShellContextCache', () => {
  // An agent (10) starting a shell (11) that runs ls (12), and a python process (20) beside it.
  const start = [
    exec(10, 1, '/usr/bin/node', ['node', '/app/agent.mjs', '--seed', '3']),
    exec(11, 10, '/bin/sh', ['sh', '-c', 'ls -la | wc -l']),
    exec(12, 11, '/usr/bin/ls', ['ls', '-la']),
    exec(20, 1, '/usr/bin/python3', ['python3', '/app/busy.py']),
  ];

  it('property: in batches it answers as it does without them, and as a fresh walk whenever the process changes', () => {
    const event = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(10, 11, 12, 20, 99).map((pid) => open(pid, `/data/${pid}`)) },
      { weight: 1, arbitrary: fc.constantFrom(13, 14).map((pid) => exec(pid, 11, '/usr/bin/cat', ['cat'])) },
      { weight: 1, arbitrary: fc.constantFrom(12, 20).map((pid) => exec(pid, 10, '/bin/bash', ['bash'])) },
      { weight: 1, arbitrary: fc.constantFrom(10, 11).map((pid) => fork(pid, 30)) },
    );
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 40 }), { maxLength: 6 }), (batches) => {
        const tree = new ProcessTreeEnricher();
        tree.enrich([...start]);
        const cache = new ShellContextCache();
        const plain = new ShellContextCache();
        let last = -1;
        for (const batch of batches) {
          // As the pipeline does: the tree takes the whole batch before any consumer sees it.
          tree.enrich([...batch]);
          cache.beginBatch();
          for (const ev of batch) {
            const got = cache.of(ev, tree, 12);
            expect(got).toEqual(plain.of(ev, tree, 12));
            if (ev.pid !== last) expect(got).toEqual(shellContextOf(ev, tree, 12));
            last = ev.kind === 'process.exec' || ev.kind === 'process.fork' ? -1 : ev.pid;
          }
          cache.endBatch();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('walks the tree once per process of a batch, however the processes interleave', () => {
    const tree = new ProcessTreeEnricher();
    tree.enrich([...start]);
    const batch = Array.from({ length: 300 }, (_, i) => open([12, 20, 10][i % 3]!, `/data/${i}`));
    const inBatch = counting(tree);
    const cache = new ShellContextCache();
    cache.beginBatch();
    for (const ev of batch) cache.of(ev, inBatch.tree, 12);
    cache.endBatch();
    const outside = counting(tree);
    const plain = new ShellContextCache();
    for (const ev of batch) plain.of(ev, outside.tree, 12);
    expect(cache.of(batch[0]!, tree, 12)?.segments).toEqual(['node', '/app/agent.mjs --seed <num>', '>sh']);
    // Three processes, each walked once (ls: itself, sh, node and its parent; the others fewer).
    expect(inBatch.gets()).toBeLessThan(15);
    expect(outside.gets()).toBeGreaterThan(300);
  });
});
