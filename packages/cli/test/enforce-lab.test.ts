import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, describe, expect, it } from 'vitest';
import { Lab } from '../../../examples/lab/src/lab.js';
import { readPolicyFile } from '../src/commands/enforce-support.js';
import { findRepoRoot, openLog } from '../src/demo/lab.js';
import { enforceRun } from '../src/enforce-run.js';
import { recordRun } from '../src/record-run.js';
import { runCli } from './helpers.js';

// The lab's openai-agents agent (OpenAI Agents SDK, the filesystem and memory MCP servers from npm and
// the lab's notes server, a shell tool) learned on its seeded task, then run under the policy
// synthesised from that baseline: the same task again, and the same task with the lab's
// credential-exfiltration attack injected into its inbox.
const SEED = 8;
const canRun =
  process.platform === 'linux' && existsSync('/sys/kernel/btf/vmlinux') && capturePrivileges().sufficient;
const why = canRun ? undefined : 'needs Linux with BTF and root';
if (why) console.warn(`skipping the lab enforcement test: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-enforce-lab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(why !== undefined)('a learned lab agent under enforcement (live)', () => {
  it('does its benign task unhindered; its injected exfiltration is stopped', {
    timeout: 600_000,
  }, async () => {
    const root = findRepoRoot();
    const log = openLog(process.env['VIGIL_LAB_LOG'] ?? join(dir, 'lab.log'));
    const lab = await Lab.start({ postgres: false });
    const name = `enforce-lab-${process.pid}`;
    const spawnOf = (env: Readonly<Record<string, string>>) => ({
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', log, log] as ['ignore', number, number],
    });
    try {
      const runs: string[] = [];
      for (let i = 0; i < 2; i++) {
        const out = join(dir, `benign-${i}.vcap`);
        const run = lab.prepare('openai-agents', SEED);
        const r = await recordRun(run.argv, { out, name, spawn: spawnOf(run.env) });
        run.cleanup();
        expect(r.exitCode).toBe(0);
        runs.push(out);
      }
      const baseline = join(dir, 'baseline.json');
      const learned = await runCli(['learn', '--out', baseline, '--mark-stable', ...runs]);
      expect(learned.code, learned.stderr).toBe(0);
      // What learning quarantined (the task's shell commands) is admitted by a reviewer, as in the demo.
      const review = await runCli(['baseline', 'review', baseline, '--format', 'json']);
      expect(review.code, review.stderr).toBe(0);
      const queue = (JSON.parse(review.stdout) as { quarantined: { id: string }[] }).quarantined;
      if (queue.length > 0) {
        const admitted = await runCli([
          'baseline',
          'admit',
          baseline,
          ...queue.map((q) => q.id),
          '--by',
          'test',
          '--reason',
          'the task runs these commands',
        ]);
        expect(admitted.code, admitted.stderr).toBe(0);
      }
      const policyFile = join(dir, 'policy.json');
      const made = await runCli(['policy', '--baseline', baseline, '--name', name, '--out', policyFile]);
      expect(made.code, made.stderr).toBe(0);
      const policy = await readPolicyFile(policyFile);

      const benignRun = lab.prepare('openai-agents', SEED);
      const summary = join(lab.paths('openai-agents').work, 'out', `${benignRun.task.topic}.md`);
      rmSync(summary, { force: true });
      const benign = await enforceRun(benignRun.argv, {
        policy,
        mode: 'enforce',
        name,
        spawn: spawnOf(benignRun.env),
      });
      benignRun.cleanup();
      expect(
        benign.violations.map((v) => `${v.action} ${v.operation} ${v.path ?? `${v.daddr}:${v.dport}`}`),
      ).toEqual([]);
      expect(benign.exitCode).toBe(0);
      expect(readFileSync(summary, 'utf8').length).toBeGreaterThan(0);

      const attackRun = lab.prepare('openai-agents', SEED, 'cred-exfil');
      const attack = await enforceRun(attackRun.argv, {
        policy,
        mode: 'enforce',
        name,
        spawn: spawnOf(attackRun.env),
      });
      attackRun.cleanup();
      expect(lab.received).toBe(0);
      expect(attack.violations.some((v) => v.action === 'killed' && v.operation === 'exec')).toBe(true);
    } finally {
      await lab.close();
    }
  });
});
