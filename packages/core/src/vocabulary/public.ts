export type { SecretClass } from './credentials.js';
export { CREDENTIAL_PATHS, isCredentialPath, isServiceAccountTokenPath, secretClass } from './credentials.js';
export {
  ARGS_MARK,
  argumentPattern,
  dnsSegments,
  generaliseArg,
  generaliseSegment,
  pathSegments,
  WILDCARD,
} from './generalise.js';
export {
  ESCAPE_NAMESPACES,
  HOST_CONTROL_CAPABILITIES,
  KERNEL_CHANGING_SYSCALLS,
  PTRACE_WRITE_REQUESTS,
} from './kernel.js';
export { isFilelessPath, isOwnProcPath, isWritableTempPath, TEMP_LOCATIONS } from './locations.js';
export type { PeerAddress } from './network.js';
export {
  connectSucceeded,
  formatPeer,
  HOST_LOOPBACK_ADDRESSES,
  isLocalAddress,
  isLocalPeer,
  isMetadataAddress,
  isRuntimeControlSocket,
  isSystemServiceSocket,
  LARGE_EGRESS_BYTES,
  LOOPBACK_SERVICE_PORTS,
  SYSTEM_SERVICE_SOCKETS,
} from './network.js';
export {
  basename,
  INTERPRETERS,
  isInterpreter,
  isOrdinaryUtility,
  isShell,
  isShellExec,
  ORDINARY_UTILITIES,
  SHELLS,
} from './programs.js';
