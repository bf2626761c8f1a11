import {
  describePattern,
  isLocalAddress,
  isRuntimeControlSocket,
  isSystemServiceSocket,
  type UncoveredObservation,
} from '@vigil/core';
import { defineDriftRule } from '../../api/drift-rule.js';
import { DRIFT_NOTES } from './notes.js';

const VERSION = '1.0.0';
const PEER_KINDS = ['net.connect'] as const;

function egressTarget(segs: readonly string[]): string {
  return describePattern('peers', segs).replace(/^egress (\S+) (.*)$/, '$2 ($1)');
}

/** For an egress observation: the host kind, where the host ends and how much of it is known. */
function egress(
  u: UncoveredObservation,
): { kind: string; hostKnown: boolean; hostMatched: number } | undefined {
  const segs = u.observation.segments;
  if (segs[0] !== 'egress') return undefined;
  const kind = segs[2] ?? '';
  const hostEnd = segs.length - (kind === 'unix' ? 0 : 1);
  const depth = u.coverage.depth ?? 0;
  return { kind, hostKnown: depth >= hostEnd, hostMatched: depth - 3 };
}

/** A known host reached on a new port. */
export const newPort = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.peer.new-port',
    title: 'Known host, new port',
    description: 'The workload connected to a host it used while learning, on a port it never used.',
    severity: 'medium',
    version: VERSION,
    areas: ['behaviour-drift', 'network-egress'],
    tags: { attack: ['T1571'] },
  },
  domain: 'peers',
  kinds: PEER_KINDS,
  assess(u) {
    if (egress(u)?.hostKnown !== true) return undefined;
    return {
      what: `connected to a known host on a new port (${describePattern('peers', u.observation.segments)})`,
    };
  },
});

/** A new host under a DNS domain the workload already used. */
export const newSubdomain = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.peer.new-subdomain',
    title: 'New host under a known domain',
    description: 'The workload connected to a new host under a domain it connected to while learning.',
    severity: 'low',
    version: VERSION,
    areas: ['behaviour-drift', 'network-egress'],
  },
  domain: 'peers',
  kinds: PEER_KINDS,
  assess(u) {
    const e = egress(u);
    if (e === undefined || e.hostKnown || e.kind !== 'dns' || e.hostMatched < 2) return undefined;
    const segs = u.observation.segments;
    return {
      what: `connected to ${egressTarget(segs)}, a new host under the known domain ${[...segs.slice(3, 3 + e.hostMatched)].reverse().join('.')}`,
    };
  },
});

/** A new address in a /24 the workload already used. */
export const newAddressInKnownRange = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.peer.new-address-in-known-range',
    title: 'New address in a known range',
    description:
      "The workload connected to a new IPv4 address in a /24 it connected to while learning: a neighbour of a known peer (another replica, a rotated address of the same provider). Not for loopback: every address of 127.0.0.0/8 is this host, and a new one (127.0.0.2 where learning saw the model server on 127.0.0.1) is a separate endpoint, another service or a listener an attacker bound, not a neighbour of the workload's known local services. A new loopback peer is judged as new egress (`vigil.drift.peer.new-egress-address`, high).",
    severity: 'low',
    version: '1.1.0',
    areas: ['behaviour-drift', 'network-egress'],
  },
  domain: 'peers',
  kinds: PEER_KINDS,
  assess(u, ev) {
    const e = egress(u);
    if (e === undefined || e.hostKnown || e.kind !== 'ip4' || e.hostMatched < 3) return undefined;
    if (isLocalAddress(ev.daddr)) return undefined;
    return {
      what: `connected to ${egressTarget(u.observation.segments)}, a new address in a /24 it already used`,
    };
  },
});

const egressTags = { attack: ['T1071', 'T1041'], owaspAgentic: ['ASI10'] };
const egressDescription = (what: string) =>
  `The workload connected out to ${what} it never used while learning (nor any host under the same domain or /24).`;
/** New egress to an address: loopback aliases included (see `vigil.drift.peer.new-address-in-known-range`). */
const egressAddressDescription = `${egressDescription('an address')} A loopback address counts: a process connecting to 127.0.0.2 where the workload only ever reached its own services on 127.0.0.1 talks to an endpoint it never used, and whatever listens there can pass data on, so it is high like any new peer; the workload's known local services are covered by the baseline and not reported.`;

