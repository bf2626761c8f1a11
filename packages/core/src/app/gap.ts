import type { CaptureIntegrity } from '../capture/integrity.js';
import { analyzeDataAccess, type DataAccessGap } from '../data-access/gap.js';
import { dataAccessPermissions, mergeDeclaredPermissions } from '../data-access/gap-domain.js';
import { type PgSchemaDeclaration, parsePgSchema } from '../data-access/pg-grants.js';
import { readPgGrantsLive } from '../data-access/pg-live.js';
import { type DeclaredDataStores, loadDataStores } from '../data-access/store-exposure.js';
import { fromZodError } from '../errors/from-zod.js';
import { VigilError } from '../errors/vigil-error.js';
import type { VigilEvent } from '../events/schema.js';
import { type Finding, FindingSchema } from '../findings/finding.js';
import { inputLimits } from '../limits/input-limits.js';
import type { DeclaredPermissions, DeclaredWarning } from '../permissions/declared.js';
import { analyzeGaps } from '../permissions/gap/analyze.js';
import { gapFindings } from '../permissions/gap/findings.js';
import type { GapReport, SkippedRecords } from '../permissions/gap/report.js';
import type { PermissionDomain } from '../permissions/grant.js';
import type { LeastPrivilege } from '../permissions/least-privilege/artifact.js';
import { generateLeastPrivilege } from '../permissions/least-privilege/generate.js';
import { loadDeclaredPermissions } from '../permissions/load-declared.js';
import { observedUseFromBaseline } from '../permissions/observed/from-baseline.js';
import { nameMcpServersAsDeclared } from '../permissions/observed/mcp-servers.js';
import {
  mergeObservedUse,
  ObservedUseAccumulator,
  type ObservedUseDocument,
} from '../permissions/observed/use.js';
import { safeParseDocument } from '../readers/document-value.js';
import { readBoundedFile } from '../readers/read-bounded.js';
import { readJsonFile } from '../readers/read-json.js';
import { type RiskRanking, rankRisk } from '../risk/rank.js';
import { CloudTrailSource } from '../source/cloudtrail-source.js';
import type { EventSource } from '../source/event-source.js';
import { KubernetesAuditSource } from '../source/k8s-audit-source.js';
import { OtelSpanSource } from '../source/otel-span-source.js';
import type { Consumer } from '../stream/consumer.js';
import { readBaselines } from './read-baselines.js';
import { type CaptureReadOptions, captureSource, enrichersFor, runPipeline } from './run.js';
import { sniffInput } from './sniff-input.js';

/** Options for {@link analyseGap}. */
export interface AnalyseGapOptions extends CaptureReadOptions {
  /** Declared permissions: Kubernetes manifests, AWS IAM policies, MCP client configurations. */
  readonly declared: readonly string[];
  /**
   * Observed use: captures and baselines (files written by `vigil learn`, SQLite baseline stores),
   * told apart by their first bytes (`sniffInput`), as `checkCaptures` and `readBaselines` read them.
   */
  readonly observed?: readonly string[];
  /**
   * Observed use already gathered (`ObservedUseDocument`s, e.g. a fleet's from the hub),
   * merged with what the inputs show.
   */
  readonly observedUse?: readonly ObservedUseDocument[];
  /** Kubernetes audit logs (JSON Lines, gzip accepted). */
  readonly auditLogs?: readonly string[];
  /** CloudTrail logs (gzip accepted). */
  readonly cloudTrail?: readonly string[];
  /** OpenTelemetry GenAI/MCP span files (OTLP/JSON). */
  readonly otelSpans?: readonly string[];
  /** An invalid line of an audit log or CloudTrail record stops the run (`error`, default) or is counted and skipped. */
  readonly onInvalid?: 'error' | 'skip';
  /** Captured workload id (or `*`) → the declared subject it runs as. */
  readonly bindings?: Readonly<Record<string, string>>;
  /** Domains to treat as observed even when no input showed use in them. */
  readonly observedDomains?: readonly PermissionDomain[];
  /** Subject (an ARN) for IAM identity policies that do not name one. */
  readonly awsSubject?: string;
  /** Client name for MCP configurations; default the file's base name. */
  readonly mcpClient?: string;
  /** Lowest rank (0–100) of an unused grant that becomes a finding. Default 30. */
  readonly minRank?: number;
  /** Findings of other producers (`vigil check --json`, scanners) to rank with the gap findings. */
  readonly findings?: readonly Finding[];
  /** Also generate least-privilege artifacts from what was observed. Default false. */
  readonly leastPrivilege?: boolean;
  /** PostgreSQL schema dumps (`pg_dump --schema-only`, `pg_dumpall --roles-only`): table grants for the `data-access` domain. */
  readonly pgSchema?: readonly string[];
  /** A PostgreSQL URL to read roles and grants from live, over a read-only session (`readPgGrantsLive`). */
  readonly pgUrl?: string;
  /** Data-store configuration files, Kubernetes manifests and Compose files (`loadDataStores`). */
  readonly storeConfigs?: readonly string[];
}

