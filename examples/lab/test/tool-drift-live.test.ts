import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../src/lab.js';
import { checkCapture, learnReviewed, recordRun, vigilUnavailable } from '../src/vigil.js';

// Drift per tool, end to end: the plain OpenAI-SDK agent recorded with `vigil record --payloads`
// (its model calls and tool calls from the kernel, attributed to what they caused), a real core
// baseline from `vigil learn` (reviewed), then `vigil check` on a run whose shell tool is made to read
// the service-account token and send it to the API server. No spans, no synthetic events.
function whyNotLive(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (!capturePrivileges().sufficient) return 'not root and no CAP_BPF + CAP_PERFMON';
  return vigilUnavailable();
}
const why = whyNotLive();
if (why) console.warn(`skipping the per-tool drift lab test: ${why}`);

describe.skipIf(why !== undefined)('drift per tool on the lab: record --payloads → learn → check', () => {
  let lab: Lab;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lab-tool-drift-'));

  beforeAll(async () => {
    lab = await Lab.start({ postgres: false });
  }, 60_000);
  afterAll(async () => {
    await lab?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the shell tool reading the token and reaching the API server is drift under run_command', async () => {
    const caps: string[] = [];
    for (let i = 0; i < 3; i++) {
      const cap = join(dir, `learn-${i}.vcap`);
      await recordRun(lab.prepare('openai-sdk', 101 + i), cap, { payloads: true });
      caps.push(cap);
    }
    const baseline = join(dir, 'openai-sdk.baseline.json');
    await learnReviewed(baseline, caps);

    const attack = join(dir, 'token.vcap');
    await recordRun(lab.prepare('openai-sdk', 903, 'token-apiserver'), attack, { payloads: true });
    expect(lab.apiBearers.some((b) => b.includes('lab-service-account-token'))).toBe(true);
    // The capture itself carries the shell tool's call: attribution needs nothing else.
    const { events } = await readCapture(attack);
    expect(events.some((e) => e.kind === 'model.call')).toBe(true);

    const found = await checkCapture(baseline, attack);
    const underTool = found.filter((f) => f.ruleId.startsWith('vigil.drift.tool-call.'));
    console.log(underTool.map((f) => `${f.severity} ${f.ruleId}: ${f.summary}`).join('\n'));
    const critical = underTool.filter((f) => f.severity === 'critical').map((f) => f.ruleId);
    expect(critical).toContain('vigil.drift.tool-call.credential-read');
    expect(critical).toContain('vigil.drift.tool-call.new-peer');
    expect(underTool.every((f) => f.summary.includes('in a call of the tool'))).toBe(true);
  }, 600_000);
});
