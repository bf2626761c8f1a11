import { type EventOf, isLocalAddress, LARGE_EGRESS_BYTES, type VigilEvent } from '@vigil/core';
import type { RuleContext } from '../../api/rule.js';
import { defineSequenceRule, step } from '../../api/rule.js';

/** The `net.connect` a transfer stands for, so the baseline's peers can judge it. */
function asConnect(ev: EventOf<'net.transfer'>): VigilEvent | undefined {
  const envelope = {
    ts: ev.ts,
    workload: ev.workload,
    pid: ev.pid,
    ppid: ev.ppid,
    comm: ev.comm,
    exe: ev.exe,
    source: ev.source,
  };
  if (ev.daddr !== undefined && ev.dport !== undefined)
    return {
      ...envelope,
      kind: 'net.connect',
      family: ev.daddr.includes(':') ? 'inet6' : 'inet',
      protocol: 'tcp',
      daddr: ev.daddr,
      dport: ev.dport,
      result: 0,
    };
  if (ev.endpoint === undefined) return undefined;
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(ev.endpoint);
  const host = (m?.[1] ?? ev.endpoint).replace(/^\[|\]$/g, '');
  const port = Number(m?.[2] ?? (ev.transport === 'tls' ? 443 : 80));
  return {
    ...envelope,
    kind: 'net.connect',
    family: host.includes(':') ? 'inet6' : 'inet',
    protocol: 'tcp',
    daddr: host,
    dport: port <= 65535 ? port : 0,
    dnsName: host,
    result: 0,
  };
}

/** A peer the workload's baseline never connected to; with no baseline, any peer that is not local. */
function newPeer(ev: EventOf<'net.transfer'>, ctx: RuleContext): boolean {
  const connect = asConnect(ev);
  if (connect === undefined) return false;
  if (ctx.baseline?.covers(ev.workload)) return !ctx.baseline.seen(connect);
  const host = connect.kind === 'net.connect' ? connect.daddr : '';
  return !isLocalAddress(host) && host !== 'localhost';
}

const peerOf = (ev: EventOf<'net.transfer'>) =>
  ev.daddr !== undefined ? `${ev.daddr}:${ev.dport}` : (ev.endpoint ?? 'a TLS peer');

/**
 * A retrieval that returned data, then a large transfer to a new peer from
 * the same process tree: the corpus leaving. "Large" is `minBytes` sent on
 * one connection (default `LARGE_EGRESS_BYTES`, 256 KiB); "new" is a peer
 * the workload's baseline does not cover, or any non-local peer when the
 * workload has no baseline. Transfers come from payload capture
 * (`net.transfer`).
 */
export const retrievalThenEgress = defineSequenceRule({
  meta: {
    id: 'vigil.rag.retrieval-then-egress',
    title: 'Retrieval followed by a large transfer to a new peer',
    description:
      'A process retrieved documents from a vector store or database, then the same process tree sent `minBytes` or more (default 262,144) on one connection to a peer its baseline never used (any non-local peer without a baseline), within ten minutes. Needs payload capture (`net.transfer` events).',
    severity: 'high',
    version: '1.0.0',
    areas: ['exfiltration', 'network-egress'],
    tags: {
      owaspLlm: ['LLM02'],
      owaspAgentic: ['ASI02'],
      atlas: ['AML.T0025', 'AML.T0057'],
      attack: ['T1041'],
    },
    rationale:
      'An agent that reads the corpus and then ships a large body to a new destination is the data-exfiltration half of a RAG injection.',
    falsePositives:
      'An export job that legitimately uploads what it retrieved; a new model endpoint that receives large prompts.',
    tuning:
      'Learn the destination into the baseline, raise `minBytes`, or add an exception for the workload.',
    params: { minBytes: LARGE_EGRESS_BYTES },
  },
  keyBy: 'process-tree',
  windowMs: 600_000,
  steps: [
    step({
      name: 'retrieve',
      description: 'retrieved documents',
      kinds: ['retrieval'],
      match: (ev) => (ev.operation ?? 'query') === 'query' && ev.error === undefined && ev.documents !== 0,
    }),
    step({
      name: 'egress',
      description: 'sent a large body to a new peer',
      kinds: ['net.transfer'],
      match: (ev, ctx) => ev.bytesSent >= (ctx.params['minBytes'] ?? LARGE_EGRESS_BYTES) && newPeer(ev, ctx),
    }),
  ],
  subject: (events) => {
    const t = events[1];
    return t?.kind === 'net.transfer' ? peerOf(t) : '';
  },
  summarize: (events) => {
    const [r, t] = events;
    if (r?.kind !== 'retrieval' || t?.kind !== 'net.transfer') return 'retrieval then large egress';
    return `${r.comm}[${r.pid}] retrieved from ${r.store ?? 'store'}/${r.dataSource}${r.documents !== undefined ? ` (${r.documents} row(s))` : ''}, then ${t.comm}[${t.pid}] sent ${t.bytesSent} bytes to ${peerOf(t)}, a peer it never used while learning, within ${((t.ts - r.ts) / 1e9).toFixed(1)} s`;
  },
});
