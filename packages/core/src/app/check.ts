import { CALL_EVENT_KINDS } from '../aibom/payload-hint.js';
import { BaselineSet } from '../baseline/set.js';
import type { CaptureHeader } from '../capture/format.js';
import type { CaptureIntegrity } from '../capture/integrity.js';
import { VigilError } from '../errors/vigil-error.js';
import type { Finding } from '../findings/finding.js';
import { compareFindings } from '../findings/order.js';
import { correlateIncidents, type Incident, incidentFinding } from '../incidents/incident.js';
import { MergedSource } from '../source/merged-source.js';
import { OtelSpanSource } from '../source/otel-span-source.js';
import type { Consumer } from '../stream/consumer.js';
import { type CaptureReadOptions, captureSource, enrichersFor, runPipeline } from './run.js';

/**
 * Something that reads the checked stream and produces findings: the rule engine with its drift
 * detector (`rulesCheckDetector` of `@vigil/rules`); others plug in the same way.
 */
export interface CheckDetector {
  /** Short name for messages. */
  readonly name: string;
  /** The pipeline consumer that sees every enriched batch. */
  readonly consumer: Consumer;
  /** Every finding once the stream has ended (aggregated, final counts). */
  findings(): readonly Finding[];
}

/** Options for {@link checkCaptures}. */
export interface CheckCapturesOptions extends CaptureReadOptions {
  /** The capture files to check, in order. */
  readonly captures: readonly string[];
  /** The detectors to run over the same stream, in order (usually one `rulesCheckDetector`). */
  readonly detectors: readonly CheckDetector[];
  /** The baselines the detectors were built with, carried into the result. Default: none. */
  readonly baselines?: BaselineSet;
  /**
   * OTel GenAI span files (OTLP/JSON) merged with the captures into one stream in time order, so
   * spans and kernel-derived calls meet the same detectors. Default: none.
   */
  readonly otel?: readonly string[];
  /** More consumers that see the same enriched stream (exporters, collectors). Default: none. */
  readonly consumers?: readonly Consumer[];
}

const CALL_KINDS: ReadonlySet<string> = new Set(CALL_EVENT_KINDS);

/** What {@link checkCaptures} found. */
export interface CheckResult {
  readonly captures: readonly string[];
  readonly baselines: BaselineSet;
  /** The captures' headers, in order (what was recorded, and whether payload capture was on). */
  readonly headers: readonly CaptureHeader[];
  /** Events read from the captures. */
  readonly events: number;
  /**
   * Model calls, tool calls, tool lists and retrievals in the stream (decoded from payloads,
   * derived from responses, or from OTel spans): what the rules that join such calls had to read.
   */
  readonly calls: number;
  /** Events the recorder dropped, by reason (from the captures' trailers). */
  readonly drops: Readonly<Record<string, number>>;
  /** Whether every capture was complete. */
  readonly integrity: CaptureIntegrity;
  /** Every detector's findings, in the one order of findings (`compareFindings`). */
  readonly findings: readonly Finding[];
  /** Findings about one process tree within ten minutes, joined. */
  readonly incidents: readonly Incident[];
  /**
   * The findings with each incident as one finding whose evidence is its chain, first: what
   * formats that carry findings only (SARIF, OCSF, Markdown, HTML) report, and what `--fail-on` judges.
   */
  readonly reported: readonly Finding[];
}

/**
 * Checks captures with detectors (drift against baselines, rule packs): replays the captures
 * through the pipeline (DNS names and the process tree enriched), collects every detector's
 * findings in the one order, and joins findings about one process tree into incidents. This is
 * what `vigil check` does; the command only reads its flags and prints.
 *
 * A detector that fails, or a capture that cannot be read, is a `VigilError`; an interrupted run
 * (`signal`) is `ABORTED`.
 *
 * @example
 * ```ts
 * import { checkCaptures, readBaselines } from '@vigil/core';
 * import { builtinPacks, rulesCheckDetector } from '@vigil/rules';
 *
 * const baselines = await readBaselines('baseline.json');
 * const detectors = [rulesCheckDetector({ packs: builtinPacks(), baselines })];
 * const result = await checkCaptures({ captures: ['run.vcap'], baselines, detectors });
 * for (const f of result.findings) console.log(f.severity, f.title);
 * ```
 */
export async function checkCaptures(options: CheckCapturesOptions): Promise<CheckResult> {
  if (options.captures.length === 0) throw new VigilError('USAGE', 'check needs at least one capture file');
  const source = captureSource(options.captures, options);
  const spans = options.otel ?? [];
  const input =
    spans.length > 0
      ? new MergedSource([
          source,
          new OtelSpanSource(spans, options.signal ? { signal: options.signal } : {}),
        ])
      : source;
  let calls = 0;
  const callCounter: Consumer = {
    name: 'check-calls',
    onBatch(batch) {
      for (const ev of batch) if (CALL_KINDS.has(ev.kind)) calls++;
    },
  };
  const { summary, vigil } = await runPipeline({
    source: input,
    enrichers: enrichersFor(options),
    consumers: [...options.detectors.map((d) => d.consumer), callCounter, ...(options.consumers ?? [])],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const findings = options.detectors.flatMap((d) => d.findings()).sort(compareFindings);
  const incidents = correlateIncidents(findings, { processes: vigil.processes });
  return {
    captures: [...options.captures],
    baselines: options.baselines ?? new BaselineSet(),
    headers: source.headers,
    events: summary.events,
    calls,
    drops: summary.source.drops,
    integrity: source.integrity(),
    findings,
    incidents,
    reported: [...incidents.map(incidentFinding), ...findings],
  };
}
