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
