import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type EventOf, EventSchema, type VigilEvent } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sensor } from '../src/sensor.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { whyNoBpf } from './helpers.js';

const root = resolve(import.meta.dirname, '../../..');
// The lab's own PostgreSQL helper: Debian's server in a temporary cluster on 127.0.0.1.
const { postgresUnavailable, startPostgres } = (await import(
  join(root, 'examples/lab/src/postgres.ts')
)) as typeof import('../../../examples/lab/src/postgres.js');

const why = whyNoBpf() ?? postgresUnavailable();
if (why) console.warn(`skipping the live RAG capture test: ${why}`);

type Retrieval = EventOf<'retrieval'>;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** `statement:` and `execute <name>:` lines PostgreSQL logged for `user`, in order. */
function loggedStatements(log: string, user: string): string[] {
  const out: string[] = [];
  const lines = log.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\S+ \S+ \S+ \[\d+\] user=(\S*) db=\S* LOG: {2}(?:statement|execute [^:]+): (.*)$/.exec(
      lines[i]!,
    );
    if (!m || m[1] !== user) continue;
    let text = m[2]!;
    // A statement over several lines continues on tab-indented lines.
    while (lines[i + 1]?.startsWith('\t')) text += `\n${lines[++i]!.slice(1)}`;
    out.push(text);
  }
  return out;
}

