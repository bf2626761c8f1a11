import { VigilError } from '../errors/vigil-error.js';

/**
 * Counts the structure of JSON bytes as they stream in — nesting depth and
 * values (containers, commas and colons, so keys count too) — and throws
 * before a parser would build an over-deep or over-large tree. It checks
 * limits only: syntax is left to `JSON.parse`, which runs after it. The
 * structural characters are ASCII, which never occurs inside a UTF-8
 * multi-byte sequence, so bytes can be scanned without decoding.
 */
export class JsonGuard {
  readonly #file: string;
  readonly #maxDepth: number;
  readonly #maxNodes: number;
  readonly #what: string;
  #depth = 0;
  #nodes = 0;
  #inString = false;
  #escape = false;
  #line = 1;
  #offset = 0;

  constructor(file: string, limits: { maxDepth: number; maxNodes: number }, what = 'JSON', firstLine = 1) {
    this.#file = file;
    this.#line = firstLine;
    this.#maxDepth = limits.maxDepth;
    this.#maxNodes = limits.maxNodes;
    this.#what = what;
  }

  /** Values counted so far. */
  get nodes(): number {
    return this.#nodes;
  }

  /** Scans the next chunk; throws a `VigilError` (`INPUT_INVALID`) naming the file, line and byte offset. */
  feed(chunk: Uint8Array): void {
    let depth = this.#depth;
    let nodes = this.#nodes;
    let inString = this.#inString;
    let escaped = this.#escape;
    let line = this.#line;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      if (c === 10) {
        line++;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      switch (c) {
        case 34: // "
          inString = true;
          nodes++;
          break;
        case 123: // {
        case 91: // [
          nodes++;
          if (++depth > this.#maxDepth) {
            this.#line = line;
            throw this.#error(`nests deeper than ${this.#maxDepth} levels`, this.#offset + i);
          }
          break;
        case 125: // }
        case 93: // ]
          if (depth > 0) depth--;
          break;
        case 44: // ,
        case 58: // :
          nodes++;
          break;
        default:
          continue;
      }
      if (nodes > this.#maxNodes) {
        this.#line = line;
        throw this.#error(`holds more than ${this.#maxNodes} values`, this.#offset + i);
      }
    }
    this.#depth = depth;
    this.#nodes = nodes;
    this.#inString = inString;
    this.#escape = escaped;
    this.#line = line;
    this.#offset += n;
  }

  #error(what: string, offset: number): VigilError {
    return new VigilError('INPUT_INVALID', `${this.#what} ${what} (the limit for this input)`, {
      location: { file: this.#file, line: this.#line, offset },
    });
  }
}

/** Checks a whole JSON text or buffer at once (see {@link JsonGuard}). */
export function guardJson(
  input: Uint8Array | string,
  file: string,
  limits: { maxDepth: number; maxNodes: number },
  what = 'JSON',
  firstLine = 1,
): void {
  new JsonGuard(file, limits, what, firstLine).feed(
    typeof input === 'string' ? Buffer.from(input, 'utf8') : input,
  );
}
