import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CaptureWriter, EventSchema, type VigilEventInput } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-data-access-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let ts = 1_764_000_000e9;
const retrieval = (p: Record<string, unknown>) => {
  ts += 1e9;
  return EventSchema.parse({
    ts,
    workload: { id: 'systemd:agent.service', kind: 'systemd-service', name: 'agent', labels: {} },
    pid: 7,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'ebpf',
    kind: 'retrieval',
    dataSource: 'docs',
    store: 'postgresql',
    operation: 'query',
    command: 'SELECT',
    collections: ['docs'],
    principal: 'rag_reader',
    endpoint: '127.0.0.1:5432',
    ...p,
  } as unknown as VigilEventInput);
};
const capture = join(dir, 'run.vcap');
const w = CaptureWriter.create(capture, { header: { source: 'ebpf' } });
w.writeAll([
  retrieval({}),
  retrieval({}),
  retrieval({ dataSource: 'secrets', collections: ['secrets'], error: '42501' }),
]);
w.close({ exitCode: 0 });

describe('vigil gap and check with declared data access', () => {
  it('lists the data-access options in --help', async () => {
    const gap = await runCli(['gap', '--help']);
    expect(gap.stdout).toMatch(/--pg-schema/);
    expect(gap.stdout).toMatch(/--pg-url/);
    expect(gap.stdout).toMatch(/--store-config/);
    expect((await runCli(['check', '--help'])).stdout).toMatch(/--store-config/);
  });

  it('refuses a URL that is not PostgreSQL with one line and exit 2', async () => {
    const r = await runCli(['gap', '--pg-url', 'mysql://x@y/z', capture]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/postgres:\/\//);
  });

  it('check --store-config reports the agent retrieving from a PostgreSQL whose pg_hba.conf trusts everyone', async () => {
    const pgDir = join(dir, 'pg');
    mkdirSync(pgDir);
    writeFileSync(join(pgDir, 'postgresql.conf'), "listen_addresses = '*'\n");
    writeFileSync(join(pgDir, 'pg_hba.conf'), 'local all all peer\nhost all all 0.0.0.0/0 trust\n');
    const r = await runCli([
      'check',
      capture,
      '--store-config',
      pgDir,
      '--format',
      'json',
      '--fail-on',
      'high',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as {
      findings: { ruleId: string; evidence: { uri?: string; line?: number }[] }[];
    };
    const f = out.findings.find((x) => x.ruleId === 'vigil.rag.store-without-auth')!;
    expect(f.evidence.find((e) => e.uri?.endsWith('pg_hba.conf'))?.line).toBe(2);
    // Without the declaration the rule has nothing to compare with.
    const bare = await runCli(['check', capture, '--format', 'json']);
    expect(
      (JSON.parse(bare.stdout) as { findings: { ruleId: string }[] }).findings.some(
        (x) => x.ruleId === 'vigil.rag.store-without-auth',
      ),
    ).toBe(false);
  });
});

const root = resolve(import.meta.dirname, '../../..');
const { postgresUnavailable, startPostgres } = (await import(
  join(root, 'examples/lab/src/postgres.ts')
)) as typeof import('../../../examples/lab/src/postgres.js');
const why = postgresUnavailable();
if (why) console.warn(`skipping vigil gap --pg-url on PostgreSQL: ${why}`);

describe.skipIf(why !== undefined)('vigil gap --pg-url and --pg-schema on Debian’s PostgreSQL', () => {
  let pg: Awaited<ReturnType<typeof startPostgres>>;
  beforeAll(async () => {
    pg = await startPostgres();
    pg.sql(`
      CREATE TABLE docs (id serial PRIMARY KEY, body text);
      CREATE TABLE secrets (k text);
      CREATE TABLE audit (x int);
      CREATE ROLE rag_reader LOGIN;
      GRANT ALL ON ALL TABLES IN SCHEMA public TO rag_reader;
    `);
  }, 120_000);
  afterAll(() => pg?.stop());

  it('gives the same data-access domain live and from the dump, and writes the GRANT artifact', async () => {
    const policies = join(dir, 'policies');
    const live = await runCli([
      'gap',
      '--pg-url',
      pg.url,
      capture,
      '--emit-policy',
      policies,
      '--format',
      'json',
    ]);
    expect(live.code, live.stderr).toBe(0);
    const dumpFile = join(dir, 'schema.sql');
    writeFileSync(dumpFile, execFileSync('pg_dump', ['--schema-only', '-d', pg.url], { encoding: 'utf8' }));
    const fromDump = await runCli(['gap', '--pg-schema', dumpFile, capture, '--format', 'json']);
    expect(fromDump.code, fromDump.stderr).toBe(0);
    type Out = {
      report: {
        workloads: {
          id: string;
          domains: { domain: string; granted: number; used: number; denied: unknown[] }[];
        }[];
      };
      dataAccess: { roles: { role: string; leastPrivilege: string[] }[] };
    };
    const counts = (o: Out) =>
      o.report.workloads
        .filter((x) => x.id.startsWith('pg:role:'))
        .map((x) => x.domains.map((d) => [x.id, d.domain, d.used, d.granted, d.denied.length]));
    const a = JSON.parse(live.stdout) as Out;
    const b = JSON.parse(fromDump.stdout) as Out;
    expect(counts(a)).toEqual([[['pg:role:rag_reader', 'data-access', 1, 21, 1]]]);
    expect(counts(b)).toEqual(counts(a));
    expect(a.dataAccess.roles.find((r) => r.role === 'rag_reader')!.leastPrivilege).toEqual([
      'GRANT SELECT ON TABLE public.docs TO rag_reader;',
    ]);
    expect(readFileSync(join(policies, 'grants-rag_reader.sql'), 'utf8')).toMatch(
      /^-- Generated by Vigil[\s\S]*\nGRANT SELECT ON TABLE public\.docs TO rag_reader;\n$/,
    );
  }, 180_000);
});
