import { z } from 'zod';
import { VigilError } from '../../errors/vigil-error.js';
import type { EventOf } from '../../events/schema.js';
import { isoToNs } from '../../readers/stream-text.js';
import { lazySchema } from '../../schemas/lazy.js';

/** The fields of a CloudTrail record that Vigil reads. */
export const CloudTrailRecordSchema = lazySchema(() =>
  z.object({
    eventVersion: z.string().optional(),
    eventTime: z.string(),
    eventSource: z.string().min(1),
    eventName: z.string().min(1),
    awsRegion: z.string().optional(),
    userIdentity: z
      .object({
        type: z.string().optional(),
        arn: z.string().optional(),
        principalId: z.string().optional(),
        accountId: z.string().optional(),
        invokedBy: z.string().optional(),
        sessionContext: z
          .object({ sessionIssuer: z.object({ arn: z.string().optional() }).passthrough().optional() })
          .passthrough()
          .optional(),
      })
      .passthrough(),
    resources: z
      .array(z.object({ ARN: z.string().optional(), type: z.string().optional() }).passthrough())
      .optional(),
    requestParameters: z.unknown().optional(),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
  }),
);
/** @see {@link CloudTrailRecordSchema} */
export interface CloudTrailRecord {
  eventVersion?: string | undefined;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion?: string | undefined;
  userIdentity: {
    [key: string]: unknown;
    type?: string | undefined;
    arn?: string | undefined;
    principalId?: string | undefined;
    accountId?: string | undefined;
    invokedBy?: string | undefined;
    sessionContext?:
      | {
          [key: string]: unknown;
          sessionIssuer?:
            | {
                [key: string]: unknown;
                arn?: string | undefined;
              }
            | undefined;
        }
      | undefined;
  };
  resources?:
    | {
        [key: string]: unknown;
        ARN?: string | undefined;
        type?: string | undefined;
      }[]
    | undefined;
  requestParameters?: unknown;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
}

/**
 * Converts a CloudTrail record into a `cloud.api` event. The principal is the
 * caller's ARN (assumed-role sessions keep their ARN; Vigil maps them to the
 * role when comparing with policies). S3 calls without `resources` get the
 * bucket/object ARN from `requestParameters`.
 *
 * @example
 * ```ts
 * import { cloudTrailToVigil, CloudTrailRecordSchema } from '@vigil/core';
 *
 * const ev = cloudTrailToVigil(CloudTrailRecordSchema.parse(record));
 * console.log(ev.service, ev.action, ev.principal);
 * ```
 */
export function cloudTrailToVigil(r: CloudTrailRecord): EventOf<'cloud.api'> {
  const principal =
    r.userIdentity.arn ??
    r.userIdentity.sessionContext?.sessionIssuer?.arn ??
    r.userIdentity.invokedBy ??
    r.userIdentity.principalId ??
    'unknown';
  let resources = (r.resources ?? []).map((x) => x.ARN).filter((x): x is string => typeof x === 'string');
  if (resources.length === 0 && r.eventSource === 's3.amazonaws.com') {
    const p = (r.requestParameters ?? {}) as { bucketName?: unknown; key?: unknown };
    if (typeof p.bucketName === 'string')
      resources = [
        typeof p.key === 'string' ? `arn:aws:s3:::${p.bucketName}/${p.key}` : `arn:aws:s3:::${p.bucketName}`,
      ];
  }
  return {
    kind: 'cloud.api',
    ts: isoToNs(r.eventTime) ?? 0,
    workload: { id: `aws:${principal}`, kind: 'external', name: principal, labels: {} },
    pid: 0,
    ppid: 0,
    comm: 'cloudtrail',
    exe: '',
    source: 'cloudtrail',
    provider: 'aws',
    service: r.eventSource,
    action: r.eventName,
    resources,
    principal,
    ...(r.awsRegion ? { region: r.awsRegion } : {}),
    ...(r.errorCode ? { errorCode: r.errorCode } : {}),
  };
}

