import { VigilError } from '../errors/vigil-error.js';
import { PG_TABLE_PRIVILEGES } from '../permissions/table-privileges.js';
import type { PgRoleMembership, PgSchemaDeclaration, PgSchemaGrant, PgTableGrant } from './pg-grants.js';

/** Options for {@link readPgGrantsLive}. */
export interface PgLiveReadOptions {
  /** Give up connecting after this long. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Each catalog query may run this long (`statement_timeout`). Default 30 s. */
  readonly statementTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * The connection URL without its password or query, to name the source of what was read.
 *
 * @example
 * ```ts
 * import { redactPgUrl } from '@vigil/core';
 *
 * redactPgUrl('postgres://rag:s3cret@db:5432/corpus'); // 'postgres://rag@db:5432/corpus'
 * ```
 */
export function redactPgUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.search = '';
    return u.toString().replace(/^postgres(ql)?:\/\/([^@/]*):@/, 'postgres$1://$2@');
  } catch {
    return 'postgres://(unparsable url)';
  }
}

/** Catalog rows the reader asks for; every query excludes PostgreSQL's own schemas and roles. */
const QUERIES = {
  roles: `SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY oid`,
  memberships: `SELECT r.rolname AS role, m.rolname AS member
      FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
      WHERE NOT (r.rolname ~ '^pg_' AND m.rolname ~ '^pg_') ORDER BY am.roleid, am.member`,
  tables: `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      ORDER BY c.oid`,
  // Table and column ACLs, without the owner's implicit privileges and without what the
  // database started with (pg_init_privs): what pg_dump writes as GRANT statements.
  tableGrants: `SELECT n.nspname AS schema, c.relname AS name, a.grantee, a.privilege_type AS privilege,
        a.source AS catalog
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN LATERAL (
        SELECT (x).grantee, (x).privilege_type, 'pg_class.relacl' AS source, 0 AS attnum
          FROM (SELECT aclexplode(c.relacl) AS x) e
        UNION ALL
        SELECT (x).grantee, (x).privilege_type, 'pg_attribute.attacl', attnum
          FROM (SELECT aclexplode(at.attacl) AS x, at.attnum FROM pg_attribute at
                WHERE at.attrelid = c.oid AND at.attacl IS NOT NULL AND NOT at.attisdropped) e
      ) a
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
        AND a.grantee <> c.relowner
        AND NOT EXISTS (SELECT 1 FROM pg_init_privs ip CROSS JOIN LATERAL aclexplode(ip.initprivs) b
          WHERE ip.objoid = c.oid AND ip.classoid = 'pg_class'::regclass AND ip.objsubid = a.attnum
            AND b.grantee = a.grantee AND b.privilege_type = a.privilege_type)
      ORDER BY c.oid, a.attnum, a.grantee`,
  schemaGrants: `SELECT n.nspname AS schema, a.grantee, a.privilege_type AS privilege
      FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a
      WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND a.grantee <> n.nspowner
        AND NOT EXISTS (SELECT 1 FROM pg_init_privs ip CROSS JOIN LATERAL aclexplode(ip.initprivs) b
          WHERE ip.objoid = n.oid AND ip.classoid = 'pg_namespace'::regclass
            AND b.grantee = a.grantee AND b.privilege_type = a.privilege_type)
      ORDER BY n.oid, a.grantee`,
  defaultGrants: `SELECT coalesce(n.nspname, '*') AS schema, a.grantee, a.privilege_type AS privilege
      FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
      CROSS JOIN LATERAL aclexplode(d.defaclacl) a
      WHERE d.defaclobjtype = 'r' AND a.grantee <> d.defaclrole
      ORDER BY d.oid, a.grantee`,
} as const;

interface Row {
  [column: string]: unknown;
}

/** A role oid as a name: 0 is PUBLIC. */
function grantee(oid: unknown, names: ReadonlyMap<number, string>): string {
  const n = Number(oid);
  return n === 0 ? 'public' : (names.get(n) ?? `oid:${n}`);
}

/**
 * A session that can only read: opened with `default_transaction_read_only=on`, checked with
 * `SHOW` before anything else is sent (a pooler that drops startup options is refused), and
 * every query runs inside one `READ ONLY` transaction.
 *
 * @internal
 */
