import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { VigilError } from '../errors/vigil-error.js';

/** Opens a file as a stream of buffers, gunzipping it when it starts with the gzip magic bytes. */
export async function openMaybeGzip(path: string, signal?: AbortSignal): Promise<AsyncIterable<Buffer>> {
  let magic: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      magic = Buffer.alloc(2);
      await fh.read(magic, 0, 2, 0);
    } finally {
      await fh.close();
    }
  } catch (cause) {
    throw new VigilError('IO', `cannot open: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
  const raw = createReadStream(path, { highWaterMark: 256 * 1024, ...(signal ? { signal } : {}) });
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    const gunzip = createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    return raw.pipe(gunzip);
  }
  return raw;
}

/**
 * Why a record of a line-based log was skipped (`onInvalid: 'skip'`): not
 * JSON, JSON of the wrong shape, or over a size, depth or value limit.
 */
export type InvalidRecordReason = 'invalid-json' | 'invalid-shape' | 'over-limit';

/**
 * Splits a byte stream into lines with a bound on line length, so a hostile
 * file without newlines cannot exhaust memory. Yields `[line, lineNumber]`.
 * A line over the bound is an error, or, with `onTooLong`, is passed over
 * unread (the callback gets its number) and reading goes on.
 */
export async function* boundedLines(
  chunks: AsyncIterable<Buffer>,
  file: string,
  maxLineBytes: number,
  onTooLong?: (line: number) => void,
): AsyncGenerator<[string, number]> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNo = 0;
  let discarding = false;
  try {
    for await (const chunk of chunks) {
      let text = pending + decoder.write(chunk);
      let nl = text.indexOf('\n');
      if (discarding) {
        if (nl < 0) continue;
        discarding = false;
        lineNo++;
        onTooLong?.(lineNo);
        text = text.slice(nl + 1);
        nl = text.indexOf('\n');
      }
      while (nl >= 0) {
        lineNo++;
        if (nl > maxLineBytes) {
          if (!onTooLong) throw tooLong(file, lineNo, maxLineBytes);
          onTooLong(lineNo);
        } else yield [text.slice(0, nl).replace(/\r$/, ''), lineNo];
        text = text.slice(nl + 1);
        nl = text.indexOf('\n');
      }
      if (text.length > maxLineBytes) {
        if (!onTooLong) throw tooLong(file, lineNo + 1, maxLineBytes);
        discarding = true;
        text = '';
      }
      pending = text;
    }
  } catch (cause) {
    if (cause instanceof VigilError) throw cause;
    throw new VigilError('IO', `cannot read: ${(cause as Error).message}`, {
      cause,
      location: { file, line: lineNo + 1 },
    });
  }
  pending += decoder.end();
  if (discarding) {
    onTooLong?.(lineNo + 1);
    return;
  }
  if (pending.length > 0) {
    lineNo++;
    yield [pending.replace(/\r$/, ''), lineNo];
  }
}

/** Parses an ISO-8601 timestamp (with up to nanosecond digits) into ns since the epoch. */
export function isoToNs(iso: string): number | undefined {
  const m = /^(.*?T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/.exec(iso);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  return ms * 1e6 + Number(frac);
}

function tooLong(file: string, line: number, maxLineBytes: number): VigilError {
  return new VigilError(
    'INPUT_INVALID',
    `line longer than ${maxLineBytes} bytes (the limit for this input)`,
    {
      location: { file, line },
    },
  );
}
