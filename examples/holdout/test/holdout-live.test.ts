import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckedFinding, runVigil, vigilUnavailable } from '../../lab/src/vigil.js';
import { Holdout } from '../src/holdout.js';
import { HOLDOUT_ATTACKS, type HoldoutAttack } from '../src/tasks.js';

// The held-out agent (Anthropic SDK, bash and fetch tools, the everything MCP server) through the
// README's user path with its defaults: `vigil record -- CMD` with no --name, `vigil learn`, the review
// (`vigil baseline review`, `vigil baseline admit`), `vigil check`.
// Nothing is synthetic: real eBPF capture, a real core baseline, the real SDK streaming over HTTPS.
function whyNotLive(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (!capturePrivileges().sufficient) return 'not root and no CAP_BPF + CAP_PERFMON';
  return vigilUnavailable();
}
const why = whyNotLive();
if (why) console.warn(`skipping the held-out agent's live tests: ${why}`);

const high = (fs: readonly CheckedFinding[]) =>
  fs.filter((f) => f.severity === 'high' || f.severity === 'critical');

describe.skipIf(why !== undefined)('the held-out agent: record → learn → check with the defaults', () => {
  let holdout: Holdout;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-holdout-e2e-'));
  const workloads: string[] = [];
  let baseline = '';

  /** `vigil record [--payloads] --out OUT -- agent --ticket SEED`; returns the workload it printed. */
  async function record(
    seed: number,
    out: string,
    attack?: HoldoutAttack,
    payloads = false,
  ): Promise<string> {
    const run = holdout.prepare(seed, attack);
    try {
      const r = await runVigil(
        ['record', ...(payloads ? ['--payloads'] : []), '--out', out, '--', ...run.argv],
        run.env,
      );
      if (r.code !== 0) throw new Error(`ticket ${seed} exited ${r.code}: ${r.stderr.slice(-800)}`);
      const w = /^workload (\S+)/m.exec(r.stderr);
      if (!w) throw new Error(`vigil record named no workload: ${r.stderr}`);
      return w[1]!;
    } finally {
      run.cleanup();
    }
  }

  async function check(capture: string): Promise<CheckedFinding[]> {
    const r = await runVigil(['check', '--baseline', baseline, '--format', 'json', capture]);
    if (r.code !== 0 && r.code !== 1) throw new Error(`vigil check exited ${r.code}: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { findings: CheckedFinding[] }).findings;
  }

  beforeAll(async () => {
    holdout = await Holdout.start();
  }, 60_000);
  afterAll(async () => {
    await holdout?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs of one command share one default workload name, and learn builds one baseline for it', async () => {
    const caps: string[] = [];
    for (const seed of [101, 102, 103, 104]) {
      const cap = join(dir, `learn-${seed}.vcap`);
      workloads.push(await record(seed, cap));
      caps.push(cap);
    }
    expect(new Set(workloads).size).toBe(1);
    baseline = join(dir, 'baseline.json');
    const l = await runVigil(['learn', '--out', baseline, ...caps]);
    expect(l.code).toBe(0);
    expect(l.stderr).toContain(`learned from`);
    expect(l.stderr).toContain(`${workloads[0]} @`);
    // The README's review step: what learning held for review (the agent's shell tool) is admitted.
    const review = await runVigil(['baseline', 'review', baseline, '--format', 'json']);
    expect(review.code).toBe(0);
    const held = (JSON.parse(review.stdout) as { quarantined: { id: string }[] }).quarantined.map(
      (q) => q.id,
    );
    if (held.length > 0) {
      const a = await runVigil([
        ...['baseline', 'admit', baseline, ...held],
        ...['--by', 'holdout-test', '--reason', 'the shell tool is part of handling tickets'],
      ]);
      expect(a.code).toBe(0);
    }
  }, 480_000);

  it('a fresh benign ticket has no high or critical finding', async () => {
    expect(baseline).not.toBe('');
    const cap = join(dir, 'benign-501.vcap');
    expect(await record(501, cap)).toBe(workloads[0]);
    expect(high(await check(cap)).map((f) => `${f.severity} ${f.title}: ${f.summary}`)).toEqual([]);
  }, 240_000);

  for (const [i, attack] of HOLDOUT_ATTACKS.entries())
    it(`the ${attack} attack, acted out from an injected ticket, is found at high or above`, async () => {
      expect(baseline).not.toBe('');
      const before = { received: holdout.received, downloads: holdout.downloads };
      const cap = join(dir, `${attack}.vcap`);
      await record(901 + i, cap, attack);
      // The attack really happened: the drop server got the credentials or served its installer.
      if (attack === 'cred-exfil') expect(holdout.received).toBeGreaterThan(before.received);
      else expect(holdout.downloads).toBeGreaterThan(before.downloads);
      expect(high(await check(cap)).length).toBeGreaterThan(0);
    }, 240_000);

  it('with --payloads, the capture holds the Anthropic model calls and the tools the model asked for', async () => {
    const cap = join(dir, 'payloads.vcap');
    await record(601, cap, undefined, true);
    const { events } = await readCapture(cap);
    const models = events.filter((e) => e.kind === 'model.call');
    expect(models.length).toBeGreaterThan(0);
    expect(models.every((e) => e.kind === 'model.call' && e.provider === 'anthropic')).toBe(true);
    expect(models.some((e) => e.kind === 'model.call' && e.model === 'claude-sonnet-5')).toBe(true);
    const asked = models.flatMap((e) =>
      e.kind === 'model.call' ? (e.toolCalls ?? []).map((t) => t.name) : [],
    );
    expect(asked).toContain('fetch_url');
  }, 240_000);
});
