import { createReadStream } from 'node:fs';
import { VigilError } from '../errors/vigil-error.js';
import { INPUT_LIMITS } from '../limits/input-limits.js';

/** A line of a text file with its 1-based number (without the line break). */
export interface NumberedLine {
  readonly text: string;
  readonly line: number;
}

/** Default longest line accepted by the text parsers (1 MiB). */
export const DEFAULT_MAX_LINE_BYTES: number = INPUT_LIMITS['manifest-text'].maxLineBytes!;

/**
 * Reads a text file line by line in constant memory. A line longer than
 * `maxLineBytes` is an error naming the line, so hostile input cannot grow
 * memory without bound.
 */
export async function* readLines(
  path: string,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  signal?: AbortSignal,
): AsyncGenerator<NumberedLine> {
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  let carry: Buffer[] = [];
  let carryLen = 0;
  let line = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal?.aborted)
        throw new VigilError('ABORTED', 'read aborted', { location: { file: path, line } });
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl < 0) break;
        const piece = chunk.subarray(start, nl);
        line++;
        if (carryLen + piece.length > maxLineBytes) throw tooLong(path, line, maxLineBytes);
        const buf = carryLen > 0 ? Buffer.concat([...carry, piece]) : piece;
        carry = [];
        carryLen = 0;
        yield { text: stripCr(buf.toString('utf8')), line };
        start = nl + 1;
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        if (carryLen + rest.length > maxLineBytes) throw tooLong(path, line + 1, maxLineBytes);
        carry.push(Buffer.from(rest));
        carryLen += rest.length;
      }
    }
  } catch (cause) {
    if (cause instanceof VigilError) throw cause;
    throw new VigilError('IO', `cannot read: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  } finally {
    stream.destroy();
  }
  if (carryLen > 0) yield { text: stripCr(Buffer.concat(carry).toString('utf8')), line: line + 1 };
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

function tooLong(file: string, line: number, max: number): VigilError {
  return new VigilError('INPUT_INVALID', `line longer than ${max} bytes (is this really a text manifest?)`, {
    location: { file, line },
  });
}
