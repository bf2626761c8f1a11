import type { Evidence, Severity } from '@vigil/core';
import type { RuleMeta } from '../api/rule.js';
import type { ScanConnection } from './result.js';

/**
 * Where in an artifact a detection points: the file, and inside it a byte
 * offset, a JSON pointer or a line. SARIF physical locations come from here.
 *
 * @example
 * ```ts
 * const at: ArtifactLocation = { uri: 'models/model.pt', entry: 'archive/data.pkl', byteOffset: 412 };
 * ```
 */
export interface ArtifactLocation {
  /** The scanned file (as given to the scanner). */
  readonly uri: string;
  /** A member inside a container (a zip or tar entry, an HDF5 object path). */
  readonly entry?: string;
  /** Byte offset inside the file (or inside `entry` when set). */
  readonly byteOffset?: number;
  /** RFC 6901 JSON pointer inside a JSON document, e.g. `/mcpServers/fs/args/1`. */
  readonly jsonPointer?: string;
  /** 1-based line in a text artifact. */
  readonly line?: number;
}

/**
 * One thing a scanner found. The scan driver turns it into a core `Finding`
 * (category `supply-chain`) with the rule's tags, compliance references and
 * a risk score weighed by what was observed at run time.
 *
 * @example
 * ```ts
 * ctx.report({
 *   ruleId: 'vigil.scan.pickle-dangerous-import',
 *   subject: 'posix.system',
 *   summary: 'model.pkl imports posix.system and calls it through REDUCE',
 *   location: { uri: 'model.pkl', byteOffset: 37 },
 * });
 * ```
 */
export interface ArtifactDetection {
  /** Id of one of the scanner's {@link ArtifactScanner.rules}. */
  readonly ruleId: string;
  /** What the detection is about inside the artifact (a tool, an import, a layer); with rule and file it makes the finding's stable id. */
  readonly subject: string;
  /** One sentence for people. */
  readonly summary: string;
  readonly location: ArtifactLocation;
  /** Overrides the rule's severity. */
  readonly severity?: Severity;
  readonly evidence?: readonly Evidence[];
  /** Extra reasons for the risk score. */
  readonly riskReasons?: readonly string[];
  /**
   * What to look for in runtime observation to weigh the detection: an MCP
   * tool's calls, or the opens of a file (absolute path). Default: the opens
   * of the scanned file itself.
   */
  readonly observable?: ArtifactObservable;
  /**
   * The severity before the scanner weighed the detection by runtime
   * observation (a vulnerable package never loaded is demoted); the scan
   * counts findings by severity before and after.
   */
  readonly baseSeverity?: Severity;
}

/**
 * What a detection is about at run time: calls of an MCP tool, or opens of a file.
 *
 * @example
 * ```ts
 * const o: ArtifactObservable = { kind: 'mcp-tool', server: 'fs', tool: 'read_file' };
 * const v: ArtifactObservable = { kind: 'verdict', used: false, reason: 'vllm was never seen running' };
 * ```
 */
export type ArtifactObservable =
  | { readonly kind: 'mcp-tool'; readonly server: string; readonly tool: string }
  | { readonly kind: 'mcp-server'; readonly server: string }
  | { readonly kind: 'file'; readonly path: string }
  /** The scanner decided from the observation itself (a package loaded, a server seen running). */
  | { readonly kind: 'verdict'; readonly used: boolean; readonly reason: string };

/**
 * Bounds every scanner honours on hostile input; exceeding one is reported as
 * a detection or a `VigilError` with code `INPUT_INVALID`, never a hang or an OOM.
 *
 * @example
 * ```ts
 * const limits: ScanLimits = { maxBytes: 1 << 30, maxEntries: 10_000, maxExpandedBytes: 4 << 30, maxDepth: 64, timeoutMs: 30_000 };
 * ```
 */
export interface ScanLimits {
  /** Largest file read, in bytes. */
  readonly maxBytes: number;
  /** Most members of a container (zip, tar, npz, HDF5 group). */
  readonly maxEntries: number;
  /** Most bytes a container may expand to (zip-bomb guard). */
  readonly maxExpandedBytes: number;
  /** Deepest nesting (JSON, pickle stack, containers within containers). */
  readonly maxDepth: number;
  /** Wall-clock budget for one artifact. */
  readonly timeoutMs: number;
}

/**
 * The defaults of {@link ScanLimits}.
 *
 * @example
 * ```ts
 * const limits = { ...DEFAULT_SCAN_LIMITS, maxBytes: 64 << 20 };
 * ```
 */
export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxBytes: 8 * 1024 ** 3,
  maxEntries: 100_000,
  maxExpandedBytes: 16 * 1024 ** 3,
  maxDepth: 64,
  timeoutMs: 60_000,
};

/**
 * What a scanner gets besides the artifact: where to report, its limits, and
 * a signal that ends the scan early.
 *
 * @example
 * ```ts
 * const ctx: ScanContext = { report: (d) => found.push(d), limits: DEFAULT_SCAN_LIMITS };
 * ```
 */
export interface ScanContext {
  report(detection: ArtifactDetection): void;
  readonly limits: ScanLimits;
  readonly signal?: AbortSignal;
}

/**
 * A file handed to scanners: its path, size and first bytes (up to 4 KiB), so
 * each scanner decides cheaply whether it applies, by content rather than
 * extension alone.
 *
 * @example
 * ```ts
 * const a: ArtifactRef = { path: 'model.safetensors', size: 1024, head: new Uint8Array(8) };
 * ```
 */
export interface ArtifactRef {
  readonly path: string;
  readonly size: number;
  readonly head: Uint8Array;
}

/**
 * An artifact scanner: metadata for each detection it can report (the same
 * {@link RuleMeta} rules carry, so documentation, tags and compliance
 * mappings come from one place), a cheap `accepts` test and `scan`. A scanner
 * never executes, imports or deserialises what it scans.
 *
 * @example
 * ```ts
 * const scanner: ArtifactScanner = {
 *   id: 'acme.scan.readme', title: 'README checks', version: '1.0.0', rules: [],
 *   accepts: (a) => a.path.endsWith('README.md'),
 *   async scan() {},
 * };
 * ```
 */
export interface ArtifactScanner {
  /** Stable id, dotted: `vendor.scan.name`. */
  readonly id: string;
  readonly title: string;
  readonly version: string;
  /** Every detection `scan` may report, by `ruleId`. */
  readonly rules: readonly RuleMeta[];
  accepts(artifact: ArtifactRef): boolean;
  scan(artifact: ArtifactRef, ctx: ScanContext): Promise<void>;
  /**
   * Called once after every artifact was scanned, for detections that need
   * several artifacts together (definitions of all the servers an agent is
   * given, for example).
   */
  finish?(ctx: ScanContext): Promise<void>;
  /** The servers this scanner started during the last scan and what each answered (the scan result's `connections`). */
  connections?(): readonly ScanConnection[];
}
