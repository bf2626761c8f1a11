import type { WorkloadRef } from '@vigil/core';
import type { DecodeContext } from '../decode/decoder.js';

/** What a live decode context resolves workloads with (a {@link CgroupResolver}). */
interface WorkloadSource {
  workloadFor(cgroupId: string): WorkloadRef;
}

/** A {@link DecodeContext} whose wall-clock offset its owner updates in place. */
export interface LiveDecodeContext extends DecodeContext {
  wallOffsetNs: number;
}

/**
 * The decode context of a live sensor. The sensor and the decoder's warm-up both
 * build theirs here: V8 keys what it learns about a call (here `workloadFor`)
 * to the place the function was created, so the compiled decoder the warm-up
 * leaves behind fits every sensor's context, and stays valid after the warm-up's
 * own context is collected.
 */
export function liveDecodeContext(resolver: WorkloadSource, wallOffsetNs: number): LiveDecodeContext {
  return { workloadFor: (id) => resolver.workloadFor(id), wallOffsetNs, readExe: undefined };
}

/**
 * A batch as the decoder is given it, live or in the warm-up: a Buffer made in
 * JavaScript over the same memory. The addon's Buffers are built in C++ with
 * another hidden class, and code V8 compiled for one would be discarded at the
 * first batch of the other.
 */
export function asDecoderInput(batch: Buffer): Buffer {
  return Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength);
}
