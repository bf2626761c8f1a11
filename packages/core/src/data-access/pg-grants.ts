import { z } from 'zod';
import { VigilError } from '../errors/vigil-error.js';
import { splitStatements, tokenizeSql } from '../payload/internal/sql.js';

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

/**
 * One table privilege a PostgreSQL role holds, as a schema dump declares it:
 * `GRANT SELECT ON TABLE public.docs TO reader` is one; `GRANT ALL ON ALL
 * TABLES IN SCHEMA public` is one per table and privilege.
 *
 * @example
 * ```ts
 * import { PgTableGrantSchema } from '@vigil/core';
 *
 * PgTableGrantSchema.parse({ role: 'reader', privilege: 'SELECT', table: 'public.docs', source: { file: 'schema.sql', line: 12 } });
 * ```
 */
export const PgTableGrantSchema = z.object({
  role: z.string(),
  privilege: z.enum(PG_TABLE_PRIVILEGES),
  /** `schema.table`, unquoted. */
  table: z.string(),
  source: z.object({ file: z.string(), line: z.number().int().positive() }),
});
/** @see {@link PgTableGrantSchema} */
export type PgTableGrant = z.infer<typeof PgTableGrantSchema>;

/**
 * What {@link parsePgSchema} read from a schema dump.
 *
 * @example
 * ```ts
 * import { parsePgSchema, type PgSchemaDeclaration } from '@vigil/core';
 *
 * const schema: PgSchemaDeclaration = parsePgSchema('CREATE TABLE docs (id int); GRANT SELECT ON docs TO reader;', 'schema.sql');
 * console.log(schema.tables, schema.grants.length);
 * ```
 */
export interface PgSchemaDeclaration {
  /** Tables created, `schema.table`. */
  readonly tables: string[];
  /** Roles created (`CREATE ROLE` / `CREATE USER`). */
  readonly roles: string[];
  /** Table grants in effect after every `GRANT` and `REVOKE`, in declaration order. */
  readonly grants: PgTableGrant[];
  /** Default privileges (`ALTER DEFAULT PRIVILEGES … GRANT … ON TABLES`) as role, privilege and schema. */
  readonly defaultGrants: { role: string; privilege: string; schema: string; line: number }[];
}

interface Stmt {
  readonly text: string;
  readonly line: number;
}

/** Statements with the line each starts on. */
function statementsWithLines(sql: string): Stmt[] {
  const out: Stmt[] = [];
  let from = 0;
  for (const text of splitStatements(sql)) {
    const at = sql.indexOf(text, from);
    const line = at < 0 ? 1 : sql.slice(0, at).split('\n').length;
    if (at >= 0) from = at + text.length;
    out.push({ text, line });
  }
  return out;
}

function qualify(name: string, defaultSchema: string): string {
  return name.includes('.') ? name : `${defaultSchema}.${name}`;
}

/**
 * Reads PostgreSQL roles, tables and table privileges from SQL: the output of
 * `pg_dump --schema-only` or hand-written `CREATE ROLE`, `CREATE TABLE`,
 * `GRANT`, `REVOKE` and `ALTER DEFAULT PRIVILEGES` statements. `ALL` and
 * `ALL TABLES IN SCHEMA` expand to each privilege and table the file creates.
 * A `GRANT` or `REVOKE` it cannot read is an error naming the file and line.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { parsePgSchema } from '@vigil/core';
 *
 * const schema = parsePgSchema(readFileSync('schema.sql', 'utf8'), 'schema.sql');
 * for (const g of schema.grants) console.log(g.role, g.privilege, g.table);
 * ```
 */
