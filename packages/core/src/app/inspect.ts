import { type AgentTimeline, AgentTimelineBuilder } from '../attribution/timeline.js';
import type { CaptureHeader } from '../capture/format.js';
import type { CaptureIntegrity } from '../capture/integrity.js';
import { type CaptureSummary, CaptureSummaryBuilder } from '../capture/summary.js';
import { mergeUndecodedPayloads, type UndecodedPayloads } from '../payload/undecoded.js';
import { DnsEnricher } from '../stream/enricher.js';
import { type CaptureReadOptions, captureSource, runPipeline } from './run.js';

/** Options for {@link inspectCaptures}. */
export interface InspectCapturesOptions extends Omit<CaptureReadOptions, 'dns'> {
  /** The capture files to summarise, in order. */
  readonly captures: readonly string[];
  /** Also attribute the agent timeline: model call → tool call → what each caused. Default false. */
  readonly timeline?: boolean;
}

/** What {@link inspectCaptures} found in the captures: the `vigil inspect` document. */
export interface CaptureInspection {
  /** The capture files read. */
  readonly captures: readonly string[];
  /** Each capture's header, in order. */
  readonly headers: readonly CaptureHeader[];
  /** Whether every capture was complete. */
  readonly integrity: CaptureIntegrity;
  /** Events the recorder dropped before writing them, by reason. */
  readonly drops: Readonly<Record<string, number>>;
  /** Streams the payload decoder could not read while recording, from the trailers (absent when none). */
  readonly undecodedPayloads?: UndecodedPayloads;
  /** Per workload: events by kind, processes, peers, files, DNS names. */
  readonly summary: CaptureSummary;
  /** The agent timeline, when asked for. */
  readonly timeline?: AgentTimeline;
}

/**
 * Summarises captures per workload (events by kind, processes, peers, files, DNS names, with peers
 * named by the DNS answers seen) and, when asked, attributes the agent timeline. This is what
 * `vigil inspect` does; the command only reads its flags and renders the result.
 *
 * @example
 * ```ts
 * import { inspectCaptures } from '@vigil/core';
 *
 * const inspection = await inspectCaptures({ captures: ['run.vcap'], timeline: true });
 * for (const w of inspection.summary.workloads) console.log(w.workload.id, w.events);
 * ```
 */
export async function inspectCaptures(options: InspectCapturesOptions): Promise<CaptureInspection> {
  const source = captureSource(options.captures, options);
  const builder = new CaptureSummaryBuilder();
  const timeline = options.timeline === true ? new AgentTimelineBuilder() : undefined;
  await runPipeline({
    source,
    enrichers: [new DnsEnricher()],
    consumers: timeline ? [builder, timeline] : [builder],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    captures: [...options.captures],
    headers: source.headers,
    integrity: source.integrity(),
    drops: source.stats().drops,
    ...optional('undecodedPayloads', mergeUndecodedPayloads(source.trailers.map((t) => t.undecodedPayloads))),
    summary: builder.result(),
    ...(timeline ? { timeline: timeline.result() } : {}),
  };
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
