import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BaselineLearner,
  BaselineSet,
  CaptureWriter,
  captureCoverage,
  learnBaselines,
  MemorySource,
  Vigil,
  type VigilEvent,
} from '../../src/index.js';
import { benignAgent } from './helpers/agent-sim.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-learner-coverage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const events = (): VigilEvent[] => [...benignAgent({ seed: 3, seconds: 30 })];

async function learnLive(options: ConstructorParameters<typeof BaselineLearner>[0]) {
  const learner = new BaselineLearner({ origin: 'node-a', ...options });
  await new Vigil({ source: new MemorySource(events()), consumers: [learner] }).run();
  return learner.set.baselines();
}

// A live learner (the node daemon's) records what its source could show the way `vigil learn`
// records it from each capture's header: through captureCoverage, onto every baseline it feeds.
describe('a live learner records the coverage of its source', () => {
  it('notes the coverage on every baseline its events reach, as learning from a capture does', async () => {
    const header = { source: 'ebpf', payloads: { mode: 'meta' as const } };
    const live = await learnLive({ coverage: captureCoverage(header)! });
    expect(live.length).toBeGreaterThan(0);
    for (const b of live)
      expect(b.coverage()).toEqual({ families: ['syscalls', 'payloads'], payloadModes: ['meta'] });

    const path = join(dir, 'run.vcap');
    const w = CaptureWriter.create(path, { header });
    w.writeAll(events());
    await w.close();
    const fromCapture = await learnBaselines({ captures: [path], origin: 'node-a' });
    expect(fromCapture.set.baselines().map((b) => b.coverage())).toEqual(live.map((b) => b.coverage()));
  });

  it('merges with the coverage a resumed baseline already had', async () => {
    const [first] = await learnLive({ coverage: captureCoverage({ source: 'ebpf' })! });
    expect(first!.coverage()).toEqual({ families: ['syscalls'], payloadModes: ['off'] });
    const resume = new BaselineSet();
    resume.add(first!);
    const learner = new BaselineLearner({
      origin: 'node-a',
      resume,
      coverage: captureCoverage({ source: 'ebpf', payloads: { mode: 'content' } })!,
    });
    await new Vigil({ source: new MemorySource(events()), consumers: [learner] }).run();
    expect(first!.coverage()).toEqual({
      families: ['syscalls', 'payloads'],
      payloadModes: ['content', 'off'],
    });
  });

  it('notes nothing without a coverage (a stream nobody described)', async () => {
    for (const b of await learnLive({})) expect(b.coverage()).toBeUndefined();
  });
});
