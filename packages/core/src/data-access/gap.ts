import { z } from 'zod';
import type { EventOf, VigilEvent } from '../events/schema.js';
import { PG_TABLE_PRIVILEGES, type PgSchemaDeclaration, PgTableGrantSchema } from './pg-grants.js';

/** Version of the {@link DataAccessGapSchema} document. */
export const DATA_ACCESS_GAP_SCHEMA_VERSION = 1;

const Privilege = z.enum(PG_TABLE_PRIVILEGES);

/** A privilege on a table a role exercised, with how often. */
const UsedPrivilegeSchema = z.object({
  role: z.string(),
  privilege: Privilege,
  table: z.string(),
  statements: z.number().int().positive(),
});

/**
 * Data access granted vs used, per PostgreSQL role: the table privileges a
 * schema declares, the ones the captured statements exercised, the unused
 * grants, the uses no grant explains, and the least-privilege `GRANT`
 * statements that keep exactly what was used.
 *
 * @example
 * ```ts
 * import { analyzeDataAccess, DataAccessGapSchema } from '@vigil/core';
 *
 * const gap = DataAccessGapSchema.parse(analyzeDataAccess(schema, events));
 * for (const r of gap.roles) console.log(r.role, `${r.used.length}/${r.granted}`, r.leastPrivilege.join('\n'));
 * ```
 */
export const DataAccessGapSchema = z.object({
  schemaVersion: z.literal(DATA_ACCESS_GAP_SCHEMA_VERSION),
  roles: z.array(
    z.object({
      role: z.string(),
      /** Table privileges granted. */
      granted: z.number().int().nonnegative(),
      used: z.array(UsedPrivilegeSchema),
      unused: z.array(PgTableGrantSchema),
      /** Privileges exercised that no grant in the schema explains (an owner, a superuser, or an incomplete dump). */
      ungranted: z.array(UsedPrivilegeSchema),
      /** `GRANT … ON TABLE … TO …;` statements, one per table, for exactly the privileges used. */
      leastPrivilege: z.array(z.string()),
    }),
  ),
});
/** @see {@link DataAccessGapSchema} */
export type DataAccessGap = z.infer<typeof DataAccessGapSchema>;

/** The table privileges one statement needs, from its retrieval event. */
function privilegesOf(
  ev: EventOf<'retrieval'>,
): { privilege: (typeof PG_TABLE_PRIVILEGES)[number]; table: string }[] {
  const out: { privilege: (typeof PG_TABLE_PRIVILEGES)[number]; table: string }[] = [];
  const written = new Set(ev.written ?? []);
  const command = (ev.command ?? '').toUpperCase();
  for (const table of ev.collections ?? []) {
    if (!written.has(table)) {
      out.push({ privilege: 'SELECT', table });
      continue;
    }
    if (command === 'INSERT' || command === 'COPY') out.push({ privilege: 'INSERT', table });
    else if (command === 'UPDATE') out.push({ privilege: 'UPDATE', table });
    else if (command === 'DELETE') out.push({ privilege: 'DELETE', table });
    else if (command === 'TRUNCATE') out.push({ privilege: 'TRUNCATE', table });
    else if (command === 'MERGE') out.push({ privilege: 'INSERT', table }, { privilege: 'UPDATE', table });
    else out.push({ privilege: 'INSERT', table }, { privilege: 'UPDATE', table });
    // Reading columns in WHERE or RETURNING needs SELECT on the table too.
    if ((command === 'UPDATE' || command === 'DELETE') && (ev.filterKeys?.length ?? 0) > 0)
      out.push({ privilege: 'SELECT', table });
  }
  return out;
}

function qualify(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
}

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/**
 * Compares the table privileges a PostgreSQL schema grants with the ones the
 * `retrieval` events of a capture exercised (successful statements only, by
 * role), and writes the least-privilege `GRANT` statements. Tables without a
 * schema are taken to be in `public`.
 *
 * @example
 * ```ts
 * import { analyzeDataAccess, parsePgSchema } from '@vigil/core';
 *
 * const gap = analyzeDataAccess(parsePgSchema(dump, 'schema.sql'), events);
 * console.log(gap.roles[0]?.leastPrivilege.join('\n'));
 * ```
 */
export function analyzeDataAccess(schema: PgSchemaDeclaration, events: Iterable<VigilEvent>): DataAccessGap {
  const used = new Map<string, z.infer<typeof UsedPrivilegeSchema>>();
  for (const ev of events) {
    if (ev.kind !== 'retrieval' || ev.store !== 'postgresql' || ev.principal === undefined) continue;
    if (ev.error !== undefined || ev.partial) continue;
    for (const p of privilegesOf(ev)) {
      const table = qualify(p.table);
      const key = `${ev.principal}\0${table}\0${p.privilege}`;
      const u = used.get(key);
      if (u) u.statements++;
      else used.set(key, { role: ev.principal, table, privilege: p.privilege, statements: 1 });
    }
  }
  const roles = new Set([...schema.grants.map((g) => g.role), ...[...used.values()].map((u) => u.role)]);
  const out: DataAccessGap['roles'] = [];
  for (const role of [...roles].sort()) {
    const granted = schema.grants.filter((g) => g.role === role);
    const mine = [...used.values()].filter((u) => u.role === role);
    const isUsed = (table: string, privilege: string) =>
      mine.some((u) => u.table === table && u.privilege === privilege);
    const isGranted = (table: string, privilege: string) =>
      granted.some((g) => g.table === table && g.privilege === privilege);
    const byTable = new Map<string, string[]>();
    for (const u of mine) {
      const list = byTable.get(u.table) ?? [];
      if (!list.includes(u.privilege)) list.push(u.privilege);
      byTable.set(u.table, list);
    }
    const order = PG_TABLE_PRIVILEGES as readonly string[];
    out.push({
      role,
      granted: granted.length,
      used: mine.filter((u) => isGranted(u.table, u.privilege)),
      unused: granted.filter((g) => !isUsed(g.table, g.privilege)),
      ungranted: mine.filter((u) => !isGranted(u.table, u.privilege)),
      leastPrivilege: [...byTable.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([table, privileges]) => {
          const [schemaName, ...rest] = table.split('.');
          const privs = privileges.sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(', ');
          return `GRANT ${privs} ON TABLE ${quoteIdent(schemaName!)}.${quoteIdent(rest.join('.'))} TO ${quoteIdent(role)};`;
        }),
    });
  }
  return { schemaVersion: DATA_ACCESS_GAP_SCHEMA_VERSION, roles: out };
}
