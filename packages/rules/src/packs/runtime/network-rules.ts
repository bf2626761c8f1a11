import { basename, connectSucceeded, isLocalPeer } from '@vigil/core';
import { defineRule } from '../../api/rule.js';

const K8S_API_NAME = /^kubernetes(\.default(\.svc(\.cluster\.local)?)?)?\.?$/;

function isK8sApiPeer(dnsName: string | undefined, dport: number): boolean {
  return (dnsName !== undefined && K8S_API_NAME.test(dnsName)) || dport === 6443;
}

/** Kubernetes API calls or connections the baseline never saw. */
export const unexpectedK8sApi = defineRule({
  meta: {
    id: 'vigil.runtime.unexpected-k8s-api',
    title: 'Kubernetes API contacted unexpectedly',
    description:
      'A workload called the Kubernetes API with a verb and resource it never used while learning (from audit events), or connected to the API server although it never did while learning. For a baseline view without a drift detector; where drift checks the same baselines (`vigil check --baseline`, `rulesCheckDetector`), the drift rules report the call (`vigil.drift.k8s.*`) and the connect (`vigil.drift.peer.*`) once, provisional and capped against a baseline still learning, and this rule stays silent. Equivalents: Kubescape R0007 "Kubernetes client executed", Falco "Contact K8S API Server From Container", Tracee "Kubernetes API server connection detected".',
    severity: 'high',
    version: '1.1.0',
    requiresBaseline: true,
    areas: ['kubernetes-api', 'privilege-escalation'],
    tags: {
      owaspAgentic: ['ASI03'],
      owaspLlm: ['LLM06'],
      attack: ['T1613', 'T1078.004'],
      atlas: ['AML.T0012'],
    },
    equivalents: [
      'Falco: Contact K8S API Server From Container',
      'Kubescape: R0007 Kubernetes client executed',
    ],
    rationale:
      'Workloads that talk to the API server do so in a fixed way; new verbs are reconnaissance or escalation with a stolen token.',
    falsePositives:
      'Controllers whose reconcile paths the learning window did not exercise (deletes, patches).',
    tuning: 'Learn across a full reconcile cycle, or add an exception on `verb`/`resource` for the workload.',
  },
  kinds: ['k8s.api', 'net.connect'],
  facts: { 'net.connect': ['succeeded', 'inet'] },
  onEvent(ev, ctx) {
    const b = ctx.baseline!;
    // One detection per behaviour: where drift checks the same baselines, a new call or peer is its finding.
    if (b.driftReports === true) return;
    if (ev.kind === 'k8s.api') {
      if (b.seen(ev)) return;
      const what = `${ev.verb} ${ev.resource}${ev.subresource ? `/${ev.subresource}` : ''}`;
      ctx.report({
        subject: `api:${ev.verb}:${ev.resource}`,
        summary: `${ev.user} made a Kubernetes API call (${what}${ev.namespace ? ` in ${ev.namespace}` : ''}) never made while learning`,
      });
      return;
    }
    if (ev.family === 'unix' || !connectSucceeded(ev.result) || !isK8sApiPeer(ev.dnsName, ev.dport)) return;
    if (b.seen(ev)) return;
    ctx.report({
      subject: `connect:${ev.daddr}:${ev.dport}`,
      summary: `${ev.exe || ev.comm} connected to the Kubernetes API server ${ev.dnsName ?? ev.daddr}:${ev.dport}, which the workload never contacted while learning`,
    });
  },
});

const POOL_DOMAINS =
  /(^|\.)(xmrpool\.eu|minexmr\.com|supportxmr\.com|nanopool\.org|2miners\.com|f2pool\.com|herominers\.com|moneroocean\.stream|c3pool\.com|hashvault\.pro|xmrig\.com|minergate\.com|nicehash\.com|unmineable\.com|ethermine\.org|viabtc\.com|antpool\.com|poolin\.com|slushpool\.com|miningpoolhub\.com|zpool\.ca|prohashing\.com|dwarfpool\.com|monerohash\.com|pool\.minexmr\.com)\.?$/;
const POOL_PORTS = new Set([3333, 4444, 5555, 7777, 9999, 14433, 14444, 45560, 45700]);
const MINERS = new Set([
  'xmrig',
  'xmr-stak',
  'minerd',
  'cpuminer',
  'cgminer',
  'bfgminer',
  'ethminer',
  't-rex',
  'nbminer',
  'lolminer',
  'phoenixminer',
  'ccminer',
  'nanominer',
]);

