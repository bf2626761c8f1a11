/**
 * The containers a Kubernetes object or a Compose file declares, with what they run: the one
 * reading of pod templates and Compose services that the inference-server scanner and the
 * data-store readers share.
 */

import { documentRecord, scalarNumber, scalarText } from '../../readers/document-value.js';

const MAX_DEPTH = 64;

/**
 * One container a manifest declares: its command line, environment and image, where it sits
 * in the document, and (for Kubernetes) the pods it runs in.
 *
 * @example
 * ```ts
 * import { containersOfDocument, type ManifestContainer } from '@vigil/core';
 *
 * const found: ManifestContainer[] = containersOfDocument({ services: { db: { image: 'postgres:16' } } });
 * ```
 */
export interface ManifestContainer {
  readonly format: 'kubernetes' | 'compose';
  /** The container or Compose service name. */
  readonly name: string;
  /** `command` then `args` (Kubernetes), or `entrypoint` then `command` (Compose); strings are split like a shell. */
  readonly argv: string[];
  /** Environment; a value set from a Secret or ConfigMap reads `(valueFrom)`, one from the host `(from the host environment)`. */
  readonly env: Record<string, string>;
  readonly image?: string;
  /** Path of the container (Kubernetes) or service (Compose) inside its document. */
  readonly path: (string | number)[];
  /** The environment is partly out of sight (Kubernetes `envFrom`, Compose `env_file`). */
  readonly envIncomplete: boolean;
  /** Kubernetes: the object, and the labels and service account of the pods it makes. */
  readonly owner?: {
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
    readonly podLabels: Record<string, string>;
    readonly serviceAccount?: string;
  };
  /** Ports the container declares (`containerPort`) or a Compose service publishes (`host:port` → container port). */
  readonly ports: { readonly port: number; readonly hostIp?: string; readonly hostPort?: number }[];
}

/**
 * Splits a command string like a POSIX shell would for the simple cases
 * (whitespace, single and double quotes, backslash escapes); no expansion.
 *
 * @example
 * ```ts
 * splitCommandLine(`vllm serve "org/model" --host 0.0.0.0`); // ['vllm', 'serve', 'org/model', '--host', '0.0.0.0']
 * ```
 */
export function splitCommandLine(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let any = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      any = true;
    } else if (/\s/.test(c)) {
      if (cur !== '' || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (cur !== '' || any) out.push(cur);
  return out;
}

function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return splitCommandLine(v);
  if (Array.isArray(v)) return v.map(scalarText);
  return undefined;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function stringRecord(v: unknown): Record<string, string> {
  const out = documentRecord<string>();
  for (const [k, x] of Object.entries(record(v) ?? {})) if (typeof x === 'string') out[k] = x;
  return out;
}

function k8sEnv(c: Record<string, unknown>): Record<string, string> {
  const env = documentRecord<string>();
  const list = c['env'];
  if (!Array.isArray(list)) return env;
  for (const e of list) {
    const r = record(e);
    if (!r || typeof r['name'] !== 'string') continue;
    const value = r['value'];
    // A value from a Secret or ConfigMap is set, but not visible here.
    env[r['name']] = value !== undefined ? scalarText(value) : '(valueFrom)';
  }
  return env;
}

function composeEnv(v: unknown): Record<string, string> {
  const env = documentRecord<string>();
  if (Array.isArray(v)) {
    for (const e of v) {
      if (typeof e !== 'string') continue;
      const i = e.indexOf('=');
      if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
      else env[e] = '(from the host environment)';
    }
  } else
    for (const [k, x] of Object.entries(record(v) ?? {}))
      env[k] = x === null || x === undefined ? '(from the host environment)' : scalarText(x);
  return env;
}

function k8sPorts(c: Record<string, unknown>): ManifestContainer['ports'] {
  const out: { port: number; hostIp?: string; hostPort?: number }[] = [];
  for (const p of Array.isArray(c['ports']) ? c['ports'] : []) {
    const r = record(p);
    if (!r || typeof r['containerPort'] !== 'number') continue;
    out.push({
      port: r['containerPort'],
      ...(typeof r['hostPort'] === 'number' ? { hostPort: r['hostPort'] } : {}),
      ...(typeof r['hostIP'] === 'string' ? { hostIp: r['hostIP'] } : {}),
    });
  }
  return out;
}

/** Compose `ports`: `"6333"`, `"6333:6333"`, `"127.0.0.1:5432:5432/tcp"`, or the long form. */
function composePorts(v: unknown): ManifestContainer['ports'] {
  const out: { port: number; hostIp?: string; hostPort?: number }[] = [];
  for (const p of Array.isArray(v) ? v : []) {
    const r = record(p);
    if (r) {
      const port = scalarNumber(r['target']);
      if (!Number.isInteger(port)) continue;
      const hostPort = scalarNumber(r['published']);
      out.push({
        port,
        ...(Number.isInteger(hostPort) ? { hostPort } : {}),
        ...(typeof r['host_ip'] === 'string' ? { hostIp: r['host_ip'] } : {}),
      });
      continue;
    }
    if (typeof p !== 'string' && typeof p !== 'number') continue;
    let text = String(p).replace(/\/(tcp|udp|sctp)$/, '');
    let hostIp: string | undefined;
    const v6 = /^\[([^\]]+)\]:(.*)$/.exec(text);
    if (v6) {
      hostIp = v6[1];
      text = v6[2]!;
    }
    const parts = text.split(':');
    if (parts.length > 3 || parts.some((x) => x === '' && parts.length > 1)) continue;
    if (parts.length === 3) hostIp = parts.shift();
    const num = (x: string) => (/^\d+(-\d+)?$/.test(x) ? Number(x.split('-')[0]) : undefined);
    const port = num(parts.at(-1)!);
    const hostPort = parts.length === 2 ? num(parts[0]!) : undefined;
    if (port === undefined || (parts.length === 2 && hostPort === undefined)) continue;
    out.push({
      port,
      ...(hostPort !== undefined ? { hostPort } : {}),
      ...(hostIp !== undefined && hostIp !== '' ? { hostIp } : {}),
    });
  }
  return out;
}

