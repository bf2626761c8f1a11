import { z } from 'zod';
import type { VigilEvent } from '../events/schema.js';
import { grantStatements, PG_TABLE_PRIVILEGES, privilegesOf } from '../permissions/table-privileges.js';
import { lazySchema } from '../schemas/lazy.js';
import type { PgTableGrant } from './pg-grants.js';
import { type PgSchemaDeclaration, PgTableGrantSchema } from './pg-grants.js';

/** Version of the {@link DataAccessGapSchema} document. */
export const DATA_ACCESS_GAP_SCHEMA_VERSION = 1;

const Privilege = lazySchema(() => z.enum(PG_TABLE_PRIVILEGES));

/** A privilege on a table a role exercised, with how often. */
const UsedPrivilegeSchema = lazySchema(() =>
  z.object({
    role: z.string(),
    privilege: Privilege,
    table: z.string(),
    statements: z.number().int().positive(),
  }),
);

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
export const DataAccessGapSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(DATA_ACCESS_GAP_SCHEMA_VERSION),
    roles: z.array(
      z.object({
        role: z.string(),
        /** Table privileges granted. */
        granted: z.number().int().nonnegative(),
        used: z.array(UsedPrivilegeSchema),
        unused: z.array(PgTableGrantSchema),
        /**
         * Privileges exercised that no grant in the schema explains, to the role, a role it is a
         * member of, or PUBLIC (an owner, a superuser, or an incomplete dump).
         */
        ungranted: z.array(UsedPrivilegeSchema),
        /** `GRANT … ON TABLE … TO …;` statements, one per table, for exactly the privileges used. */
        leastPrivilege: z.array(z.string()),
      }),
    ),
  }),
);
/** @see {@link DataAccessGapSchema} */
export interface DataAccessGap {
  schemaVersion: 1;
  roles: {
    role: string;
    /** Table privileges granted. */
    granted: number;
    used: {
      role: string;
      privilege: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER';
      table: string;
      statements: number;
    }[];
    unused: PgTableGrant[];
    /**
     * Privileges exercised that no grant in the schema explains, to the role, a role it is a
     * member of, or PUBLIC (an owner, a superuser, or an incomplete dump).
     */
    ungranted: {
      role: string;
      privilege: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER';
      table: string;
      statements: number;
    }[];
    /** `GRANT … ON TABLE … TO …;` statements, one per table, for exactly the privileges used. */
    leastPrivilege: string[];
  }[];
}

function qualify(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
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
  // The roles whose privileges a role holds: itself, those it is a member of (transitively), PUBLIC.
  const memberships = schema.memberships;
  const holds = (role: string): Set<string> => {
    const out = new Set([role, 'public']);
    const todo = [role];
    while (todo.length > 0) {
      const r = todo.pop()!;
      for (const m of memberships)
        if (m.member === r && !out.has(m.role)) {
          out.add(m.role);
          todo.push(m.role);
        }
    }
    return out;
  };
  const allUses = [...used.values()];
  const out: DataAccessGap['roles'] = [];
  for (const role of [...roles].sort()) {
    const granted = schema.grants.filter((g) => g.role === role);
    const mine = allUses.filter((u) => u.role === role);
    const held = holds(role);
    // A grant is used when its role, or a role holding its privileges through membership, exercised it.
    const isUsed = (table: string, privilege: string) =>
      allUses.some((u) => u.table === table && u.privilege === privilege && holds(u.role).has(role));
    const isGranted = (table: string, privilege: string) =>
      schema.grants.some((g) => held.has(g.role) && g.table === table && g.privilege === privilege);
    out.push({
      role,
      granted: granted.length,
      used: mine.filter((u) => isGranted(u.table, u.privilege)),
      unused: granted.filter((g) => !isUsed(g.table, g.privilege)),
      ungranted: mine.filter((u) => !isGranted(u.table, u.privilege)),
      leastPrivilege: grantStatements(role, mine),
    });
  }
  return { schemaVersion: DATA_ACCESS_GAP_SCHEMA_VERSION, roles: out };
}
