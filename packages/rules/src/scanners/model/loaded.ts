import { resolve } from 'node:path';
import { countOf, type ObservedUseDocument, SEVERITIES, type Severity, severityRank } from '@vigil/core';
import type { ArtifactDetection } from '../scanner.js';

/**
 * Whether a scanned model file was opened at run time, and by whom.
 *
 * @example
 * ```ts
 * const u: ModelFileUse = { path: '/srv/models/model.pt', opened: true, workloads: ['k8s:pod:ml/infer-0'], match: 'exact', reason: '…' };
 * ```
 */
export interface ModelFileUse {
  /** The scanned path, made absolute. */
  readonly path: string;
  readonly opened: boolean;
  /** Workload ids that read the file. */
  readonly workloads: readonly string[];
  /** `exact`: same absolute path; `suffix`: the same trailing path components under another root (a container mount); `none`. */
  readonly match: 'exact' | 'suffix' | 'none';
  /** The observed path that matched. */
  readonly observedPath?: string;
  /** Nanoseconds since the epoch of the first read. */
  readonly firstTs?: number;
  /** False when there was no runtime data at all (nothing can be concluded). */
  readonly runtimeData: boolean;
  readonly reason: string;
}

/**
 * Marks each scanned model file as opened or not, from the file reads of an
 * observed-use document (core's `ObservedUseAccumulator`, the same record
 * the package reachability of `rankRisk` reads). A path matches exactly, or
 * by its last `suffixComponents` components when the workload saw the file
 * under another root (a container's mount of the scanned directory).
 *
 * @example
 * ```ts
 * import { ObservedUseAccumulator } from '@vigil/core';
 * const acc = new ObservedUseAccumulator();
 * for (const ev of events) acc.add(ev);
 * for (const u of modelFilesOpened(['models/model.pt'], acc.result())) console.log(u.path, u.opened, u.workloads);
 * ```
 */
export function modelFilesOpened(
  paths: readonly string[],
  observed: ObservedUseDocument | undefined,
  options: { cwd?: string; suffixComponents?: number } = {},
): ModelFileUse[] {
  const cwd = options.cwd ?? process.cwd();
  const k = options.suffixComponents ?? 2;
  const reads = new Map<string, { who: Set<string>; first: number }>();
  for (const u of observed?.uses ?? []) {
    if (u.target.domain !== 'file' || u.action !== 'read' || u.count === 0) continue;
    const r = reads.get(u.target.path) ?? { who: new Set<string>(), first: u.firstTs };
    r.who.add(u.subject.replace(/^workload:/, ''));
    r.first = Math.min(r.first, u.firstTs);
    reads.set(u.target.path, r);
  }
  const bySuffix = new Map<string, string[]>();
  for (const p of reads.keys()) {
    const parts = p.split('/').filter(Boolean);
    if (parts.length < k) continue;
    const key = parts.slice(-k).join('/');
    const list = bySuffix.get(key) ?? [];
    list.push(p);
    bySuffix.set(key, list);
  }
  const runtimeData = observed !== undefined && observed.events > 0;
  return paths.map((p): ModelFileUse => {
    const abs = resolve(cwd, p);
    const exact = reads.get(abs);
    const parts = abs.split('/').filter(Boolean);
    const suffixHits = parts.length >= k ? (bySuffix.get(parts.slice(-k).join('/')) ?? []) : [];
    const hit = exact ? abs : suffixHits[0];
    const r = hit !== undefined ? reads.get(hit) : undefined;
    if (r && hit !== undefined) {
      const who = [...r.who].sort();
      return {
        path: abs,
        opened: true,
        workloads: who,
        match: exact ? 'exact' : 'suffix',
        observedPath: hit,
        firstTs: r.first,
        runtimeData,
        reason: `opened at run time by ${who.slice(0, 3).join(', ')}${who.length > 3 ? ` and ${who.length - 3} more` : ''}${exact ? '' : ` (as ${hit})`}`,
      };
    }
    return {
      path: abs,
      opened: false,
      workloads: [],
      match: 'none',
      runtimeData,
      reason: runtimeData
        ? `never opened in ${observed!.events} observed events by ${countOf(observed!.workloads.length, 'workload')}`
        : 'no runtime data to tell whether it was loaded',
    };
  });
}

/**
 * Weighs a model-file detection by whether its file was loaded: a file a
 * workload opened is promoted one severity step (to at most `critical`), one
 * never opened while workloads were observed is demoted one step (to at
 * least `low`), each with the reason in `riskReasons`; without runtime data
 * the detection is unchanged but says so.
 *
 * @example
 * ```ts
 * const uses = new Map(modelFilesOpened(paths, observed).map((u) => [u.path, u]));
 * const weighed = detections.map((d) => weighByModelUse(d, uses.get(resolve(d.location.uri))));
 * ```
 */
export function weighByModelUse(
  d: ArtifactDetection,
  use: ModelFileUse | undefined,
  ruleSeverity: Severity = 'medium',
): ArtifactDetection {
  const sev = d.severity ?? ruleSeverity;
  const i = severityRank(sev);
  const reasons = [...(d.riskReasons ?? [])];
  if (use?.opened) {
    reasons.push(`model file ${use.reason}: promoted`);
    return { ...d, severity: SEVERITIES[Math.min(SEVERITIES.length - 1, i + 1)]!, riskReasons: reasons };
  }
  if (use?.runtimeData) {
    reasons.push(`model file ${use.reason}: demoted`);
    return { ...d, severity: i <= 1 ? sev : SEVERITIES[i - 1]!, riskReasons: reasons };
  }
  reasons.push('no runtime data to tell whether the model file was loaded');
  return { ...d, riskReasons: reasons };
}
