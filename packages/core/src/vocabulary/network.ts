/**
 * True for loopback and unspecified addresses.
 *
 * @example
 * ```ts
 * isLocalAddress('127.0.0.53'); // true
 * ```
 */
export function isLocalAddress(addr: string): boolean {
  return (
    addr.startsWith('127.') ||
    addr === '::1' ||
    addr === '0.0.0.0' ||
    addr === '::' ||
    addr.startsWith('::ffff:127.')
  );
}

/**
 * True for the cloud instance metadata service.
 *
 * @example
 * ```ts
 * isMetadataAddress('169.254.169.254'); // true
 * ```
 */
export function isMetadataAddress(addr: string): boolean {
  return addr === '169.254.169.254' || addr === 'fd00:ec2::254' || addr === '::ffff:169.254.169.254';
}

/**
 * True for a successful connect, or one in progress on a non-blocking socket (-EINPROGRESS).
 *
 * @example
 * ```ts
 * connectSucceeded(-115); // true
 * ```
 */
export function connectSucceeded(result: number): boolean {
  return result >= 0 || result === -115;
}

/**
 * Unix sockets that control a container runtime or the node (Docker, containerd, CRI-O, Podman,
 * the kubelet): a process that reaches one can start privileged containers on the host.
 *
 * @example
 * ```ts
 * isRuntimeControlSocket('/var/run/docker.sock'); // true
 * isRuntimeControlSocket('/var/run/nscd/socket'); // false
 * ```
 */
export function isRuntimeControlSocket(path: string): boolean {
  return /(?:^|\/)(?:docker|containerd|crio|cri-dockerd|podman|dockershim)\.sock$|\/kubelet\/.*\.sock$/.test(
    path,
  );
}

/**
 * Bytes sent on one connection from which egress counts as large (256 KiB):
 * the default of the RAG pack's retrieval-then-egress rule, and what raises an
 * incident whose chain has a retrieval followed by such a transfer to high.
 *
 * @example
 * ```ts
 * import { LARGE_EGRESS_BYTES } from '@vigil/core';
 *
 * if (ev.kind === 'net.transfer' && ev.bytesSent >= LARGE_EGRESS_BYTES) console.log('large egress');
 * ```
 */
export const LARGE_EGRESS_BYTES = 262_144;

/**
 * What {@link formatPeer} reads of a connection: the address family, the
 * address (a unix socket's path, `@name` for an abstract one), the port, and
 * the DNS name the address was resolved from, when known.
 *
 * @example
 * ```ts
 * const peer: PeerAddress = { family: 'inet', daddr: '10.0.0.7', dport: 5432 };
 * ```
 */
export interface PeerAddress {
  readonly family: 'inet' | 'inet6' | 'unix';
  readonly daddr: string;
  readonly dport: number;
  readonly dnsName?: string | undefined;
}

/**
 * How Vigil shows a network peer, everywhere one is printed: `host:port` (the
 * DNS name when known, else the address), `[v6addr]:port`, and for unix
 * sockets `unix:PATH` (`unix:@name` for an abstract socket, `unix:?` when the
 * path is unknown), never a port that unix sockets do not have.
 *
 * @example
 * ```ts
 * import { formatPeer } from '@vigil/core';
 *
 * formatPeer({ family: 'inet', daddr: '10.0.0.7', dport: 443, dnsName: 'api.openai.com' }); // 'api.openai.com:443'
 * formatPeer({ family: 'inet6', daddr: '::1', dport: 8080 }); // '[::1]:8080'
 * formatPeer({ family: 'unix', daddr: '/run/postgresql/.s.PGSQL.5432', dport: 0 }); // 'unix:/run/postgresql/.s.PGSQL.5432'
 * formatPeer({ family: 'unix', daddr: '@/containerd-shim/x.sock', dport: 0 }); // 'unix:@/containerd-shim/x.sock'
 * ```
 */
export function formatPeer(peer: PeerAddress): string {
  if (peer.family === 'unix') return `unix:${peer.daddr || '?'}`;
  if (peer.dnsName) return `${peer.dnsName}:${peer.dport}`;
  return peer.family === 'inet6' || peer.daddr.includes(':')
    ? `[${peer.daddr}]:${peer.dport}`
    : `${peer.daddr}:${peer.dport}`;
}