/** What {@link analyseGap} found. */
export interface GapResult {
  readonly declared: DeclaredPermissions;
  readonly observed: ObservedUseDocument;
  readonly report: GapReport;
  /** Gap findings and the given findings, ranked by runtime-weighted risk. */
  readonly ranking: RiskRanking;
  /** Present when the captures were read: whether each was complete. */
  readonly integrity?: CaptureIntegrity;
  /** Invalid log records skipped (`onInvalid: 'skip'`), per file and reason. */
  readonly skipped: readonly SkippedRecords[];
  /** What the declared inputs could not be read as (a document of an unknown kind, a dangling reference). */
  readonly warnings: readonly DeclaredWarning[];
  /** Least-privilege artifacts, when asked for; each lists its validation issues. */
  readonly leastPrivilege?: LeastPrivilege;
  /** With a PostgreSQL schema or URL: the data-access gap per role, with membership and PUBLIC taken into account. */
  readonly dataAccess?: DataAccessGap;
  /** With store configurations: the data stores declared, their authentication, TLS, bind address and exposure. */
  readonly dataStores?: DeclaredDataStores;
}

/** Several PostgreSQL declarations (a roles dump and a schema dump, a live read) as one. */
function mergePgSchemas(list: readonly PgSchemaDeclaration[]): PgSchemaDeclaration {
  const uniq = <T>(xs: T[], key: (x: T) => string) => {
    const seen = new Set<string>();
    return xs.filter((x) => !seen.has(key(x)) && seen.add(key(x)));
  };
  return {
    tables: uniq(
      list.flatMap((d) => d.tables),
      (t) => t,
    ),
    roles: uniq(
      list.flatMap((d) => d.roles),
      (r) => r,
    ),
    grants: uniq(
      list.flatMap((d) => d.grants),
      (g) => `${g.role}\0${g.table}\0${g.privilege}`,
    ),
    defaultGrants: list.flatMap((d) => d.defaultGrants),
    memberships: uniq(
      list.flatMap((d) => d.memberships),
      (m) => `${m.role}\0${m.member}`,
    ),
    schemaGrants: uniq(
      list.flatMap((d) => d.schemaGrants),
      (g) => `${g.role}\0${g.schema}\0${g.privilege}`,
    ),
  };
}

