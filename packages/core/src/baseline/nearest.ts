import type { WorkloadRef } from '../workload/workload-ref.js';
import type { Baseline } from './baseline.js';
import { type BaselineKeyFn, defaultBaselineKey } from './subject.js';

/** A baseline that may be the one a workload without its own should be checked against. */
export interface NearestBaseline {
  readonly baseline: Baseline;
  /** 0–1: how alike the two are (see {@link nearestBaselines}). */
  readonly score: number;
  /** Why they look alike, for people: `same program node`, `names 67 % alike (lab, agents)`. */
  readonly reasons: readonly string[];
}

// `vigil record`'s derived names: PROGRAM-HASH8 (see commandWorkloadName).
const DERIVED = /^(.+)-([0-9a-f]{8})$/;
const PREFIXES = [/^cgroup:\/vigil-/, /^cgroup:\//, /^systemd:.*\//, /^k8s:/, /^container:/];

/** The part of a subject a person chose: `cgroup:/vigil-lab-openai-agents` → `lab-openai-agents`. */
function nameOf(subject: string): string {
  for (const p of PREFIXES) if (p.test(subject)) return subject.replace(p, '');
  return subject;
}

function programOf(name: string): string | undefined {
  return DERIVED.exec(name)?.[1];
}

/** Words of a name without run-specific parts (hashes, numbers). */
function words(name: string): Set<string> {
  return new Set(
    name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 1 && !/^\d+$/.test(w) && !/^[0-9a-f]{8,}$/.test(w)),
  );
}

/**
 * The baselines most like a workload that has none of its own, best first,
 * each with the reasons: the same program (`vigil record` names a workload
 * `PROGRAM-HASH` after its command; 0.5), the share of name words the two
 * have in common (Jaccard over the words of the names, hashes and numbers
 * left out; up to 0.4), and the same version key (0.1). Baselines with
 * nothing in common are left out; at most `limit` (default 3) are returned.
 *
 * @example
 * ```ts
 * import { nearestBaselines } from '@vigil/core';
 *
 * for (const n of nearestBaselines(event.workload, set.baselines()))
 *   console.log(`${n.baseline.subject}: ${n.reasons.join('; ')}`);
 * ```
 */
export function nearestBaselines(
  workload: WorkloadRef,
  baselines: Iterable<Baseline>,
  options: { readonly key?: BaselineKeyFn; readonly limit?: number } = {},
): NearestBaseline[] {
  const k = (options.key ?? defaultBaselineKey)(workload);
  const mine = nameOf(k.subject);
  const myProgram = programOf(mine);
  const myWords = words(myProgram ?? mine);
  const out: NearestBaseline[] = [];
  for (const b of baselines) {
    if (b.subject === k.subject && b.versionKey === k.versionKey) continue;
    const theirs = nameOf(b.subject);
    const theirProgram = programOf(theirs);
    const reasons: string[] = [];
    let score = 0;
    if (b.subject === k.subject) {
      score += 0.6;
      reasons.push(`same workload, other version (${b.versionKey})`);
    } else if (myProgram !== undefined && myProgram === theirProgram) {
      score += 0.5;
      reasons.push(`same program ${myProgram} (its command line differs)`);
    }
    const theirWords = words(theirProgram ?? theirs);
    const common = [...myWords].filter((w) => theirWords.has(w));
    const union = new Set([...myWords, ...theirWords]).size;
    if (common.length > 0 && union > 0 && b.subject !== k.subject) {
      const j = common.length / union;
      score += 0.4 * j;
      if (!(myProgram !== undefined && myProgram === theirProgram && j === 1))
        reasons.push(`names ${Math.round(j * 100)} % alike (${common.join(', ')})`);
    }
    if (score === 0) continue;
    if (b.versionKey === k.versionKey) score += 0.1;
    out.push({ baseline: b, score: Math.min(1, score), reasons });
  }
  return out
    .sort((a, b) => b.score - a.score || (a.baseline.subject < b.baseline.subject ? -1 : 1))
    .slice(0, options.limit ?? 3);
}
