import { z } from 'zod';
import type { ValidationIssue } from '../../errors/vigil-error.js';
import { safeParseDocument } from '../../readers/document-value.js';
import { lazySchema } from '../../schemas/lazy.js';
import { IamPolicyDocumentSchema } from '../aws/iam-policy.js';
import type { DeclaredPermissions } from '../declared.js';
import type { GapReport } from '../gap/report.js';
import { validateKubernetesObject } from '../kubernetes/schema-validate.js';
import type { ObservedUseDocument } from '../observed/use.js';
import { grantStatements } from '../table-privileges.js';
import {
  LEAST_PRIVILEGE_SCHEMA_VERSION,
  type LeastPrivilege,
  type LeastPrivilegeArtifact,
} from './artifact.js';
import { type IamGenerationOptions, leastPrivilegeIam } from './iam.js';
import { leastPrivilegeRbac } from './rbac.js';
import { leastPrivilegeNetworkPolicy, leastPrivilegeWorkload } from './workload.js';

/**
 * An MCP tool allowlist: per server, the tools an agent may call. Servers
 * the agent never used are listed under `unusedServers` to remove.
 *
 * @example
 * ```ts
 * import { McpToolAllowlistSchema } from '@vigil/core';
 *
 * McpToolAllowlistSchema.parse({ schemaVersion: 1, kind: 'McpToolAllowlist', client: 'claude',
 *   servers: { fs: { allowedTools: ['read_file'] } }, unusedServers: ['github'] });
 * ```
 */
export const McpToolAllowlistSchema = lazySchema(() =>
  z
    .object({
      schemaVersion: z.literal(1),
      kind: z.literal('McpToolAllowlist'),
      client: z.string(),
      servers: z.record(z.string(), z.object({ allowedTools: z.array(z.string().min(1)) }).strict()),
      unusedServers: z.array(z.string()),
    })
    .strict(),
);
/** @see {@link McpToolAllowlistSchema} */
export interface McpToolAllowlist {
  schemaVersion: 1;
  kind: 'McpToolAllowlist';
  client: string;
  servers: Record<
    string,
    {
      allowedTools: string[];
    }
  >;
  unusedServers: string[];
}

/** Options for {@link generateLeastPrivilege}. */
export interface LeastPrivilegeOptions extends IamGenerationOptions {}

function fileSafe(s: string): string {
  return (
    s
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 120) || 'subject'
  );
}

function k8sIssues(
  objects: readonly Record<string, unknown>[],
): { path: (string | number)[]; message: string }[] {
  return objects.flatMap((o, i) =>
    validateKubernetesObject(o).map((x: ValidationIssue) => ({ path: [i, ...x.path], message: x.message })),
  );
}

/**
 * Generates least-privilege artifacts from a gap report: for every workload
 * whose domain was observed, a tightened Role/ClusterRole (per service
 * account), an IAM policy (per AWS identity), a NetworkPolicy egress block,
 * the workload manifest with a tightened security context, and an MCP tool
 * allowlist (per client). Each artifact is validated for its consumer —
 * Kubernetes objects against the API's OpenAPI schema, IAM policies against
 * the policy grammar — and carries the issues found (none when valid).
 * Domains that were not observed produce nothing: no evidence, no advice.
 *
 * @example
 * ```ts
 * import { analyzeGaps, generateLeastPrivilege } from '@vigil/core';
 *
 * const report = analyzeGaps(declared, observed);
 * const { artifacts } = generateLeastPrivilege(declared, report, observed);
 * for (const a of artifacts) console.log(a.fileName, a.notes.join('; '));
 * ```
 */
