import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../src/lab.js';
import type { AgentName } from '../src/tasks.js';
import {
  type CheckedFinding,
  checkCapture,
  learnReviewed,
  recordRun,
  vigilUnavailable,
} from '../src/vigil.js';

// End to end on the lab: real agents recorded with `vigil record` (eBPF), a real core baseline from
// `vigil learn` (reviewed: quarantined items admitted, marked stable), then `vigil check` on held-out
// benign runs and on attacks the scripted model acts out from injected content. Nothing is synthetic:
// no in-memory baseline, no inserted events.
function whyNotLive(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (!capturePrivileges().sufficient) return 'not root and no CAP_BPF + CAP_PERFMON';
  return vigilUnavailable();
}
const why = whyNotLive();
if (why) console.warn(`skipping the lab end-to-end tests: ${why}`);

const high = (fs: readonly CheckedFinding[]) =>
  fs.filter((f) => f.severity === 'high' || f.severity === 'critical');

describe.skipIf(why !== undefined)('the lab end to end: record → learn → check', () => {
  let lab: Lab;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lab-e2e-'));
  const baselines = new Map<AgentName, string>();

  async function learn(agent: AgentName, runs: number): Promise<string> {
    const caps: string[] = [];
    for (let i = 0; i < runs; i++) {
      const cap = join(dir, `${agent}-learn-${i}.vcap`);
      await recordRun(lab.prepare(agent, 101 + i), cap);
      caps.push(cap);
    }
    const baseline = join(dir, `${agent}.baseline.json`);
    await learnReviewed(baseline, caps);
    baselines.set(agent, baseline);
    return baseline;
  }

  beforeAll(async () => {
    lab = await Lab.start({ postgres: false });
  }, 60_000);
  afterAll(async () => {
    await lab?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the Python agent: a held-out benign run stays below high; loading a poisoned pickle is caught', async () => {
    const baseline = await learn('python', 3);
    const benign = join(dir, 'python-benign.vcap');
    await recordRun(lab.prepare('python', 501), benign);
    expect(high(await checkCapture(baseline, benign))).toEqual([]);

    const attack = join(dir, 'python-model-load.vcap');
    const run = lab.prepare('python', 901, 'model-load');
    await recordRun(run, attack);
    const { events } = await readCapture(attack);
    // The agent really unpickled the file and the payload really ran.
    expect(events.some((e) => e.kind === 'file.open' && e.path.endsWith('classifier-v2.pkl'))).toBe(true);
    expect(events.some((e) => e.kind === 'process.exec' && e.filename.endsWith('/curl'))).toBe(true);
    const found = high(await checkCapture(baseline, attack));
    expect(found.map((f) => f.ruleId)).toContain('vigil.ai.supply-chain');
  }, 240_000);

  it('the Python agent: credentials read and posted to a new peer, without a shell, are caught', async () => {
    const capture = join(dir, 'python-cred-exfil.vcap');
    const before = lab.received;
    await recordRun(lab.prepare('python', 902, 'cred-exfil'), capture);
    expect(lab.received).toBeGreaterThan(before);
    const found = high(await checkCapture(baselines.get('python')!, capture));
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((f) => f.summary.includes('.aws/credentials'))).toBe(true);
  }, 120_000);

  it('the OpenAI SDK agent: a service-account token sent to the API server through its shell tool is caught', async () => {
    const baseline = await learn('openai-sdk', 2);
    const capture = join(dir, 'openai-sdk-token.vcap');
    await recordRun(lab.prepare('openai-sdk', 903, 'token-apiserver'), capture);
    expect(lab.apiBearers.some((b) => b.includes('lab-service-account-token'))).toBe(true);
    const found = high(await checkCapture(baseline, capture));
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((f) => /serviceaccount\/token|service-account/.test(`${f.summary} ${f.ruleId}`))).toBe(
      true,
    );
  }, 300_000);
});
