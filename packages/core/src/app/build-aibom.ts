import { AiBomBuilder, type AiBomBuilderOptions } from '../aibom/builder.js';
import type { DeclaredComponent } from '../aibom/declared/declared-component.js';
import { type DeclaredInputKind, detectDeclaredInput, streamDeclaredInput } from '../aibom/declared/read.js';
import type { AiBom } from '../aibom/document.js';
import type { CaptureIntegrity } from '../capture/integrity.js';
import type { SignatureCatalogue } from '../catalogue/catalogue.js';
import { Vigil } from '../pipeline/vigil.js';
import { OtelSpanSource } from '../source/otel-span-source.js';
import { ReplaySource } from '../source/replay-source.js';
import { DnsEnricher, ProcessTreeEnricher } from '../stream/enricher.js';

/** Options for {@link buildAiBom}. */
export interface BuildAiBomOptions extends AiBomBuilderOptions {
  /** Capture files (`.vcap`) to replay. */
  readonly captures?: readonly string[];
  /** OTLP/JSON span files to ingest beside the captures. */
  readonly otel?: readonly string[];
  /** Declared inputs: manifests, lockfiles, MCP client configurations, Kubernetes manifests. */
  readonly manifests?: readonly string[];
  /** Force the kind of a declared input instead of guessing from its name. */
  readonly manifestKinds?: Readonly<Record<string, DeclaredInputKind>>;
  readonly catalogue?: SignatureCatalogue;
  readonly generator?: { readonly name: string; readonly version: string };
  readonly signal?: AbortSignal;
  /**
   * Refuse a capture without its trailer (left by a killed recorder) instead of
   * reading it up to its last complete block and flagging it in
   * `inputs.integrity`. Default false.
   */
  readonly requireTrailer?: boolean;
}

/**
 * Builds an AI-BOM from captures, OpenTelemetry spans and declared inputs in
 * one call: replays the captures (with DNS and process-tree enrichment),
 * ingests the spans, reads the manifests, and reconciles declared against
 * observed.
 *
 * @example
 * ```ts
 * import { buildAiBom } from '@vigil/core';
 *
 * const bom = await buildAiBom({ captures: ['run.vcap'], otel: ['spans.json'], manifests: ['package.json', '.mcp.json'] });
 * const shadow = bom.components.filter((c) => c.status === 'undeclared-used');
 * ```
 */
export async function buildAiBom(options: BuildAiBomOptions): Promise<AiBom> {
  const builder = new AiBomBuilder(options);
  const signal = options.signal;
  const captures = options.captures ?? [];
  const otel = options.otel ?? [];
  let drops: Record<string, number> = {};
  let integrity: CaptureIntegrity | undefined;
  // Declarations first: a process launched as a declared MCP server is known as that server.
  for (const file of options.manifests ?? []) {
    const kind = options.manifestKinds?.[file] ?? detectDeclaredInput(file);
    const batch: DeclaredComponent[] = [];
    builder.markDeclaredInput(file, kind ?? 'mcp-config');
    for await (const item of streamDeclaredInput(file, {
      ...(kind ? { kind } : {}),
      ...(signal ? { signal } : {}),
    })) {
      batch.push(item);
      if (batch.length >= 4096) builder.declare(batch.splice(0));
    }
    builder.declare(batch);
  }
  if (captures.length > 0) {
    const strict = options.requireTrailer === true;
    const source = new ReplaySource(captures, {
      ...(signal ? { signal } : {}),
      onTruncatedTail: strict ? 'error' : 'stop',
      requireTrailer: strict,
    });
    await new Vigil({
      source,
      enrichers: [new DnsEnricher(), new ProcessTreeEnricher()],
      consumers: [builder],
    }).run(signal ? { signal } : {});
    drops = source.stats().drops;
    integrity = source.integrity();
  }
  if (otel.length > 0) {
    const source = new OtelSpanSource(otel, signal ? { signal } : {});
    await new Vigil({ source, consumers: [builder] }).run(signal ? { signal } : {});
  }
  return builder.result({
    captures,
    otel,
    drops,
    ...(integrity ? { integrity } : {}),
    ...(options.generator ? { generator: options.generator } : {}),
  });
}