export function generateLeastPrivilege(
  declared: DeclaredPermissions,
  report: GapReport,
  observed?: ObservedUseDocument,
  options: LeastPrivilegeOptions = {},
): LeastPrivilege {
  const artifacts: LeastPrivilegeArtifact[] = [];
  for (const wg of report.workloads) {
    const dom = (d: string) => wg.domains.find((x) => x.domain === d);
    const k8s = dom('kubernetes-api');
    if (k8s?.observed) {
      for (const sa of wg.subjects.filter((s) => s.startsWith('k8s:serviceaccount:'))) {
        const grants = declared.grants.filter((g) => g.subject === sa && g.domain === 'kubernetes-api');
        if (grants.length === 0) continue;
        const m = /^k8s:serviceaccount:([^/]+)\/(.+)$/.exec(sa)!;
        const { objects, notes } = leastPrivilegeRbac(
          { namespace: m[1]!, name: m[2]! },
          k8s.uses.filter((u) => u.subject === sa),
          grants,
        );
        if (objects.length === 0)
          notes.push(
            `no API call by ${m[1]}/${m[2]} was observed: remove its bindings (and its token mount)`,
          );
        artifacts.push({
          kind: 'kubernetes-rbac',
          workload: wg.id,
          subject: sa,
          fileName: `rbac-${fileSafe(`${m[1]}-${m[2]}`)}.yaml`,
          format: 'yaml',
          content: objects,
          notes,
          issues: k8sIssues(objects),
        });
      }
    }
    const cloud = dom('cloud-api');
    if (cloud?.observed) {
      for (const subject of wg.subjects.filter((s) => s.startsWith('aws:') || s.startsWith('aws-policy:'))) {
        const grants = declared.grants.filter((g) => g.subject === subject && g.domain === 'cloud-api');
        if (grants.length === 0) continue;
        const { document, notes } = leastPrivilegeIam(
          cloud.uses.filter((u) => u.subject === subject),
          grants,
          options,
        );
        const r = safeParseDocument(IamPolicyDocumentSchema, document);
        const emptyPolicy =
          (Array.isArray(document.Statement) ? document.Statement : [document.Statement]).length === 0;
        if (emptyPolicy) notes.push(`no call by ${subject} was observed: detach its policies`);
        artifacts.push({
          kind: 'iam-policy',
          workload: wg.id,
          subject,
          fileName: `iam-${fileSafe(subject.replace(/^aws(-policy)?:/, ''))}.json`,
          format: 'json',
          content: document as unknown as Record<string, unknown>,
          notes,
          issues: r.success
            ? emptyPolicy
              ? [{ path: ['Statement'], message: 'IAM rejects a policy without statements: detach instead' }]
              : []
            : r.error.issues.map((i) => ({
                path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
                message: i.message,
              })),
        });
      }
    }
    const w = declared.workloads.find((x) => x.subject === wg.id);
    const egress = dom('network-egress');
    if (w && egress?.observed) {
      const { object, notes } = leastPrivilegeNetworkPolicy(
        w,
        egress.uses,
        declared.grants.filter((g) => g.subject === w.subject),
      );
      artifacts.push({
        kind: 'network-policy',
        workload: wg.id,
        subject: w.subject,
        fileName: `netpol-${fileSafe(`${w.namespace}-${w.name}`)}.yaml`,
        format: 'yaml',
        content: [object],
        notes,
        issues: k8sIssues([object]),
      });
    }
    if (w && wg.observedAs.length > 0) {
      const uses = wg.domains.flatMap((d) => d.uses);
      const uids = wg.observedAs.flatMap((r) => observed?.uids[`workload:${r.id}`] ?? []);
      const saCalls = (k8s?.uses ?? []).filter((u) => u.subject === w.serviceAccount).length;
      const { object, notes } = leastPrivilegeWorkload(w, uses, {
        uids,
        kubernetesApiCalls: saCalls,
        kubernetesApiObserved: k8s?.observed ?? false,
      });
      artifacts.push({
        kind: 'workload-security',
        workload: wg.id,
        subject: w.subject,
        fileName: `workload-${fileSafe(`${w.namespace}-${w.kind}-${w.name}`)}.yaml`,
        format: 'yaml',
        content: [object],
        notes,
        issues: k8sIssues([object]),
      });
    }
    const data = dom('data-access');
    if (data?.observed) {
      for (const subject of wg.subjects.filter((s) => s.startsWith('pg:role:'))) {
        const role = subject.slice('pg:role:'.length);
        const uses = data.uses.flatMap((u) =>
          u.subject === subject && u.target.domain === 'data-access'
            ? [{ table: u.target.table, privilege: u.action }]
            : [],
        );
        const statements = grantStatements(role, uses);
        const notes = [
          `revoke the role's table privileges first (REVOKE ALL ON ALL TABLES IN SCHEMA … FROM ${role}), then apply these`,
        ];
        if (statements.length === 0)
          notes.push(`no statement by ${role} was observed: it needs no table privilege`);
        artifacts.push({
          kind: 'postgresql-grants',
          workload: wg.id,
          subject,
          fileName: `grants-${fileSafe(role)}.sql`,
          format: 'sql',
          content: statements.map((x) => `${x}\n`).join(''),
          notes,
          issues: [],
        });
      }
    }
    const mcp = dom('mcp-tool');
    if (mcp?.observed) {
      for (const client of wg.subjects.filter((s) => s.startsWith('mcp:'))) {
        const grants = declared.grants.filter((g) => g.subject === client && g.domain === 'mcp-tool');
        if (grants.length === 0) continue;
        const servers: Record<string, { allowedTools: string[] }> = {};
        for (const u of mcp.uses) {
          if (u.target.domain !== 'mcp-tool') continue;
          const { server, tool } = u.target;
          if (!grants.some((g) => g.target.domain === 'mcp-tool' && g.target.server === server)) continue;
          const s = servers[server] ?? { allowedTools: [] };
          servers[server] = s;
          if (!s.allowedTools.includes(tool)) s.allowedTools.push(tool);
        }
        for (const s of Object.values(servers)) s.allowedTools.sort();
        const declaredServers = [
          ...new Set(grants.map((g) => (g.target.domain === 'mcp-tool' ? g.target.server : ''))),
        ];
        const doc: McpToolAllowlist = {
          schemaVersion: 1,
          kind: 'McpToolAllowlist',
          client: client.slice(4),
          servers,
          unusedServers: declaredServers.filter((s) => !(s in servers)).sort(),
        };
        const r = safeParseDocument(McpToolAllowlistSchema, doc);
        const notes = [
          `${Object.keys(servers).length} of ${declaredServers.length} servers used`,
          ...Object.entries(servers).map(([s, v]) => `${s}: allow ${v.allowedTools.join(', ')}`),
          ...doc.unusedServers.map((s) => `${s}: never used; remove it from the client configuration`),
        ];
        artifacts.push({
          kind: 'mcp-allowlist',
          workload: wg.id,
          subject: client,
          fileName: `mcp-allowlist-${fileSafe(client.slice(4))}.json`,
          format: 'json',
          content: doc as unknown as Record<string, unknown>,
          notes,
          issues: r.success
            ? []
            : r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
        });
      }
    }
  }
  return { schemaVersion: LEAST_PRIVILEGE_SCHEMA_VERSION, kind: 'LeastPrivilege', artifacts };
}
