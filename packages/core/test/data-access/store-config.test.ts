import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DataStoreConfigSchema,
  DeclaredDataStoresSchema,
  isVigilError,
  loadDataStores,
  parseStoreConfig,
  readStoreManifest,
  STORE_CONFIG_FORMATS,
  type StoreConfigFormat,
  storeConfigFormatOf,
  storeExposure,
  storeReachability,
} from '../../src/index.js';

const SECRET = 'sk-very-secret-0123456789';

function one(text: string, file: string, format?: StoreConfigFormat) {
  const all = parseStoreConfig(text, file, format);
  expect(all).toHaveLength(1);
  const s = DataStoreConfigSchema.parse(all[0]);
  // A key's value is never kept, only that it is set.
  expect(JSON.stringify(s)).not.toContain(SECRET);
  return s;
}

describe('parseStoreConfig', () => {
  it('tells the format from the file name', () => {
    expect(storeConfigFormatOf('/etc/postgresql/15/main/pg_hba.conf')).toBe('pg-hba');
    expect(storeConfigFormatOf('conf/postgresql.auto.conf')).toBe('postgresql-conf');
    expect(storeConfigFormatOf('deploy/qdrant/config.yaml')).toBe('qdrant-config');
    expect(storeConfigFormatOf('milvus.yaml')).toBe('milvus-config');
    expect(storeConfigFormatOf('elasticsearch.yml')).toBe('elasticsearch-config');
    expect(storeConfigFormatOf('opensearch.yml')).toBe('opensearch-config');
    expect(storeConfigFormatOf('chroma.env')).toBe('env-file');
    expect(storeConfigFormatOf('deploy/app.yaml')).toBeUndefined();
  });

  const table: {
    name: string;
    file: string;
    text: string;
    store: string;
    auth: 'on' | 'off' | 'unknown';
    tls?: 'on' | 'off' | 'unknown';
    bind?: string;
    ports?: number[];
    keys?: string[];
    authLine?: number;
  }[] = [
    {
      name: 'Qdrant without an API key',
      file: 'qdrant/config.yaml',
      text: 'log_level: INFO\nservice:\n  host: 0.0.0.0\n  http_port: 6333\n',
      store: 'qdrant',
      auth: 'off',
      tls: 'off',
      bind: '0.0.0.0',
      ports: [6333, 6334],
    },
    {
      name: 'Qdrant with an API key and TLS',
      file: 'qdrant/config.yaml',
      text: `service:\n  host: 127.0.0.1\n  enable_tls: true\n  api_key: ${SECRET}\n  grpc_port: 7334\n`,
      store: 'qdrant',
      auth: 'on',
      tls: 'on',
      bind: '127.0.0.1',
      ports: [6333, 7334],
      keys: ['service.api_key'],
      authLine: 4,
    },
    {
      name: 'Milvus with authorization and mutual TLS',
      file: 'milvus.yaml',
      text: 'proxy:\n  port: 19531\ncommon:\n  security:\n    authorizationEnabled: true\n    tlsMode: 2\n',
      store: 'milvus',
      auth: 'on',
      tls: 'on',
      ports: [19531],
      authLine: 5,
    },
    {
      name: 'Milvus as shipped',
      file: 'milvus.yaml',
      text: 'common:\n  security:\n    authorizationEnabled: false\n',
      store: 'milvus',
      auth: 'off',
      tls: 'off',
      authLine: 3,
    },
    {
      name: 'Elasticsearch with security off, flat keys',
      file: 'elasticsearch.yml',
      text: 'cluster.name: rag\nnetwork.host: 0.0.0.0\nxpack.security.enabled: false\n',
      store: 'elasticsearch',
      auth: 'off',
      bind: '0.0.0.0',
      ports: [9200],
      authLine: 3,
    },
    {
      name: 'Elasticsearch without a word on security',
      file: 'elasticsearch.yml',
      text: 'xpack:\n  security:\n    http:\n      ssl:\n        enabled: true\n',
      store: 'elasticsearch',
      auth: 'unknown',
      tls: 'on',
      bind: 'localhost',
    },
    {
      name: 'OpenSearch with the security plugin disabled',
      file: 'opensearch.yml',
      text: 'plugins.security.disabled: true\nnetwork.host: 0.0.0.0\n',
      store: 'opensearch',
      auth: 'off',
      authLine: 1,
    },
    {
      name: 'postgresql.conf',
      file: 'pg/postgresql.conf',
      text: "# comment\nlisten_addresses = '*'   # all\nport = 5433\nssl on\nshared_buffers = '128MB'\n",
      store: 'postgresql',
      auth: 'unknown',
      tls: 'on',
      bind: '*',
      ports: [5433],
    },
    {
      name: 'pg_hba.conf with a trust line',
      file: 'pg/pg_hba.conf',
      text: 'local all postgres peer\nhost all all 127.0.0.1/32 scram-sha-256\n\nhost  rag  "rag reader"  10.0.0.0 255.0.0.0  trust  # the agents\n',
      store: 'postgresql',
      auth: 'off',
      authLine: 4,
    },
    {
      name: 'pg_hba.conf without trust',
      file: 'pg/pg_hba.conf',
      text: 'hostssl all all 0.0.0.0/0 scram-sha-256 clientcert=verify-full\n',
      store: 'postgresql',
      auth: 'on',
    },
    {
      name: 'Chroma .env without an authentication provider',
      file: 'chroma.env',
      text: 'CHROMA_SERVER_HOST=0.0.0.0\nexport CHROMA_SERVER_HTTP_PORT=8001\n',
      store: 'chroma',
      auth: 'off',
      bind: '0.0.0.0',
      ports: [8001],
    },
    {
      name: 'Chroma .env with token authentication',
      file: 'chroma.env',
      text: `CHROMA_SERVER_AUTHN_PROVIDER="chromadb.auth.token_authn.TokenAuthenticationServerProvider"\nCHROMA_SERVER_AUTHN_CREDENTIALS=${SECRET}\n`,
      store: 'chroma',
      auth: 'on',
      keys: ['env CHROMA_SERVER_AUTHN_CREDENTIALS'],
      authLine: 1,
    },
    {
      name: 'Weaviate .env with anonymous access',
      file: 'weaviate.env',
      text: 'AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true\nAUTHENTICATION_APIKEY_ENABLED=false\n',
      store: 'weaviate',
      auth: 'off',
      authLine: 1,
    },
    {
      name: 'Weaviate .env with API keys',
      file: 'weaviate.env',
      text: `AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=false\nAUTHENTICATION_APIKEY_ENABLED=true\nAUTHENTICATION_APIKEY_ALLOWED_KEYS=${SECRET}\n`,
      store: 'weaviate',
      auth: 'on',
      keys: ['env AUTHENTICATION_APIKEY_ALLOWED_KEYS'],
      authLine: 2,
    },
  ];
  for (const row of table)
    it(`reads ${row.name}`, () => {
      const s = one(row.text, row.file);
      expect(s.store).toBe(row.store);
      expect(s.auth.state, s.auth.reason).toBe(row.auth);
      if (row.tls) expect(s.tls.state, s.tls.reason).toBe(row.tls);
      if (row.bind) expect(s.bind.address).toBe(row.bind);
      if (row.ports) expect(s.ports).toEqual(row.ports);
      expect(s.apiKeys.map((k) => k.setting)).toEqual(row.keys ?? []);
      if (row.authLine !== undefined) {
        expect(s.auth.place?.file).toBe(row.file);
        expect(s.auth.place?.line).toBe(row.authLine);
      }
    });

  it('keeps every trust line of a pg_hba.conf, with its place', () => {
    const s = one(
      'local all all trust\nhost all all ::1/128 trust\nhost all all 0.0.0.0/0 md5\n',
      'pg_hba.conf',
    );
    expect(s.trust.map((t) => [t.rule, t.place.line])).toEqual([
      ['local all all trust', 1],
      ['host all all ::1/128 trust', 2],
    ]);
  });

  const bad: [string, string, number | undefined, RegExp][] = [
    ['pg_hba.conf', 'host all all\n', 1, /address/],
    ['pg_hba.conf', 'local all all trust\nhots all all 0.0.0.0/0 md5\n', 2, /connection type/],
    ['pg_hba.conf', 'host all all 0.0.0.0/0 letmein\n', 1, /authentication method/],
    ['pg_hba.conf', 'host "all all 0.0.0.0/0 md5\n', 1, /quote/],
    ['postgresql.conf', "ssl = on\nlisten_addresses = 'localhost\n", 2, /unterminated/],
    ['postgresql.conf', 'port = 5432\n= 3\n', 2, /name = value/],
    ['postgresql.conf', 'port = 5432 5433\n', 1, /one value/],
    ['chroma.env', 'CHROMA_SERVER_HOST=0.0.0.0\nthis is not an assignment\n', 2, /KEY=VALUE/],
    ['qdrant.yaml', 'service:\n  api_key: [unclosed\n', undefined, /./],
    ['milvus.yaml', '- a\n- b\n', undefined, /mapping/],
    ['elasticsearch.yml', 'a: \u0000\n', undefined, /NUL/],
  ];
  for (const [file, text, line, message] of bad)
    it(`names ${file}${line ? ` line ${line}` : ''} for ${JSON.stringify(text.slice(0, 30))}`, () => {
      try {
        parseStoreConfig(text, file);
        expect.unreachable();
      } catch (err) {
        expect(isVigilError(err)).toBe(true);
        expect((err as Error).message).toMatch(message);
        const loc = (err as { location?: { file?: string; line?: number } }).location;
        expect(loc?.file).toBe(file);
        if (line !== undefined) expect(loc?.line).toBe(line);
      }
    });

  it('refuses a format it cannot tell, and input over the size limit', () => {
    expect(() => parseStoreConfig('x: 1', 'app.yaml')).toThrow(/cannot tell/);
    const huge = `# ${'x'.repeat(33 << 20)}\n`;
    expect(() => parseStoreConfig(huge, 'pg_hba.conf')).toThrow(/limit/);
  });

  it('throws nothing but a VigilError naming the file, on any input in any format', () => {
    const lineish = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            'host all all 0.0.0.0/0 trust',
            'local all all peer',
            "listen_addresses = '*'",
            'ssl = on',
            'service:',
            '  api_key: k',
            'xpack.security.enabled: false',
            'CHROMA_SERVER_AUTHN_PROVIDER=x',
            '"',
            "'",
            '#',
            '- a',
            '{',
            '&a [*a, *a]',
            '\t',
          ),
          fc.string({ maxLength: 40 }),
        ),
        { maxLength: 20 },
      )
      .map((ls) => ls.join('\n'));
    fc.assert(
      fc.property(
        fc.constantFrom(...STORE_CONFIG_FORMATS),
        fc.oneof(lineish, fc.string({ maxLength: 300 })),
        (format, text) => {
          const file = `cfg.${format}`;
          try {
            for (const s of parseStoreConfig(text, file, format)) DataStoreConfigSchema.parse(s);
          } catch (err) {
            expect(isVigilError(err), String(err)).toBe(true);
            expect((err as { location?: { file?: string } }).location?.file).toBe(file);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('data stores in manifests, and their Kubernetes exposure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-stores-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const k8s = `
apiVersion: v1
kind: Namespace
metadata: { name: agents, labels: { team: ai } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: weaviate, namespace: rag }
spec:
  selector: { matchLabels: { app: weaviate } }
  template:
    metadata: { labels: { app: weaviate, tier: store } }
    spec:
      containers:
        - name: weaviate
          image: cr.weaviate.io/semitechnologies/weaviate:1.28.2
          args: ["--host", "0.0.0.0", "--port", "8080", "--scheme", "http"]
          env:
            - { name: AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED, value: "true" }
          ports: [{ containerPort: 8080 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: qdrant, namespace: rag }
spec:
  serviceName: qdrant
  selector: { matchLabels: { app: qdrant } }
  template:
    metadata: { labels: { app: qdrant } }
    spec:
      containers:
        - name: qdrant
          image: qdrant/qdrant:v1.12.4
          env:
            - name: QDRANT__SERVICE__API_KEY
              valueFrom: { secretKeyRef: { name: qdrant, key: api-key } }
---
apiVersion: v1
kind: Service
metadata: { name: weaviate, namespace: rag }
spec:
  type: NodePort
  selector: { app: weaviate }
  ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: qdrant-ingress, namespace: rag }
spec:
  podSelector: { matchLabels: { app: qdrant } }
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { team: ai } }
          podSelector: { matchLabels: { app: retriever } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: agent, namespace: agents }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec:
      serviceAccountName: agent
      containers: [{ name: agent, image: ghcr.io/acme/agent:1 }]
`;
  const compose = `
services:
  db:
    image: pgvector/pgvector:pg16
    environment:
      POSTGRES_HOST_AUTH_METHOD: trust
      POSTGRES_PASSWORD: ${SECRET}
    command: ["postgres", "-c", "ssl=on", "-c", "listen_addresses=*"]
    ports: ["5432:5432", "127.0.0.1:6543:5432"]
  chroma:
    image: chromadb/chroma:0.5.23
    environment: ["CHROMA_SERVER_AUTHN_PROVIDER=chromadb.auth.token_authn.TokenAuthenticationServerProvider"]
`;
  writeFileSync(join(dir, 'k8s.yaml'), k8s);
  writeFileSync(join(dir, 'compose.yaml'), compose);
  mkdirSync(join(dir, 'pg'));
  writeFileSync(join(dir, 'pg', 'postgresql.conf'), "listen_addresses = '0.0.0.0'\nssl = off\n");
  writeFileSync(join(dir, 'pg', 'pg_hba.conf'), 'host all all 0.0.0.0/0 trust\n');

  it('reads stores from Kubernetes and Compose env and flags, Services, NetworkPolicies and the other pods', async () => {
    const doc = DeclaredDataStoresSchema.parse(await loadDataStores([dir]));
    expect(JSON.stringify(doc)).not.toContain(SECRET);
    const by = (name: string) => doc.stores.find((s) => s.name === name)!;
    const weaviate = by('weaviate');
    expect([weaviate.store, weaviate.format, weaviate.auth.state, weaviate.bind.address]).toEqual([
      'weaviate',
      'kubernetes',
      'off',
      '0.0.0.0',
    ]);
    expect(weaviate.auth.place).toMatchObject({
      file: join(dir, 'k8s.yaml'),
      key: 'env AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED',
      pointer: '/1/spec/template/spec/containers/0',
    });
    expect(weaviate.auth.place?.line).toBeGreaterThan(5);
    expect(weaviate.tls.state).toBe('off');
    expect(weaviate.workload).toEqual({
      kind: 'Deployment',
      name: 'weaviate',
      namespace: 'rag',
      podLabels: { app: 'weaviate', tier: 'store' },
    });
    const qdrant = by('qdrant');
    expect(qdrant.auth.state).toBe('on');
    expect(qdrant.apiKeys.map((k) => k.setting)).toEqual(['env QDRANT__SERVICE__API_KEY']);

    const db = by('db');
    expect([db.store, db.format, db.auth.state, db.tls.state, db.bind.address]).toEqual([
      'postgresql',
      'compose',
      'off',
      'on',
      '*',
    ]);
    expect(db.trust.map((t) => t.rule)).toEqual(['POSTGRES_HOST_AUTH_METHOD=trust']);
    expect(db.apiKeys.map((k) => k.setting)).toEqual(['env POSTGRES_PASSWORD']);
    expect(db.published).toEqual([
      { hostIp: '0.0.0.0', hostPort: 5432, port: 5432 },
      { hostIp: '127.0.0.1', hostPort: 6543, port: 5432 },
    ]);
    expect(by('chroma').auth.state).toBe('on');

    // postgresql.conf and pg_hba.conf of one folder are one server.
    const pg = doc.stores.filter((s) => s.format === 'postgresql-conf' || s.format === 'pg-hba');
    expect(pg).toHaveLength(1);
    expect([pg[0]!.auth.state, pg[0]!.bind.address, pg[0]!.tls.state]).toEqual(['off', '0.0.0.0', 'off']);
    expect(pg[0]!.auth.place).toMatchObject({ file: join(dir, 'pg', 'pg_hba.conf'), line: 1 });

    expect(doc.pods.map((p) => `${p.namespace}/${p.name}`)).toEqual(['agents/agent']);
    expect(doc.namespaces).toEqual({ agents: { team: 'ai' } });

    // Exposure: the NodePort Service selects weaviate; nothing restricts ingress to it.
    const e = storeExposure(doc, weaviate);
    expect(e.services.map((s) => [s.type, s.name, s.ports[0]!.nodePort])).toEqual([
      ['NodePort', 'weaviate', 30080],
    ]);
    expect(e.ingressPolicies).toEqual([]);
    const agent = { namespace: 'agents', labels: { app: 'agent' } };
    expect(storeReachability(doc, weaviate, agent)).toMatchObject({ reachable: 'yes' });
    expect(storeReachability(doc, weaviate, agent).reason).toMatch(/no NetworkPolicy/);
    // Qdrant admits only retriever pods from namespaces labelled team=ai.
    expect(storeExposure(doc, qdrant).ingressPolicies.map((p) => p.name)).toEqual(['qdrant-ingress']);
    expect(storeReachability(doc, qdrant, agent).reachable).toBe('no');
    expect(
      storeReachability(doc, qdrant, { namespace: 'agents', labels: { app: 'retriever' } }),
    ).toMatchObject({
      reachable: 'yes',
    });
    // A namespace whose labels are not declared: the policy may or may not admit it.
    expect(
      storeReachability(doc, qdrant, { namespace: 'other', labels: { app: 'retriever' } }).reachable,
    ).toBe('unknown');
  });

  it('reads arbitrary manifests into stores or a VigilError naming the file, never anything else', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom('qdrant/qdrant', 'postgres:16', 'true', 'trust', '0.0.0.0', 8080, null, '*a'),
        fc.string({ maxLength: 12 }),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(
          fc.constantFrom(
            'kind',
            'apiVersion',
            'metadata',
            'spec',
            'template',
            'containers',
            'env',
            'name',
            'value',
            'image',
            'args',
            'selector',
            'ports',
            'services',
            'environment',
            'ingress',
            'from',
            'podSelector',
            'labels',
          ),
          tie('node'),
          { maxKeys: 4 },
        ),
      ),
    }));
    const kinds = fc.constantFrom('Deployment', 'Service', 'NetworkPolicy', 'Namespace', 'Pod', 'Widget');
    const doc = fc.oneof(
      value.node.map((v) => JSON.stringify(v)),
      fc.tuple(kinds, value.node).map(([kind, spec]) =>
        JSON.stringify({
          apiVersion:
            kind === 'Deployment' ? 'apps/v1' : kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : 'v1',
          kind,
          metadata: { name: 'x' },
          spec,
        }),
      ),
      fc.string({ maxLength: 200 }),
    );
    fc.assert(
      fc.property(fc.array(doc, { minLength: 1, maxLength: 4 }), (docs) => {
        try {
          const m = readStoreManifest(docs.join('\n---\n'), 'fuzz.yaml');
          for (const s of m.stores) DataStoreConfigSchema.parse(s);
        } catch (err) {
          expect(isVigilError(err), String(err)).toBe(true);
          expect((err as { location?: { file?: string } }).location?.file).toBe('fuzz.yaml');
        }
      }),
      { numRuns: 600 },
    );
    // A YAML bomb is refused by the manifest reader's limits.
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`).join('\n')}\n`;
    let err: unknown;
    try {
      readStoreManifest(bomb, 'bomb.yaml');
    } catch (e) {
      err = e;
    }
    expect(isVigilError(err)).toBe(true);
    expect((err as { location?: { file?: string } }).location?.file).toBe('bomb.yaml');
  });

  it('names the manifest and line of a store manifest it cannot read', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'x.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: { name: a\n');
    const err = await loadDataStores([bad]).catch((e: unknown) => e);
    expect(isVigilError(err)).toBe(true);
    expect((err as { location?: { file?: string } }).location?.file).toBe(join(bad, 'x.yaml'));
  });
});
