import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReadOnlyPgSession } from '../../src/data-access/pg-live.js';
import {
  analyzeDataAccess,
  isVigilError,
  type PgSchemaDeclaration,
  parsePgSchema,
  readPgGrantsLive,
  redactPgUrl,
} from '../../src/index.js';

const root = resolve(import.meta.dirname, '../../../..');
const { postgresUnavailable, startPostgres } = (await import(
  join(root, 'examples/lab/src/postgres.ts')
)) as typeof import('../../../../examples/lab/src/postgres.js');
const why = postgresUnavailable();
if (why) console.warn(`skipping the live PostgreSQL grant reader: ${why}`);

/** The declaration without where each entry came from (a line in a dump, a catalog live), sorted. */
function comparable(d: PgSchemaDeclaration) {
  const sort = <T>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();
  return {
    tables: [...d.tables].sort(),
    roles: [...d.roles].sort(),
    grants: sort(d.grants.map((g) => [g.role, g.table, g.privilege])),
    memberships: sort(d.memberships.map((m) => [m.role, m.member])),
    schemaGrants: sort(d.schemaGrants.map((g) => [g.role, g.schema, g.privilege])),
    defaultGrants: sort(d.defaultGrants.map((g) => [g.role, g.schema, g.privilege])),
  };
}

describe('redactPgUrl', () => {
  it('drops the password and query, keeps user, host, port and database', () => {
    expect(redactPgUrl('postgres://rag:s3cret@db.internal:5433/corpus?sslmode=require')).toBe(
      'postgres://rag@db.internal:5433/corpus',
    );
    expect(redactPgUrl('not a url')).toBe('postgres://(unparsable url)');
  });
});

describe.skipIf(why !== undefined)('reading grants live from PostgreSQL', () => {
  let pg: Awaited<ReturnType<typeof startPostgres>>;
  beforeAll(async () => {
    pg = await startPostgres();
    pg.sql(`
      CREATE ROLE reader;
      CREATE ROLE writer;
      CREATE ROLE alice LOGIN;
      CREATE ROLE colreader LOGIN;
      GRANT reader TO alice;
      CREATE SCHEMA rag;
      CREATE TABLE rag.docs (id serial PRIMARY KEY, topic text, body text);
      CREATE TABLE rag.chunks (id int, doc int, embedding float8[]);
      CREATE TABLE public.secrets (k text);
      CREATE TABLE "Audit Log" (x int);
      CREATE VIEW rag.doc_titles AS SELECT id, topic FROM rag.docs;
      GRANT USAGE ON SCHEMA rag TO reader, colreader;
      GRANT CREATE ON SCHEMA rag TO writer;
      GRANT ALL ON ALL TABLES IN SCHEMA rag TO writer;
      REVOKE TRUNCATE ON rag.chunks FROM writer;
      GRANT SELECT ON rag.docs, rag.chunks TO reader;
      GRANT SELECT ON rag.doc_titles TO PUBLIC;
      GRANT SELECT (id, topic), UPDATE (topic) ON rag.docs TO colreader;
      GRANT INSERT ON "Audit Log" TO writer;
      ALTER DEFAULT PRIVILEGES IN SCHEMA rag GRANT SELECT ON TABLES TO reader;
      ALTER DEFAULT PRIVILEGES GRANT INSERT, UPDATE ON TABLES TO writer;
    `);
  }, 120_000);
  afterAll(() => pg?.stop());

  it('gives the same roles, memberships, tables and table, column, schema and default privileges as the dump', async () => {
    const live = await readPgGrantsLive(pg.url);
    const dump =
      execFileSync('pg_dumpall', ['--roles-only', '-d', pg.url], { encoding: 'utf8' }) +
      execFileSync('pg_dump', ['--schema-only', '-d', pg.url], { encoding: 'utf8' });
    const fromDump = parsePgSchema(dump, 'dump.sql');
    expect(comparable(live)).toEqual(comparable(fromDump));

    // What the fixture declared is all there.
    const c = comparable(live);
    expect(c.tables).toEqual(['public.Audit Log', 'public.secrets', 'rag.chunks', 'rag.docs']);
    expect(c.roles).toEqual(['alice', 'colreader', 'lab', 'reader', 'writer']);
    expect(c.memberships).toEqual([JSON.stringify(['reader', 'alice'])]);
    expect(live.grants.filter((g) => g.role === 'writer' && g.table === 'rag.chunks')).toHaveLength(6);
    expect(live.grants.filter((g) => g.role === 'colreader').map((g) => g.privilege)).toEqual([
      'SELECT',
      'UPDATE',
    ]);
    expect(live.grants.find((g) => g.role === 'public')?.table).toBe('rag.doc_titles');
    expect(c.schemaGrants).toContain(JSON.stringify(['writer', 'rag', 'CREATE']));
    expect(c.defaultGrants).toEqual(
      [
        ['reader', 'rag', 'SELECT'],
        ['writer', '*', 'INSERT'],
        ['writer', '*', 'UPDATE'],
      ]
        .map((x) => JSON.stringify(x))
        .sort(),
    );
    // The source names the connection without a password, and the catalog column.
    expect(live.grants.find((g) => g.role === 'colreader')!.source).toEqual({
      file: pg.url,
      catalog: 'pg_attribute.attacl',
    });
    expect(live.grants.find((g) => g.role === 'reader')!.source.catalog).toBe('pg_class.relacl');

    // The data-access gap is the same from either.
    const strip = (g: ReturnType<typeof analyzeDataAccess>) =>
      g.roles.map((r) => ({
        ...r,
        unused: r.unused.map((u) => [u.role, u.table, u.privilege].join(' ')).sort(),
      }));
    expect(strip(analyzeDataAccess(live, []))).toEqual(strip(analyzeDataAccess(fromDump, [])));
  }, 120_000);

  it('refuses to write through its session, even after ending the read-only transaction', async () => {
    const session = await openReadOnlyPgSession(pg.url);
    try {
      for (const statement of [
        'CREATE TABLE vigil_probe (x int)',
        'COMMIT; CREATE TABLE vigil_probe (x int)',
        "COMMIT; INSERT INTO public.secrets VALUES ('x')",
      ]) {
        const err = await session.query(statement).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isVigilError(err, 'IO'), statement).toBe(true);
        expect((err as Error).message).toMatch(/SQLSTATE (25006|25P02)/);
      }
    } finally {
      await session.close();
    }
    expect(pg.sql("SELECT count(*) FROM pg_class WHERE relname = 'vigil_probe'")).toMatch(/\b0\b/);
    expect(pg.sql('SELECT count(*) FROM public.secrets')).toMatch(/\b0\b/);
  }, 60_000);

  it('names the server and the failure when it cannot connect, and never the password', async () => {
    const url = pg.url.replace('lab@', 'nobody:hunter2@').replace(/:(\d+)\//, (_, p) => `:${Number(p)}/`);
    const err = await readPgGrantsLive(url.replace('/postgres', '/no_such_db')).catch((e: unknown) => e);
    expect(isVigilError(err, 'IO')).toBe(true);
    expect((err as Error).message).toContain('no_such_db');
    expect((err as Error).message).not.toContain('hunter2');
    const usage = await readPgGrantsLive('mysql://x@y/z').catch((e: unknown) => e);
    expect(isVigilError(usage, 'USAGE')).toBe(true);
  }, 60_000);
});
