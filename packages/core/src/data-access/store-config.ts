import { z } from 'zod';
import { SERVICE_PORTS } from '../catalogue/service-ports.js';
import { lazySchema } from '../schemas/lazy.js';

/**
 * The data stores whose declared configuration Vigil reads: the vector stores
 * and PostgreSQL (with pgvector or as a plain retrieval database). The names
 * are the `store` of `retrieval` events; an OpenSearch cluster answers the
 * Elasticsearch API, so its retrievals read `elasticsearch`.
 *
 * @example
 * ```ts
 * import { DATA_STORE_KINDS } from '@vigil/core';
 *
 * console.log(DATA_STORE_KINDS.join(', '));
 * ```
 */
export const DATA_STORE_KINDS = [
  'qdrant',
  'chroma',
  'weaviate',
  'milvus',
  'elasticsearch',
  'opensearch',
  'postgresql',
] as const;
/** One of {@link DATA_STORE_KINDS}. */
export type DataStoreKind = (typeof DATA_STORE_KINDS)[number];

/**
 * Where a setting was declared: the file, and the line and key (a YAML path,
 * an environment variable, a command-line flag or a `pg_hba.conf` line) when known.
 *
 * @example
 * ```ts
 * import { StorePlaceSchema } from '@vigil/core';
 *
 * StorePlaceSchema.parse({ file: 'qdrant/config.yaml', line: 4, key: 'service.api_key' });
 * ```
 */
export const StorePlaceSchema = lazySchema(() =>
  z.object({
    file: z.string(),
    line: z.number().int().positive().optional(),
    /** The setting: `service.api_key`, `env QDRANT__SERVICE__API_KEY`, `arg --host`, `pg_hba.conf line`. */
    key: z.string().optional(),
    /** Inside a manifest: RFC 6901 pointer to the container or service (`/0/spec/template/…`). */
    pointer: z.string().optional(),
  }),
);
/** @see {@link StorePlaceSchema} */
export interface StorePlace {
  file: string;
  line?: number | undefined;
  /** The setting: `service.api_key`, `env QDRANT__SERVICE__API_KEY`, `arg --host`, `pg_hba.conf line`. */
  key?: string | undefined;
  /** Inside a manifest: RFC 6901 pointer to the container or service (`/0/spec/template/…`). */
  pointer?: string | undefined;
}

const StateSchema = lazySchema(() => z.enum(['on', 'off', 'unknown']));

/**
 * The declared configuration of one data store: whether clients must
 * authenticate, whether it speaks TLS, the address it binds, its ports, which
 * API-key settings are present (their names, never their values) and, for
 * PostgreSQL, the `pg_hba.conf` lines that let clients in without a password
 * (`trust`). Every conclusion names the place it came from.
 *
 * @example
 * ```ts
 * import { DataStoreConfigSchema, parseStoreConfig } from '@vigil/core';
 *
 * const [store] = parseStoreConfig('service:\n  host: 0.0.0.0\n', 'config.yaml', 'qdrant');
 * console.log(DataStoreConfigSchema.parse(store).auth.state); // 'off'
 * ```
 */