export function parsePgSchema(sql: string, file: string): PgSchemaDeclaration {
  const tables: string[] = [];
  const roles: string[] = [];
  let grants: PgTableGrant[] = [];
  const defaultGrants: PgSchemaDeclaration['defaultGrants'] = [];
  let searchSchema = 'public';
  for (const s of statementsWithLines(sql)) {
    const tokens = tokenizeSql(s.text);
    const words = tokens.map((t) => (t.type === 'qident' ? `"${t.text}` : t.text));
    const name = (i: number): { name: string; next: number } | undefined => {
      const t = tokens[i];
      if (!t || (t.type !== 'word' && t.type !== 'qident')) return undefined;
      const parts = [t.text];
      let j = i + 1;
      while (
        tokens[j]?.text === '.' &&
        tokens[j + 1] &&
        (tokens[j + 1]!.type === 'word' || tokens[j + 1]!.type === 'qident')
      ) {
        parts.push(tokens[j + 1]!.text);
        j += 2;
      }
      return { name: parts.join('.'), next: j };
    };
    const fail = (expected: string): never => {
      throw new VigilError('PARSE', `expected ${expected} in: ${s.text.slice(0, 120)}`, {
        location: { file, line: s.line },
      });
    };
    const head = words[0];
    if (head === 'select' && /set_config\('search_path', '([^',]*)/.test(s.text)) {
      searchSchema = /set_config\('search_path', '([^',]*)/.exec(s.text)![1] || 'public';
      continue;
    }
    if (head === 'set' && words[1] === 'search_path') {
      const n = name(words[2] === 'to' || words[2] === '=' ? 3 : 2);
      if (n) searchSchema = n.name;
      continue;
    }
    if (head === 'create' && (words[1] === 'role' || words[1] === 'user')) {
      const n = name(2) ?? fail('a role name');
      if (!roles.includes(n.name)) roles.push(n.name);
      continue;
    }
    if (head === 'create') {
      let i = 1;
      while (['unlogged', 'temporary', 'temp', 'global', 'local'].includes(words[i] ?? '')) i++;
      if (words[i] !== 'table') continue;
      i++;
      if (words[i] === 'if' && words[i + 1] === 'not' && words[i + 2] === 'exists') i += 3;
      const n = name(i) ?? fail('a table name');
      const t = qualify(n.name, searchSchema);
      if (!tables.includes(t)) tables.push(t);
      continue;
    }
    const isDefault = head === 'alter' && words[1] === 'default' && words[2] === 'privileges';
    let start = 0;
    let schemaOfDefault = searchSchema;
    if (isDefault) {
      const inAt = words.indexOf('in');
      if (inAt >= 0 && words[inAt + 1] === 'schema') schemaOfDefault = name(inAt + 2)?.name ?? searchSchema;
      start = words.findIndex((w) => w === 'grant' || w === 'revoke');
      if (start < 0) fail('GRANT or REVOKE');
    } else if (head !== 'grant' && head !== 'revoke') continue;
    const verb = words[start]!;
    let i = start + 1;
    if (verb === 'revoke' && words[i] === 'grant' && words[i + 1] === 'option') i += 3;
    // Privileges up to ON.
    const privileges: string[] = [];
    while (i < words.length && words[i] !== 'on') {
      const w = words[i]!;
      if (w === '(') {
        // Column lists are table privileges narrowed to columns; counted as the table privilege.
        while (i < words.length && words[i] !== ')') i++;
      } else if (w !== ',' && w !== 'privileges') privileges.push(w.toUpperCase());
      i++;
    }
    if (words[i] !== 'on') {
      // GRANT role TO role: membership, not a table privilege.
      continue;
    }
    i++;
    const expanded = privileges.includes('ALL') ? [...PG_TABLE_PRIVILEGES] : privileges;
    let targets: string[] = [];
    if (isDefault) {
      if (words[i] !== 'tables') continue;
      i++;
    } else if (
      words[i] === 'all' &&
      words[i + 1] === 'tables' &&
      words[i + 2] === 'in' &&
      words[i + 3] === 'schema'
    ) {
      i += 4;
      const schemas: string[] = [];
      for (;;) {
        const n = name(i) ?? fail('a schema name');
        schemas.push(n.name);
        i = n.next;
        if (words[i] !== ',') break;
        i++;
      }
      targets = tables.filter((t) => schemas.includes(t.split('.')[0]!));
    } else {
      if (words[i] === 'table') i++;
      else if (
        [
          'sequence',
          'schema',
          'database',
          'function',
          'all',
          'type',
          'language',
          'foreign',
          'large',
          'tablespace',
          'domain',
          'procedure',
          'routine',
        ].includes(words[i] ?? '')
      )
        continue;
      for (;;) {
        const n = name(i) ?? fail('a table name');
        targets.push(qualify(n.name, searchSchema));
        i = n.next;
        if (words[i] !== ',') break;
        i++;
      }
    }
    if (words[i] !== (verb === 'grant' ? 'to' : 'from')) fail(verb === 'grant' ? 'TO' : 'FROM');
    i++;
    const grantees: string[] = [];
    for (;;) {
      if (words[i] === 'group') i++;
      const n = name(i) ?? fail('a role name');
      grantees.push(n.name);
      i = n.next;
      if (words[i] !== ',') break;
      i++;
    }
    for (const p of expanded)
      if (!(PG_TABLE_PRIVILEGES as readonly string[]).includes(p)) fail(`a table privilege (not ${p})`);
    if (isDefault) {
      if (verb === 'grant')
        for (const role of grantees)
          for (const privilege of expanded)
            defaultGrants.push({ role, privilege, schema: schemaOfDefault, line: s.line });
      continue;
    }
    if (verb === 'grant') {
      for (const role of grantees)
        for (const table of targets)
          for (const privilege of expanded) {
            if (grants.some((g) => g.role === role && g.table === table && g.privilege === privilege))
              continue;
            grants.push({
              role,
              table,
              privilege: privilege as PgTableGrant['privilege'],
              source: { file, line: s.line },
            });
          }
    } else {
      grants = grants.filter(
        (g) =>
          !(
            grantees.includes(g.role) &&
            targets.includes(g.table) &&
            (expanded as string[]).includes(g.privilege)
          ),
      );
    }
  }
  return { tables, roles, grants, defaultGrants };
}
