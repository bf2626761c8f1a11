import { basename } from 'node:path';
import type { ManifestContainer } from '../aibom/declared/containers.js';
import { imageRepository } from '../catalogue/catalogue.js';
import { VigilError } from '../errors/vigil-error.js';
import { inputLimits } from '../limits/input-limits.js';
import { documentError, type LoadedObject, loadDocuments } from '../readers/documents.js';
import {
  assessStoreSettings,
  DATA_STORE_KINDS,
  type DataStoreConfig,
  type DataStoreKind,
  DEFAULT_BIND,
  type SettingLookup,
  type StorePlace,
  type StoreSetting,
} from './store-config.js';

/**
 * The configuration files {@link parseStoreConfig} reads.
 *
 * @example
 * ```ts
 * import { STORE_CONFIG_FORMATS } from '@vigil/core';
 *
 * console.log(STORE_CONFIG_FORMATS.join(', '));
 * ```
 */
export const STORE_CONFIG_FORMATS = [
  'qdrant-config',
  'milvus-config',
  'elasticsearch-config',
  'opensearch-config',
  'postgresql-conf',
  'pg-hba',
  'env-file',
] as const;
/** One of {@link STORE_CONFIG_FORMATS}. */
export type StoreConfigFormat = (typeof STORE_CONFIG_FORMATS)[number];

const YAML_FORMATS: Partial<Record<StoreConfigFormat, DataStoreKind>> = {
  'qdrant-config': 'qdrant',
  'milvus-config': 'milvus',
  'elasticsearch-config': 'elasticsearch',
  'opensearch-config': 'opensearch',
};

/**
 * The store configuration format a file name says, or undefined: `pg_hba.conf`,
 * `postgresql.conf` (and `postgresql.auto.conf`), `milvus.yaml`,
 * `elasticsearch.yml`, `opensearch.yml`, a Qdrant `config.yaml` or
 * `qdrant*.yaml`, and `.env` files.
 *
 * @example
 * ```ts
 * import { storeConfigFormatOf } from '@vigil/core';
 *
 * storeConfigFormatOf('/etc/postgresql/15/main/pg_hba.conf'); // 'pg-hba'
 * ```
 */
export function storeConfigFormatOf(path: string): StoreConfigFormat | undefined {
  const name = basename(path).toLowerCase();
  if (name === 'pg_hba.conf') return 'pg-hba';
  if (/^postgresql(\.auto)?\.conf$/.test(name)) return 'postgresql-conf';
  if (/^milvus\.ya?ml$/.test(name)) return 'milvus-config';
  if (/^elasticsearch\.ya?ml$/.test(name)) return 'elasticsearch-config';
  if (/^opensearch\.ya?ml$/.test(name)) return 'opensearch-config';
  if (/^qdrant.*\.ya?ml$/.test(name) || (name === 'config.yaml' && /qdrant/i.test(path)))
    return 'qdrant-config';
  if (name === '.env' || name.endsWith('.env')) return 'env-file';
  return undefined;
}

/** A lookup over a YAML mapping: dotted keys match nested or flat (`a.b: x`) spellings, case-insensitively. */
function yamlLookup(obj: LoadedObject): SettingLookup {
  return (key) => {
    const parts = key.split('.');
    const find = (node: unknown, from: number, path: string[]): StoreSetting | undefined => {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
      const entries = Object.entries(node as Record<string, unknown>);
      for (let j = parts.length; j > from; j--) {
        const want = parts.slice(from, j).join('.');
        const hit = entries.find(([k]) => k.toLowerCase() === want);
        if (!hit) continue;
        const p = [...path, hit[0]];
        if (j === parts.length) {
          const line = obj.line(p);
          return {
            value: hit[1],
            place: { file: obj.file, key: p.join('.'), ...(line !== undefined ? { line } : {}) },
          };
        }
        const deeper = find(hit[1], j, p);
        if (deeper) return deeper;
      }
      return undefined;
    };
    return find(obj.value, 0, []);
  };
}

function base(
  store: DataStoreKind,
  name: string,
  format: DataStoreConfig['format'],
  source: StorePlace,
  get: SettingLookup,
  defaultBind: string,
): DataStoreConfig {
  return { store, name, format, source, ...assessStoreSettings(store, get, defaultBind), published: [] };
}

