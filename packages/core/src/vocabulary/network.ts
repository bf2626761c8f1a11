/**
 * True for an address of this host: all of 127.0.0.0/8, `::1`, their IPv4-mapped forms and the
 * unspecified addresses. Where a peer is judged as a destination (does a connect take data off the
 * host?), use {@link isLocalPeer}: not every loopback address is the host's own.
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
 * The host's own loopback addresses: `127.0.0.1` and `::1` (and the IPv4-mapped form), `127.0.1.1`
 * (the host name's address in `/etc/hosts` on Debian and Ubuntu), and the unspecified addresses
 * (a connect to `0.0.0.0` reaches this host).
 *
 * @example
 * ```ts
 * import { HOST_LOOPBACK_ADDRESSES } from '@vigil/core';
 *
 * HOST_LOOPBACK_ADDRESSES.includes('127.0.0.1'); // true
 * ```
 */
export const HOST_LOOPBACK_ADDRESSES: readonly string[] = [
  '127.0.0.1',
  '::1',
  '::ffff:127.0.0.1',
  '127.0.1.1',
  '0.0.0.0',
  '::',
];

/**
 * Ports on which any loopback address is a local service: 53, the host's stub resolvers
 * (systemd-resolved on 127.0.0.53 and 127.0.0.54, Docker's embedded DNS on 127.0.0.11).
 *
 * @example
 * ```ts
 * import { LOOPBACK_SERVICE_PORTS } from '@vigil/core';
 *
 * LOOPBACK_SERVICE_PORTS.includes(53); // true
 * ```
 */
export const LOOPBACK_SERVICE_PORTS: readonly number[] = [53];

const HOST_LOOPBACK = new Set(HOST_LOOPBACK_ADDRESSES);

/**
 * True for a peer a connect does not take data off the host through: one of the host's own loopback
 * addresses ({@link HOST_LOOPBACK_ADDRESSES}) on any port, or any other loopback address on a port
 * of {@link LOOPBACK_SERVICE_PORTS} (a stub resolver). Other 127.0.0.0/8 addresses are where
 * tunnels, forwarders and proxies listen (`ssh -L 127.0.0.4:8080:…`, a port-forward, a sidecar):
 * what is sent there may well leave the host, and an attacker who can bind a listener picks one. So
 * the chains that join a credential read or a download to egress, the incidents they raise, and the
 * engine's `remote` fact count them as egress; a tool that reads `~/.pgpass` and then connects to
 * `127.0.0.1:5432` stays local. Unix sockets are not peers here (check `family` first).
 *
 * @example
 * ```ts
 * import { isLocalPeer } from '@vigil/core';
 *
 * isLocalPeer('127.0.0.1', 5432); // true
 * isLocalPeer('127.0.0.53', 53); // true
 * isLocalPeer('127.0.0.4', 8080); // false: a loopback alias, maybe a tunnel
 * isLocalPeer('10.0.0.7', 443); // false
 * ```
 */
export function isLocalPeer(addr: string, port: number): boolean {
  if (HOST_LOOPBACK.has(addr)) return true;
  return isLocalAddress(addr) && LOOPBACK_SERVICE_PORTS.includes(port);
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
 * Unix sockets of the host's name-service and logging daemons, which the C library and system
 * libraries connect to on their own: glibc's name-service cache (nscd) on every `getpwnam`,
 * `getgrnam` and `getaddrinfo`, systemd-resolved's resolver and systemd's user database (nss-resolve
 * and nss-systemd), sssd's name-service pipe (nss_sss), and syslog and the journal (`syslog(3)`,
 * `sd_journal_print`). A program reaching one of them does so because it looked up a user or a host
 * or wrote a log line, not because it took up new activity; they answer questions and take log
 * lines, and start nothing. Not listed, on purpose: the D-Bus system bus (through it a privileged
 * caller starts units and changes the host), sssd's PAM and sudo pipes, and every container runtime
 * socket ({@link isRuntimeControlSocket}). `/var/run/…` and `/run/…` are one place.
 *
 * @example
 * ```ts
 * import { SYSTEM_SERVICE_SOCKETS } from '@vigil/core';
 *
 * SYSTEM_SERVICE_SOCKETS.includes('/run/nscd/socket'); // true
 * ```
 */
export const SYSTEM_SERVICE_SOCKETS: readonly string[] = [
  '/run/nscd/socket',
  '/run/systemd/resolve/io.systemd.Resolve',
  '/run/systemd/userdb/io.systemd.DynamicUser',
  '/run/systemd/userdb/io.systemd.Home',
  '/run/systemd/userdb/io.systemd.Machine',
  '/run/systemd/userdb/io.systemd.Multiplexer',
  '/run/systemd/userdb/io.systemd.NameServiceSwitch',
  '/var/lib/sss/pipes/nss',
  '/dev/log',
  '/run/systemd/journal/dev-log',
  '/run/systemd/journal/socket',
  '/run/systemd/journal/stdout',
];

const SYSTEM_SOCKETS = new Set(SYSTEM_SERVICE_SOCKETS);

/**
 * True for a Unix socket of {@link SYSTEM_SERVICE_SOCKETS}: host infrastructure that programs reach
 * on their own (a user or host lookup, a log line), which drift reports at low at most.
 *
 * @example
 * ```ts
 * isSystemServiceSocket('/var/run/nscd/socket'); // true
 * isSystemServiceSocket('/run/dbus/system_bus_socket'); // false
 * isSystemServiceSocket('/var/run/docker.sock'); // false
 * ```
 */
export function isSystemServiceSocket(path: string): boolean {
  return SYSTEM_SOCKETS.has(path.startsWith('/var/run/') ? path.slice(4) : path);
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
