import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureIntegrity, Finding } from '../../../packages/core/src/index.js';
import { toOcsf } from '../../../packages/reporters/src/index.js';

const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../forward-ocsf.mjs');

function finding(over: Partial<Finding> & Pick<Finding, 'id' | 'severity'>): Finding {
  return {
    ruleId: 'vigil.ai.credential-then-egress',
    title: 'Credential read, then egress from the same process tree',
    category: 'detection',
    workload: { id: 'cgroup:/lab-agent', kind: 'cgroup', name: 'lab-agent', labels: {} },
    ts: 1_764_000_000_000_000_000,
    summary: 'sh read /root/.ssh/id_rsa, then connected to 203.0.113.9:443',
    evidence: [{ type: 'note', description: 'open of /root/.ssh/id_rsa by sh' }],
    tags: { owaspLlm: ['LLM02'], owaspAgentic: ['ASI05'], atlas: [], attack: ['T1552.004', 'T1041'] },
    compliance: [],
    risk: { score: 92, reasons: ['credential and new peer'] },
    ...over,
  };
}

/** What `vigil check --format ocsf` writes for these findings: one Detection Finding per line. */
const ndjson = (findings: Finding[], integrity?: Parameters<typeof toOcsf>[1]) =>
  toOcsf(findings, integrity ?? {})
    .map((e) => `${JSON.stringify(e)}\n`)
    .join('');

function run(file: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const p = spawn(process.execPath, [SCRIPT, file], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('examples/vendor-ocsf: a vendor consuming Vigil OCSF', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let status = 200;
  const posts: unknown[][] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ocsf-'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (status === 200) posts.push(JSON.parse(body) as unknown[]);
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('maps each Detection Finding to an alert and posts them', async () => {
    const file = join(dir, 'findings.ndjson');
    writeFileSync(
      file,
      ndjson([
        finding({ id: 'f-crit', severity: 'critical', count: 3, lastSeen: 1_764_000_005_000_000_000 }),
        finding({
          id: 'f-low',
          severity: 'low',
          ruleId: 'vigil.drift.process.new-arguments',
          tags: { owaspLlm: [], owaspAgentic: [], atlas: [], attack: [] },
        }),
      ]),
    );
    posts.length = 0;
    const r = await run(file, { VENDOR_ENDPOINT: url });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`2 alerts sent to ${url}`);
    const alerts = posts.flat() as Record<string, unknown>[];
    expect(alerts.map((a) => [a['id'], a['severity']])).toEqual([
      ['f-crit', 'critical'],
      ['f-low', 'low'],
    ]);
    expect(alerts[0]).toMatchObject({
      source: 'vigil',
      dedup_key: 'vigil.ai.credential-then-egress@cgroup:/lab-agent',
      risk: 92,
      rule: 'vigil.ai.credential-then-egress',
      mitre_attack: ['T1552.004', 'T1041'],
      frameworks: ['owasp-llm:LLM02', 'owasp-agentic:ASI05'],
      asset: { id: 'cgroup:/lab-agent', name: 'lab-agent', type: 'cgroup' },
      first_seen: new Date(1_764_000_000_000).toISOString(),
      last_seen: new Date(1_764_000_005_000).toISOString(),
      occurrences: 3,
      incomplete_input: false,
    });
  });

  it('marks alerts from a capture that was cut short', async () => {
    const file = join(dir, 'incomplete.ndjson');
    const integrity: CaptureIntegrity = { complete: false, incomplete: [], interrupted: ['run.vcap'] };
    writeFileSync(file, ndjson([finding({ id: 'f1', severity: 'high' })], { integrity }));
    const r = await run(file);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ id: 'f1', incomplete_input: true });
  });

  it('names the file, line and what was expected for a bad line, and still forwards the rest', async () => {
    const file = join(dir, 'mixed.ndjson');
    const good = ndjson([
      finding({ id: 'g1', severity: 'high' }),
      finding({ id: 'g2', severity: 'medium' }),
    ]).split('\n');
    writeFileSync(
      file,
      [
        good[0],
        '{"class_uid": 2004, "severity_id"',
        JSON.stringify({ class_uid: 1001 }),
        '',
        '[1,2]',
        good[1],
      ].join('\n'),
    );
    const r = await run(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: expected a JSON object`),
    );
    expect(r.stderr).toContain(`${file}:3: expected class_uid 2004 (Detection Finding), got 1001`);
    expect(r.stderr).toContain(`${file}:5: expected a JSON object`);
    expect(r.stderr).toContain('2 alerts; 3 lines skipped');
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual(['g1', 'g2']);
  });

  it('fails with the status when the vendor refuses the alerts', async () => {
    const file = join(dir, 'refused.ndjson');
    writeFileSync(file, ndjson([finding({ id: 'r1', severity: 'high' })]));
    status = 503;
    try {
      const r = await run(file, { VENDOR_ENDPOINT: url });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${url} answered 503 to alerts 1–1`);
    } finally {
      status = 200;
    }
  });
});
