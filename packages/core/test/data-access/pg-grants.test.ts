import { execFile, execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analyzeDataAccess,
  DataAccessGapSchema,
  type EventOf,
  isVigilError,
  PayloadDecoder,
  parsePgSchema,
  type VigilEvent,
} from '../../src/index.js';
import { ChunkLog, startTee } from '../payload/helpers/recorder.js';

describe('parsePgSchema', () => {
  const dump = `
SET search_path = public;
CREATE ROLE reader;
CREATE TABLE public.docs (id integer, body text);
CREATE TABLE secrets (k text);
CREATE TABLE "Audit Log" (x int);
CREATE TABLE other.t (x int);
GRANT ALL ON ALL TABLES IN SCHEMA public TO reader;
REVOKE TRUNCATE, TRIGGER ON TABLE public.secrets FROM reader;
GRANT SELECT (id), UPDATE ON other.t TO writer, GROUP team;
GRANT USAGE ON SCHEMA public TO reader;
GRANT reader TO alice;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reader;
`;
  it('expands ALL and ALL TABLES IN SCHEMA, applies REVOKE, and names each grant with its line', () => {
    const s = parsePgSchema(dump, 'schema.sql');
    expect(s.tables).toEqual(['public.docs', 'public.secrets', 'public.Audit Log', 'other.t']);
    expect(s.roles).toEqual(['reader']);
    const reader = s.grants.filter((g) => g.role === 'reader');
    expect(reader).toHaveLength(3 * 7 - 2);
    expect(reader.find((g) => g.table === 'public.secrets' && g.privilege === 'TRUNCATE')).toBeUndefined();
    expect(reader[0]!.source).toEqual({ file: 'schema.sql', line: 8 });
    expect(s.grants.filter((g) => g.table === 'other.t').map((g) => [g.role, g.privilege])).toEqual([
      ['writer', 'SELECT'],
      ['writer', 'UPDATE'],
      ['team', 'SELECT'],
      ['team', 'UPDATE'],
    ]);
    expect(s.defaultGrants).toEqual([{ role: 'reader', privilege: 'SELECT', schema: 'public', line: 13 }]);
  });

  it('names the file and line of a grant it cannot read', () => {
    try {
      parsePgSchema('CREATE TABLE a (x int);\n\nGRANT SELECT ON a TO ;', 'bad.sql');
      expect.unreachable();
    } catch (err) {
      expect(isVigilError(err) && err.code === 'PARSE').toBe(true);
      expect((err as Error).message).toContain('bad.sql');
      expect((err as { location: { line: number } }).location.line).toBe(3);
    }
    expect(() => parsePgSchema('GRANT FLY ON TABLE a TO r;', 'bad.sql')).toThrow(/table privilege/);
  });

  it('throws nothing but a PARSE VigilError on any input', () => {
    const words = fc.constantFrom(
      'GRANT',
      'REVOKE',
      'ALL',
      'ON',
      'TABLE',
      'TABLES',
      'IN',
      'SCHEMA',
      'TO',
      'FROM',
      'SELECT',
      ',',
      ';',
      'a',
      '"b"',
      '.',
      'CREATE',
      'ALTER',
      'DEFAULT',
      'PRIVILEGES',
      '(',
      ')',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.array(words, { maxLength: 30 }).map((w) => w.join(' ')),
        ),
        (text) => {
          try {
            parsePgSchema(text, 'f.sql');
          } catch (err) {
            expect(isVigilError(err) && err.code === 'PARSE').toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// --- the gap on a real server, and the generated GRANTs applied to a scratch database -----

const root = resolve(import.meta.dirname, '../../../..');
const { postgresUnavailable, startPostgres } = (await import(
  join(root, 'examples/lab/src/postgres.ts')
)) as typeof import('../../../../examples/lab/src/postgres.js');
const why = postgresUnavailable();
if (why) console.warn(`skipping the data-access gap on PostgreSQL: ${why}`);

describe.skipIf(why !== undefined)('data-access gap on PostgreSQL', () => {
  let pg: Awaited<ReturnType<typeof startPostgres>>;
  let port: number;
  beforeAll(async () => {
    pg = await startPostgres();
    port = Number(new URL(pg.url).port);
    pg.sql(`
      CREATE TABLE docs (id serial PRIMARY KEY, topic text, body text);
      CREATE TABLE secrets (k text);
      CREATE TABLE audit (x int);
      INSERT INTO docs (topic, body) VALUES ('db', 'the db runbook'), ('net', 'the network runbook');
      CREATE ROLE rag_reader LOGIN;
      GRANT ALL ON ALL TABLES IN SCHEMA public TO rag_reader;
    `);
  }, 120_000);
  afterAll(() => pg?.stop());

  /** Runs statements as `user` on `database` through a recording tee; returns row counts (or error codes) and the events. */
  async function asRole(user: string, database: string, statements: { text: string; values?: unknown[] }[]) {
    const log = new ChunkLog();
    const tee = await startTee(port, log);
    const run = await promisify(execFile)(
      process.execPath,
      [
        join(root, 'packages/core/test/payload/fixtures/pg-retriever.mjs'),
        root,
        JSON.stringify({ host: '127.0.0.1', port: tee.port, user, database }),
        JSON.stringify(statements),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    await tee.close();
    const decoder = new PayloadDecoder();
    const events: VigilEvent[] = [];
    for (const c of log.chunks) events.push(...decoder.push(c));
    events.push(...decoder.end());
    return { counts: JSON.parse(run.stdout) as unknown[], events };
  }

  it('names the unused grants of a role granted ALL that only selects from one table; the generated GRANTs allow exactly that', async () => {
    const observed = [
      { text: 'SELECT body FROM docs WHERE topic = $1 LIMIT $2', values: ['db', 3] },
      { text: "SELECT id, body FROM public.docs WHERE body ILIKE '%runbook%'" },
    ];
    const { counts, events } = await asRole('rag_reader', 'postgres', observed);
    expect(counts).toEqual([1, 2]);
    const dump = execFileSync('pg_dump', ['--schema-only', '-d', pg.url], { encoding: 'utf8' });
    const schema = parsePgSchema(dump, 'schema.sql');
    const gap = DataAccessGapSchema.parse(analyzeDataAccess(schema, events));
    const reader = gap.roles.find((r) => r.role === 'rag_reader')!;
    expect(reader.granted).toBe(3 * 7);
    expect(reader.used.map((u) => [u.table, u.privilege, u.statements])).toEqual([
      ['public.docs', 'SELECT', 2],
    ]);
    expect(reader.unused).toHaveLength(3 * 7 - 1);
    expect(reader.unused.some((g) => g.table === 'public.secrets' && g.privilege === 'SELECT')).toBe(true);
    expect(reader.ungranted).toEqual([]);
    expect(reader.leastPrivilege).toEqual(['GRANT SELECT ON TABLE public.docs TO rag_reader;']);

    // A scratch database from the same dump, the role's grants replaced by the generated ones.
    pg.sql('CREATE DATABASE scratch');
    execFileSync(
      'psql',
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', pg.url.replace(/\/postgres$/, '/scratch'), '-f', '-'],
      {
        input: `${dump}\nINSERT INTO public.docs (topic, body) VALUES ('db', 'the db runbook');\nREVOKE ALL ON ALL TABLES IN SCHEMA public FROM rag_reader;\n${reader.leastPrivilege.join('\n')}\n`,
        encoding: 'utf8',
      },
    );
    const again = await asRole('rag_reader', 'scratch', observed);
    expect(again.counts).toEqual([1, 1]);
    const beyond = await asRole('rag_reader', 'scratch', [
      { text: 'SELECT * FROM secrets' },
      { text: 'SELECT * FROM audit' },
      { text: "INSERT INTO docs (topic, body) VALUES ('x', 'y')" },
      { text: 'UPDATE docs SET body = body' },
      { text: 'DELETE FROM docs' },
      { text: 'TRUNCATE docs' },
    ]);
    expect(beyond.counts).toEqual(Array.from({ length: 6 }, () => ({ error: '42501' })));
    // The refused statements are retrieval events with the error, and count as no use.
    const refused = beyond.events.filter((e): e is EventOf<'retrieval'> => e.kind === 'retrieval');
    expect(refused.every((e) => e.error === '42501')).toBe(true);
    expect(analyzeDataAccess(schema, refused).roles.find((r) => r.role === 'rag_reader')!.used).toEqual([]);
  }, 180_000);
});
