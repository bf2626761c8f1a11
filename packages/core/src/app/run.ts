import { VigilError } from '../errors/vigil-error.js';
import type { Finding } from '../findings/finding.js';
import { type RunSummary, Vigil } from '../pipeline/vigil.js';
import type { EventSource } from '../source/event-source.js';
import { ReplaySource } from '../source/replay-source.js';
import type { Consumer } from '../stream/consumer.js';
import { DnsEnricher, type Enricher, ProcessTreeEnricher } from '../stream/enricher.js';

/** How the application facades read captures. */
export interface CaptureReadOptions {
  /**
   * Fail (`CAPTURE_TRUNCATED`, naming the file) on a capture without its trailer, left by a killed
   * recorder. Default false: such a capture is read up to its last complete block and reported in
   * the result's `integrity`.
   */
  readonly strict?: boolean;
  /** Name peers by the DNS answers seen in the captures. Default true. */
  readonly dns?: boolean;
  /** Stops the run; the facade then rejects with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/** The captures as one source, read as {@link CaptureReadOptions.strict} says. */
export function captureSource(paths: readonly string[], options: CaptureReadOptions): ReplaySource {
  const strict = options.strict === true;
  return new ReplaySource(paths, {
    ...(options.signal ? { signal: options.signal } : {}),
    onTruncatedTail: strict ? 'error' : 'stop',
    requireTrailer: strict,
  });
}

/** The enrichers of a capture replay: DNS names (unless turned off) and the process tree. */
export function enrichersFor(options: CaptureReadOptions): Enricher[] {
  return options.dns === false ? [new ProcessTreeEnricher()] : [new DnsEnricher(), new ProcessTreeEnricher()];
}

/** One pipeline run of a facade. */
export interface PipelineRun {
  readonly source: EventSource;
  readonly enrichers: readonly Enricher[];
  readonly consumers: readonly Consumer[];
  readonly signal?: AbortSignal;
  /** Every finding a consumer reports while the stream runs. */
  readonly onFinding?: (finding: Finding) => void;
}

/**
 * Runs a pipeline to its end for a facade: the first consumer or enricher error rejects the run
 * (a facade's result must not be built from a stream a detector missed part of), and so does an
 * abort.
 */
export async function runPipeline(run: PipelineRun): Promise<{ summary: RunSummary; vigil: Vigil }> {
  const vigil = new Vigil({
    source: run.source,
    enrichers: [...run.enrichers],
    consumers: [...run.consumers],
  });
  if (run.onFinding) vigil.on('finding', run.onFinding);
  const errors: VigilError[] = [];
  vigil.on('error', (e) => errors.push(e));
  const summary = await vigil.run(run.signal ? { signal: run.signal } : {});
  if (errors.length > 0) throw errors[0]!;
  if (run.signal?.aborted) throw new VigilError('ABORTED', 'interrupted; nothing written');
  return { summary, vigil };
}
