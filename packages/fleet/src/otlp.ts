import type { Finding, VigilEvent } from '@vigil/core';

/**
 * What the daemon and the hub send findings and model/tool calls through:
 * `OtlpHttpExporter` from `@vigil/reporters` (findings as OTLP log records,
 * calls as GenAI spans), or anything with its `export`.
 *
 * @example
 * ```ts
 * import { OtlpHttpExporter } from '@vigil/reporters';
 *
 * const otlp: FleetOtlpExporter = new OtlpHttpExporter({ url: 'http://127.0.0.1:4318' });
 * ```
 */
export interface FleetOtlpExporter {
  export(input: { findings?: readonly Finding[]; events?: readonly VigilEvent[] }): Promise<unknown>;
}

/**
 * What was exported over OTLP by a daemon or a hub.
 *
 * @example
 * ```ts
 * const { findings, dropped } = hub.stats().otlp ?? { findings: 0, dropped: 0 };
 * ```
 */
export interface OtlpRelayStats {
  readonly findings: number;
  readonly events: number;
  readonly requests: number;
  /** Records given up: over the queue cap, or in a batch the collector refused. */
  readonly dropped: number;
  readonly failures: number;
}
