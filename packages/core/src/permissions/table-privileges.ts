import type { EventOf } from '../events/schema.js';

/**
 * The table privileges PostgreSQL knows; `ALL` expands to these.
 *
 * @example
 * ```ts
 * import { PG_TABLE_PRIVILEGES } from '@vigil/core';
 *
 * console.log(PG_TABLE_PRIVILEGES.join(', '));
 * ```
 */
export const PG_TABLE_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'TRUNCATE',
  'REFERENCES',
  'TRIGGER',
] as const;

/** The table privileges one statement needs, from its retrieval event. */
export function privilegesOf(
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

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/**
 * `GRANT … ON TABLE … TO role;` statements, one per table (sorted), for exactly the privileges
 * given: what a role needs to run what it was seen running.
 *
 * @example
 * ```ts
 * import { grantStatements } from '@vigil/core';
 *
 * grantStatements('rag_reader', [{ table: 'public.docs', privilege: 'SELECT' }]);
 * // ['GRANT SELECT ON TABLE public.docs TO rag_reader;']
 * ```
 */
export function grantStatements(
  role: string,
  uses: readonly { readonly table: string; readonly privilege: string }[],
): string[] {
  const byTable = new Map<string, string[]>();
  for (const u of uses) {
    const list = byTable.get(u.table) ?? [];
    if (!list.includes(u.privilege)) list.push(u.privilege);
    byTable.set(u.table, list);
  }
  const order = PG_TABLE_PRIVILEGES as readonly string[];
  return [...byTable.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([table, privileges]) => {
      const [schemaName, ...rest] = table.split('.');
      const privs = privileges.sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(', ');
      return `GRANT ${privs} ON TABLE ${quoteIdent(schemaName!)}.${quoteIdent(rest.join('.'))} TO ${quoteIdent(role)};`;
    });
}