interface Walk {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  labels: Record<string, string>;
}

// Every container of a Kubernetes object, wherever its kind nests the pod template; the labels
// of the innermost object with both `metadata` and `spec` are the pods' labels.
function walk(
  node: unknown,
  path: (string | number)[],
  owner: Walk,
  out: ManifestContainer[],
  depth: number,
): void {
  if (depth > MAX_DEPTH || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((v, i) => {
      walk(v, [...path, i], owner, out, depth + 1);
    });
    return;
  }
  const obj = node as Record<string, unknown>;
  const meta = record(obj['metadata']);
  const here: Walk = meta && record(obj['spec']) ? { ...owner, labels: stringRecord(meta['labels']) } : owner;
  for (const [k, v] of Object.entries(obj)) {
    if ((k === 'containers' || k === 'initContainers') && Array.isArray(v)) {
      const sa = obj['serviceAccountName'] ?? obj['serviceAccount'];
      v.forEach((c, i) => {
        const r = record(c);
        if (!r) return;
        out.push({
          format: 'kubernetes',
          name: typeof r['name'] === 'string' ? r['name'] : `container ${i}`,
          argv: [...(strings(r['command']) ?? []), ...(strings(r['args']) ?? [])],
          env: k8sEnv(r),
          ...(typeof r['image'] === 'string' ? { image: r['image'] } : {}),
          path: [...path, k, i],
          envIncomplete: r['envFrom'] !== undefined,
          owner: {
            kind: owner.kind,
            name: owner.name,
            ...(owner.namespace !== undefined ? { namespace: owner.namespace } : {}),
            podLabels: here.labels,
            ...(typeof sa === 'string' ? { serviceAccount: sa } : {}),
          },
          ports: k8sPorts(r),
        });
      });
    } else walk(v, [...path, k], here, out, depth + 1);
  }
}

/**
 * The containers one parsed YAML document declares: a Kubernetes object of any workload kind
 * (containers and init containers, wherever the kind nests its pod template) or a Compose file
 * (`services`). Anything else declares none.
 *
 * @example
 * ```ts
 * import { containersOfDocument } from '@vigil/core';
 *
 * for (const c of containersOfDocument(deployment)) console.log(c.name, c.image, c.owner?.podLabels);
 * ```
 */
export function containersOfDocument(doc: unknown): ManifestContainer[] {
  const obj = record(doc);
  if (!obj) return [];
  const out: ManifestContainer[] = [];
  if (typeof obj['kind'] === 'string') {
    const meta = record(obj['metadata']) ?? {};
    walk(
      obj,
      [],
      {
        kind: obj['kind'],
        name: typeof meta['name'] === 'string' ? meta['name'] : '',
        namespace: typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined,
        labels: stringRecord(meta['labels']),
      },
      out,
      0,
    );
    return out;
  }
  for (const [name, svc] of Object.entries(record(obj['services']) ?? {})) {
    const s = record(svc);
    if (!s) continue;
    out.push({
      format: 'compose',
      name,
      argv: [...(strings(s['entrypoint']) ?? []), ...(strings(s['command']) ?? [])],
      env: composeEnv(s['environment']),
      ...(typeof s['image'] === 'string' ? { image: s['image'] } : {}),
      path: ['services', name],
      envIncomplete: s['env_file'] !== undefined,
      ports: composePorts(s['ports']),
    });
  }
  return out;
}
