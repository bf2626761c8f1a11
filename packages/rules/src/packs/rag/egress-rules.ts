import {
  countOf,
  type EventOf,
  formatDuration,
  isLocalPeer,
  LARGE_EGRESS_BYTES,
  type VigilEvent,
} from '@vigil/core';
import { defineRule, type RuleContext } from '../../api/rule.js';

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
  if (connect.kind !== 'net.connect') return true;
  return !isLocalPeer(connect.daddr, connect.dport) && connect.daddr !== 'localhost';
}

const peerOf = (ev: EventOf<'net.transfer'>) =>
  ev.daddr !== undefined ? `${ev.daddr}:${ev.dport}` : (ev.endpoint ?? 'a TLS peer');

/** The host of `host:port`, `[v6]:port` or a bare host, lower case. */
function hostOf(endpoint: string): string {
  const m = /^\[([^\]]*)\]|^([^:]*)(?::\d+)?$/.exec(endpoint);
  return (m?.[1] ?? m?.[2] ?? endpoint).toLowerCase();
}

const NS_PER_S = 1e9;

/**
 * A retrieval that returned data, then a large transfer to a new peer from
 * the same process tree (the topmost ancestor within the workload) within
 * `windowSeconds`: the corpus leaving. "Large" is `minBytes` sent on one
 * connection (default `LARGE_EGRESS_BYTES`, 256 KiB); "new" is a peer the
 * workload's baseline does not cover, or any non-local peer when the
 * workload has no baseline. A model endpoint the workload called
 * (`model.call`) is not egress: prompts carry what was retrieved by design.
 * Transfers come from payload capture (`net.transfer`).
 */
export const retrievalThenEgress = defineRule({
  meta: {
    id: 'vigil.rag.retrieval-then-egress',
    title: 'Retrieval followed by a large transfer to a new peer',
    description:
      'A process retrieved documents from a vector store or database, then the same process tree sent `minBytes` or more (default 262,144) on one connection to a peer its baseline never used (any non-local peer without a baseline) within `windowSeconds` (default 600). Model endpoints the workload called are not counted. Needs payload capture (`net.transfer` events). The finding carries both events, so it becomes an incident.',
    severity: 'high',
    version: '1.1.0',
    areas: ['exfiltration', 'network-egress'],
    tags: {
      owaspLlm: ['LLM02'],
      owaspAgentic: ['ASI02'],
      atlas: ['AML.T0025', 'AML.T0057'],
      attack: ['T1041'],
    },
    rationale:
      'An agent that reads the corpus and then ships a large body to a new destination is the data-exfiltration half of a RAG injection.',
    falsePositives: 'An export job that legitimately uploads what it retrieved.',
    tuning:
      'Learn the destination into the baseline, raise `minBytes`, or add an exception for the workload.',
    params: { minBytes: LARGE_EGRESS_BYTES, windowSeconds: 600 },
  },
  kinds: ['retrieval', 'net.transfer', 'model.call'],
  onEvent(ev, ctx) {
    if (ev.kind === 'model.call') {
      if (ev.endpoint !== undefined) ctx.state.set(`model:${hostOf(ev.endpoint)}`, true);
      return;
    }
    const root = ctx.processes.root(ev.pid);
    if (ev.kind === 'retrieval') {
      if ((ev.operation ?? 'query') === 'query' && ev.error === undefined && ev.documents !== 0)
        ctx.state.set(`retrieved:${root}`, ev);
      return;
    }
    if (ev.kind !== 'net.transfer' || ev.bytesSent < (ctx.params['minBytes'] ?? LARGE_EGRESS_BYTES)) return;
    const r = ctx.state.get<EventOf<'retrieval'>>(`retrieved:${root}`);
    if (r === undefined || ev.ts - r.ts > (ctx.params['windowSeconds'] ?? 600) * NS_PER_S) return;
    for (const host of [ev.daddr, ev.endpoint === undefined ? undefined : hostOf(ev.endpoint)])
      if (host !== undefined && ctx.state.get<boolean>(`model:${host.toLowerCase()}`) === true) return;
    if (!newPeer(ev, ctx)) return;
    ctx.report({
      subject: peerOf(ev),
      summary: `${r.comm}[${r.pid}] retrieved from ${r.store ?? 'store'}/${r.dataSource}${r.documents !== undefined ? ` (${countOf(r.documents, 'row')})` : ''}, then ${ev.comm}[${ev.pid}] of the same process tree sent ${ev.bytesSent} bytes to ${peerOf(ev)}, a peer it never used while learning, ${formatDuration((ev.ts - r.ts) / NS_PER_S)} later`,
      events: [r, ev],
      riskReasons: [`${ev.bytesSent} bytes sent after a retrieval`],
    });
  },
});
