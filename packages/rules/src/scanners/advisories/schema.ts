import { lazySchema } from '@vigil/core';
import { z } from 'zod';

/** Version of the advisory set document. */
export const ADVISORY_SET_SCHEMA_VERSION = 1;

const RangeEventSchema = lazySchema(() =>
  z.union([
    z.object({ introduced: z.string().min(1) }).strict(),
    z.object({ fixed: z.string().min(1) }).strict(),
    z.object({ last_affected: z.string().min(1) }).strict(),
    z.object({ limit: z.string().min(1) }).strict(),
  ]),
);

/** One event of an OSV range: `introduced`, `fixed`, `last_affected` or `limit`. */
export type OsvRangeEvent =
  | {
      introduced: string;
    }
  | {
      fixed: string;
    }
  | {
      last_affected: string;
    }
  | {
      limit: string;
    };

/**
 * The file an advisory was transcribed from: `repository` (`owner/name`),
 * `path` inside it and, when known, the 40-hex `commit` that last changed it.
 *
 * @example
 * ```ts
 * import { AdvisorySourceFileSchema } from '@vigil/rules';
 *
 * AdvisorySourceFileSchema.parse({ repository: 'pypa/advisory-database', path: 'vulns/torch/PYSEC-2022-43015.yaml' });
 * ```
 */
export const AdvisorySourceFileSchema = lazySchema(() =>
  z
    .object({
      repository: z.string().min(1),
      path: z.string().min(1),
      commit: z
        .string()
        .regex(/^[0-9a-f]{40}$/, 'a 40-hex git commit')
        .optional(),
    })
    .strict(),
);
/** @see {@link AdvisorySourceFileSchema} */
export interface AdvisorySourceFile {
  repository: string;
  path: string;
  commit?: string | undefined;
}

/**
 * One OSV advisory (schema 1.x), the fields Vigil matches on and reports:
 * `id`, `aliases`, `summary`, `details`, `severity`, `affected[].package`,
 * `affected[].ranges` (`ECOSYSTEM`, `SEMVER`; `GIT` ranges are kept and
 * ignored), `affected[].versions`, `references` and
 * `database_specific.severity` (GitHub's rating), plus Vigil's own
 * `transcribed_from`. Unknown fields are dropped.
 *
 * @example
 * ```ts
 * import { OsvAdvisorySchema } from '@vigil/rules';
 *
 * const adv = OsvAdvisorySchema.parse(JSON.parse(readFileSync('GHSA-xxxx.json', 'utf8')));
 * ```
 */
export const OsvAdvisorySchema = lazySchema(() =>
  z.object({
    id: z
      .string()
      .regex(/^[A-Z][A-Z0-9]*-[A-Za-z0-9._:-]+$/, 'an OSV id such as GHSA-xxxx-xxxx-xxxx or PYSEC-2024-1'),
    aliases: z.array(z.string()).optional(),
    modified: z.string().min(1),
    published: z.string().optional(),
    summary: z.string().optional(),
    details: z.string().optional(),
    severity: z.array(z.object({ type: z.string(), score: z.string() })).optional(),
    affected: z
      .array(
        z.object({
          package: z.object({ ecosystem: z.string().min(1), name: z.string().min(1) }),
          ranges: z
            .array(
              z.object({
                type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']),
                repo: z.string().optional(),
                events: z.array(RangeEventSchema).min(1),
              }),
            )
            .optional(),
          versions: z.array(z.string()).optional(),
        }),
      )
      .min(1),
    references: z.array(z.object({ type: z.string(), url: z.string() })).optional(),
    database_specific: z.object({ severity: z.string().optional() }).optional(),
    /**
     * Not an OSV field: where Vigil read this entry (repository, path inside
     * it, and the commit that last changed the file), so a reviewer can diff
     * every shipped entry against its source. Set by `buildAdvisorySet`.
     */
    transcribed_from: AdvisorySourceFileSchema.optional(),
  }),
);
/** @see {@link OsvAdvisorySchema} */
export interface OsvAdvisory {
  id: string;
  aliases?: string[] | undefined;
  modified: string;
  published?: string | undefined;
  summary?: string | undefined;
  details?: string | undefined;
  severity?:
    | {
        type: string;
        score: string;
      }[]
    | undefined;
  affected: {
    package: {
      ecosystem: string;
      name: string;
    };
    ranges?:
      | {
          type: 'ECOSYSTEM' | 'SEMVER' | 'GIT';
          repo?: string | undefined;
          events: OsvRangeEvent[];
        }[]
      | undefined;
    versions?: string[] | undefined;
  }[];
  references?:
    | {
        type: string;
        url: string;
      }[]
    | undefined;
  database_specific?:
    | {
        severity?: string | undefined;
      }
    | undefined;
  /**
   * Not an OSV field: where Vigil read this entry (repository, path inside
   * it, and the commit that last changed the file), so a reviewer can diff
   * every shipped entry against its source. Set by `buildAdvisorySet`.
   */
  transcribed_from?: AdvisorySourceFile | undefined;
}

/**
 * A set of OSV advisories shipped or loaded as data, with where each came
 * from and when it was transcribed, so a reviewer can check every entry
 * against its source.
 *
 * @example
 * ```ts
 * import { AdvisorySetSchema } from '@vigil/rules';
 *
 * const set = AdvisorySetSchema.parse(JSON.parse(readFileSync('advisories.json', 'utf8')));
 * console.log(set.advisories.length);
 * ```
 */
export const AdvisorySetSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(ADVISORY_SET_SCHEMA_VERSION),
    kind: z.literal('AdvisorySet'),
    name: z.string().min(1),
    /** Where the advisories were read and when (ISO date). */
    sources: z
      .array(
        z.object({ name: z.string(), url: z.string(), retrieved: z.string(), note: z.string().optional() }),
      )
      .min(1),
    advisories: z.array(OsvAdvisorySchema),
  }),
);
/** @see {@link AdvisorySetSchema} */
export interface AdvisorySet {
  schemaVersion: 1;
  kind: 'AdvisorySet';
  name: string;
  /** Where the advisories were read and when (ISO date). */
  sources: {
    name: string;
    url: string;
    retrieved: string;
    note?: string | undefined;
  }[];
  advisories: OsvAdvisory[];
}
