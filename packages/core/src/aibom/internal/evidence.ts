import type { ComponentEvidence, DiscoveryMethod } from '../document.js';

const MAX_DETAIL = 512;

/**
 * Whether a component's evidence takes one more sample, making room when it
 * must: the first `max` events, then the first of each new discovery method
 * (replacing a repeat), and the first in each further workload up to
 * `4 × max` (so per-workload findings have evidence).
 */
export function admitSample(
  evidence: ComponentEvidence[],
  method: DiscoveryMethod,
  workloadId: string,
  max: number,
): boolean {
  const newMethod = !evidence.some((e) => e.method === method);
  const newWorkload = !evidence.some((e) => e.workloadId === workloadId);
  if (evidence.length < max) return true;
  if (newMethod) {
    const idx = evidence.findLastIndex((e, i) => evidence.findIndex((x) => x.method === e.method) !== i);
    if (idx >= 0) {
      evidence.splice(idx, 1);
      return true;
    }
  }
  return newWorkload && evidence.length < max * 4;
}

/** An evidence detail cut to its bound. */
export function evidenceDetail(detail: string): string {
  return detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 3)}...` : detail;
}
