import { z } from 'zod';
import { VigilError } from '../errors/vigil-error.js';
import { splitStatements, tokenizeSql } from '../payload/sql.js';
import { PG_TABLE_PRIVILEGES } from '../permissions/table-privileges.js';
import { lazySchema } from '../schemas/lazy.js';

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
export const PgTableGrantSchema = lazySchema(() =>
  z.object({
    role: z.string(),
    privilege: z.enum(PG_TABLE_PRIVILEGES),
    /** `schema.table`, unquoted. */
    table: z.string(),
    /**
     * Where the grant was declared: a dump's file and line, or for a live read the
     * connection (without its password) and the catalog column the grant came from.
     */
    source: z.object({
      file: z.string(),
      line: z.number().int().positive().optional(),
      /** For a live read: the catalog column, e.g. `pg_class.relacl` or `pg_attribute.attacl`. */
      catalog: z.string().optional(),
    }),
  }),
);
/** @see {@link PgTableGrantSchema} */
export interface PgTableGrant {
  role: string;
  privilege: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER';
  /** `schema.table`, unquoted. */
  table: string;
  /**
   * Where the grant was declared: a dump's file and line, or for a live read the
   * connection (without its password) and the catalog column the grant came from.
   */
  source: {
    file: string;
    line?: number | undefined;
    /** For a live read: the catalog column, e.g. `pg_class.relacl` or `pg_attribute.attacl`. */
    catalog?: string | undefined;
  };
}

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
  /**
   * Default privileges (`ALTER DEFAULT PRIVILEGES … GRANT … ON TABLES`) as role, privilege and
   * schema (`*` when the default applies in every schema: no `IN SCHEMA`).
   */
  readonly defaultGrants: { role: string; privilege: string; schema: string; line?: number }[];
  /** Role memberships in effect (`GRANT reader TO alice`): `member` holds the privileges of `role`. */
  readonly memberships: PgRoleMembership[];
  /** Schema privileges in effect (`GRANT USAGE ON SCHEMA public TO reader`). */
  readonly schemaGrants: PgSchemaGrant[];
}

/**
 * A role membership: `member` may use the privileges of `role` (`GRANT role TO member`).
 *
 * @example
 * ```ts
 * import { parsePgSchema, type PgRoleMembership } from '@vigil/core';
 *
 * const m: PgRoleMembership[] = parsePgSchema('GRANT reader TO alice;', 'roles.sql').memberships;
 * ```
 */
export interface PgRoleMembership {
  readonly role: string;
  readonly member: string;
  readonly line?: number;
}

/**
 * A privilege on a schema (`USAGE` to look tables up in it, `CREATE` to create objects in it).
 *
 * @example
 * ```ts
 * import { parsePgSchema, type PgSchemaGrant } from '@vigil/core';
 *
 * const g: PgSchemaGrant[] = parsePgSchema('GRANT USAGE ON SCHEMA rag TO reader;', 'schema.sql').schemaGrants;
 * ```
 */
export interface PgSchemaGrant {
  readonly role: string;
  readonly privilege: 'USAGE' | 'CREATE';
  readonly schema: string;
  readonly line?: number;
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
  let memberships: PgRoleMembership[] = [];
  let schemaGrants: PgSchemaGrant[] = [];
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
    let schemaOfDefault = '*';
    if (isDefault) {
      const inAt = words.indexOf('in');
      if (inAt >= 0 && words[inAt + 1] === 'schema') schemaOfDefault = name(inAt + 2)?.name ?? '*';
      start = words.findIndex((w) => w === 'grant' || w === 'revoke');
      if (start < 0) fail('GRANT or REVOKE');
    } else if (head !== 'grant' && head !== 'revoke') continue;
    const verb = words[start]!;
    // A comma-separated list of names from token `at`; a role list may write GROUP before a name.
    const list = (at: number, what: string, group: boolean): { names: string[]; next: number } => {
      const names: string[] = [];
      let k = at;
      for (;;) {
        if (group && words[k] === 'group') k++;
        const n = name(k) ?? fail(what);
        names.push(n.name);
        k = n.next;
        if (words[k] !== ',') return { names, next: k };
        k++;
      }
    };
    // TO (GRANT) or FROM (REVOKE) at token `at`, then the roles.
    const recipients = (at: number): { names: string[]; next: number } => {
      if (words[at] !== (verb === 'grant' ? 'to' : 'from')) fail(verb === 'grant' ? 'TO' : 'FROM');
      return list(at + 1, 'a role name', true);
    };
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
      // GRANT role TO role: a membership, not a privilege on an object.
      if (isDefault) continue;
      const j = start + 1;
      // REVOKE ADMIN | INHERIT | SET OPTION FOR role FROM member
      if (verb === 'revoke' && words[j + 1] === 'option' && words[j + 2] === 'for') continue;
      const granted = list(j, 'a role name', false);
      const members = recipients(granted.next).names;
      for (const role of granted.names)
        for (const member of members) {
          const has = memberships.some((m) => m.role === role && m.member === member);
          if (verb === 'grant' && !has) memberships.push({ role, member, line: s.line });
          if (verb === 'revoke')
            memberships = memberships.filter((m) => !(m.role === role && m.member === member));
        }
      continue;
    }
    i++;
    if (!isDefault && words[i] === 'schema') {
      const schemaList = list(i + 1, 'a schema name', false);
      const schemas = schemaList.names;
      const roles = recipients(schemaList.next).names;
      const privs = privileges.includes('ALL') ? ['USAGE', 'CREATE'] : privileges;
      for (const p of privs) if (p !== 'USAGE' && p !== 'CREATE') fail(`a schema privilege (not ${p})`);
      for (const role of roles)
        for (const schema of schemas)
          for (const privilege of privs as PgSchemaGrant['privilege'][]) {
            const has = schemaGrants.some(
              (g) => g.role === role && g.schema === schema && g.privilege === privilege,
            );
            if (verb === 'grant' && !has) schemaGrants.push({ role, privilege, schema, line: s.line });
            if (verb === 'revoke')
              schemaGrants = schemaGrants.filter(
                (g) => !(g.role === role && g.schema === schema && g.privilege === privilege),
              );
          }
      continue;
    }
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
      const named = list(i, 'a table name', false);
      for (const t of named.names) targets.push(qualify(t, searchSchema));
      i = named.next;
    }
    const grantees = recipients(i).names;
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
  return { tables, roles, grants, defaultGrants, memberships, schemaGrants };
}