/** Crypto-mining: miner binaries, stratum URLs, mining-pool names and ports. */
export const cryptoMiner = defineRule({
  meta: {
    id: 'vigil.runtime.crypto-miner',
    title: 'Crypto-miner activity',
    description:
      'A known miner binary or a stratum URL on a command line, a DNS query for a mining pool, or a connection to a mining pool (by name, or to a well-known stratum port). Equivalents: Falco "Detect outbound connections to common miner pool ports", Kubescape R1007 "XMR crypto mining detection", R1008 "Crypto mining domain communication" and R1009 "Crypto mining related port communication".',
    severity: 'high',
    version: '1.1.0',
    areas: ['resource-hijacking', 'network-egress'],
    tags: { attack: ['T1496'], owaspLlm: ['LLM10'] },
    equivalents: [
      'Falco: Detect outbound connections to common miner pool ports',
      'Kubescape: R1007 XMR crypto mining detection',
      'Kubescape: R1008 Crypto mining domain communication',
      'Kubescape: R1009 Crypto mining related port communication',
    ],
    rationale:
      'GPU inference nodes are prime mining targets; mining is the most common payload after a compromise.',
    falsePositives:
      'Services that happen to listen on ports such as 3333 or 4444 (port-only matches are reported at medium severity).',
    tuning: 'Add an exception on `daddr` and `dport` for the internal service on a pool port.',
  },
  kinds: ['process.exec', 'dns.query', 'net.connect'],
  facts: { 'net.connect': ['remote'], 'process.exec': ['succeeded'] },
  onEvent(ev, ctx) {
    if (ev.kind === 'process.exec') {
      if (ev.result !== undefined && ev.result < 0) return;
      const line = ev.argv.join(' ');
      if (
        MINERS.has(basename(ev.filename)) ||
        /stratum\+(tcp|ssl|tls):\/\//.test(line) ||
        /--donate-level\b/.test(line)
      )
        ctx.report({
          subject: `exec:${ev.filename}`,
          summary: `miner started: ${line.slice(0, 200)}`,
          severity: 'critical',
        });
      return;
    }
    if (ev.kind === 'dns.query') {
      if (POOL_DOMAINS.test(ev.name))
        ctx.report({ subject: `dns:${ev.name}`, summary: `${ev.comm} resolved mining pool ${ev.name}` });
      return;
    }
    if (ev.family === 'unix' || isLocalPeer(ev.daddr, ev.dport)) return;
    if (ev.dnsName !== undefined && POOL_DOMAINS.test(ev.dnsName)) {
      ctx.report({
        subject: `pool:${ev.dnsName}`,
        summary: `${ev.exe || ev.comm} connected to mining pool ${ev.dnsName}:${ev.dport}`,
      });
    } else if (POOL_PORTS.has(ev.dport) && connectSucceeded(ev.result)) {
      ctx.report({
        subject: `port:${ev.daddr}:${ev.dport}`,
        summary: `${ev.exe || ev.comm} connected to ${ev.daddr}:${ev.dport}, a common stratum (mining) port`,
        severity: 'medium',
      });
    }
  },
});

/** Egress to a peer the baseline never saw. */
export const unexpectedEgress = defineRule({
  meta: {
    id: 'vigil.runtime.unexpected-egress',
    title: 'Unexpected egress',
    description:
      'A workload connected to a network peer (address and port, or DNS name and port) it never connected to while learning. Local peers (the host’s own loopback, 127.0.0.1 or ::1, and stub resolvers on port 53) and Unix sockets are ignored; another 127.0.0.0/8 address, where tunnels and forwarders listen, is a peer like any other. For a baseline view without a drift detector; where drift checks the same baselines (`vigil check --baseline`, `rulesCheckDetector`), the drift rules report a new peer once (`vigil.drift.peer.*`), provisional and capped against a baseline still learning, and this rule stays silent. Equivalents: Kubescape R0005 "Unexpected domain request" and R0011 "Unexpected egress network traffic", Falco "Unexpected outbound connection destination".',
    severity: 'medium',
    version: '1.2.0',
    requiresBaseline: true,
    areas: ['network-egress', 'exfiltration', 'behaviour-drift'],
    tags: { owaspAgentic: ['ASI02'], owaspLlm: ['LLM02'], attack: ['T1041', 'T1071'], atlas: ['AML.T0025'] },
    equivalents: [
      'Kubescape: R0011 Unexpected egress network traffic',
      'Kubescape: R0005 Unexpected domain request',
    ],
    rationale:
      'Exfiltration and command-and-control need a peer; agents talk to a short, stable list of model APIs, stores and tools.',
    falsePositives:
      'CDNs and cloud APIs that rotate addresses when the DNS name is not known (run with the DNS enricher).',
    tuning:
      'Run with DNS capture so peers are matched by name; add exceptions on `dnsName` globs (e.g. `*.amazonaws.com`).',
  },
  kinds: ['net.connect'],
  facts: { 'net.connect': ['succeeded', 'remote'] },
  onEvent(ev, ctx) {
    if (ev.family === 'unix' || !connectSucceeded(ev.result) || isLocalPeer(ev.daddr, ev.dport)) return;
    // One detection per behaviour: where drift checks the same baselines, a new peer is its finding.
    if (ctx.baseline!.driftReports === true || ctx.baseline!.seen(ev)) return;
    const peer = `${ev.dnsName ?? ev.daddr}:${ev.dport}`;
    ctx.report({
      subject: peer,
      summary: `${ev.exe || ev.comm} connected to ${peer}${ev.dnsName ? ` (${ev.daddr})` : ''}, a peer never reached while learning`,
    });
  },
});