async function observe(
  source: EventSource,
  options: CaptureReadOptions,
  dns: boolean,
  extra: readonly Consumer[] = [],
): Promise<ObservedUseDocument> {
  const acc = new ObservedUseAccumulator();
  await runPipeline({
    source,
    enrichers: enrichersFor({ dns }),
    consumers: [acc, ...extra],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return acc.result();
}

/** The invalid records a line-based source skipped, by reason (from its drop counts). */
function skippedOf(file: string, source: EventSource): SkippedRecords | undefined {
  const reasons: SkippedRecords['reasons'] = {};
  let total = 0;
  for (const reason of ['invalid-json', 'invalid-shape', 'over-limit'] as const) {
    const n = source.stats().drops[reason] ?? 0;
    if (n > 0) {
      reasons[reason] = n;
      total += n;
    }
  }
  return total > 0 ? { file, reasons } : undefined;
}

/**
 * One line for invalid records skipped in a file: `audit.log: skipped 3 invalid records (2 invalid-json, 1 over-limit)`.
 *
 * @example
 * ```ts
 * import { describeSkipped } from '@vigil/core';
 *
 * describeSkipped({ file: 'audit.log', reasons: { 'invalid-json': 2 } });
 * ```
 */
export function describeSkipped(s: SkippedRecords): string {
  const parts = Object.entries(s.reasons).map(([reason, n]) => `${n} ${reason}`);
  const total = Object.values(s.reasons).reduce((a, b) => a + (b ?? 0), 0);
  return `${s.file}: skipped ${total} invalid record${total === 1 ? '' : 's'} (${parts.join(', ')})`;
}

/**
 * Reads findings another producer wrote (`vigil check --json`, a scanner): an array of findings or
 * an object with a `findings` array, each validated against `FindingSchema` (an invalid one is an
 * `INPUT_INVALID` error naming the file and its JSON path).
 *
 * @example
 * ```ts
 * import { readFindingsFile } from '@vigil/core';
 *
 * const findings = await readFindingsFile('check.json');
 * ```
 */
export async function readFindingsFile(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<Finding[]> {
  const raw = await readJsonFile(path, 'findings', {
    what: 'findings',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const inObject = !Array.isArray(raw) && typeof raw === 'object' && raw !== null && 'findings' in raw;
  const list = Array.isArray(raw) ? raw : inObject ? (raw as { findings: unknown }).findings : undefined;
  if (!Array.isArray(list))
    throw new VigilError(
      'INPUT_INVALID',
      'expected an array of findings or an object with a "findings" array',
      {
        location: { file: path },
      },
    );
  return list.map((f, i) => {
    const r = safeParseDocument(FindingSchema, f);
    if (!r.success)
      throw fromZodError(r.error, 'finding', { file: path, path: inObject ? ['findings', i] : [i] });
    return r.data;
  });
}

/**
 * Runtime-informed gap analysis: declared permissions (Kubernetes RBAC, workloads and
 * NetworkPolicy, IAM policies, MCP client configurations) against observed use (captures,
 * baselines, Kubernetes audit logs, CloudTrail, OpenTelemetry spans), per workload and permission
 * domain; the gaps become findings ranked by runtime-weighted risk, and, when asked, least-privilege
 * artifacts. This is what `vigil gap` does; the command only reads its flags, prints and writes the
 * artifacts.
 *
 * @example
 * ```ts
 * import { analyseGap } from '@vigil/core';
 *
 * const gap = await analyseGap({ declared: ['deploy/agent.yaml'], observed: ['run.vcap'] });
 * console.log(`${gap.report.totals.used} of ${gap.report.totals.granted} grants used`);
 * for (const f of gap.ranking.findings.slice(0, 5)) console.log(f.risk.score, f.title);
 * ```
 */
export async function analyseGap(options: AnalyseGapOptions): Promise<GapResult> {
  const pgGiven = (options.pgSchema?.length ?? 0) > 0 || options.pgUrl !== undefined;
  if (options.declared.length === 0 && !pgGiven)
    throw new VigilError(
      'USAGE',
      'gap needs declared permissions (manifests, IAM policies, MCP configs, a PostgreSQL schema or URL)',
    );
  const signal = options.signal;
  const withSignal = signal ? { signal } : {};
  const docs: ObservedUseDocument[] = [...(options.observedUse ?? [])];
  const captures: string[] = [];
  for (const p of options.observed ?? []) {
    if ((await sniffInput(p)) === 'capture') captures.push(p);
    else docs.push(observedUseFromBaseline((await readBaselines(p, withSignal)).toDocument()));
  }
  let integrity: CaptureIntegrity | undefined;
  const retrievals: VigilEvent[] = [];
  if (captures.length > 0) {
    const source = captureSource(captures, options);
    docs.push(
      await observe(source, options, options.dns !== false, [
        {
          name: 'postgresql-retrievals',
          onBatch: (batch) => {
            for (const ev of batch)
              if (ev.kind === 'retrieval' && ev.store === 'postgresql') retrievals.push(ev);
          },
        },
      ]),
    );
    integrity = source.integrity();
  }
  const skipped: SkippedRecords[] = [];
  const onInvalid = options.onInvalid ?? 'error';
  const logs: [string, EventSource][] = [
    ...(options.auditLogs ?? []).map((f): [string, EventSource] => [
      f,
      new KubernetesAuditSource(f, { ...withSignal, onInvalid }),
    ]),
    ...(options.cloudTrail ?? []).map((f): [string, EventSource] => [
      f,
      new CloudTrailSource(f, { ...withSignal, onInvalid }),
    ]),
  ];
  for (const [f, source] of logs) {
    docs.push(await observe(source, options, false));
    const s = skippedOf(f, source);
    if (s) skipped.push(s);
  }
  if ((options.otelSpans ?? []).length > 0)
    docs.push(await observe(new OtelSpanSource([...options.otelSpans!], withSignal), options, false));
  const merged = mergeObservedUse(docs);

  const load = async (toolLists: ObservedUseDocument['toolLists']) =>
    options.declared.length > 0
      ? await loadDeclaredPermissions(options.declared, {
          toolLists,
          ...withSignal,
          ...(options.awsSubject !== undefined ? { awsSubject: options.awsSubject } : {}),
          ...(options.mcpClient !== undefined ? { mcpClient: options.mcpClient } : {}),
        })
      : undefined;
  let fromFiles = await load(merged.toolLists);
  let observed = merged;
  if (fromFiles) {
    // Stdio MCP servers seen from the kernel go by their own names: name them as declared, then read
    // the declarations again so each declared server's grants list the tools it was seen to offer.
    const named = nameMcpServersAsDeclared(merged, fromFiles.grants);
    observed = named.observed;
    if (named.renamed.size > 0) fromFiles = await load(observed.toolLists);
  }
  const pgSchemas: PgSchemaDeclaration[] = [];
  for (const f of options.pgSchema ?? []) {
    const bytes = await readBoundedFile(f, {
      what: 'PostgreSQL schema',
      maxBytes: inputLimits('declared').maxBytes,
      signal,
    });
    pgSchemas.push(parsePgSchema(bytes.toString('utf8'), f));
  }
  if (options.pgUrl !== undefined) pgSchemas.push(await readPgGrantsLive(options.pgUrl, withSignal));
  const pg = pgSchemas.length > 0 ? mergePgSchemas(pgSchemas) : undefined;
  const declared = mergeDeclaredPermissions([
    ...(fromFiles ? [fromFiles] : []),
    ...(pg ? [dataAccessPermissions(pg)] : []),
  ]);
  const dataStores =
    (options.storeConfigs?.length ?? 0) > 0
      ? await loadDataStores(options.storeConfigs!, withSignal)
      : undefined;
  const dataAccess = pg ? analyzeDataAccess(pg, retrievals) : undefined;
  const report = analyzeGaps(declared, observed, {
    bindings: options.bindings ?? {},
    observedDomains: options.observedDomains ?? [],
    skipped,
  });
  const findings = gapFindings(report, { minRank: options.minRank ?? 30 });
  findings.push(...(options.findings ?? []));
  const ranking = rankRisk(findings, { observed, gapReport: report, declared });
  return {
    declared,
    observed,
    report,
    ranking,
    ...(integrity ? { integrity } : {}),
    skipped,
    warnings: declared.warnings,
    ...(options.leastPrivilege === true
      ? { leastPrivilege: generateLeastPrivilege(declared, report, observed) }
      : {}),
    ...(dataAccess ? { dataAccess } : {}),
    ...(dataStores ? { dataStores } : {}),
  };
}
