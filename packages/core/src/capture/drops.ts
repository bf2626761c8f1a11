import { LOCAL_OUTPUT } from '../payload/undecoded.js';

/**
 * The prefix of the drop counters that count payload input the decoder skipped
 * (`payload:not JSON-RPC`, `payload:unrecognised`, …), as `PayloadSource` reports them.
 */
export const UNDECODED_PAYLOAD_PREFIX = 'payload:';

export { LOCAL_OUTPUT };

/**
 * A capture's drop counters split by what they mean: events lost before they were recorded, and
 * payload input the decoder skipped, which loses no syscall event.
 *
 * @example
 * ```ts
 * import { summariseCaptureDrops } from '@vigil/core';
 *
 * const d = summariseCaptureDrops({ 'ringbuf-full': 0, 'payload:not JSON-RPC': 1 });
 * d.lost; // 0
 * d.undecoded; // 1
 * ```
 */
export interface CaptureDropSummary {
  /** Events lost before they were recorded (ring buffer full, consumer refused, …). */
  readonly lost: number;
  /** Counters of lost events above zero, by reason. */
  readonly lostBy: Readonly<Record<string, number>>;
  /** Payload reads and writes the decoder skipped (not HTTP, not JSON-RPC, …). */
  readonly undecoded: number;
  /** Counters of skipped payload input above zero, by reason (without the `payload:` prefix). */
  readonly undecodedBy: Readonly<Record<string, number>>;
  /** Local streams that carried program output, no protocol ({@link LOCAL_OUTPUT}); not in `undecoded`. */
  readonly localOutput: number;
}

/**
 * Splits drop counters (a capture's trailer, `Sensor.stats().drops`) into lost events and skipped
 * payload input, leaving out counters at zero.
 *
 * @example
 * ```ts
 * import { CaptureReader, summariseCaptureDrops } from '@vigil/core';
 *
 * const reader = await CaptureReader.open('run.vcap');
 * for await (const _ of reader.events());
 * console.log(summariseCaptureDrops(reader.trailer?.drops ?? {}).lost);
 * ```
 */
export function summariseCaptureDrops(drops: Readonly<Record<string, number>>): CaptureDropSummary {
  const lostBy: Record<string, number> = {};
  const undecodedBy: Record<string, number> = {};
  let lost = 0;
  let undecoded = 0;
  let localOutput = 0;
  for (const [reason, n] of Object.entries(drops)) {
    if (!(n > 0)) continue;
    if (reason === `${UNDECODED_PAYLOAD_PREFIX}${LOCAL_OUTPUT}`) localOutput += n;
    else if (reason.startsWith(UNDECODED_PAYLOAD_PREFIX)) {
      undecodedBy[reason.slice(UNDECODED_PAYLOAD_PREFIX.length)] = n;
      undecoded += n;
    } else {
      lostBy[reason] = n;
      lost += n;
    }
  }
  return { lost, lostBy, undecoded, undecodedBy, localOutput };
}

const list = (by: Readonly<Record<string, number>>) =>
  Object.entries(by)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/**
 * Says what a capture's drop counters mean, one line per kind, for text reports: events dropped
 * before recording, payload input the decoder could not read as a protocol it knows, which costs no
 * syscall event, and (unless `localOutput: false`, as `vigil record` says it on every run of a
 * program that prints) local streams that carried a program's output rather than a protocol
 * ({@link LOCAL_OUTPUT}). Counters at zero are left out; no lines when nothing was dropped or skipped.
 *
 * @example
 * ```ts
 * import { describeCaptureDrops } from '@vigil/core';
 *
 * describeCaptureDrops({ 'ringbuf-full': 2, 'payload:unrecognised': 1 });
 * // ['2 events dropped before recording (ringbuf-full 2)', 'payload input not decoded (unrecognised 1)']
 * describeCaptureDrops({ 'payload:local output': 1 });
 * // ['1 local stream carried program output, not a protocol: left undecoded, nothing lost']
 * ```
 */
export function describeCaptureDrops(
  drops: Readonly<Record<string, number>>,
  options: { readonly localOutput?: boolean } = {},
): string[] {
  const d = summariseCaptureDrops(drops);
  const out: string[] = [];
  if (d.lost > 0)
    out.push(`${d.lost} event${d.lost === 1 ? '' : 's'} dropped before recording (${list(d.lostBy)})`);
  if (d.undecoded > 0)
    out.push(
      `payload input not decoded (${list(d.undecodedBy)})${d.lost === 0 ? '; no event was dropped' : ''}`,
    );
  if (d.localOutput > 0 && options.localOutput !== false)
    out.push(
      `${d.localOutput} local stream${d.localOutput === 1 ? '' : 's'} carried program output, not a protocol: left undecoded, nothing lost`,
    );
  return out;
}