function checkText(text: string, file: string): void {
  const max = inputLimits('declared').maxBytes;
  const bytes = Buffer.byteLength(text);
  if (bytes > max)
    throw new VigilError('INPUT_INVALID', `input is ${bytes} bytes, over the ${max}-byte limit`, {
      location: { file },
    });
  if (text.includes('\0'))
    throw new VigilError('PARSE', 'expected a text configuration file, found a NUL byte', {
      location: { file, offset: text.indexOf('\0') },
    });
}

/** `postgresql.conf`: `name = value` (or `name value`), values bare or single-quoted, `#` comments. */
function readPostgresqlConf(text: string, file: string): Map<string, StoreSetting> {
  const out = new Map<string, StoreSetting>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=\s*|\s+)(.*)$/.exec(raw);
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (!m)
      throw new VigilError(
        'PARSE',
        `expected "name = value", found ${JSON.stringify(trimmed.slice(0, 60))}`,
        {
          location: { file, line },
        },
      );
    let rest = m[3]!;
    let value: string;
    if (rest.startsWith("'")) {
      let j = 1;
      value = '';
      for (;;) {
        if (j >= rest.length)
          throw new VigilError('PARSE', `unterminated quoted value for ${m[1]}`, {
            location: { file, line },
          });
        if (rest[j] === "'" && rest[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (rest[j] === "'") break;
        else if (rest[j] === '\\' && j + 1 < rest.length) {
          value += rest[j + 1];
          j += 2;
        } else value += rest[j++];
      }
      rest = rest.slice(j + 1);
      if (!/^\s*(#.*)?\r?$/.test(rest))
        throw new VigilError('PARSE', `unexpected text after the value of ${m[1]}`, {
          location: { file, line },
        });
    } else {
      value = rest.replace(/#.*$/, '').trim();
      if (value === '' || /\s/.test(value))
        throw new VigilError(
          'PARSE',
          `expected one value for ${m[1]}, found ${JSON.stringify(value.slice(0, 60))}`,
          {
            location: { file, line },
          },
        );
    }
    const key = m[1]!.toLowerCase();
    if (key === 'include' || key === 'include_if_exists' || key === 'include_dir') return;
    out.set(key, { value, place: { file, line, key: m[1]! } });
  });
  return out;
}

const HBA_TYPES = ['local', 'host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc'];
const HBA_METHODS = [
  'trust',
  'reject',
  'scram-sha-256',
  'md5',
  'password',
  'gss',
  'sspi',
  'ident',
  'peer',
  'ldap',
  'radius',
  'cert',
  'pam',
  'bsd',
];

/** Splits a `pg_hba.conf` line into fields: whitespace-separated, double quotes kept together, `#` ends it. */
function hbaFields(raw: string, file: string, line: number): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let any = false;
  for (const c of raw) {
    if (quoted) {
      if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      any = true;
    } else if (c === '#') break;
    else if (c === ' ' || c === '\t' || c === '\r') {
      if (cur !== '' || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (quoted) throw new VigilError('PARSE', 'unterminated double quote', { location: { file, line } });
  if (cur !== '' || any) out.push(cur);
  return out;
}

/**
 * The `trust` lines of a `pg_hba.conf` and whether every line is one PostgreSQL
 * accepts: a connection type, database, user, address (for `host*` lines: CIDR,
 * address and mask, or host name) and a known method.
 */
function readPgHba(text: string, file: string): { rules: number; trust: DataStoreConfig['trust'] } {
  const trust: DataStoreConfig['trust'] = [];
  let rules = 0;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const f = hbaFields(raw, file, line);
    if (f.length === 0) return;
    const type = f[0]!;
    if (type === 'include' || type === 'include_if_exists' || type === 'include_dir') return;
    if (!HBA_TYPES.includes(type))
      throw new VigilError(
        'PARSE',
        `expected a connection type (${HBA_TYPES.join(', ')}), found ${JSON.stringify(type.slice(0, 40))}`,
        {
          location: { file, line },
        },
      );
    let at = 3;
    if (type !== 'local') {
      const addr = f[3];
      if (addr === undefined)
        throw new VigilError('PARSE', `expected an address after the user on a ${type} line`, {
          location: { file, line },
        });
      at = 4;
      // An address followed by a separate mask: `10.0.0.0 255.0.0.0`.
      if (
        !addr.includes('/') &&
        /^[0-9a-f.:]+$/i.test(addr) &&
        /^[0-9a-f.:]+$/i.test(f[4] ?? '') &&
        (f[4] ?? '').length > 0 &&
        !HBA_METHODS.includes(f[4]!)
      )
        at = 5;
    }
    const method = f[at];
    if (f.length < 3 || method === undefined)
      throw new VigilError('PARSE', 'expected type, database, user, [address,] method', {
        location: { file, line },
      });
    if (!HBA_METHODS.includes(method))
      throw new VigilError(
        'PARSE',
        `expected an authentication method (${HBA_METHODS.join(', ')}), found ${JSON.stringify(method.slice(0, 40))}`,
        {
          location: { file, line },
        },
      );
    rules++;
    if (method === 'trust')
      trust.push({ rule: f.slice(0, at + 1).join(' '), place: { file, line, key: 'pg_hba.conf line' } });
  });
  return { rules, trust };
}

/** A `.env` file: `KEY=VALUE` (optionally `export KEY=VALUE`), quotes stripped, `#` comments. */
function readEnvFile(text: string, file: string): Map<string, StoreSetting> {
  const out = new Map<string, StoreSetting>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(t);
    if (!m)
      throw new VigilError('PARSE', `expected KEY=VALUE, found ${JSON.stringify(t.slice(0, 60))}`, {
        location: { file, line },
      });
    let v = m[2]!;
    if (/^(['"]).*\1$/.test(v)) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out.set(m[1]!, { value: v, place: { file, line, key: `env ${m[1]}` } });
  });
  return out;
}

/** Environment variable → canonical setting name, per store. */
function envKey(store: DataStoreKind, name: string): string | undefined {
  const n = name.toLowerCase();
  if (store === 'qdrant')
    return n.startsWith('qdrant__') ? n.slice('qdrant__'.length).replaceAll('__', '.') : undefined;
  if (store === 'chroma') return n.startsWith('chroma_') ? n : undefined;
  if (store === 'weaviate') return n.startsWith('authentication_') ? n : undefined;
  if (store === 'elasticsearch' || store === 'opensearch')
    // The images read settings from variables spelt like the setting (`xpack.security.enabled=false`).
    return n.includes('.') ||
      n.startsWith('elastic_') ||
      n.startsWith('opensearch_') ||
      n === 'disable_security_plugin'
      ? n
      : undefined;
  if (store === 'postgresql') return n.startsWith('postgres_') ? n : undefined;
  if (store === 'milvus') return undefined;
  return undefined;
}

/** The store an environment's variables configure, when they say. */
function storeOfEnv(names: Iterable<string>): DataStoreKind | undefined {
  for (const name of names) {
    if (/^QDRANT__/i.test(name)) return 'qdrant';
    if (/^CHROMA_/i.test(name)) return 'chroma';
    if (/^AUTHENTICATION_(ANONYMOUS|APIKEY|OIDC)_/i.test(name)) return 'weaviate';
    if (/^POSTGRES_/i.test(name)) return 'postgresql';
    if (/^(xpack\.|ELASTIC_PASSWORD)/i.test(name)) return 'elasticsearch';
    if (/^(plugins\.security\.|DISABLE_SECURITY_PLUGIN|OPENSEARCH_)/i.test(name)) return 'opensearch';
  }
  return undefined;
}

function envLookup(store: DataStoreKind, env: ReadonlyMap<string, StoreSetting>): SettingLookup {
  const byKey = new Map<string, StoreSetting>();
  for (const [name, s] of env) {
    const k = envKey(store, name);
    if (k !== undefined) byKey.set(k, s);
  }
  return (key) => byKey.get(key);
}

/**
 * Reads one store configuration file into {@link DataStoreConfig} records:
 * Qdrant `config.yaml` (`service.api_key`, `service.enable_tls`, `service.host`),
 * `milvus.yaml` (`common.security.authorizationEnabled`, `tlsMode`), `elasticsearch.yml`
 * (`xpack.security.enabled`, `network.host`), `opensearch.yml`
 * (`plugins.security.disabled`), `postgresql.conf` (`listen_addresses`, `ssl`, `port`),
 * `pg_hba.conf` (`trust` lines) and `.env` files (Chroma's `CHROMA_SERVER_AUTHN_PROVIDER`,
 * Weaviate's `AUTHENTICATION_*`, Qdrant's `QDRANT__*`, the PostgreSQL image's
 * `POSTGRES_HOST_AUTH_METHOD`). The format comes from the file name unless given. Key values are
 * never kept, only which key settings are present. Malformed input is a `VigilError` naming
 * the file and line.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { parseStoreConfig } from '@vigil/core';
 *
 * for (const s of parseStoreConfig(readFileSync('qdrant/config.yaml', 'utf8'), 'qdrant/config.yaml'))
 *   console.log(s.store, s.auth.state, s.auth.reason, s.bind.address);
 * ```
 */
export function parseStoreConfig(text: string, file: string, format?: StoreConfigFormat): DataStoreConfig[] {
  const fmt = format ?? storeConfigFormatOf(file);
  if (fmt === undefined)
    throw new VigilError(
      'USAGE',
      'cannot tell which store this configuration is for from its name; name the format (qdrant-config, milvus-config, elasticsearch-config, opensearch-config, postgresql-conf, pg-hba, env-file)',
      { location: { file } },
    );
  checkText(text, file);
  const name = basename(file);
  const yamlStore = YAML_FORMATS[fmt];
  if (yamlStore) {
    const docs = loadDocuments(text, file);
    const out: DataStoreConfig[] = [];
    for (const d of docs) {
      if (d.value === null || d.value === undefined) continue;
      if (typeof d.value !== 'object' || Array.isArray(d.value))
        throw documentError(
          d,
          [],
          `expected a mapping of settings, found ${Array.isArray(d.value) ? 'a sequence' : typeof d.value}`,
          'INPUT_INVALID',
        );
      out.push(
        base(
          yamlStore,
          name,
          fmt as DataStoreConfig['format'],
          { file },
          yamlLookup(d),
          DEFAULT_BIND[yamlStore],
        ),
      );
    }
    return out;
  }
  if (fmt === 'postgresql-conf') {
    const settings = readPostgresqlConf(text, file);
    return [base('postgresql', name, fmt, { file }, (k) => settings.get(k), DEFAULT_BIND.postgresql)];
  }
  if (fmt === 'pg-hba') {
    const { rules, trust } = readPgHba(text, file);
    const config = base('postgresql', name, fmt, { file }, () => undefined, DEFAULT_BIND.postgresql);
    return [
      {
        ...config,
        trust,
        auth:
          trust.length > 0
            ? {
                state: 'off',
                reason: `pg_hba.conf line ${trust[0]!.place.line} trusts ${trust[0]!.rule.replace(/ trust$/, '')}: no password asked`,
                place: trust[0]!.place,
              }
            : rules > 0
              ? { state: 'on', reason: `no trust line among ${rules} rules` }
              : { state: 'unknown', reason: 'no rules: every connection is refused' },
      },
    ];
  }
  const env = readEnvFile(text, file);
  const store = storeOfEnv(env.keys());
  if (!store) return [];
  return [base(store, name, 'env-file', { file }, envLookup(store, env), DEFAULT_BIND[store])];
}

/**
 * The store a container runs, from its image or its command, or undefined.
 *
 * @example
 * ```ts
 * import { storeOfContainer } from '@vigil/core';
 *
 * storeOfContainer({ image: 'docker.io/qdrant/qdrant:v1.12.4', argv: [] }); // 'qdrant'
 * ```
 */
export function storeOfContainer(c: Pick<ManifestContainer, 'image' | 'argv'>): DataStoreKind | undefined {
  const repo = c.image ? imageRepository(c.image).toLowerCase() : '';
  const last = repo.split('/').pop() ?? '';
  if (last === 'qdrant') return 'qdrant';
  if (last === 'chroma' || repo.startsWith('chromadb/')) return 'chroma';
  if (last === 'weaviate') return 'weaviate';
  if (last === 'milvus') return 'milvus';
  if (last === 'opensearch') return 'opensearch';
  if (last === 'elasticsearch') return 'elasticsearch';
  if (last === 'postgres' || last === 'postgresql' || last === 'pgvector' || repo.includes('postgis'))
    return 'postgresql';
  const exe = basename(c.argv[0] ?? '');
  if (exe === 'qdrant') return 'qdrant';
  if (exe === 'chroma' && c.argv[1] === 'run') return 'chroma';
  if (exe === 'weaviate') return 'weaviate';
  if (exe === 'postgres' || exe === 'postmaster') return 'postgresql';
  if (exe === 'milvus') return 'milvus';
  return DATA_STORE_KINDS.find((k) => k === exe);
}

/** A container's command-line settings: `--host X`, `--port=N`, `--scheme`, PostgreSQL's `-c name=value`. */
function argSettings(
  argv: readonly string[],
  file: string,
  pointer: string,
  line: number | undefined,
): Map<string, StoreSetting> {
  const out = new Map<string, StoreSetting>();
  const place = (key: string): StorePlace => ({
    file,
    pointer,
    key,
    ...(line !== undefined ? { line } : {}),
  });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    // PostgreSQL: `-c name=value` or `-cname=value`; the stores' own flags: `--name=value`, `--host X`.
    const setting =
      a === '-c' ? argv[++i] : a.startsWith('-c') ? a.slice(2) : a.startsWith('--') ? a.slice(2) : undefined;
    if (setting === undefined) continue;
    const eq = setting.indexOf('=');
    if (eq > 0) {
      const k = setting.slice(0, eq).toLowerCase().replaceAll('-', '_');
      out.set(k, {
        value: setting.slice(eq + 1),
        place: place(`arg ${a === '-c' ? '-c ' : a.startsWith('--') ? '--' : '-c'}${setting.slice(0, eq)}`),
      });
    } else if (
      a.startsWith('--') &&
      ['host', 'port', 'scheme'].includes(setting) &&
      argv[i + 1] !== undefined
    ) {
      out.set(setting, { value: argv[++i], place: place(`arg --${setting}`) });
    }
  }
  return out;
}

/**
 * The store a declared container runs and what its environment and command line say of its
 * configuration, or undefined when it runs no store Vigil knows.
 *
 * @example
 * ```ts
 * import { containersOfDocument, storeConfigOfContainer } from '@vigil/core';
 *
 * for (const c of containersOfDocument(doc)) console.log(storeConfigOfContainer(c, 'deploy.yaml', '/spec', 3)?.auth);
 * ```
 */
export function storeConfigOfContainer(
  c: ManifestContainer,
  file: string,
  pointer: string,
  line: number | undefined,
): DataStoreConfig | undefined {
  const store = storeOfContainer(c);
  if (!store) return undefined;
  const at = (key: string): StorePlace => ({ file, pointer, key, ...(line !== undefined ? { line } : {}) });
  const env = new Map<string, StoreSetting>();
  for (const [k, v] of Object.entries(c.env)) env.set(k, { value: v, place: at(`env ${k}`) });
  const fromEnv = envLookup(store, env);
  const fromArgs = argSettings(c.argv, file, pointer, line);
  // Flags win over the environment, as the stores read them.
  const get: SettingLookup = (k) => fromArgs.get(k) ?? fromEnv(k);
  // Containers listen on every address unless told otherwise; PostgreSQL's image sets listen_addresses='*'.
  const config = base(
    store,
    c.name,
    c.format,
    at(c.format === 'kubernetes' ? 'container' : 'service'),
    get,
    store === 'postgresql' ? '*' : '0.0.0.0',
  );
  const declaredPorts = c.ports.map((p) => p.port).filter((p) => !config.ports.includes(p));
  return {
    ...config,
    ports: [...config.ports, ...declaredPorts],
    ...(c.owner
      ? {
          workload: {
            kind: c.owner.kind,
            name: c.owner.name,
            namespace: c.owner.namespace ?? 'default',
            podLabels: c.owner.podLabels,
          },
        }
      : {}),
    published: c.ports
      .filter((p) => p.hostPort !== undefined)
      .map((p) => ({ hostIp: p.hostIp ?? '0.0.0.0', hostPort: p.hostPort!, port: p.port })),
  };
}
