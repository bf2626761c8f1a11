/**
 * Vigil live capture: a Node-API addon over libbpf with CO-RE tracepoint
 * programs (process exec/fork/exit, file opens, connect/accept/bind/listen,
 * DNS queries, privilege and namespace changes, ptrace, module and BPF loads,
 * memfd), in-kernel cgroup filtering and dedup, a ring-buffer poll thread
 * that hands batches to JavaScript, and feature probing. `Sensor` is an
 * `EventSource` for `@vigil/core`.
 *
 * @packageDocumentation
 */

export type { DecodeContext, DecodedBatch } from './decode/decoder.js';
export { RecordDecoder } from './decode/decoder.js';
export type { DnsAnswer, DnsQuestion } from './decode/dns.js';
export { parseDnsQuery, parseDnsResponse } from './decode/dns.js';
export type {
  AppliedPolicy,
  EnforcementMode,
  EnforcerOptions,
  ExecEnforcement,
  PolicyViolationEvent,
} from './enforcer.js';
export { Enforcer } from './enforcer.js';
export type { CapturePrivileges } from './preflight.js';
export { assertCapturePrerequisites, capturePrivileges } from './preflight.js';
export type { EnforcementFeatures, FeatureStatus, ProbeFeature, ProbeReport, RecordPath } from './probe.js';
export { PROBE_FEATURES, PROBE_SCHEMA_VERSION, probe } from './probe.js';
export type { ResponseTarget } from './responses.js';
export { enforcementResponses } from './responses.js';
// The schemas, typed by the structural VigilSchema (zod-typed: the `/schemas` subpath).
export * from './schemas/public.js';
export type { SensorOptions, SensorStats } from './sensor.js';
export { DEFAULT_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES, Sensor } from './sensor.js';
export type { SslFunction, TlsTarget } from './tls-targets.js';
export {
  findTlsTargets,
  isSslLibraryPath,
  parseLdconfigSsl,
  SSL_FUNCTIONS,
  sslExports,
  sslSymbolOffsets,
  systemSslLibraries,
} from './tls-targets.js';
export type { WorkloadCgroupOptions, WorkloadProcess } from './workload-cgroup.js';
export { WorkloadCgroup } from './workload-cgroup.js';
