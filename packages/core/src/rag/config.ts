import { z } from 'zod';
import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import { safeParseDocument } from '../readers/document-value.js';
import { readBoundedFile } from '../readers/read-bounded.js';
import { lineAt, parseDeclaredYaml } from '../readers/yaml-tasks.js';
import { lazySchema } from '../schemas/lazy.js';

/** Version of the RAG configuration document. */
export const RAG_CONFIG_SCHEMA_VERSION = 1;

const glob = () => z.string().min(1).max(1024);
const globs = () => z.array(glob()).min(1).max(256);

/**
 * A label of a sensitive collection (`pii`, `secrets`, `hr`, `finance`, …):
 * lower case letters, digits, `.`, `_` and `-`, at most 64 characters.
 *
 * @example
 * ```ts
 * import { RagLabelSchema } from '@vigil/core';
 *
 * RagLabelSchema.parse('pii');
 * ```
 */
export const RagLabelSchema = lazySchema(() =>
  z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, {
    message: 'a label is lower case letters, digits, ".", "_" or "-" (at most 64)',
  }),
);
/** @see {@link RagLabelSchema} */
export type RagLabel = string;

/**
 * Who a RAG configuration entry is about: globs (`*`, `?`) on the workload's id
 * or name (`workload`), the executable (`exe`), and the database role or the
 * first hex digits of the API-key hash the request carried (`principal`).
 * Every field given must match; at least one is required.
 *
 * @example
 * ```ts
 * import { RagSubjectSchema } from '@vigil/core';
 *
 * RagSubjectSchema.parse({ workload: ['ingest-*'], principal: ['ingest'] });
 * ```
 */
export const RagSubjectSchema = lazySchema(() =>
  z
    .object({
      /** Globs on the workload's id or its name. */
      workload: globs().optional(),
      /** Globs on the executable path. */
      exe: globs().optional(),
      /** Globs on the role (`principal`) or on `key:` and the API-key hash (`principalHash`). */
      principal: globs().optional(),
    })
    .strict(),
);

/**
 * One declared ingest path: the workloads allowed to write the retrieval
 * corpus, optionally only some collections of some store.
 *
 * @example
 * ```ts
 * import { RagIngestSchema } from '@vigil/core';
 *
 * RagIngestSchema.parse({ name: 'nightly', workload: ['rag-ingest'], collections: ['docs', 'chunks'] });
 * ```
 */
export const RagIngestSchema = lazySchema(() =>
  RagSubjectSchema.extend({
    /** Names the ingest path in findings. */
    name: z.string().min(1).max(200),
    /** The store (`postgresql`, `qdrant`, …); any when absent. */
    store: z.string().min(1).max(100).optional(),
    /** Globs on the tables or collections it may write; all when absent. */
    collections: globs().optional(),
  })
    .strict()
    .refine((v) => v.workload !== undefined || v.exe !== undefined || v.principal !== undefined, {
      message: 'an ingest entry needs at least one of workload, exe or principal',
    }),
);

/**
 * Labels of the tables or collections whose name matches a glob, in one store or any.
 *
 * @example
 * ```ts
 * import { RagCollectionSchema } from '@vigil/core';
 *
 * RagCollectionSchema.parse({ name: 'employees*', store: 'postgresql', labels: ['pii', 'hr'] });
 * ```
 */
export const RagCollectionSchema = lazySchema(() =>
  z
    .object({
      /** A glob on the table or collection name (as the `retrieval` event names it: lower case unless quoted). */
      name: glob(),
      store: z.string().min(1).max(100).optional(),
      /** Why the collection is sensitive. */
      labels: z.array(RagLabelSchema).min(1).max(64),
      /** It is part of the retrieval corpus: writes to it are judged against the ingest path even before anyone is seen reading it. Default true. */
      corpus: z.boolean().optional(),
    })
    .strict(),
);

/**
 * An agent's declared purpose: the labels of data it needs. Retrieval of a
 * collection with a label outside them is a finding.
 *
 * @example
 * ```ts
 * import { RagAgentSchema } from '@vigil/core';
 *
 * RagAgentSchema.parse({ name: 'support-bot', workload: ['support-*'], purpose: 'answer product questions', labels: ['product-docs'] });
 * ```
 */
export const RagAgentSchema = lazySchema(() =>
  RagSubjectSchema.extend({
    name: z.string().min(1).max(200),
    /** The declared purpose, in words (shown in findings). */
    purpose: z.string().max(2000).optional(),
    /** Labels of the data that purpose needs; empty: none of the labelled collections. */
    labels: z.array(RagLabelSchema).max(64),
  })
    .strict()
    .refine((v) => v.workload !== undefined || v.exe !== undefined || v.principal !== undefined, {
      message: 'an agent entry needs at least one of workload, exe or principal',
    }),
);

