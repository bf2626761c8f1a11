// Child process for the crash-safety test: commits baselines one transaction
// at a time, reporting each commit on stdout, then starts one long transaction
// and waits to be killed in the middle of it.
import { writeSync } from 'node:fs';
import { Baseline, SqliteBaselineStore } from '../../../src/index.js';
import { agentWorkload } from './agent-sim.js';

const [path, committedArg, bigArg] = process.argv.slice(2);
const committed = Number(committedArg ?? '20');
const big = Number(bigArg ?? '3000');

function make(i: number, entries: number): Baseline {
  const b = Baseline.create({
    subject: `k8s:ai/agent-${i}/agent`,
    versionKey: 'v1',
    workload: agentWorkload(),
  });
  for (let j = 0; j < entries; j++) {
    b.record(
      {
        domain: 'files',
        segments: ['data', `set${i}`, `file${j}.bin`, '@read'],
        concrete: `/data/set${i}/file${j}.bin (read)`,
      },
      1e18 + j,
      'child',
    );
  }
  return b;
}

const store = await SqliteBaselineStore.open(path!);
for (let i = 0; i < committed; i++) {
  await store.put(make(i, 5));
  writeSync(1, `committed ${i}\n`);
}
const batch = Array.from({ length: big }, (_, i) => make(committed + i, 60));
writeSync(1, 'starting big transaction\n');
await store.putAll(batch);
writeSync(1, 'big transaction committed\n');
await store.close();
