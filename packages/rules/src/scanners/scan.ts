import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  compareFindings,
  countOf,
  type Evidence,
  type Finding,
  FindingSchema,
  type ObservedUseDocument,
  riskScore,
  SEVERITIES,
  type Severity,
  VigilError,
} from '@vigil/core';
import type { RuleMeta } from '../api/rule.js';
import { complianceFor } from '../compliance/mappings.js';
import { stableId } from '../internal/hash.js';
import { SCAN_RESULT_SCHEMA_VERSION, type ScanResult } from './result.js';
import {
  type ArtifactDetection,
  type ArtifactRef,
  type ArtifactScanner,
  DEFAULT_SCAN_LIMITS,
  type ScanContext,
  type ScanLimits,
} from './scanner.js';

/** Progress of a scan, for a progress line. */
export interface ScanProgress {
  /** Files looked at so far. */
  readonly files: number;
  /** Files handed to a scanner so far. */
  readonly scanned: number;
  readonly findings: number;
  /** The file being scanned. */
  readonly current: string;
}

/** Options for {@link scanPaths}. */
export interface ScanOptions {
  readonly scanners: readonly ArtifactScanner[];
  readonly limits?: Partial<ScanLimits>;
  /** What was observed at run time: findings about tools never called or files never opened are demoted. */
  readonly observed?: ObservedUseDocument;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ScanProgress) => void;
  /** Most files looked at in all. Default 100 000. */
  readonly maxFiles?: number;
  /** The clock findings are stamped with (ns since the epoch). */
  readonly now?: () => number;
}

const HEAD_BYTES = 4096;
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

interface Walked {
  readonly path: string;
  readonly size: number;
}

async function* walk(
  inputs: readonly string[],
  maxFiles: number,
  maxDepth: number,
  counters: { notFollowed: number },
  signal: AbortSignal | undefined,
): AsyncGenerator<Walked> {
  const visitedDirs = new Set<string>();
  let files = 0;
  async function* visit(path: string, depth: number, named: boolean): AsyncGenerator<Walked> {
    if (signal?.aborted) throw new VigilError('ABORTED', 'scan aborted', { location: { file: path } });
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(path);
    } catch (cause) {
      if (named)
        throw new VigilError('IO', `cannot scan: ${(cause as Error).message}`, {
          cause,
          location: { file: path },
        });
      // A dangling symlink inside a folder: nothing to scan.
      counters.notFollowed++;
      return;
    }
    if (st.isDirectory()) {
      if (!named && SKIPPED_DIRS.has(basename(path))) {
        counters.notFollowed++;
        return;
      }
      const real = await realpath(path);
      if (visitedDirs.has(real) || depth > maxDepth) {
        counters.notFollowed++;
        return;
      }
      visitedDirs.add(real);
      let entries: string[];
      try {
        entries = (await readdir(path)).sort();
      } catch (cause) {
        if (named)
          throw new VigilError('IO', `cannot list: ${(cause as Error).message}`, {
            cause,
            location: { file: path },
          });
        counters.notFollowed++;
        return;
      }
      for (const e of entries) yield* visit(join(path, e), depth + 1, false);
      return;
    }
    if (!st.isFile()) return;
    if (files >= maxFiles) {
      counters.notFollowed++;
      return;
    }
    files++;
    // A symlink to a file is scanned under the name it was found by.
    if (!named && (await lstat(path)).isSymbolicLink()) {
      const real = await realpath(path).catch(() => path);
      if (visitedDirs.has(`file:${real}`)) return;
      visitedDirs.add(`file:${real}`);
    }
    yield { path, size: st.size };
  }
  for (const p of inputs) yield* visit(p, 0, true);
}

async function readHead(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
  } finally {
    await fh.close();
  }
}

interface RuntimeWeight {
  readonly factor: number;
  readonly add: number;
  readonly reason: string;
  readonly kind: 'confirmed' | 'demoted' | 'none';
}