export const DataStoreConfigSchema = lazySchema(() =>
  z.object({
    store: z.enum(DATA_STORE_KINDS),
    /** The container, Compose service, or file the configuration was read from. */
    name: z.string(),
    /** What kind of input declared it. */
    format: z.enum([
      'qdrant-config',
      'milvus-config',
      'elasticsearch-config',
      'opensearch-config',
      'postgresql-conf',
      'pg-hba',
      'env-file',
      'kubernetes',
      'compose',
    ]),
    source: StorePlaceSchema,
    auth: z.object({
      state: StateSchema,
      /** Why: `service.api_key is not set`, `pg_hba.conf line 92 trusts host all all 0.0.0.0/0`. */
      reason: z.string(),
      place: StorePlaceSchema.optional(),
    }),
    tls: z.object({ state: StateSchema, reason: z.string(), place: StorePlaceSchema.optional() }),
    /** The address the store listens on, as declared (`0.0.0.0`, `localhost`, `*`), or its default. */
    bind: z.object({ address: z.string(), declared: z.boolean(), place: StorePlaceSchema.optional() }),
    ports: z.array(z.number().int().min(0).max(65535)),
    /** Settings that carry an API key, password or credentials file: names and places only. */
    apiKeys: z.array(z.object({ setting: z.string(), place: StorePlaceSchema })),
    /** PostgreSQL: `pg_hba.conf` lines (or `POSTGRES_HOST_AUTH_METHOD=trust`) that admit clients without authentication. */
    trust: z.array(z.object({ rule: z.string(), place: StorePlaceSchema })),
    /** Kubernetes: the workload and the labels of the pods the store runs in. */
    workload: z
      .object({
        kind: z.string(),
        name: z.string(),
        namespace: z.string(),
        podLabels: z.record(z.string(), z.string()),
      })
      .optional(),
    /** Compose: ports published on the host, with the host address (`0.0.0.0` when none is given). */
    published: z.array(z.object({ hostIp: z.string(), hostPort: z.number().int(), port: z.number().int() })),
  }),
);
/** @see {@link DataStoreConfigSchema} */
export interface DataStoreConfig {
  store: 'qdrant' | 'chroma' | 'weaviate' | 'milvus' | 'elasticsearch' | 'opensearch' | 'postgresql';
  /** The container, Compose service, or file the configuration was read from. */
  name: string;
  /** What kind of input declared it. */
  format:
    | 'kubernetes'
    | 'qdrant-config'
    | 'milvus-config'
    | 'elasticsearch-config'
    | 'opensearch-config'
    | 'postgresql-conf'
    | 'pg-hba'
    | 'env-file'
    | 'compose';
  source: StorePlace;
  auth: {
    state: 'unknown' | 'off' | 'on';
    /** Why: `service.api_key is not set`, `pg_hba.conf line 92 trusts host all all 0.0.0.0/0`. */
    reason: string;
    place?: StorePlace | undefined;
  };
  tls: {
    state: 'unknown' | 'off' | 'on';
    reason: string;
    place?: StorePlace | undefined;
  };
  /** The address the store listens on, as declared (`0.0.0.0`, `localhost`, `*`), or its default. */
  bind: {
    address: string;
    declared: boolean;
    place?: StorePlace | undefined;
  };
  ports: number[];
  /** Settings that carry an API key, password or credentials file: names and places only. */
  apiKeys: {
    setting: string;
    place: StorePlace;
  }[];
  /** PostgreSQL: `pg_hba.conf` lines (or `POSTGRES_HOST_AUTH_METHOD=trust`) that admit clients without authentication. */
  trust: {
    rule: string;
    place: StorePlace;
  }[];
  /** Kubernetes: the workload and the labels of the pods the store runs in. */
  workload?:
    | {
        kind: string;
        name: string;
        namespace: string;
        podLabels: Record<string, string>;
      }
    | undefined;
  /** Compose: ports published on the host, with the host address (`0.0.0.0` when none is given). */
  published: {
    hostIp: string;
    hostPort: number;
    port: number;
  }[];
}

/** A setting found, with its value and place. */
export interface StoreSetting {
  readonly value: unknown;
  readonly place: StorePlace;
}

/** Looks a setting up by its canonical dotted name (`service.api_key`). */
export type SettingLookup = (key: string) => StoreSetting | undefined;

const DEFAULT_PORTS: Readonly<Record<DataStoreKind, readonly number[]>> = SERVICE_PORTS;

function truthy(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v !== 'string') return undefined;
  const t = v.trim().toLowerCase();
  if (['true', 'on', 'yes', '1'].includes(t)) return true;
  if (['false', 'off', 'no', '0', ''].includes(t)) return false;
  return undefined;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');
}