export async function openReadOnlyPgSession(
  url: string,
  options: PgLiveReadOptions = {},
): Promise<{ query(sql: string): Promise<Row[]>; close(): Promise<void> }> {
  const where = redactPgUrl(url);
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new VigilError('USAGE', `expected a postgres:// or postgresql:// URL, got ${where}`);
  // Loaded on demand: only a live read needs a PostgreSQL client. The client module alone: the
  // package entry also builds its Pool from pg-pool at load, which breaks when require() resolves
  // pg-pool's ESM build (an `import` export condition), and a pool is not needed here.
  const clientModule = 'pg/lib/client.js';
  const { default: Client } = (await import(clientModule)) as { default: typeof import('pg').Client };
  const client = new Client({
    connectionString: url,
    options: '-c default_transaction_read_only=on',
    application_name: 'vigil',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
  });
  client.on('error', () => {});
  const abort = () => void client.end().catch(() => {});
  options.signal?.addEventListener('abort', abort, { once: true });
  const fail = (cause: unknown, doing: string): never => {
    if (options.signal?.aborted)
      throw new VigilError('ABORTED', `PostgreSQL ${where}: aborted while ${doing}`, { cause });
    const e = cause as { message?: string; code?: string };
    throw new VigilError(
      'IO',
      `PostgreSQL ${where}: ${doing} failed: ${e.message ?? String(cause)}${e.code ? ` (SQLSTATE ${e.code})` : ''}`,
      { cause },
    );
  };
  try {
    await client.connect();
  } catch (cause) {
    options.signal?.removeEventListener('abort', abort);
    fail(cause, 'connecting');
  }
  const close = async () => {
    options.signal?.removeEventListener('abort', abort);
    await client.end().catch(() => {});
  };
  try {
    const r = await client.query('SHOW default_transaction_read_only');
    if ((r.rows[0] as Row | undefined)?.['default_transaction_read_only'] !== 'on')
      throw new VigilError(
        'INPUT_INVALID',
        `PostgreSQL ${where} did not keep default_transaction_read_only=on (a pooler may drop startup options); refusing to read through a session that can write`,
      );
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (cause) {
    await close();
    if (cause instanceof VigilError) throw cause;
    fail(cause, 'starting a read-only transaction');
  }
  return {
    async query(sql) {
      try {
        return (await client.query(sql)).rows as Row[];
      } catch (cause) {
        return fail(cause, 'a catalog query');
      }
    },
    close,
  };
}

/**
 * Reads roles, role memberships, table, column, schema and default privileges live from a
 * PostgreSQL database's catalogs (`pg_roles`, `pg_auth_members`, `aclexplode` over `pg_class`,
 * `pg_attribute`, `pg_namespace` and `pg_default_acl`) into the same {@link PgSchemaDeclaration}
 * that {@link parsePgSchema} makes of a dump, so `analyzeDataAccess` works the same on either.
 * The session is read-only (`default_transaction_read_only=on`, checked, and one `READ ONLY`
 * transaction); give it a role that can read the catalogs (any role can). Privileges an owner holds
 * by owning, and those the database started with, are left out as a dump leaves them out.
 * Sources name the URL without its password and the catalog column.
 *
 * @example
 * ```ts
 * import { analyzeDataAccess, readPgGrantsLive } from '@vigil/core';
 *
 * const declared = await readPgGrantsLive('postgres://auditor@db.internal:5432/rag');
 * const gap = analyzeDataAccess(declared, events);
 * console.log(gap.roles.map((r) => `${r.role}: ${r.used.length}/${r.granted}`));
 * ```
 */
export async function readPgGrantsLive(
  url: string,
  options: PgLiveReadOptions = {},
): Promise<PgSchemaDeclaration> {
  const file = redactPgUrl(url);
  const session = await openReadOnlyPgSession(url, options);
  try {
    const roleRows = await session.query('SELECT oid, rolname FROM pg_roles');
    const names = new Map(roleRows.map((r) => [Number(r['oid']), String(r['rolname'])]));
    const roles = (await session.query(QUERIES.roles)).map((r) => String(r['rolname']));
    const memberships: PgRoleMembership[] = (await session.query(QUERIES.memberships)).map((r) => ({
      role: String(r['role']),
      member: String(r['member']),
    }));
    const tables = (await session.query(QUERIES.tables)).map((r) => `${r['schema']}.${r['name']}`);
    const known = PG_TABLE_PRIVILEGES as readonly string[];
    const grants: PgTableGrant[] = [];
    const seen = new Set<string>();
    for (const r of await session.query(QUERIES.tableGrants)) {
      const privilege = String(r['privilege']);
      if (!known.includes(privilege)) continue;
      const role = grantee(r['grantee'], names);
      const table = `${r['schema']}.${r['name']}`;
      const key = `${role}\0${table}\0${privilege}`;
      if (seen.has(key)) continue;
      seen.add(key);
      grants.push({
        role,
        table,
        privilege: privilege as PgTableGrant['privilege'],
        source: { file, catalog: String(r['catalog']) },
      });
    }
    const schemaGrants: PgSchemaGrant[] = (await session.query(QUERIES.schemaGrants))
      .filter((r) => r['privilege'] === 'USAGE' || r['privilege'] === 'CREATE')
      .map((r) => ({
        role: grantee(r['grantee'], names),
        privilege: r['privilege'] as PgSchemaGrant['privilege'],
        schema: String(r['schema']),
      }));
    const defaultGrants = (await session.query(QUERIES.defaultGrants))
      .filter((r) => known.includes(String(r['privilege'])))
      .map((r) => ({
        role: grantee(r['grantee'], names),
        privilege: String(r['privilege']),
        schema: String(r['schema']),
      }));
    return { tables, roles, grants, defaultGrants, memberships, schemaGrants };
  } finally {
    await session.close();
  }
}