describe.skipIf(why !== undefined)('RAG retrieval captured live from the kernel (root)', () => {
  let pg: Awaited<ReturnType<typeof startPostgres>>;
  let logFile: string;
  let port: number;

  beforeAll(async () => {
    pg = await startPostgres();
    port = Number(new URL(pg.url).port);
    // The lab's corpus, a vector table (float arrays and an SQL distance: pgvector is not packaged here) and a reader role.
    pg.sql(`
      CREATE TABLE docs (id serial PRIMARY KEY, topic text NOT NULL, title text NOT NULL, body text NOT NULL);
      INSERT INTO docs (topic, title, body) VALUES
        ('payments', 'payments runbook', 'When payments alerts fire, check the dashboard.'),
        ('search', 'search overview', 'The search service: owners and SLOs.');
      CREATE TABLE chunks (id serial PRIMARY KEY, doc_id int, embedding float8[] NOT NULL);
      INSERT INTO chunks (doc_id, embedding) VALUES (1, '{1,0,0}'), (2, '{0,1,0}'), (1, '{0.5,0.5,0}');
      CREATE FUNCTION l2_distance(a float8[], b float8[]) RETURNS float8 LANGUAGE sql IMMUTABLE AS
        'SELECT sqrt(sum((x - y) ^ 2)) FROM unnest(a, b) AS t(x, y)';
      CREATE ROLE rag_reader LOGIN;
      GRANT SELECT ON docs, chunks TO rag_reader;
    `);
    pg.sql("ALTER SYSTEM SET log_statement = 'all'");
    pg.sql("ALTER SYSTEM SET log_line_prefix = '%m [%p] user=%u db=%d '");
    pg.sql('SELECT pg_reload_conf()');
    const dataDir = pg.sql('SHOW data_directory').split('\n')[2]!.trim();
    logFile = join(dataDir, '..', 'log');
  }, 180_000);

  afterAll(() => pg?.stop());

  it("matches every statement of the lab's retriever one to one with what PostgreSQL logged", async () => {
    const cg = WorkloadCgroup.create();
    try {
      const sensor = await Sensor.open({ cgroups: [cg.dir], payloads: 'meta' });
      const events: VigilEvent[] = [];
      const drain = (async () => {
        for await (const batch of sensor) events.push(...batch);
      })();
      const url = `postgres://rag_reader@127.0.0.1:${port}/postgres`;
      // 1. The lab's RAG tool itself (searchDocs: one connection per search), four searches.
      const topics = ['payments', 'search', 'billing', 'runbook'];
      const driver = `import { searchDocs } from ${JSON.stringify(join(root, 'examples/lab/src/tools.ts'))};
        for (const t of ${JSON.stringify(topics)}) console.log((await searchDocs(t)).split('\\n')[0]);`;
      const lab = cg.spawn(
        process.execPath,
        [
          '--import',
          `file://${join(root, 'node_modules/tsx/dist/loader.mjs')}`,
          '--input-type=module',
          '-e',
          driver,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LAB_PG_URL: url } },
      );
      let labOut = '';
      lab.stdout?.on('data', (d: Buffer) => {
        labOut += d.toString();
      });
      expect(await new Promise((r) => lab.once('exit', r))).toBe(0);
      // 2. A vector search over one connection: extended protocol, a distance function, top-k as a parameter.
      const vectorStatements = [
        {
          text: 'SELECT doc_id FROM chunks ORDER BY l2_distance(embedding, $1) LIMIT $2',
          values: [[1, 0, 0], 2],
        },
        {
          text: 'SELECT doc_id FROM chunks ORDER BY l2_distance(embedding, $1) LIMIT $2',
          values: [[0, 1, 0], 1],
        },
        { text: 'SELECT d.title FROM docs d JOIN chunks c ON c.doc_id = d.id WHERE c.id = $1', values: [3] },
        { text: "INSERT INTO docs (topic, title, body) VALUES ('x', 'y', 'z')" },
      ];
      const config = { host: '127.0.0.1', port, user: 'rag_reader', database: 'postgres' };
      const vec = cg.spawn(
        process.execPath,
        [
          join(root, 'packages/core/test/payload/fixtures/pg-retriever.mjs'),
          root,
          JSON.stringify(config),
          JSON.stringify(vectorStatements),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let vecOut = '';
      vec.stdout?.on('data', (d: Buffer) => {
        vecOut += d.toString();
      });
      expect(await new Promise((r) => vec.once('exit', r))).toBe(0);
      await sensor.flush();
      await sensor.close();
      await drain;

      expect(labOut.split('\n').filter(Boolean)).toHaveLength(topics.length);
      expect(JSON.parse(vecOut)).toEqual([2, 1, 1, { error: '42501' }]);
      const seen = events.filter((e): e is Retrieval => e.kind === 'retrieval');
      for (const e of seen) expect(EventSchema.safeParse(e).success).toBe(true);
      const logged = loggedStatements(readFileSync(logFile, 'utf8'), 'rag_reader');
      expect(logged).toHaveLength(topics.length + vectorStatements.length);

      // One to one: each logged statement is exactly one retrieval event (by the hash of its text), in order.
      const unmatched = [...seen];
      let matched = 0;
      for (const text of logged) {
        const i = unmatched.findIndex((e) => e.statementHash === sha256(text));
        expect(i, `no retrieval event for the logged statement ${text}`).toBeGreaterThanOrEqual(0);
        unmatched.splice(i, 1);
        matched++;
      }
      expect(unmatched).toEqual([]);
      for (const e of seen) {
        expect(e).toMatchObject({
          store: 'postgresql',
          principal: 'rag_reader',
          database: 'postgres',
          endpoint: `127.0.0.1:${port}`,
        });
      }
      const lab4 = seen.filter((e) => e.pid === lab.pid);
      expect(lab4.map((e) => [e.dataSource, e.operation, e.topK, e.filterKeys])).toEqual(
        topics.map(() => ['docs', 'query', 3, ['topic', 'body']]),
      );
      const vecEvents = seen.filter((e) => e.pid === vec.pid);
      expect(
        vecEvents.map((e) => [e.dataSource, e.collections, e.operation, e.topK, e.documents, e.error]),
      ).toEqual([
        ['chunks', ['chunks'], 'query', 2, 2, undefined],
        ['chunks', ['chunks'], 'query', 1, 1, undefined],
        ['docs', ['docs', 'chunks'], 'query', undefined, 1, undefined],
        ['docs', ['docs'], 'upsert', undefined, undefined, '42501'],
      ]);
      console.log(
        `RAG capture: PostgreSQL logged ${logged.length} statements for rag_reader; ${seen.length} retrieval events from the kernel; ${matched} matched one to one, ${unmatched.length} events and ${logged.length - matched} statements unmatched`,
      );
    } finally {
      await cg.remove();
    }
  }, 240_000);
});