/** One record the {@link CloudTrailScanner} found, with the line it starts on. */
export interface RawRecord {
  text: string;
  line: number;
  /** The record was larger than the limit; its text was not kept. */
  oversize?: true;
}

/**
 * Finds the records of CloudTrail JSON in a character stream without holding
 * the whole file: the elements of a top-level `"Records": [...]` array, the
 * elements of a top-level array, or top-level objects one after another
 * (JSON lines). Only one record is buffered at a time.
 *
 * @example
 * ```ts
 * const scanner = new CloudTrailScanner('trail.json', 1 << 20);
 * for (const chunk of chunks) for (const r of scanner.feed(chunk)) console.log(r.line, JSON.parse(r.text).eventName);
 * scanner.end();
 * ```
 */
export class CloudTrailScanner {
  readonly #file: string;
  readonly #maxRecordBytes: number;
  #depth = 0;
  #inString = false;
  #escape = false;
  #line = 1;
  #keyParts: string | undefined;
  #keyStart = 0;
  #lastKey: string | undefined;
  #recordsDepth = -1;
  #cap: { parts: string[]; len: number; line: number; kind: 'top' | 'elem'; over?: true } | undefined;
  #sawValue = false;
  #segStart = 0;

  constructor(file: string, maxRecordBytes: number) {
    this.#file = file;
    this.#maxRecordBytes = maxRecordBytes;
  }

