import {
  type DataStoreConfig,
  type DeclaredDataStores,
  type EventOf,
  type Evidence,
  storeExposure,
  storeReachability,
  type VigilEvent,
  workloadMatches,
} from '@vigil/core';
import { defineRule, type RuleContext } from '../../api/rule.js';

/** Whether a `retrieval` event's `store` is this declared store (OpenSearch answers the Elasticsearch API). */
function sameStore(declared: DataStoreConfig['store'], observed: string | undefined): boolean {
  if (observed === undefined) return true;
  return declared === observed || (declared === 'opensearch' && observed === 'elasticsearch');
}

function portOf(endpoint: string | undefined): number | undefined {
  const m = endpoint ? /:(\d+)$/.exec(endpoint) : null;
  return m ? Number(m[1]) : undefined;
}

function where(s: DataStoreConfig): string {
  const p = s.auth.place ?? s.source;
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}${p.key ? ` (${p.key})` : ''}`;
}

function configEvidence(s: DataStoreConfig): Evidence[] {
  const p = s.auth.place ?? s.source;
  return [
    {
      type: 'artifact',
      description: `${s.store} ${s.name}: authentication off — ${s.auth.reason}`,
      uri: p.file,
      ...(p.line !== undefined ? { line: p.line } : {}),
      ...(p.key !== undefined ? { path: p.key } : {}),
      ...(p.pointer !== undefined ? { jsonPointer: p.pointer } : {}),
    },
    ...s.trust.slice(1).map(
      (t): Evidence => ({
        type: 'artifact',
        description: `also trusted: ${t.rule}`,
        uri: t.place.file,
        ...(t.place.line !== undefined ? { line: t.place.line } : {}),
      }),
    ),
  ];
}

const who = (ev: VigilEvent) => `${ev.exe || ev.comm}[${ev.pid}] in ${ev.workload.id}`;

function observedConnection(ev: VigilEvent, open: readonly DataStoreConfig[]): DataStoreConfig[] {
  if (ev.kind === 'retrieval') {
    const port = portOf(ev.endpoint);
    return open.filter((s) => sameStore(s.store, ev.store) && (port === undefined || s.ports.includes(port)));
  }
  if (ev.kind === 'net.connect' && (ev.result === 0 || ev.result === -115))
    return open.filter((s) => s.ports.includes(ev.dport));
  return [];
}

/** The declared pods the event's workload runs as, when it is a Kubernetes workload. */
function declaredPodsOf(doc: DeclaredDataStores, ev: VigilEvent): DeclaredDataStores['pods'] {
  if (ev.workload.namespace === undefined) return [];
  return doc.pods.filter((p) => workloadMatches(ev.workload, p));
}

function reportReachable(
  ev: VigilEvent,
  ctx: RuleContext,
  doc: DeclaredDataStores,
  open: readonly DataStoreConfig[],
) {
  for (const pod of declaredPodsOf(doc, ev))
    for (const s of open) {
      if (!s.workload) continue;
      const { services, ingressPolicies } = storeExposure(doc, s);
      if (ingressPolicies.length > 0) continue;
      const r = storeReachability(doc, s, { namespace: pod.namespace, labels: pod.labels });
      if (r.reachable !== 'yes') continue;
      ctx.report({
        subject: `reachable:${s.store}:${s.workload.namespace}/${s.workload.name}:${pod.namespace}/${pod.name}`,
        summary: `${s.store} ${s.workload.namespace}/${s.workload.name} has authentication off (${where(s)}) and ${r.reason}: ${pod.kind}/${pod.name}, where ${who(ev)} runs an agent, can reach it${services.length > 0 ? ` through ${services.map((x) => `${x.type} Service ${x.name}:${x.ports.map((p) => p.port).join(',')}`).join(', ')}` : ''}`,
        events: [ev],
        evidence: [
          ...configEvidence(s),
          {
            type: 'note',
            description: `no NetworkPolicy selects the pods ${Object.entries(s.workload.podLabels)
              .map(([k, v]) => `${k}=${v}`)
              .join(
                ',',
              )} for ingress; the agent's pods (${pod.kind}/${pod.name}, ${pod.file}) are not kept out`,
          },
        ],
        riskReasons: ['declared reachable from the agent with no NetworkPolicy, no authentication'],
      });
    }
}

/**
 * An agent reaching a data store that lets anyone in: a workload was seen
 * retrieving from or connecting to a store whose declared configuration has
 * authentication off (Qdrant without `service.api_key`, Weaviate with
 * anonymous access, Milvus without `authorizationEnabled`, Elasticsearch with
 * `xpack.security.enabled: false`, OpenSearch with the security plugin
 * disabled, Chroma without an authentication provider, PostgreSQL with a
 * `trust` line in `pg_hba.conf`); or an agent's pods can reach such a store
 * because no NetworkPolicy restricts ingress to it. Needs the declared data
 * stores (`RuleEngineOptions.declared.dataStores`).
 */
export const storeWithoutAuth = defineRule({
  meta: {
    id: 'vigil.rag.store-without-auth',
    title: 'Agent reaches a data store without authentication',
    description:
      'A workload acting as an agent (it calls models or tools, or retrieves) connected to, or is declared able to reach, a vector store or database whose declared configuration lets any client in without authentication. Needs the declared data stores (`vigil check --store-config`).',
    severity: 'high',
    version: '1.0.0',
    areas: ['least-privilege', 'network-egress'],
    tags: {
      owaspLlm: ['LLM08', 'LLM02'],
      owaspAgentic: ['ASI03', 'ASI06'],
      atlas: ['AML.T0057'],
      attack: ['T1213'],
    },
    rationale:
      'Anything that can reach an unauthenticated corpus can read every document and write into what the agent retrieves; the agent itself is the proof that the store is reachable from where agents run.',
    falsePositives: 'A store bound to localhost inside a pod shared only with the agent (a sidecar).',
    tuning:
      'Turn authentication on (an API key, pg_hba.conf scram-sha-256), or restrict ingress with a NetworkPolicy to the retriever and ingest pods.',
  },
  kinds: ['retrieval', 'net.connect', 'model.call', 'tool.call'],
  onEvent(ev, ctx) {
    const doc = ctx.declared?.dataStores;
    if (!doc) return;
    const open = doc.stores.filter((s) => s.auth.state === 'off');
    if (open.length === 0) return;
    const agent = ev.kind !== 'net.connect';
    if (agent && ctx.state.get('agent') !== true) {
      ctx.state.set('agent', true);
      reportReachable(ev, ctx, doc, open);
    }
    // A bare connection counts once the workload has shown itself an agent.
    if (ev.kind === 'net.connect' && ctx.state.get('agent') !== true) return;
    for (const s of observedConnection(ev, open)) {
      const to =
        ev.kind === 'retrieval'
          ? `retrieved from ${ev.store ?? s.store} ${ev.dataSource}${ev.endpoint ? ` at ${ev.endpoint}` : ''}${ev.principal ? ` as ${ev.principal}` : ''}`
          : `connected to ${(ev as EventOf<'net.connect'>).daddr}:${(ev as EventOf<'net.connect'>).dport}`;
      ctx.report({
        subject: `observed:${s.store}:${s.source.file}:${s.name}`,
        summary: `${who(ev)} ${to}; the ${s.store} configuration ${s.name} has authentication off: ${s.auth.reason} (${where(s)})`,
        events: [ev],
        evidence: configEvidence(s),
        riskReasons: ['observed: the agent reached it'],
      });
    }
  },
});
