import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VigilError } from '../errors/vigil-error.js';
import { inputLimits } from '../limits/input-limits.js';
import {
  type DocumentLimits,
  type LoadedObject,
  loadDocuments,
  loadDocumentsAbortable,
  locate,
} from '../readers/documents.js';
import { readBoundedFile } from '../readers/read-bounded.js';
import { iamPolicyGrants, looksLikeIam } from './aws/iam-policy.js';
import {
  type DeclaredPermissions,
  DeclaredPermissionsSchema,
  type DeclaredSubject,
  type DeclaredWarning,
  type DeclaredWorkload,
} from './declared.js';
import { GRANT_SCHEMA_VERSION, type Grant } from './grant.js';
import { type CustomResource, KubernetesDiscovery } from './kubernetes/discovery.js';
import { type K8sObject, readKubernetesObjects } from './kubernetes/objects.js';
import { resolveRbac } from './kubernetes/rbac.js';
import { egressGrants, readWorkload, serviceAccountSubjects } from './kubernetes/workloads.js';
import { looksLikeMcp, mcpConfigGrants, readMcpToolList } from './mcp/mcp-config.js';

/** Options for {@link DeclaredPermissionsBuilder}. */
export interface DeclaredPermissionsOptions extends DocumentLimits {
  /** Subject (an ARN) for IAM identity policy documents that do not name one. */
  readonly awsSubject?: string;
  /** Client name for MCP configurations; default the file's base name. */
  readonly mcpClient?: string;
  /** Tools each MCP server offers (server → tool names), e.g. `ObservedUseDocument.toolLists`. */
  readonly toolLists?: Readonly<Record<string, readonly string[]>>;
  /** Aborts reading (between files and between chunks of a file); the call then rejects with `ABORTED`. */
  readonly signal?: AbortSignal;
}

const WORKLOAD_KINDS = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
]);

/**
 * Collects declared permissions from many inputs — Kubernetes manifests
 * (multi-document YAML, `List` objects), AWS IAM policies and MCP client
 * configurations — and resolves them together (bindings in one file, roles in
 * another) into one {@link DeclaredPermissions} document.
 *
 * @example
 * ```ts
 * import { DeclaredPermissionsBuilder } from '@vigil/core';
 *
 * const b = new DeclaredPermissionsBuilder();
 * b.add(rbacYaml, 'rbac.yaml');
 * b.add(deploymentYaml, 'deploy.yaml');
 * b.add(JSON.stringify(policy), 'role-policy.json');
 * const declared = b.build();
 * console.log(declared.grants.length);
 * ```
 */
export class DeclaredPermissionsBuilder {
  readonly #options: DeclaredPermissionsOptions;
  readonly #k8s: K8sObject[] = [];
  readonly #crds: CustomResource[] = [];
  readonly #grants: Grant[] = [];
  readonly #subjects = new Map<string, DeclaredSubject>();
  readonly #mcpConfigs: { value: unknown; file: string }[] = [];
  readonly #tools = new Map<string, string[]>();
  readonly #inputs: string[] = [];
  readonly #warnings: DeclaredWarning[] = [];

  constructor(options: DeclaredPermissionsOptions = {}) {
    this.#options = options;
    for (const [server, tools] of Object.entries(options.toolLists ?? {})) this.addToolList(server, tools);
  }

  /**
   * Adds one input's text; the format is recognised from its content. The
   * text is parsed in this thread: for a large input that an abort must be
   * able to stop, use {@link DeclaredPermissionsBuilder.addAbortable}.
   */
  add(text: string, file: string): this {
    return this.#addDocuments(loadDocuments(text, file, this.#options), file);
  }