function runtimeWeight(d: ArtifactDetection, observed: ObservedUseDocument | undefined): RuntimeWeight {
  if (!observed || observed.events === 0)
    return { factor: 1, add: 0, reason: 'no runtime data to confirm or refute use', kind: 'none' };
  const o = d.observable ?? { kind: 'file' as const, path: resolve(d.location.uri) };
  if (o.kind === 'verdict')
    return o.used
      ? { factor: 1.25, add: 5, reason: o.reason, kind: 'confirmed' }
      : { factor: 0.5, add: 0, reason: o.reason, kind: 'demoted' };
  if (o.kind === 'mcp-tool' || o.kind === 'mcp-server') {
    const calls = observed.uses.filter(
      (u) =>
        u.target.domain === 'mcp-tool' &&
        u.target.server === o.server &&
        (o.kind === 'mcp-server' || u.target.tool === o.tool),
    );
    const what = o.kind === 'mcp-tool' ? `tool ${o.server}/${o.tool}` : `server ${o.server}`;
    if (calls.length > 0) {
      const n = calls.reduce((s, u) => s + u.count, 0);
      const who = [...new Set(calls.map((u) => u.subject.replace(/^workload:/, '')))].slice(0, 3).join(', ');
      return {
        factor: 1.25,
        add: 5,
        reason: `${what} was called ${countOf(n, 'time')} at run time by ${who}`,
        kind: 'confirmed',
      };
    }
    const listed = Object.hasOwn(observed.toolLists, o.server) ? ' (its server was seen listing tools)' : '';
    return {
      factor: 0.5,
      add: 0,
      reason: `${what} was never called in ${observed.events} observed events${listed}`,
      kind: 'demoted',
    };
  }
  const path = o.path;
  const opens = observed.uses.filter((u) => u.target.domain === 'file' && u.target.path === path);
  if (opens.length > 0) {
    const who = [...new Set(opens.map((u) => u.subject.replace(/^workload:/, '')))].slice(0, 3).join(', ');
    return { factor: 1.25, add: 5, reason: `${path} was opened at run time by ${who}`, kind: 'confirmed' };
  }
  return {
    factor: 0.5,
    add: 0,
    reason: `${path} was never opened in ${observed.events} observed events`,
    kind: 'demoted',
  };
}

function locationEvidence(d: ArtifactDetection): Evidence {
  const l = d.location;
  return {
    type: 'artifact',
    description: d.summary,
    uri: l.uri,
    ...(l.line !== undefined && l.line > 0 ? { line: l.line } : {}),
    ...(l.byteOffset !== undefined ? { offset: l.byteOffset } : {}),
    ...(l.jsonPointer !== undefined ? { jsonPointer: l.jsonPointer, path: l.jsonPointer } : {}),
    ...(l.entry !== undefined ? { entry: l.entry } : {}),
  };
}

/**
 * Turns one scanner detection into a core `Finding` (category
 * `supply-chain`): a stable id from rule, file and subject; the rule's title,
 * tags and compliance references; a risk score from the severity scale core
 * ranks with, moved by runtime observation when given.
 *
 * @example
 * ```ts
 * const finding = detectionToFinding(detection, ruleMeta, { now: Date.now() * 1e6 });
 * ```
 */
export function detectionToFinding(
  d: ArtifactDetection,
  meta: RuleMeta,
  options: { readonly now: number; readonly observed?: ObservedUseDocument },
): { finding: Finding; weight: RuntimeWeight['kind'] } {
  const severity = d.severity ?? meta.severity;
  const base = riskScore(severity);
  const w = runtimeWeight(d, options.observed);
  const score = Math.max(0, Math.min(100, Math.round(base * w.factor + w.add)));
  const finding = FindingSchema.parse({
    id: stableId(meta.id, d.location.uri, d.subject),
    ruleId: meta.id,
    title: meta.title,
    severity,
    category: 'supply-chain',
    workload: { id: 'artifact', kind: 'host', name: d.location.uri },
    ts: options.now,
    summary: d.summary,
    evidence: [locationEvidence(d), ...(d.evidence ?? [])],
    tags: {
      owaspLlm: [...(meta.tags?.owaspLlm ?? [])],
      owaspAgentic: [...(meta.tags?.owaspAgentic ?? [])],
      atlas: [...(meta.tags?.atlas ?? [])],
      attack: [...(meta.tags?.attack ?? [])],
    },
    compliance: complianceFor(meta),
    risk: {
      score,
      reasons: [
        `${severity} severity: base ${base}`,
        w.kind === 'none' ? w.reason : `${w.reason} (${score >= base ? '+' : '−'}${Math.abs(score - base)})`,
        ...(d.riskReasons ?? []),
      ],
    },
  });
  return { finding, weight: w.kind };
}

/**
 * Scans files and folders with artifact scanners: walks them (bounded, no
 * symlink loops, `node_modules` and `.git` skipped unless named), reads each
 * file's first 4 KiB, hands the file to every scanner that accepts it (each
 * within its time budget), then lets each scanner finish (cross-file
 * detections). Detections become core findings (see
 * {@link detectionToFinding}); a file a scanner fails on is recorded in
 * `errors` and the scan goes on. A path given that does not exist is a
 * `VigilError`.
 *
 * @example
 * ```ts
 * import { builtinScanners, scanPaths } from '@vigil/rules';
 *
 * const result = await scanPaths(['~/.cursor/mcp.json', './skills'], { scanners: builtinScanners() });
 * for (const f of result.findings) console.log(f.severity, f.title, f.summary);
 * ```
 */
