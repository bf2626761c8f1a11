import { createHash } from 'node:crypto';
import type { EventOf } from '@vigil/core';
import { countOf } from '@vigil/core';
import { defineRule } from '../../api/rule.js';
import { findHiddenInstructions, instructionSeverity } from '../../scanners/text/hidden-instructions.js';
import { findInvisible, INVISIBLE_SEVERITY } from '../../scanners/text/invisible-unicode.js';

type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** What the text detectors found in one document: the worst severity and a short description. */
export function poison(text: string): { severity: Severity; what: string } | undefined {
  const matches = findHiddenInstructions(text);
  const runs = findInvisible(text);
  if (matches.length === 0 && runs.length === 0) return undefined;
  let severity: Severity = instructionSeverity(matches) ?? 'info';
  for (const r of runs)
    if (RANK[INVISIBLE_SEVERITY[r.class]] > RANK[severity]) severity = INVISIBLE_SEVERITY[r.class];
  const parts: string[] = [];
  if (matches.length > 0)
    parts.push(
      `instructions for the model (${[...new Set(matches.map((m) => m.kind))].join(', ')}): "${matches[0]!.excerpt}"`,
    );
  if (runs.length > 0)
    parts.push(
      `${countOf(
        runs.reduce((n, r) => n + r.count, 0),
        'invisible character',
      )} (${[...new Set(runs.map((r) => r.class))].join(', ')})`,
    );
  return { severity, what: parts.join('; ') };
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
export const place = (ev: EventOf<'retrieval'>) => `${ev.store ?? 'store'}/${ev.dataSource}`;
export const who = (ev: EventOf<'retrieval'>) => `${ev.exe || ev.comm}[${ev.pid}] in ${ev.workload.id}`;

/** Writers of poisoned documents, by document digest; shared by every workload an engine sees (bounded). */
const MAX_WRITERS = 4096;
let writers = new Map<string, EventOf<'retrieval'>>();

/**
 * Documents carrying hidden instructions or invisible Unicode, written into a
 * retrieval corpus (upsert text) or returned to a reader (query results): the
 * MCP scanner's detectors on the document text `content` payload mode keeps.
 * When the poisoned document was seen being written, the retrieval finding
 * names both ends: who wrote it and who read it.
 */
export const poisonedDocument = defineRule({
  meta: {
    id: 'vigil.rag.poisoned-document',
    title: 'Poisoned document in a retrieval corpus',
    description:
      'A document written into or retrieved from a vector store or database carries instructions for the model (directive tags, concealment, overrides, requests to read credentials) or invisible Unicode. Needs `content` payload mode. The retrieval finding names the workload that wrote the document when the write was seen.',
    severity: 'high',
    version: '1.0.0',
    areas: ['agent-tool-misuse'],
    tags: { owaspLlm: ['LLM01', 'LLM04', 'LLM08'], owaspAgentic: ['ASI06'], atlas: ['AML.T0051.001'] },
    rationale:
      'Indirect prompt injection through RAG: whoever can write the corpus can instruct every agent that retrieves from it.',
    falsePositives: 'Security documentation that quotes injection examples.',
    tuning: 'Exclude the collection for the workload, or keep such documents out of the agent-facing corpus.',
  },
  kinds: ['retrieval'],
  init() {
    writers = new Map();
  },
  onEvent(ev, ctx) {
    if (!ev.texts || ev.error !== undefined) return;
    for (const text of ev.texts) {
      const p = poison(text);
      if (!p) continue;
      const d = digest(text);
      if (ev.operation === 'upsert') {
        if (writers.size >= MAX_WRITERS) writers.delete(writers.keys().next().value!);
        writers.set(d, ev);
        ctx.report({
          subject: `write:${place(ev)}:${d}`,
          summary: `${who(ev)} wrote a document with ${p.what} into ${place(ev)}`,
          severity: p.severity,
        });
      } else if (ev.operation === 'query') {
        const writer = writers.get(d);
        ctx.report({
          subject: `read:${place(ev)}:${d}`,
          summary: writer
            ? `${who(ev)} retrieved from ${place(ev)} a document with ${p.what}, written by ${who(writer)}`
            : `${who(ev)} retrieved from ${place(ev)} a document with ${p.what}`,
          severity:
            writer && writer.workload.id !== ev.workload.id && RANK[p.severity] < RANK.critical
              ? 'critical'
              : p.severity,
          events: writer ? [writer, ev] : [ev],
          ...(writer ? { riskReasons: [`written by ${who(writer)}, another workload than the reader`] } : {}),
        });
      }
    }
  },
});
