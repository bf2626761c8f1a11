import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  type DeclaredDataStores,
  type EventOf,
  FindingSchema,
  loadDataStores,
  PayloadDecoder,
  type VigilEvent,
  type WorkloadRef,
} from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkLog, startTee } from '../../core/test/payload/helpers/recorder.js';
import { RuleEngine, ragPack } from '../src/index.js';
import { connect, OTHER, tick, toolCall } from './events.js';

const RULE = 'vigil.rag.store-without-auth';

const AGENT_POD: WorkloadRef = {
  id: 'k8s:pod:ml/agent-7d9f/container:agent',
  kind: 'kubernetes-pod',
  name: 'agent-7d9f',
  namespace: 'ml',
  labels: { app: 'agent' },
};
const STRANGER_POD: WorkloadRef = {
  ...AGENT_POD,
  id: 'k8s:pod:ml/cron-1',
  name: 'cron-1',
  labels: { app: 'cron' },
};

function retrieval(extra: Partial<EventOf<'retrieval'>> = {}, workload: WorkloadRef = AGENT_POD): VigilEvent {
  return {
    ts: tick(),
    workload,
    pid: 100,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'synthetic',
    kind: 'retrieval',
    dataSource: 'docs',
    store: 'weaviate',
    operation: 'query',
    endpoint: '10.0.0.7:8080',
    ...extra,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-rag-store-'));
const manifest = (weaviateAnonymous: boolean, policy: boolean) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: weaviate, namespace: rag }
spec:
  selector: { matchLabels: { app: weaviate } }
  template:
    metadata: { labels: { app: weaviate } }
    spec:
      containers:
        - name: weaviate
          image: semitechnologies/weaviate:1.28.2
          env:
            - { name: AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED, value: "${weaviateAnonymous}" }
            - { name: AUTHENTICATION_APIKEY_ENABLED, value: "${!weaviateAnonymous}" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: agent, namespace: ml }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec:
      containers: [{ name: agent, image: ghcr.io/acme/agent:1 }]
${
  policy
    ? `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: weaviate-ingress, namespace: rag }
spec:
  podSelector: { matchLabels: { app: weaviate } }
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ingest } } }] }]
`
    : ''
}`;
let n = 0;
async function declared(text: string): Promise<DeclaredDataStores> {
  const f = join(dir, `m${n++}.yaml`);
  writeFileSync(f, text);
  return loadDataStores([f]);
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('RAG pack: an agent reaching a store without authentication', () => {
  const open = () => declared(manifest(true, false));
  const table: {
    name: string;
    stores: () => Promise<DeclaredDataStores | undefined>;
    events: () => VigilEvent[];
    fires: string[];
  }[] = [
    {
      name: 'an agent retrieves from an anonymous Weaviate (and its pods are declared able to reach it)',
      stores: open,
      events: () => [retrieval()],
      fires: ['reachable', 'observed'],
    },
    {
      name: 'an agent elsewhere retrieves from it: observed only',
      stores: open,
      events: () => [retrieval({}, { ...AGENT_POD, namespace: undefined, kind: 'host', id: 'host:agent' })],
      fires: ['observed'],
    },
    {
      name: 'an agent calls a tool, and nothing restricts ingress to the open store',
      stores: open,
      events: () => [toolCall('fs', 'read_file', { workload: AGENT_POD })],
      fires: ['reachable'],
    },
    {
      name: 'a connection to the store port after the workload acted as an agent',
      stores: open,
      events: () => [
        toolCall('fs', 'read_file', { workload: { ...AGENT_POD, namespace: 'elsewhere' } }),
        connect('10.0.0.7', 8080, { workload: { ...AGENT_POD, namespace: 'elsewhere' } }),
      ],
      fires: ['observed'],
    },
    // Must not fire:
    {
      name: 'a connection by a workload never seen acting as an agent',
      stores: open,
      events: () => [connect('10.0.0.7', 8080, { workload: STRANGER_POD })],
      fires: [],
    },
    {
      name: 'a refused connection',
      stores: open,
      events: () => [
        toolCall('x', 'y', { workload: OTHER }),
        connect('10.0.0.7', 8080, { workload: OTHER, result: -111 }),
      ],
      fires: [],
    },
    {
      name: 'the store has API keys on',
      stores: () => declared(manifest(false, false)),
      events: () => [retrieval()],
      fires: [],
    },
    {
      name: 'a NetworkPolicy keeps the agents out, and no agent was seen reaching it',
      stores: () => declared(manifest(true, true)),
      events: () => [toolCall('fs', 'read_file', { workload: AGENT_POD })],
      fires: [],
    },
    {
      name: 'a retrieval from another store on another port',
      stores: open,
      events: () => [retrieval({ store: 'qdrant', endpoint: '10.0.0.8:6333' })],
      fires: ['reachable'],
    },
    { name: 'no declared stores', stores: async () => undefined, events: () => [retrieval()], fires: [] },
  ];
  it.each(table)('$name', async ({ stores, events, fires }) => {
    const dataStores = await stores();
    const engine = new RuleEngine({ packs: [ragPack], ...(dataStores ? { declared: { dataStores } } : {}) });
    const findings = engine.process(events()).filter((f) => f.ruleId === RULE);
    expect(
      findings.map((f) => (f.summary.includes('can reach it') ? 'reachable' : 'observed')).sort(),
    ).toEqual([...fires].sort());
    for (const f of findings) {
      FindingSchema.parse(f);
      expect(f.severity).toBe('high');
      // Evidence names the configuration file and place, and the event that was seen.
      const artifact = f.evidence.find((e) => e.type === 'artifact')!;
      expect(artifact.uri).toMatch(/m\d+\.yaml$/);
      expect(artifact.path).toBe('env AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED');
      expect(artifact.line).toBeGreaterThan(0);
      expect(f.evidence.some((e) => e.type === 'event')).toBe(true);
      expect(f.tags.owaspLlm).toContain('LLM08');
      expect(f.compliance.length).toBeGreaterThan(0);
    }
  });
});

const root = resolve(import.meta.dirname, '../../..');
const { postgresUnavailable, startPostgres } = (await import(
  join(root, 'examples/lab/src/postgres.ts')
)) as typeof import('../../../examples/lab/src/postgres.js');
const why = postgresUnavailable();
if (why) console.warn(`skipping the trust-authentication test on PostgreSQL: ${why}`);

describe.skipIf(why !== undefined)(
  'RAG pack: a retriever on a PostgreSQL whose pg_hba.conf trusts it',
  () => {
    let pg: Awaited<ReturnType<typeof startPostgres>>;
    beforeAll(async () => {
      pg = await startPostgres();
      pg.sql(
        "CREATE TABLE docs (id serial PRIMARY KEY, body text); INSERT INTO docs (body) VALUES ('runbook')",
      );
    }, 120_000);
    afterAll(() => pg?.stop());

    it('reports the trust line of the server’s own pg_hba.conf with the retrieval that went through it', async () => {
      const hba = pg.sql('SHOW hba_file').match(/\/\S+pg_hba\.conf/)![0];
      const conf = pg.sql('SHOW config_file').match(/\/\S+postgresql\.conf/)![0];
      const dataStores = await loadDataStores([hba, conf]);
      const server = dataStores.stores.find((s) => s.store === 'postgresql')!;
      expect(server.auth.state).toBe('off');

      // The server listens on a free port given on its command line; the declared default (5432)
      // is not it, so the store is declared with the port it was started on.
      const port = Number(new URL(pg.url).port);
      const stores = { ...dataStores, stores: [{ ...server, ports: [port] }] };
      const log = new ChunkLog();
      const tee = await startTee(port, log);
      await promisify(execFile)(
        process.execPath,
        [
          join(root, 'packages/core/test/payload/fixtures/pg-retriever.mjs'),
          root,
          JSON.stringify({ host: '127.0.0.1', port: tee.port, user: 'lab', database: 'postgres' }),
          JSON.stringify([{ text: 'SELECT body FROM docs LIMIT 3' }]),
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      await tee.close();
      const decoder = new PayloadDecoder();
      const events: VigilEvent[] = [];
      for (const c of log.chunks) events.push(...decoder.push(c));
      events.push(...decoder.end());
      const retrievals = events.filter((e): e is EventOf<'retrieval'> => e.kind === 'retrieval');
      expect(retrievals.length).toBeGreaterThan(0);
      // The tee listens on its own port; the retriever meant the server's.
      const seen = retrievals.map((e) => ({ ...e, endpoint: `127.0.0.1:${port}` }));
      const findings = new RuleEngine({ packs: [ragPack], declared: { dataStores: stores } })
        .process(seen)
        .filter((f) => f.ruleId === RULE);
      expect(findings).toHaveLength(1);
      const f = findings[0]!;
      expect(f.summary).toMatch(/retrieved from postgresql docs .* as lab/);
      expect(f.summary).toContain('pg_hba.conf');
      const artifact = f.evidence.find((e) => e.type === 'artifact')!;
      expect(artifact.uri).toBe(hba);
      expect(artifact.line).toBe(server.trust[0]!.place.line);
      expect(f.evidence.find((e) => e.type === 'event')?.event?.kind).toBe('retrieval');
    }, 120_000);
  },
);
