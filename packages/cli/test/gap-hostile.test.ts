import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { waitFor, waitsForFifoPartner } from './process-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-gap-hostile-'));
const declared = join(dir, 'rbac.yaml');
writeFileSync(
  declared,
  `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: agent, namespace: ai }
rules:
  - apiGroups: [""]
    resources: ["configmaps", "secrets"]
    verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: agent, namespace: ai }
subjects: [{ kind: ServiceAccount, name: agent, namespace: ai }]
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: agent }
`,
);
const event = (verb: string) =>
  JSON.stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Event',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/ai/configmaps',
    verb,
    user: { username: 'system:serviceaccount:ai:agent' },
    objectRef: { resource: 'configmaps', namespace: 'ai', apiVersion: 'v1' },
    responseStatus: { code: 200 },
    stageTimestamp: '2025-11-24T16:00:00Z',
  });
// A real log with three bad lines: not JSON, the wrong shape, and nested past the depth limit.
const audit = join(dir, 'audit.log');
writeFileSync(
  audit,
  [
    event('get'),
    'garbage{',
    '{"kind":"Event"}',
    `{"a":${'['.repeat(100)}${']'.repeat(100)}}`,
    event('list'),
  ].join('\n'),
);

describe('vigil gap --on-invalid', () => {
  it('fails by default at the first invalid line, naming the file and line', async () => {
    const r = await runCli(['gap', '-d', declared, '--audit-log', audit]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${audit}, line 2`);
  });

  it('skip counts what it skipped by reason, on stderr and in the JSON and text reports', async () => {
    const j = await runCli([
      'gap',
      '-d',
      declared,
      '--audit-log',
      audit,
      '--on-invalid',
      'skip',
      '--format',
      'json',
    ]);
    expect(j.code).toBe(0);
    expect(j.stderr).toContain(
      `${audit}: skipped 3 invalid records (1 invalid-json, 1 invalid-shape, 1 over-limit)`,
    );
    const doc = JSON.parse(j.stdout) as { report: { inputs: { events: number; skipped: unknown } } };
    expect(doc.report.inputs.skipped).toEqual([
      { file: audit, reasons: { 'invalid-json': 1, 'invalid-shape': 1, 'over-limit': 1 } },
    ]);
    expect(doc.report.inputs.events).toBe(2);
    const t = await runCli(['gap', '-d', declared, '--audit-log', audit, '--on-invalid', 'skip']);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(`Input: ${audit}: skipped 3 invalid records`);
  });

  it('refuses a value other than fail or skip before reading anything', async () => {
    const r = await runCli(['gap', '-d', declared, '--audit-log', audit, '--on-invalid', 'maybe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--on-invalid takes fail or skip/);
  });
});

describe('vigil gap input shapes and targets', () => {
  it('an empty declared file or folder is an error, not an empty report', async () => {
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, '# nothing here\n');
    const folder = join(dir, 'nothing');
    mkdirSync(folder);
    writeFileSync(join(folder, 'README.md'), 'not a manifest');
    for (const d of [empty, folder]) {
      const r = await runCli(['gap', '-d', d, '--audit-log', audit, '--on-invalid', 'skip']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(d);
      expect(r.stderr).toMatch(/empty|holds no/);
    }
  });

  it('a List whose items are not an array is an error naming the place', async () => {
    const list = join(dir, 'list.yaml');
    writeFileSync(list, 'apiVersion: v1\nkind: List\nitems: "nope"\n');
    const r = await runCli(['gap', '-d', list, '--audit-log', audit, '--on-invalid', 'skip']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/list\.yaml, line 3, at items: .*items must be an array/);
  });

  it('CloudTrail of the wrong shape is an error naming the file', async () => {
    for (const [name, text] of [
      ['ct-arrays.json', '[[1,2],[3]]'],
      ['ct-string.json', '"str"'],
      ['ct-nested.json', '{"Records":[[1]]}'],
      ['ct-numbers.json', '{"Records":[1, 2]}'],
      ['ct-empty.json', ''],
    ] as const) {
      const f = join(dir, name);
      writeFileSync(f, text);
      const r = await runCli(['gap', '-d', declared, '--cloudtrail', f]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toContain(`${f}, line 1`);
    }
  });

  it('--emit-policy into a folder that cannot be created is an error before the work, not a spin', async () => {
    const r = await runCli([
      'gap',
      '-d',
      declared,
      '--audit-log',
      join(dir, 'missing.log'),
      '--emit-policy',
      '/proc/x',
    ]);
    expect(r.code).toBe(2);
    // The folder is checked first: the missing audit log is never reached.
    expect(r.stderr).toContain('/proc/x');
    expect(r.stderr).toMatch(/cannot create output folder/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const f = await runCli(['gap', '-d', declared, '--audit-log', audit, '--emit-policy', file]);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/not a folder/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('vigil gap and signals', () => {
  it('SIGINT ends a read blocked on a FIFO nobody writes to, at once', { timeout: 120_000 }, async () => {
    const fifo = join(dir, 'declared.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const script = join(dir, 'run-cli.mjs');
    writeFileSync(
      script,
      `const { main } = await import(${JSON.stringify(join(root, 'packages/cli/src/index.ts'))});\nprocess.exitCode = await main(process.argv.slice(2));\n`,
    );
    const child = spawn(
      process.execPath,
      [
        '--conditions=@vigil/source',
        '--import',
        `file://${root}node_modules/tsx/dist/loader.mjs`,
        script,
        'gap',
        '-d',
        fifo,
        '--audit-log',
        audit,
        '--on-invalid',
        'skip',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // Wait until the command is blocked opening the FIFO.
    const exited = new Promise<false>((r) => child.once('exit', () => r(false)));
    expect(
      await Promise.race([waitFor(() => waitsForFifoPartner(child.pid!), 90_000), exited]),
      `vigil gap never blocked opening the FIFO: ${stderr}`,
    ).toBe(true);
    // One signal is enough: without it the child would wait for a writer forever and the test time out.
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(stderr).toContain(`${fifo}: reading declared input interrupted`);
    expect(code).not.toBe(0);
  });
});
