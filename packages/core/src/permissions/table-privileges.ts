import type { PG_TABLE_PRIVILEGES } from '../data-access/pg-grants.js';
import type { EventOf } from '../events/schema.js';

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