  #fail(message: string): never {
    throw new VigilError('PARSE', message, { location: { file: this.#file, line: this.#line } });
  }

  /** Feeds a chunk of text; returns the records completed in it. */
  feed(text: string): RawRecord[] {
    const out: RawRecord[] = [];
    this.#segStart = 0;
    // Jump from one interesting character to the next: inside strings only quotes, backslashes and
    // newlines matter; outside, only structure and newlines. Everything else is skipped unread.
    const inStr = /["\\\n]/g;
    const outStr = /["{}[\]\n]|[^\s,:0-9.eE+\-a-z]/g;
    let i = 0;
    if (this.#escape && text.length > 0) {
      // The previous chunk ended on a backslash inside a string: this character is escaped.
      if (text.charCodeAt(0) === 10) this.#line++;
      this.#escape = false;
      i = 1;
    }
    while (i < text.length) {
      const re = this.#inString ? inStr : outStr;
      re.lastIndex = i;
      const m = re.exec(text);
      if (!m) break;
      const at = m.index;
      if (!this.#inString && this.#depth === 0 && /[^\s,]/.test(text.slice(i, at)))
        this.#fail(`expected a JSON object or array, found "${text.slice(i, at).trim()[0]}"`);
      if (!this.#inString && this.#atRecordLevel() && /[^\s,]/.test(text.slice(i, at)))
        this.#fail(
          `expected a CloudTrail record (a JSON object) in the array, found "${text.slice(i, at).trim()[0]}"`,
        );
      i = at + 1;
      const c = text.charCodeAt(at);
      if (c === 10) {
        this.#line++;
        continue;
      }
      if (this.#inString) {
        if (c === 92) {
          // Skip the escaped character (it may be a quote).
          if (at + 1 < text.length) {
            if (text.charCodeAt(at + 1) === 10) this.#line++;
            i = at + 2;
          } else this.#escape = true;
          continue;
        }
        // A quote ends the string.
        this.#inString = false;
        if (this.#keyParts !== undefined) {
          this.#lastKey = this.#keyParts + text.slice(this.#keyStart, at);
          this.#keyParts = undefined;
        }
        continue;
      }
      switch (c) {
        case 34: // "
          if (this.#depth === 0) this.#fail('expected a JSON object or array, found a string');
          if (this.#atRecordLevel())
            this.#fail('expected a CloudTrail record (a JSON object) in the array, found a string');
          this.#inString = true;
          if (this.#depth === 1 && this.#recordsDepth < 0) {
            this.#keyParts = '';
            this.#keyStart = at + 1;
          }
          break;
        case 123: // {
        case 91: // [
          if (c === 91 && this.#atRecordLevel())
            this.#fail('expected a CloudTrail record (a JSON object) in the array, found an array');
          if (this.#depth === 0) {
            this.#sawValue = true;
            if (c === 123) {
              this.#cap = { parts: [], len: 0, line: this.#line, kind: 'top' };
              this.#segStart = at;
            } else this.#recordsDepth = 1;
          } else if (
            this.#depth === 1 &&
            c === 91 &&
            this.#lastKey === 'Records' &&
            this.#cap?.kind === 'top' &&
            this.#recordsDepth < 0
          ) {
            this.#recordsDepth = 2;
            this.#cap = undefined;
          } else if (this.#depth === this.#recordsDepth && c === 123 && this.#cap === undefined) {
            this.#cap = { parts: [], len: 0, line: this.#line, kind: 'elem' };
            this.#segStart = at;
          }
          this.#depth++;
          break;
        case 125: // }
        case 93: {
          // ]
          this.#depth--;
          if (this.#depth < 0) this.#fail(`unexpected "${String.fromCharCode(c)}"`);
          const cap = this.#cap;
          if (
            cap &&
            c === 125 &&
            ((cap.kind === 'elem' && this.#depth === this.#recordsDepth) ||
              (cap.kind === 'top' && this.#depth === 0))
          ) {
            if (cap.over) out.push({ text: '', line: cap.line, oversize: true });
            else {
              cap.parts.push(text.slice(this.#segStart, at + 1));
              out.push({ text: cap.parts.join(''), line: cap.line });
            }
            this.#cap = undefined;
          }
          if (c === 93 && this.#depth === this.#recordsDepth - 1) this.#recordsDepth = -1;
          break;
        }
        default:
          if (this.#depth === 0)
            this.#fail(`expected a JSON object or array, found "${String.fromCharCode(c)}"`);
          if (this.#atRecordLevel())
            this.#fail(
              `expected a CloudTrail record (a JSON object) in the array, found "${String.fromCharCode(c)}"`,
            );
      }
      if (this.#cap && !this.#cap.over && this.#cap.len + (at - this.#segStart) > this.#maxRecordBytes) {
        // Keep scanning to the record's end so that a reader skipping invalid records can go on.
        this.#cap.over = true;
        this.#cap.parts = [];
      }
    }
    if (!this.#inString && this.#depth === 0 && /[^\s,]/.test(text.slice(i)))
      this.#fail(`expected a JSON object or array, found "${text.slice(i).trim()[0]}"`);
    if (!this.#inString && this.#atRecordLevel() && /[^\s,]/.test(text.slice(i)))
      this.#fail(
        `expected a CloudTrail record (a JSON object) in the array, found "${text.slice(i).trim()[0]}"`,
      );
    if (this.#cap && !this.#cap.over) {
      const seg = text.slice(this.#segStart);
      this.#cap.parts.push(seg);
      this.#cap.len += seg.length;
      if (this.#cap.len > this.#maxRecordBytes) {
        this.#cap.over = true;
        this.#cap.parts = [];
      }
    }
    if (this.#keyParts !== undefined) {
      this.#keyParts += text.slice(this.#keyStart);
      this.#keyStart = 0;
      if (this.#keyParts.length > 1024) this.#keyParts = this.#keyParts.slice(0, 1024);
    }
    return out;
  }

  // Inside a records array (top-level or `Records`) and between its elements.
  #atRecordLevel(): boolean {
    return this.#recordsDepth > 0 && this.#depth === this.#recordsDepth && this.#cap === undefined;
  }

  /** Call at the end of input: throws when the input ended inside a value, or held no JSON value at all. */
  end(): void {
    if (this.#depth !== 0 || this.#inString) this.#fail('input ends inside a JSON value (truncated file?)');
    if (!this.#sawValue)
      this.#fail(
        'no CloudTrail records: expected {"Records": [...]}, an array of records or one record per line',
      );
  }
}