  /**
   * Adds one input's text like {@link DeclaredPermissionsBuilder.add}, but a
   * large text (256 KiB or more) is parsed in a worker thread, so the
   * builder's `signal` stops even a long YAML parse at once (`ABORTED`, naming
   * the file).
   *
   * @example
   * ```ts
   * const b = new DeclaredPermissionsBuilder({ signal: AbortSignal.timeout(30_000) });
   * await b.addAbortable(hugeManifestText, 'cluster-dump.yaml');
   * ```
   */
  async addAbortable(text: string, file: string): Promise<this> {
    const docs = await loadDocumentsAbortable(text, file, this.#options, this.#options.signal);
    return this.#addDocuments(docs, file);
  }

  #addDocuments(docs: LoadedObject[], file: string): this {
    if (docs.length === 0)
      throw new VigilError(
        'INPUT_INVALID',
        'declared input is empty (expected Kubernetes manifests, an IAM policy or an MCP configuration)',
        { location: { file } },
      );
    this.#inputs.push(file);
    if (docs.length === 1 && looksLikeIam(docs[0]!.value)) {
      const r = iamPolicyGrants(docs[0]!.value, file, {
        ...(this.#options.awsSubject ? { subject: this.#options.awsSubject } : {}),
      });
      for (const g of r.grants) this.#grants.push(g);
      for (const s of r.subjects) this.#subjects.set(s.id, s);
      return this;
    }
    if (docs.length === 1 && looksLikeMcp(docs[0]!.value)) {
      const v = docs[0]!.value as Record<string, unknown>;
      if ('mcpServers' in v || 'servers' in v || 'mcp' in v) this.#mcpConfigs.push({ value: v, file });
      else {
        const list = readMcpToolList(v, file);
        this.addToolList(list.server, list.tools);
      }
      return this;
    }
    const { objects, skipped } = readKubernetesObjects(docs);
    for (const o of objects) this.#k8s.push(o);
    for (const s of skipped) {
      if (s.kind === 'CustomResourceDefinition') {
        const cr = customResourceOf(s.origin.value);
        if (cr) {
          this.#crds.push(cr);
          continue;
        }
      }
      const loc = locate(s.origin, ['kind']);
      this.#warnings.push({
        file: loc.file,
        path: loc.path,
        ...(loc.line ? { line: loc.line } : {}),
        message: `${s.kind} carries no permissions Vigil models; skipped`,
      });
    }
    return this;
  }

  /** Records the tools an MCP server offers (from a tools/list result or `tool.list` events). */
  addToolList(server: string, tools: readonly string[]): this {
    const known = this.#tools.get(server) ?? [];
    this.#tools.set(server, [...new Set([...known, ...tools])]);
    return this;
  }

  /** Resolves everything added so far into a validated {@link DeclaredPermissions}. */
  build(): DeclaredPermissions {
    const grants: Grant[] = [...this.#grants];
    const subjects = new Map(this.#subjects);
    const warnings = [...this.#warnings];
    const serviceAccounts = new Map<string, K8sObject>();
    for (const o of this.#k8s)
      if (o.kind === 'ServiceAccount') serviceAccounts.set(`${o.namespace ?? 'default'}/${o.name}`, o);
    const workloads: DeclaredWorkload[] = [];
    const policies = this.#k8s.filter((o) => o.kind === 'NetworkPolicy');
    for (const o of this.#k8s) {
      if (!WORKLOAD_KINDS.has(o.kind)) continue;
      const r = readWorkload(o, serviceAccounts);
      if (!r) continue;
      for (const g of r.grants) grants.push(g);
      for (const g of egressGrants(r.workload, policies, warnings)) grants.push(g);
      workloads.push(r.workload);
      subjects.set(r.workload.subject, {
        id: r.workload.subject,
        kind: 'k8s-workload',
        name: `${o.kind}/${o.name}`,
        namespace: r.workload.namespace,
      });
    }
    const saSubjects = serviceAccountSubjects(serviceAccounts, workloads);
    for (const s of saSubjects) subjects.set(s.id, s);
    const rbac = resolveRbac(this.#k8s, saSubjects, warnings, new KubernetesDiscovery(this.#crds));
    for (const g of rbac.grants) grants.push(g);
    for (const s of rbac.subjects) if (!subjects.has(s.id)) subjects.set(s.id, s);
    for (const { value, file } of this.#mcpConfigs) {
      const r = mcpConfigGrants(value, file, {
        toolsByServer: this.#tools,
        ...(this.#options.mcpClient ? { client: this.#options.mcpClient } : {}),
      });
      for (const g of r.grants) grants.push(g);
      for (const s of r.subjects) subjects.set(s.id, s);
    }
    const doc: DeclaredPermissions = {
      schemaVersion: GRANT_SCHEMA_VERSION,
      kind: 'DeclaredPermissions',
      inputs: [...this.#inputs],
      subjects: [...subjects.values()].sort((a, b) => a.id.localeCompare(b.id)),
      workloads,
      grants: dedupe(grants),
      warnings,
    };
    return DeclaredPermissionsSchema.parse(doc);
  }
}

function dedupe(grants: Grant[]): Grant[] {
  const seen = new Set<string>();
  return grants.filter((g) => {
    if (seen.has(g.id)) return false;
    seen.add(g.id);
    return true;
  });
}

const INPUT_EXT = /\.(ya?ml|json)$/i;

async function expand(path: string, out: string[], top = true): Promise<void> {
  let s: Awaited<ReturnType<typeof stat>>;
  try {
    s = await stat(path);
  } catch (cause) {
    throw new VigilError('IO', `cannot read declared input: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
  if (s.isDirectory()) {
    const before = out.length;
    const entries = (await readdir(path)).sort();
    for (const e of entries) {
      const p = join(path, e);
      const st = await stat(p);
      if (st.isDirectory()) await expand(p, out, false);
      else if (INPUT_EXT.test(e)) out.push(p);
    }
    if (top && out.length === before)
      throw new VigilError('INPUT_INVALID', 'declared input folder holds no .yaml, .yml or .json file', {
        location: { file: path },
      });
  } else out.push(path);
}

/**
 * Reads declared permissions from files and folders (folders are walked for
 * `.yaml`, `.yml` and `.json` files, in name order).
 *
 * @example
 * ```ts
 * import { loadDeclaredPermissions } from '@vigil/core';
 *
 * const declared = await loadDeclaredPermissions(['deploy/', 'iam/agent.json', 'mcp.json']);
 * for (const w of declared.workloads) console.log(w.subject, w.serviceAccount);
 * ```
 */
export async function loadDeclaredPermissions(
  paths: readonly string[],
  options: DeclaredPermissionsOptions = {},
): Promise<DeclaredPermissions> {
  const files: string[] = [];
  for (const p of paths) await expand(p, files);
  const builder = new DeclaredPermissionsBuilder(options);
  const { maxBytes } = inputLimits('declared', options);
  for (const f of files) {
    const bytes = await readBoundedFile(f, { what: 'declared input', maxBytes, signal: options.signal });
    await builder.addAbortable(bytes.toString('utf8'), f);
  }
  return builder.build();
}

/** The resource a CustomResourceDefinition serves, or undefined when it does not say (then it is warned about as skipped). */
function customResourceOf(value: unknown): CustomResource | undefined {
  const spec = (value as { spec?: unknown } | null)?.spec as Record<string, unknown> | undefined;
  if (spec === null || typeof spec !== 'object') return undefined;
  const group = spec['group'];
  const plural = (spec['names'] as Record<string, unknown> | undefined)?.['plural'];
  if (typeof group !== 'string' || typeof plural !== 'string' || group === '' || plural === '')
    return undefined;
  const subresources = new Set<string>();
  const versions = Array.isArray(spec['versions']) ? (spec['versions'] as unknown[]) : [];
  for (const v of versions) {
    const sub = (v as { subresources?: unknown } | null)?.subresources;
    if (sub !== null && typeof sub === 'object') for (const k of Object.keys(sub)) subresources.add(k);
  }
  return { group, plural, subresources: [...subresources] };
}
