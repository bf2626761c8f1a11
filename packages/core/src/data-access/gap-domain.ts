import type { DeclaredPermissions, DeclaredSubject } from '../permissions/declared.js';
import { type Grant, makeGrant, subjectId } from '../permissions/grant.js';
import { tablePrivilegeRisk } from '../permissions/inherent-risk.js';
import type { PgSchemaDeclaration } from './pg-grants.js';

/**
 * The table privileges of a PostgreSQL declaration (a dump read by `parsePgSchema`, or the
 * catalogs read by `readPgGrantsLive`) as grants of the `data-access` domain, for
 * `analyzeGaps`: one grant per role, table and privilege, to the subject `pg:role:NAME`,
 * which observed `retrieval` events of that role exercise.
 *
 * @example
 * ```ts
 * import { analyzeGaps, dataAccessPermissions, mergeDeclaredPermissions, parsePgSchema } from '@vigil/core';
 *
 * const pg = dataAccessPermissions(parsePgSchema(dump, 'schema.sql'));
 * const report = analyzeGaps(mergeDeclaredPermissions([declared, pg]), observed);
 * ```
 */
export function dataAccessPermissions(schema: PgSchemaDeclaration): DeclaredPermissions {
  const grants: Grant[] = schema.grants.map((g) =>
    makeGrant({
      subject: subjectId('pg-role', g.role),
      domain: 'data-access',
      effect: 'allow',
      action: g.privilege,
      target: { domain: 'data-access', store: 'postgresql', table: g.table },
      source: {
        file: g.source.file,
        path: g.source.catalog !== undefined ? [g.source.catalog, g.table] : [],
        ...(g.source.line !== undefined ? { line: g.source.line } : {}),
      },
      inherentRisk: tablePrivilegeRisk(g.privilege),
    }),
  );
  const names = [...new Set([...schema.roles, ...schema.grants.map((g) => g.role)])];
  const subjects: DeclaredSubject[] = names.map((name) => ({
    id: subjectId('pg-role', name),
    kind: 'pg-role',
    name,
  }));
  return {
    schemaVersion: 1,
    kind: 'DeclaredPermissions',
    inputs: [...new Set(schema.grants.map((g) => g.source.file))],
    subjects,
    workloads: [],
    grants,
    warnings: [],
  };
}

/**
 * Several declared-permission documents as one (inputs, subjects, workloads, grants and warnings
 * concatenated; subjects and grants with the same id kept once).
 *
 * @example
 * ```ts
 * import { mergeDeclaredPermissions } from '@vigil/core';
 *
 * const all = mergeDeclaredPermissions([kubernetes, postgres]);
 * ```
 */
export function mergeDeclaredPermissions(docs: readonly DeclaredPermissions[]): DeclaredPermissions {
  const seenSubjects = new Set<string>();
  const seenGrants = new Set<string>();
  return {
    schemaVersion: 1,
    kind: 'DeclaredPermissions',
    inputs: [...new Set(docs.flatMap((d) => d.inputs))],
    subjects: docs
      .flatMap((d) => d.subjects)
      .filter((s) => !seenSubjects.has(s.id) && seenSubjects.add(s.id)),
    workloads: docs.flatMap((d) => d.workloads),
    grants: docs.flatMap((d) => d.grants).filter((g) => !seenGrants.has(g.id) && seenGrants.add(g.id)),
    warnings: docs.flatMap((d) => d.warnings),
  };
}
