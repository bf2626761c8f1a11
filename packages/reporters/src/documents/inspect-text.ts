import {
  type AgentTimeline,
  type CaptureIntegrity,
  type CaptureSummary,
  countOf,
  describeCaptureDrops,
  describeCaptureIntegrity,
  describeUndecodedPayloads,
  type UndecodedPayloads,
} from '@vigil/core';

function fmtTs(ns: number): string {
  return new Date(ns / 1e6).toISOString();
}

function top<T>(entries: [string, T][], n: number, by: (v: T) => number): [string, T][] {
  return entries.sort((a, b) => by(b[1]) - by(a[1]) || a[0].localeCompare(b[0])).slice(0, n);
}

/**
 * What {@link renderSummaryText} adds under the drop counters.
 *
 * @example
 * ```ts
 * const notes: SummaryNotes = { hint: describePayloadHint(summaryPayloadHintFacts(i.summary, i.headers)) };
 * ```
 */
export interface SummaryNotes {
  /** Streams the payload decoder could not read (`CaptureInspection.undecodedPayloads`). */
  readonly undecodedPayloads?: UndecodedPayloads | undefined;
  /** A hint line (`describePayloadHint`). */
  readonly hint?: string | undefined;
}

/**
 * Renders a capture summary as text for a terminal: per workload, events by kind, the busiest
 * processes, peers and DNS names, and the files touched.
 *
 * @example
 * ```ts
 * import { inspectCaptures } from '@vigil/core';
 * import { renderSummaryText } from '@vigil/reporters';
 *
 * const i = await inspectCaptures({ captures: ['run.vcap'] });
 * process.stdout.write(renderSummaryText(i.captures, i.summary, i.drops, i.integrity, { undecodedPayloads: i.undecodedPayloads }));
 * ```
 */
export function renderSummaryText(
  paths: readonly string[],
  summary: CaptureSummary,
  drops: Readonly<Record<string, number>>,
  integrity?: CaptureIntegrity,
  notes: SummaryNotes = {},
): string {
  const out: string[] = [];
  out.push(
    `${paths.join(', ')}: ${countOf(summary.events, 'event')}, ${countOf(summary.workloads.length, 'workload')}`,
  );
  if (integrity !== undefined && !integrity.complete)
    for (const line of describeCaptureIntegrity(integrity)) out.push(`  INCOMPLETE: ${line}`);
  for (const line of describeCaptureDrops(drops)) out.push(`  ${line}`);
  for (const line of describeUndecodedPayloads(notes.undecodedPayloads)) out.push(`  ${line}`);
  if (notes.hint) out.push(`  ${notes.hint}`);
  for (const w of summary.workloads) {
    out.push('');
    out.push(
      `workload ${w.workload.id} (${w.workload.kind}${w.workload.name ? `, ${w.workload.name}` : ''})`,
    );
    out.push(
      `  ${countOf(w.events, 'event')} from ${fmtTs(w.firstTs)} to ${fmtTs(w.lastTs)}, ${countOf(w.pids, 'process', 'processes')}`,
    );
    const calls = w.toolCalls;
    const split = calls.derived > 0 ? ` (${calls.observed} observed + ${calls.derived} derived)` : '';
    out.push(
      `  by kind: ${top(Object.entries(w.byKind), 50, (v) => v)
        .map(([k, v]) => `${k}=${v}${k === 'tool.call' ? split : ''}`)
        .join(' ')}`,
    );
    if (calls.observed + calls.derived > 0)
      out.push(
        `  tool calls: ${calls.observed} observed as calls (MCP tools/call on the wire, or tool spans), ${calls.derived} derived from model responses (the agent's own function tools the model asked for; they run inside the agent, so no call of their own is seen)`,
      );
    const procs = top(Object.entries(w.processes), 15, (v) => v.count);
    if (procs.length > 0) {
      out.push('  processes:');
      for (const [exe, c] of procs) out.push(`    ${String(c.count).padStart(6)}  ${exe}`);
    }
    const peers = top(Object.entries(w.peers), 15, (v) => v.count);
    if (peers.length > 0) {
      out.push('  peers:');
      for (const [peer, c] of peers)
        out.push(
          `    ${String(c.count).padStart(6)}  ${peer}${c.failed > 0 ? `  (${c.failed} failed)` : ''}`,
        );
    }
    const files = Object.entries(w.files);
    if (files.length > 0) out.push(`  files: ${files.map(([k, v]) => `${v} distinct ${k}`).join(', ')}`);
    const dns = top(Object.entries(w.dnsNames), 15, (v) => v);
    if (dns.length > 0) out.push(`  dns: ${dns.map(([k, v]) => `${k} (${v})`).join(', ')}`);
  }
  out.push('');
  return out.join('\n');
}

function clock(ns: number): string {
  return fmtTs(ns).slice(11, 23);
}

/**
 * Renders the agent timeline: model call → tool call → the processes, files, peers and retrievals
 * it caused.
 *
 * @example
 * ```ts
 * import { inspectCaptures } from '@vigil/core';
 * import { renderTimelineText } from '@vigil/reporters';
 *
 * const i = await inspectCaptures({ captures: ['run.vcap'], timeline: true });
 * if (i.timeline) process.stdout.write(renderTimelineText(i.timeline));
 * ```
 */
export function renderTimelineText(timeline: AgentTimeline): string {
  const out: string[] = [];
  const caused = (
    c: { processes: string[]; files: string[]; peers: string[]; retrievals: string[]; events: number },
    pad: string,
  ) => {
    for (const p of c.processes) out.push(`${pad}exec  ${p}`);
    for (const f of c.files) out.push(`${pad}file  ${f}`);
    for (const p of c.peers) out.push(`${pad}peer  ${p}`);
    for (const r of c.retrievals) out.push(`${pad}data  ${r}`);
    out.push(`${pad}(${countOf(c.events, 'event')})`);
  };
  const tool = (t: AgentTimeline['timeline'][number]['mcpCalls'][number], pad: string) => {
    out.push(
      `${pad}${clock(t.ts)}  tool ${t.server}/${t.name} ${t.id}${t.mcpCallId !== undefined ? ` (MCP call ${t.mcpCallId})` : ''}${t.status ? ` ${t.status}` : ''}${t.durationMs !== undefined ? ` ${t.durationMs.toFixed(0)} ms` : ''}`,
    );
    caused(t, `${pad}    `);
  };
  if (timeline.timeline.length === 0) out.push('agent timeline: no model or tool calls in the captures');
  for (const w of timeline.timeline) {
    out.push('', `agent timeline of ${w.workload.id}`);
    for (const m of w.modelCalls) {
      const tokens =
        m.inputTokens !== undefined || m.outputTokens !== undefined
          ? `, ${m.inputTokens ?? '?'} in / ${m.outputTokens ?? '?'} out tokens`
          : '';
      out.push(
        `  ${clock(m.ts)}  model ${m.provider}/${m.model}${m.endpoint ? ` at ${m.endpoint}` : ''} (pid ${m.pid})${m.finishReason ? ` → ${m.finishReason}` : ''}${tokens}`,
      );
      for (const t of m.toolCalls) tool(t, '    ');
      if (m.ambiguous) {
        out.push(`    several at once: ${m.ambiguous.candidates.map((c) => `${c.name} ${c.id}`).join(', ')}`);
        caused(m.ambiguous, '        ');
      }
    }
    if (w.mcpCalls.length > 0) {
      out.push('  MCP calls no model response in the capture asked for:');
      for (const t of w.mcpCalls) tool(t, '    ');
    }
  }
  out.push('');
  return out.join('\n');
}