function port(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : Number.NaN;
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

function describe(s: StoreSetting): string {
  return `${s.place.key ?? 'setting'}${s.place.line !== undefined ? ` (line ${s.place.line})` : ''}`;
}

/** What one store's settings say, before the source and name are added. */
export type StoreAssessment = Pick<DataStoreConfig, 'auth' | 'tls' | 'bind' | 'ports' | 'apiKeys' | 'trust'>;

/**
 * Reads one store's settings through `get`, which looks a canonical key up in
 * whatever declared it (a config file, an environment, command-line flags).
 * `defaultBind` is what the store binds when nothing says otherwise.
 *
 * @example
 * ```ts
 * import { assessStoreSettings } from '@vigil/core';
 *
 * const a = assessStoreSettings('qdrant', () => undefined, '0.0.0.0');
 * console.log(a.auth.state); // 'off'
 * ```
 */
export function assessStoreSettings(
  store: DataStoreKind,
  get: SettingLookup,
  defaultBind: string,
): StoreAssessment {
  const keys = (...names: string[]) =>
    names.flatMap((n) => {
      const s = get(n);
      return s && present(s.value) ? [{ setting: s.place.key ?? n, place: s.place }] : [];
    });
  const bindOf = (...names: string[]): StoreAssessment['bind'] => {
    for (const n of names) {
      const s = get(n);
      if (s && present(s.value)) return { address: String(s.value).trim(), declared: true, place: s.place };
    }
    return { address: defaultBind, declared: false };
  };
  const portsOf = (...names: string[]): number[] => {
    const out: number[] = [];
    for (const [i, n] of names.entries()) {
      const p = port(get(n)?.value) ?? DEFAULT_PORTS[store][i];
      if (p !== undefined && !out.includes(p)) out.push(p);
    }
    return out.length > 0 ? out : [...DEFAULT_PORTS[store]];
  };
  const flag = (key: string, onWhen: boolean, what: string) => {
    const s = get(key);
    const b = s ? truthy(s.value) : undefined;
    if (s === undefined || b === undefined) return undefined;
    return {
      state: b === onWhen ? ('on' as const) : ('off' as const),
      reason: `${describe(s)} is ${String(s.value)}${what ? `: ${what}` : ''}`,
      place: s.place,
    };
  };
  const off = (reason: string) => ({ state: 'off' as const, reason });
  const unknown = (reason: string) => ({ state: 'unknown' as const, reason });
  switch (store) {
    case 'qdrant': {
      const apiKeys = keys('service.api_key', 'service.read_only_api_key');
      const k = get('service.api_key') ?? get('service.read_only_api_key');
      return {
        auth:
          apiKeys.length > 0
            ? { state: 'on', reason: `${apiKeys.map((a) => a.setting).join(' and ')} set`, place: k!.place }
            : off('service.api_key and service.read_only_api_key are not set: every client has full access'),
        tls: flag('service.enable_tls', true, '') ?? off('service.enable_tls is not set (off by default)'),
        bind: bindOf('service.host'),
        ports: portsOf('service.http_port', 'service.grpc_port'),
        apiKeys,
        trust: [],
      };
    }
    case 'chroma': {
      const provider = get('chroma_server_authn_provider');
      const apiKeys = keys('chroma_server_authn_credentials', 'chroma_server_authn_credentials_file');
      return {
        auth:
          provider && present(provider.value)
            ? {
                state: 'on',
                reason: `${describe(provider)} is ${String(provider.value)}`,
                place: provider.place,
              }
            : off('CHROMA_SERVER_AUTHN_PROVIDER is not set: no authentication'),
        tls:
          flag('chroma_server_ssl_enabled', true, '') ??
          off('the Chroma server speaks plain HTTP unless a proxy in front terminates TLS'),
        bind: bindOf('chroma_server_host', 'chroma_host_addr', 'host'),
        ports: portsOf('chroma_server_http_port'),
        apiKeys,
        trust: [],
      };
    }
    case 'weaviate': {
      const anonymous = get('authentication_anonymous_access_enabled');
      const apikey = get('authentication_apikey_enabled');
      const oidc = get('authentication_oidc_enabled');
      const apiKeys = keys('authentication_apikey_allowed_keys');
      const anon = anonymous ? truthy(anonymous.value) : undefined;
      const other = [apikey, oidc].find((s) => s && truthy(s.value) === true);
      return {
        auth:
          anon === true
            ? {
                state: 'off',
                reason: `${describe(anonymous!)} is ${String(anonymous!.value)}`,
                place: anonymous!.place,
              }
            : other
              ? { state: 'on', reason: `${describe(other)} is ${String(other.value)}`, place: other.place }
              : anon === false
                ? { state: 'on', reason: `${describe(anonymous!)} is false`, place: anonymous!.place }
                : off('no AUTHENTICATION_APIKEY_ENABLED or AUTHENTICATION_OIDC_ENABLED: anonymous access'),
        tls:
          get('scheme')?.value === 'https'
            ? { state: 'on', reason: 'scheme https', place: get('scheme')!.place }
            : off('--scheme is not https'),
        bind: bindOf('host'),
        ports: portsOf('port'),
        apiKeys,
        trust: [],
      };
    }
    case 'milvus': {
      const tlsMode = get('common.security.tlsmode');
      const mode = tlsMode ? Number(tlsMode.value) : undefined;
      return {
        auth:
          flag('common.security.authorizationenabled', true, '') ??
          off('common.security.authorizationEnabled is not set (false by default): no authentication'),
        tls:
          tlsMode && mode !== undefined && Number.isFinite(mode)
            ? {
                state: mode > 0 ? 'on' : 'off',
                reason: `${describe(tlsMode)} is ${mode}`,
                place: tlsMode.place,
              }
            : off('common.security.tlsMode is not set (0 by default)'),
        bind: bindOf('proxy.ip'),
        ports: portsOf('proxy.port'),
        apiKeys: keys('common.security.defaultrootpassword'),
        trust: [],
      };
    }
    case 'elasticsearch':
      return {
        auth:
          flag('xpack.security.enabled', true, '') ??
          unknown('xpack.security.enabled is not set: on by default from Elasticsearch 8.0, off before'),
        tls:
          flag('xpack.security.http.ssl.enabled', true, '') ??
          unknown('xpack.security.http.ssl.enabled is not set'),
        bind: bindOf('network.host', 'http.host'),
        ports: portsOf('http.port'),
        apiKeys: keys('elastic_password', 'elastic_password_file'),
        trust: [],
      };
    case 'opensearch': {
      const disabled = get('plugins.security.disabled') ?? get('disable_security_plugin');
      const d = disabled ? truthy(disabled.value) : undefined;
      return {
        auth:
          d === true
            ? {
                state: 'off',
                reason: `${describe(disabled!)} is ${String(disabled!.value)}`,
                place: disabled!.place,
              }
            : d === false
              ? { state: 'on', reason: `${describe(disabled!)} is false`, place: disabled!.place }
              : unknown('plugins.security.disabled is not set: on when the security plugin is installed'),
        tls:
          flag('plugins.security.ssl.http.enabled', true, '') ??
          unknown('plugins.security.ssl.http.enabled is not set'),
        bind: bindOf('network.host', 'http.host'),
        ports: portsOf('http.port'),
        apiKeys: keys('opensearch_initial_admin_password'),
        trust: [],
      };
    }
    case 'postgresql': {
      const method = get('postgres_host_auth_method');
      const trusted = method && String(method.value).trim() === 'trust' ? method : undefined;
      const trust = trusted ? [{ rule: 'POSTGRES_HOST_AUTH_METHOD=trust', place: trusted.place }] : [];
      return {
        auth: trusted
          ? {
              state: 'off',
              reason: `${describe(trusted)} is trust: any client connects as any role`,
              place: trusted.place,
            }
          : method && present(method.value)
            ? { state: 'on', reason: `${describe(method)} is ${String(method.value)}`, place: method.place }
            : unknown('authentication is set in pg_hba.conf; give it to know'),
        tls: flag('ssl', true, '') ?? off('ssl is not set (off by default)'),
        bind: bindOf('listen_addresses'),
        ports: portsOf('port'),
        apiKeys: keys('postgres_password', 'postgres_password_file'),
        trust,
      };
    }
  }
}

/** Default bind address of a store when its configuration file says nothing; containers bind all addresses. */
export const DEFAULT_BIND: Record<DataStoreKind, string> = {
  qdrant: '0.0.0.0',
  chroma: 'localhost',
  weaviate: '0.0.0.0',
  milvus: '0.0.0.0',
  elasticsearch: 'localhost',
  opensearch: 'localhost',
  postgresql: 'localhost',
};