export async function scanPaths(paths: readonly string[], options: ScanOptions): Promise<ScanResult> {
  const limits: ScanLimits = { ...DEFAULT_SCAN_LIMITS, ...options.limits };
  const now = options.now ?? (() => Date.now() * 1e6);
  const metaOf = new Map<string, RuleMeta>();
  for (const s of options.scanners) for (const r of s.rules) metaOf.set(r.id, r);
  const stats = new Map(options.scanners.map((s) => [s.id, { artifacts: 0, findings: 0, errors: 0 }]));
  const findings = new Map<string, Finding>();
  const errors: ScanResult['errors'] = [];
  const counters = { notFollowed: 0 };
  let scanned = 0;
  let skipped = 0;
  let bytes = 0;
  let files = 0;
  let confirmed = 0;
  let demoted = 0;
  const before = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const after = { ...before };

  const contextFor = (scanner: ArtifactScanner, signal: AbortSignal | undefined): ScanContext => ({
    limits,
    ...(signal ? { signal } : {}),
    report(d) {
      const meta = metaOf.get(d.ruleId);
      const st = stats.get(scanner.id)!;
      if (!meta || !scanner.rules.includes(meta)) {
        st.errors++;
        errors.push({
          file: d.location.uri,
          scanner: scanner.id,
          code: 'RULE',
          message: `scanner ${scanner.id} reported ${d.ruleId}, which is not one of its rules`,
        });
        return;
      }
      const { finding, weight } = detectionToFinding(d, meta, {
        now: now(),
        ...(options.observed ? { observed: options.observed } : {}),
      });
      if (findings.has(finding.id)) return;
      findings.set(finding.id, finding);
      st.findings++;
      before[d.baseSeverity ?? finding.severity]++;
      after[finding.severity]++;
      if (weight === 'confirmed') confirmed++;
      else if (weight === 'demoted') demoted++;
    },
  });

  const withBudget = async (
    scanner: ArtifactScanner,
    file: string,
    run: (ctx: ScanContext) => Promise<void>,
  ) => {
    const timeout = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timeout.abort();
        reject(
          new VigilError('INPUT_INVALID', `${scanner.id} took longer than ${limits.timeoutMs} ms`, {
            location: { file },
          }),
        );
      }, limits.timeoutMs);
    });
    try {
      await Promise.race([run(contextFor(scanner, signal)), expired]);
    } catch (err) {
      if (options.signal?.aborted) throw new VigilError('ABORTED', 'scan aborted', { cause: err });
      stats.get(scanner.id)!.errors++;
      errors.push({
        file,
        scanner: scanner.id,
        code: err instanceof VigilError ? err.code : 'INTERNAL',
        message: (err as Error).message,
      });
    } finally {
      clearTimeout(timer);
    }
  };

  for await (const f of walk(paths, options.maxFiles ?? 100_000, limits.maxDepth, counters, options.signal)) {
    files++;
    let head: Uint8Array;
    try {
      head = await readHead(f.path);
    } catch (cause) {
      errors.push({ file: f.path, code: 'IO', message: `cannot read: ${(cause as Error).message}` });
      continue;
    }
    const artifact: ArtifactRef = { path: f.path, size: f.size, head };
    const takers = options.scanners.filter((s) => {
      try {
        return s.accepts(artifact);
      } catch {
        return false;
      }
    });
    if (takers.length === 0) {
      skipped++;
      continue;
    }
    scanned++;
    bytes += f.size;
    options.onProgress?.({ files, scanned, findings: findings.size, current: f.path });
    for (const s of takers) {
      stats.get(s.id)!.artifacts++;
      await withBudget(s, f.path, (ctx) => s.scan(artifact, ctx));
    }
  }
  for (const s of options.scanners)
    if (s.finish) await withBudget(s, paths.join(', '), (ctx) => s.finish!(ctx));

  const sorted = [...findings.values()].sort(compareFindings);
  const connections = options.scanners.flatMap((s) => s.connections?.() ?? []);
  return {
    schemaVersion: SCAN_RESULT_SCHEMA_VERSION,
    kind: 'ScanResult',
    inputs: [...paths],
    findings: sorted,
    artifacts: { scanned, skipped, bytes, notFollowed: counters.notFollowed },
    scanners: options.scanners.map((s) => ({ id: s.id, version: s.version, ...stats.get(s.id)! })),
    errors,
    ...(connections.length > 0 ? { connections } : {}),
    runtime: {
      observed: options.observed !== undefined,
      events: options.observed?.events ?? 0,
      confirmed,
      demoted,
      severityBefore: before,
      severityAfter: after,
    },
  };
}
