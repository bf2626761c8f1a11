// Drop counters as a user reads them: lost events apart from payload input the decoder skipped.
import { describe, expect, it } from 'vitest';
import { describeCaptureDrops, summariseCaptureDrops, UNDECODED_PAYLOAD_PREFIX } from '../../src/index.js';

describe('capture drops', () => {
  it.each([
    ['nothing at all', {}, []],
    ['only counters at zero', { 'ringbuf-full': 0, 'consumer-refused': 0, 'payload-ringbuf-full': 0 }, []],
    [
      'payload input skipped, no event lost (a benign --payloads run of an agent printing JSON)',
      { 'ringbuf-full': 0, 'consumer-refused': 0, 'payload:not JSON-RPC': 1, 'payload:unrecognised': 1 },
      ['payload input not decoded (not JSON-RPC 1, unrecognised 1); no event was dropped'],
    ],
    [
      'program output on local pipes only (a benign --payloads run of an agent under tsx)',
      { 'ringbuf-full': 0, 'payload:local output': 2 },
      ['2 local streams carried program output, not a protocol: left undecoded, nothing lost'],
    ],
    [
      'events lost',
      { 'ringbuf-full': 3, 'consumer-refused': 0, 'queue-full': 1 },
      ['4 events dropped before recording (ringbuf-full 3, queue-full 1)'],
    ],
    [
      'one event lost and payload input skipped',
      { 'payload-ringbuf-full': 1, 'payload:http2': 2 },
      ['1 event dropped before recording (payload-ringbuf-full 1)', 'payload input not decoded (http2 2)'],
    ],
  ])('%s', (_, drops, lines) => {
    expect(describeCaptureDrops(drops)).toEqual(lines);
  });

  it('splits the counters by the prefix the payload source writes', () => {
    expect(
      summariseCaptureDrops({
        'ringbuf-full': 2,
        [`${UNDECODED_PAYLOAD_PREFIX}truncated`]: 5,
        'decode-error': 0,
      }),
    ).toEqual({
      lost: 2,
      lostBy: { 'ringbuf-full': 2 },
      undecoded: 5,
      undecodedBy: { truncated: 5 },
      localOutput: 0,
    });
  });
});
