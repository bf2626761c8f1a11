import { z } from 'zod';
import { lazySchema } from '../../schemas/lazy.js';

/** Version of the least-privilege artifacts document. */
export const LEAST_PRIVILEGE_SCHEMA_VERSION = 1;

/** What a generated artifact is for. */
export const ArtifactKindSchema = lazySchema(() =>
  z.enum([
    'kubernetes-rbac',
    'iam-policy',
    'network-policy',
    'workload-security',
    'mcp-allowlist',
    'postgresql-grants',
  ]),
);
/** @see {@link ArtifactKindSchema} */
export type ArtifactKind =
  | 'kubernetes-rbac'
  | 'iam-policy'
  | 'network-policy'
  | 'workload-security'
  | 'mcp-allowlist'
  | 'postgresql-grants';

/** One generated least-privilege artifact, validated for its consumer. */
export const LeastPrivilegeArtifactSchema = lazySchema(() =>
  z.object({
    kind: ArtifactKindSchema,
    /** The workload (gap report group) it tightens. */
    workload: z.string(),
    /** The subject whose grants it replaces. */
    subject: z.string(),
    /** Suggested file name. */
    fileName: z.string(),
    format: z.enum(['yaml', 'json', 'sql']),
    /** Kubernetes objects (`yaml`), one JSON document, or SQL statements (`sql`, PostgreSQL `GRANT`s). */
    content: z.union([
      z.array(z.record(z.string(), z.unknown())),
      z.record(z.string(), z.unknown()),
      z.string(),
    ]),
    /** What changed and what to check by hand. */
    notes: z.array(z.string()),
    /** Validation against the consumer's schema; empty when valid. */
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })),
  }),
);
/** @see {@link LeastPrivilegeArtifactSchema} */
export interface LeastPrivilegeArtifact {
  kind: ArtifactKind;
  /** The workload (gap report group) it tightens. */
  workload: string;
  /** The subject whose grants it replaces. */
  subject: string;
  /** Suggested file name. */
  fileName: string;
  format: 'yaml' | 'json' | 'sql';
  /** Kubernetes objects (`yaml`), one JSON document, or SQL statements (`sql`, PostgreSQL `GRANT`s). */
  content: string | Record<string, unknown> | Record<string, unknown>[];
  /** What changed and what to check by hand. */
  notes: string[];
  /** Validation against the consumer's schema; empty when valid. */
  issues: {
    path: (string | number)[];
    message: string;
  }[];
}

/**
 * Least-privilege artifacts generated from observation: tightened RBAC,
 * IAM policies, NetworkPolicy egress, MCP tool allowlists, workload
 * security contexts and PostgreSQL `GRANT` statements.
 *
 * @example
 * ```ts
 * import { generateLeastPrivilege, LeastPrivilegeSchema } from '@vigil/core';
 *
 * const lp = LeastPrivilegeSchema.parse(generateLeastPrivilege(declared, report));
 * for (const a of lp.artifacts) console.log(a.kind, a.fileName, a.issues.length === 0);
 * ```
 */
export const LeastPrivilegeSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(LEAST_PRIVILEGE_SCHEMA_VERSION),
    kind: z.literal('LeastPrivilege'),
    artifacts: z.array(LeastPrivilegeArtifactSchema),
  }),
);
/** @see {@link LeastPrivilegeSchema} */
export interface LeastPrivilege {
  schemaVersion: 1;
  kind: 'LeastPrivilege';
  artifacts: LeastPrivilegeArtifact[];
}
