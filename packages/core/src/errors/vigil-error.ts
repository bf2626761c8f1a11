/**
 * Every error code Vigil raises. Codes are stable: match on them, never on
 * messages.
 */
export type VigilErrorCode =
  | 'USAGE'
  | 'INPUT_INVALID'
  | 'SCHEMA_INVALID'
  | 'IO'
  | 'CAPTURE_FORMAT'
  | 'CAPTURE_TRUNCATED'
  | 'CAPTURE_CORRUPT'
  | 'CAPTURE_VERSION'
  | 'SOURCE_CLOSED'
  | 'ABORTED'
  | 'UNSUPPORTED_PLATFORM'
  | 'PRIVILEGE_REQUIRED'
  | 'KERNEL_FEATURE_MISSING'
  | 'NATIVE_ADDON_MISSING'
  | 'BPF_LOAD_FAILED'
  | 'BPF_ATTACH_FAILED'
  | 'CGROUP'
  | 'STORE'
  | 'RULE'
  | 'RULE_PACK_INVALID'
  | 'PARSE'
  | 'INTERNAL';

/** One problem found while validating a document, with the path to it. */
export interface ValidationIssue {
  /** Path inside the document, e.g. `['spec', 'containers', 0, 'image']`. */
  readonly path: readonly (string | number)[];
  /** What was expected or what is wrong. */
  readonly message: string;
}

/** Where in an input an error was found. Every field is optional. */
export interface ErrorLocation {
  /** The file (or stream name) being read. */
  readonly file?: string;
  /** Byte offset into the file. */
  readonly offset?: number;
  /** 1-based line number, for text formats. */
  readonly line?: number;
  /** 1-based column number, for text formats. */
  readonly column?: number;
  /** Path inside a structured document (JSON pointer-like). */
  readonly path?: readonly (string | number)[];
}

/** Options accepted by {@link VigilError}'s constructor. */
export interface VigilErrorOptions {
  readonly cause?: unknown;
  readonly location?: ErrorLocation;
  readonly issues?: readonly ValidationIssue[];
}

/**
 * The one base class for every error Vigil throws or emits.
 *
 * @example
 * ```ts
 * import { VigilError } from '@vigil/core';
 *
 * try {
 *   throw new VigilError('CAPTURE_TRUNCATED', 'record cut short', { location: { file: 'x.vcap', offset: 4096 } });
 * } catch (err) {
 *   if (err instanceof VigilError && err.code === 'CAPTURE_TRUNCATED') console.error(err.message);
 * }
 * ```
 */
/**
 * The brand every {@link VigilError} carries, registered globally with
 * `Symbol.for`, so that an error made by one copy of core (the CommonJS build,
 * or another installed version) is recognised by every other copy.
 */
const BRAND: unique symbol = Symbol.for('@vigil/core.VigilError') as never;

export class VigilError extends Error {
  /** The stable, machine-readable error code. */
  readonly code: VigilErrorCode;
  /** Where in the input the problem is, when it comes from reading input. */
  readonly location: ErrorLocation | undefined;
  /** Validation issues with their paths, when the error is a validation failure. */
  readonly issues: readonly ValidationIssue[];

  constructor(code: VigilErrorCode, message: string, options: VigilErrorOptions = {}) {
    super(
      formatMessage(message, options.location),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'VigilError';
    this.code = code;
    this.location = options.location;
    this.issues = options.issues ?? [];
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * `err instanceof VigilError` holds for an error made by any copy of core:
   * the ESM and CommonJS builds loaded side by side, or two installed versions.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // A subclass keeps the ordinary prototype check: `this` is the class on the right of instanceof.
    // biome-ignore lint/complexity/noThisInStatic: `this` differs from VigilError when a subclass is asked
    if (this !== VigilError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}

function formatMessage(message: string, location: ErrorLocation | undefined): string {
  if (!location) return message;
  const parts: string[] = [];
  if (location.file !== undefined) parts.push(location.file);
  if (location.line !== undefined)
    parts.push(`line ${location.line}${location.column !== undefined ? `:${location.column}` : ''}`);
  if (location.offset !== undefined) parts.push(`byte offset ${location.offset}`);
  if (location.path !== undefined && location.path.length > 0) parts.push(`at ${formatPath(location.path)}`);
  return parts.length > 0 ? `${parts.join(', ')}: ${message}` : message;
}

/**
 * Formats a document path the way error messages show it: `spec.containers[0].image`.
 *
 * @example
 * ```ts
 * formatPath(['spec', 'containers', 0, 'image']); // 'spec.containers[0].image'
 * ```
 */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out.length === 0 ? seg : `.${seg}`;
  }
  return out.length === 0 ? '(root)' : out;
}

/**
 * True when `err` is a {@link VigilError}, optionally with the given code.
 *
 * @example
 * ```ts
 * if (isVigilError(err, 'PRIVILEGE_REQUIRED')) console.error('run as root');
 * ```
 */
export function isVigilError(err: unknown, code?: VigilErrorCode): err is VigilError {
  return err instanceof VigilError && (code === undefined || err.code === code);
}
