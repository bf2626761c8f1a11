/**
 * The kinds of input Vigil reads, each with its own {@link InputLimits}.
 * `docs/limits.md` lists them with the peak memory measured at each limit.
 */
export type InputKind =
  | 'baseline'
  | 'capture'
  | 'declared'
  | 'lockfile-json'
  | 'manifest-text'
  | 'k8s-audit'
  | 'cloudtrail'
  | 'otel-spans'
  | 'exceptions'
  | 'findings'
  | 'enforcement'
  | 'catalogue'
  | 'rule-pack'
  | 'generalisation'
  | 'rule-overrides';

/**
 * Bounds on one input, checked while it is read or before it is parsed, so
 * hostile input fails with a clear error before it costs memory or time.
 * A field left out does not apply to that kind.
 */
export interface InputLimits {
  /** Largest file, in bytes (whole-document inputs; streamed inputs are bounded per line or record). */
  readonly maxBytes?: number;
  /** Deepest nesting of arrays and objects (maps and sequences in YAML). */
  readonly maxDepth?: number;
  /** Most values (objects, arrays, strings, numbers…) in one file, or in one record for streamed inputs. */
  readonly maxNodes?: number;
  /** Longest line or record of a streamed input, in bytes. */
  readonly maxLineBytes?: number;
  /** Most YAML documents in one file. */
  readonly maxDocuments?: number;
  /** Most YAML alias expansions per document (YAML bomb guard). */
  readonly maxAliasCount?: number;
}

const MiB = 1024 * 1024;

/**
 * The default limits per input kind. Every reader takes its limits from here
 * (callers may lower or raise them through the reader's options).
 *
 * @example
 * ```ts
 * import { INPUT_LIMITS } from '@vigil/core';
 *
 * console.log(INPUT_LIMITS.baseline.maxBytes); // 134217728
 * ```
 */
export const INPUT_LIMITS: Readonly<Record<InputKind, Readonly<InputLimits>>> = {
  // JSON or msgpack, read whole: a baseline set of many workloads.
  baseline: { maxBytes: 128 * MiB, maxDepth: 64, maxNodes: 4_000_000 },
  // Streamed block by block: no file limit; one block and one record's nesting are bounded.
  capture: { maxLineBytes: 16 * MiB, maxDepth: 32 },
  // Kubernetes YAML/JSON, IAM JSON and MCP configurations (`gap --declared`).
  declared: {
    maxBytes: 32 * MiB,
    maxDepth: 64,
    maxNodes: 500_000,
    maxDocuments: 10_000,
    maxAliasCount: 100,
  },
  // package-lock.json, npm-shrinkwrap.json, package.json: lockfile v1 nests dependencies deeply.
  'lockfile-json': { maxBytes: 64 * MiB, maxDepth: 256, maxNodes: 4_000_000 },
  // requirements.txt, pnpm-lock.yaml, yarn.lock, poetry.lock, uv.lock, pyproject.toml, manifests: read line by line.
  'manifest-text': { maxLineBytes: MiB },
  // One audit.k8s.io/v1 event per line, streamed (gzip accepted).
  'k8s-audit': { maxLineBytes: 4 * MiB, maxDepth: 64, maxNodes: 200_000 },
  // Records of a CloudTrail file, streamed one record at a time (gzip accepted).
  cloudtrail: { maxLineBytes: MiB, maxDepth: 64, maxNodes: 100_000 },
  // OTLP/JSON spans: a whole document, or JSON Lines streamed line by line.
  'otel-spans': { maxBytes: 64 * MiB, maxLineBytes: 64 * MiB, maxDepth: 64, maxNodes: 4_000_000 },
  // Exceptions documents (JSON or YAML).
  exceptions: { maxBytes: 16 * MiB, maxDepth: 64, maxNodes: 200_000, maxAliasCount: 100 },
  // Findings from other producers (`gap --findings`).
  findings: { maxBytes: 64 * MiB, maxDepth: 64, maxNodes: 4_000_000 },
  // Enforcement policies, ledgers and response plans (a policy holds at most 3 × 65,536 rules).
  enforcement: { maxBytes: 64 * MiB, maxDepth: 16, maxNodes: 2_000_000 },
  // AI-BOM signature catalogues.
  catalogue: { maxBytes: 16 * MiB, maxDepth: 64, maxNodes: 1_000_000 },
  // A rule pack's package.json.
  'rule-pack': { maxBytes: MiB, maxDepth: 64, maxNodes: 100_000 },
  // Generalisation settings (`learn --generalisation`): a handful of numbers and per-prefix rules.
  generalisation: { maxBytes: MiB, maxDepth: 8, maxNodes: 100_000 },
  // Rule-overrides documents (`check --overrides`): a list of rule id → severity entries.
  'rule-overrides': { maxBytes: 4 * MiB, maxDepth: 8, maxNodes: 200_000, maxAliasCount: 100 },
};

/**
 * The limits for an input kind with caller overrides applied (an override of
 * `undefined` keeps the default).
 *
 * @example
 * ```ts
 * import { inputLimits } from '@vigil/core';
 *
 * const limits = inputLimits('declared', { maxBytes: 8 << 20 });
 * ```
 */
export function inputLimits(kind: InputKind, overrides: InputLimits = {}): Required<InputLimits> {
  const base = INPUT_LIMITS[kind];
  const pick = (k: keyof InputLimits): number => overrides[k] ?? base[k] ?? Number.POSITIVE_INFINITY;
  return {
    maxBytes: pick('maxBytes'),
    maxDepth: pick('maxDepth'),
    maxNodes: pick('maxNodes'),
    maxLineBytes: pick('maxLineBytes'),
    maxDocuments: pick('maxDocuments'),
    maxAliasCount: pick('maxAliasCount'),
  };
}