/**
 * The RAG configuration (`vigil check --rag FILE`, `builtinPacks({ rag })`):
 * the declared ingest path of the retrieval corpus, the labels of sensitive
 * tables and collections, and the labels each agent's purpose needs. YAML or
 * JSON; `docs/rag.md` describes it.
 *
 * @example
 * ```ts
 * import { RagConfigSchema } from '@vigil/core';
 *
 * const config = RagConfigSchema.parse({
 *   schemaVersion: 1,
 *   ingest: [{ name: 'nightly', workload: ['rag-ingest'], collections: ['docs'] }],
 *   collections: [{ name: 'employees', labels: ['pii', 'hr'] }],
 *   agents: [{ name: 'support', workload: ['support-agent'], labels: [] }],
 * });
 * ```
 */
export const RagConfigSchema = lazySchema(() =>
  z
    .object({
      schemaVersion: z.literal(RAG_CONFIG_SCHEMA_VERSION),
      ingest: z.array(RagIngestSchema).max(1000).default([]),
      collections: z.array(RagCollectionSchema).max(10_000).default([]),
      agents: z.array(RagAgentSchema).max(1000).default([]),
    })
    .strict(),
);
/** @see {@link RagConfigSchema} */
export interface RagConfig {
  schemaVersion: 1;
  ingest: RagIngest[];
  collections: RagCollection[];
  agents: RagAgent[];
}
/** @see {@link RagSubjectSchema} */
export interface RagSubject {
  /** Globs on the workload's id or its name. */
  workload?: string[] | undefined;
  /** Globs on the executable path. */
  exe?: string[] | undefined;
  /** Globs on the role (`principal`) or on `key:` and the API-key hash (`principalHash`). */
  principal?: string[] | undefined;
}
/** @see {@link RagIngestSchema} */
export interface RagIngest extends RagSubject {
  /** Names the ingest path in findings. */
  name: string;
  /** The store (`postgresql`, `qdrant`, …); any when absent. */
  store?: string | undefined;
  /** Globs on the tables or collections it may write; all when absent. */
  collections?: string[] | undefined;
}
/** @see {@link RagCollectionSchema} */
export interface RagCollection {
  /** A glob on the table or collection name (as the `retrieval` event names it: lower case unless quoted). */
  name: string;
  store?: string | undefined;
  /** Why the collection is sensitive. */
  labels: string[];
  /** It is part of the retrieval corpus: writes to it are judged against the ingest path even before anyone is seen reading it. Default true. */
  corpus?: boolean | undefined;
}
/** @see {@link RagAgentSchema} */
export interface RagAgent extends RagSubject {
  name: string;
  /** The declared purpose, in words (shown in findings). */
  purpose?: string | undefined;
  /** Labels of the data that purpose needs; empty: none of the labelled collections. */
  labels: string[];
}

/** Bounds on a RAG configuration file. */
const RAG_LIMITS = {
  maxBytes: 4 * 1024 * 1024,
  maxDepth: 16,
  maxNodes: 200_000,
  maxDocuments: 1,
  maxAliasCount: 100,
} as const;

/**
 * Parses and validates a RAG configuration from its text (YAML or JSON), within
 * bounds (4 MiB, nesting 16, 200,000 values, 100 alias expansions). Every error
 * is a `VigilError` naming the file, the line and the path of the problem.
 *
 * @example
 * ```ts
 * import { parseRagConfig } from '@vigil/core';
 *
 * const config = parseRagConfig('schemaVersion: 1\ningest:\n  - name: nightly\n    workload: [rag-ingest]\n', 'rag.yaml');
 * ```
 */
export function parseRagConfig(text: string, file: string): RagConfig {
  const limits = RAG_LIMITS;
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes)
    throw new VigilError(
      'INPUT_INVALID',
      `RAG configuration is ${bytes} bytes, over the ${limits.maxBytes}-byte limit`,
      { location: { file } },
    );
  const docs = parseDeclaredYaml(text, file, limits);
  const doc = docs[0];
  if (doc === undefined)
    throw new VigilError('INPUT_INVALID', 'RAG configuration is empty (expected schemaVersion: 1)', {
      location: { file },
    });
  const r = safeParseDocument(RagConfigSchema, doc.value);
  if (!r.success) {
    const path = r.error.issues[0]?.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) ?? [];
    // The line of the deepest part of the path the document has.
    let line: number | undefined;
    for (let n = path.length; n >= 0 && line === undefined; n--) line = lineAt(doc.lines, path.slice(0, n));
    throw fromZodError(
      r.error,
      'RAG configuration',
      { file, ...(line !== undefined ? { line } : {}) },
      'INPUT_INVALID',
    );
  }
  return r.data;
}

/**
 * Reads a RAG configuration file (YAML or JSON) and validates it; see
 * {@link parseRagConfig}. The size is checked before the file is read.
 *
 * @example
 * ```ts
 * import { readRagConfig } from '@vigil/core';
 * import { builtinPacks } from '@vigil/rules';
 *
 * const packs = builtinPacks({ rag: await readRagConfig('rag.yaml') });
 * ```
 */
export async function readRagConfig(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<RagConfig> {
  const bytes = await readBoundedFile(path, {
    what: 'RAG configuration',
    maxBytes: RAG_LIMITS.maxBytes,
    signal: options.signal,
  });
  return parseRagConfig(bytes.toString('utf8'), path);
}