/** Egress to a DNS name the workload never used. */
export const newEgressDomain = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.peer.new-egress-domain',
    title: 'New egress domain',
    description: egressDescription('a domain'),
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift', 'network-egress'],
    tags: egressTags,
  },
  domain: 'peers',
  kinds: PEER_KINDS,
  assess(u) {
    const e = egress(u);
    if (e === undefined || e.hostKnown || e.kind !== 'dns') return undefined;
    return {
      what: `connected out to ${egressTarget(u.observation.segments)}, a destination it never used while learning`,
    };
  },
});

/**
 * A Unix socket the workload never connected to: local IPC, not egress (the name-service cache,
 * D-Bus, a local database). A container runtime's or the kubelet's socket is critical: whoever
 * reaches it can start privileged containers on the host.
 */
export const newLocalSocket = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.peer.new-local-socket',
    title: 'New local socket',
    description:
      "The workload connected to a Unix socket it never used while learning. This is local IPC, not egress: low, except the control socket of a container runtime or the kubelet (docker.sock, containerd.sock, crio.sock, podman.sock), which is critical. A system name-service or logging socket (nscd, systemd-resolved, sssd's name service, syslog and the journal: the shared vocabulary's `SYSTEM_SERVICE_SOCKETS`) is named as such: programs reach those on their own when they look up a user or host or log a line.",
    severity: 'low',
    version: VERSION,
    areas: ['behaviour-drift'],
    falsePositives:
      'A program resolving names through nscd or talking to D-Bus on a code path learning missed.',
  },
  domain: 'peers',
  kinds: PEER_KINDS,
  assess(u, ev) {
    const e = egress(u);
    if (e === undefined || e.hostKnown || ev.family !== 'unix') return undefined;
    const runtime = isRuntimeControlSocket(ev.daddr);
    const system = !runtime && isSystemServiceSocket(ev.daddr);
    return {
      ...(runtime
        ? {
            severity: 'critical' as const,
            title: 'New connection to a container runtime socket',
            tags: { attack: ['T1610'] },
          }
        : system
          ? { title: 'System service socket' }
          : {}),
      what: `connected to the Unix socket ${ev.daddr}, which it never used while learning${runtime ? ': a container runtime control socket' : system ? ' (a system name-service or logging socket)' : ''}`,
    };
  },
});

/** Egress to an address the workload never used. */
export const newEgressAddress = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.peer.new-egress-address',
    title: 'New egress address',
    description: egressAddressDescription,
    severity: 'high',
    version: '1.1.0',
    areas: ['behaviour-drift', 'network-egress'],
    tags: egressTags,
  },
  domain: 'peers',
  kinds: PEER_KINDS,
  assess(u) {
    const e = egress(u);
    if (e === undefined || e.hostKnown) return undefined;
    return {
      what: `connected out to ${egressTarget(u.observation.segments)}, a destination it never used while learning`,
    };
  },
});

/** A new client on a port the workload already served. */
export const newClient = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.peer.new-client',
    title: 'New client on a known port',
    description: 'The workload accepted a connection from a new client on a port it served while learning.',
    severity: 'low',
    version: VERSION,
    areas: ['behaviour-drift'],
  },
  domain: 'peers',
  kinds: ['net.accept'],
  assess(u) {
    if (u.observation.segments[0] !== 'ingress' || (u.coverage.depth ?? 0) < 3) return undefined;
    return {
      what: `accepted ${describePattern('peers', u.observation.segments)}, a new client on a port it already served`,
    };
  },
});

/** An inbound connection on a port the workload never served. */
export const newIngressPort = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.peer.new-ingress-port',
    title: 'Inbound connection on a new port',
    description: 'The workload accepted a connection on a port it never served while learning.',
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift'],
    tags: { attack: ['T1133'] },
  },
  domain: 'peers',
  kinds: ['net.accept'],
  assess(u) {
    if (u.observation.segments[0] !== 'ingress') return undefined;
    return {
      what: `accepted ${describePattern('peers', u.observation.segments)}, on a port it never served while learning`,
    };
  },
});

/** A socket bound or listening where the workload never listened. */
export const newListener = defineDriftRule({
  meta: {
    ...DRIFT_NOTES,
    id: 'vigil.drift.peer.new-listener',
    title: 'New listening socket',
    description: 'The workload bound or listened on an address and port it never used while learning.',
    severity: 'high',
    version: VERSION,
    areas: ['behaviour-drift'],
    tags: { attack: ['T1571'] },
  },
  domain: 'peers',
  kinds: ['net.bind', 'net.listen'],
  assess(u) {
    if (u.observation.segments[0] !== 'listen') return undefined;
    return {
      what: `listened on ${describePattern('peers', u.observation.segments)}, which it never did while learning`,
    };
  },
});
