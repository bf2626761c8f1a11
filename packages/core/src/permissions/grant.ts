import { hash } from 'node:crypto';
import { z } from 'zod';
import { lazySchema } from '../schemas/lazy.js';

/** Version of the declared-grants document. */
export const GRANT_SCHEMA_VERSION = 1;

/**
 * The permission domains Vigil compares declared with observed:
 * - `kubernetes-api`: verbs on API resources (RBAC);
 * - `cloud-api`: cloud provider actions on resources (AWS IAM);
 * - `mcp-tool`: MCP servers and tools an agent is given;
 * - `file`: volumes, mounts, secrets and the root filesystem;
 * - `network-egress`: peers a workload may connect to (NetworkPolicy);
 * - `capability`: Linux capabilities of a container;
 * - `host`: host-level privileges (privileged, hostNetwork, hostPID, hostIPC, running as root);
 * - `data-access`: privileges on database tables and vector-store collections (PostgreSQL grants).
 */
export const PermissionDomainSchema = lazySchema(() =>
  z.enum([
    'kubernetes-api',
    'cloud-api',
    'mcp-tool',
    'file',
    'network-egress',
    'capability',
    'host',
    'data-access',
  ]),
);
/** @see {@link PermissionDomainSchema} */
export type PermissionDomain =
  | 'host'
  | 'file'
  | 'cloud-api'
  | 'kubernetes-api'
  | 'mcp-tool'
  | 'network-egress'
  | 'capability'
  | 'data-access';

/** Every permission domain, in a stable order. */
export const PERMISSION_DOMAINS: readonly PermissionDomain[] = PermissionDomainSchema.options;

/** Where a grant was declared. */
export const GrantSourceSchema = lazySchema(() =>
  z.object({
    /** File (or stream name) the grant was read from. */
    file: z.string(),
    /** 0-based index of the YAML document in a multi-document file. */
    documentIndex: z.number().int().nonnegative().optional(),
    /** Path inside the document, e.g. `['rules', 0, 'verbs', 1]`. */
    path: z.array(z.union([z.string(), z.number()])),
    /** 1-based line in the file, when known. */
    line: z.number().int().positive().optional(),
    /** The objects the grant came through, outermost first (`ClusterRoleBinding/x`, `ClusterRole/y`). */
    via: z.array(z.string()).default([]),
  }),
);
/** @see {@link GrantSourceSchema} */
export interface GrantSource {
  /** File (or stream name) the grant was read from. */
  file: string;
  /** 0-based index of the YAML document in a multi-document file. */
  documentIndex?: number | undefined;
  /** Path inside the document, e.g. `['rules', 0, 'verbs', 1]`. */
  path: (string | number)[];
  /** 1-based line in the file, when known. */
  line?: number | undefined;
  /** The objects the grant came through, outermost first (`ClusterRoleBinding/x`, `ClusterRole/y`). */
  via: string[];
}

/** How dangerous a grant is in itself, before looking at use: 0 (harmless) – 10 (cluster or account takeover). */
export const InherentRiskSchema = lazySchema(() =>
  z.object({
    score: z.number().min(0).max(10),
    /** How far the grant reaches: 1 one named object … 4 cluster- or account-wide. */
    reach: z.number().int().min(1).max(4),
    reasons: z.array(z.string()),
  }),
);
/** @see {@link InherentRiskSchema} */
export interface InherentRisk {
  score: number;
  /** How far the grant reaches: 1 one named object … 4 cluster- or account-wide. */
  reach: number;
  reasons: string[];
}

const KubernetesApiTarget = lazySchema(() =>
  z.object({
    domain: z.literal('kubernetes-api'),
    /** API group, `''` for the core group, `*` for all. */
    apiGroup: z.string(),
    /** Resource (plural), `*` for all; empty for non-resource URLs. */
    resource: z.string(),
    subresource: z.string().optional(),
    /** Namespace the grant applies in; absent for a cluster-wide grant. */
    namespace: z.string().optional(),
    /** `resourceNames` restriction; absent for all names. */
    resourceNames: z.array(z.string()).optional(),
    /** A non-resource URL (`/healthz`, `/metrics`, `/api/*`). */
    nonResourceUrl: z.string().optional(),
    /**
     * True when the group or resource is neither in the built-in discovery table
     * (`KubernetesDiscovery`) nor served by a CustomResourceDefinition in the input:
     * kept, since a newer release or an aggregated API may serve it, but flagged.
     */
    unknown: z.boolean().optional(),
  }),
);
const CloudApiTarget = lazySchema(() =>
  z.object({
    domain: z.literal('cloud-api'),
    provider: z.literal('aws'),
    /** Actions excluded when the statement used `NotAction` (then `action` is `*`). */
    notActions: z.array(z.string()).optional(),
    /** Resource patterns (ARNs with `*` and `?`). */
    resources: z.array(z.string()),
    /** True when the statement used `NotResource`: the grant covers everything *except* `resources`. */
    notResource: z.boolean().default(false),
    /** For resource policies: the principals the statement names (`*` for anyone). */
    principals: z.array(z.string()).optional(),
  }),
);
const McpToolTarget = lazySchema(() =>
  z.object({
    domain: z.literal('mcp-tool'),
    server: z.string(),
    /** Tool name, `*` when the client gives every tool the server offers. */
    tool: z.string(),
    /** How the server is started or reached (`npx -y @modelcontextprotocol/server-filesystem`, a URL). */
    launch: z.string().optional(),
  }),
);
const FileTarget = lazySchema(() =>
  z.object({
    domain: z.literal('file'),
    /** Path inside the container the grant applies to (a mount path, or `/` for the root filesystem). */
    path: z.string(),
    /** What backs the path. */
    backing: z.enum([
      'hostPath',
      'secret',
      'configMap',
      'emptyDir',
      'projected',
      'persistentVolumeClaim',
      'serviceAccountToken',
      'rootfs',
      'other',
    ]),
    /** Host path, secret or config map name. */
    sourceName: z.string().optional(),
    container: z.string().optional(),
  }),
);
const NetworkEgressTarget = lazySchema(() =>
  z.object({
    domain: z.literal('network-egress'),
    /** A CIDR, `*` for anywhere, or `selector:<text>` for a pod/namespace selector peer. */
    peer: z.string(),
    /** CIDRs excluded from `peer` (`ipBlock.except`). */
    except: z.array(z.string()).default([]),
    /** Ports; empty for all ports. */
    ports: z.array(
      z.object({
        protocol: z.enum(['TCP', 'UDP', 'SCTP']),
        port: z.number().int().min(0).max(65535).optional(),
        endPort: z.number().int().min(0).max(65535).optional(),
      }),
    ),
  }),
);
const CapabilityTarget = lazySchema(() =>
  z.object({
    domain: z.literal('capability'),
    container: z.string(),
  }),
);
const HostTarget = lazySchema(() =>
  z.object({
    domain: z.literal('host'),
    container: z.string().optional(),
  }),
);
const DataAccessTarget = lazySchema(() =>
  z.object({
    domain: z.literal('data-access'),
    /** The store, as `retrieval` events name it (`postgresql`). */
    store: z.string(),
    /** `schema.table` (or a collection), `*` for all. */
    table: z.string(),
  }),
);

/** What a grant applies to, by domain. */
export const GrantTargetSchema = lazySchema(() =>
  z.discriminatedUnion('domain', [
    KubernetesApiTarget,
    CloudApiTarget,
    McpToolTarget,
    FileTarget,
    NetworkEgressTarget,
    CapabilityTarget,
    HostTarget,
    DataAccessTarget,
  ]),
);
/** @see {@link GrantTargetSchema} */
export type GrantTarget =
  | {
      domain: 'kubernetes-api';
      /** API group, `''` for the core group, `*` for all. */
      apiGroup: string;
      /** Resource (plural), `*` for all; empty for non-resource URLs. */
      resource: string;
      subresource?: string | undefined;
      /** Namespace the grant applies in; absent for a cluster-wide grant. */
      namespace?: string | undefined;
      /** `resourceNames` restriction; absent for all names. */
      resourceNames?: string[] | undefined;
      /** A non-resource URL (`/healthz`, `/metrics`, `/api/*`). */
      nonResourceUrl?: string | undefined;
      /**
       * True when the group or resource is neither in the built-in discovery table
       * (`KubernetesDiscovery`) nor served by a CustomResourceDefinition in the input:
       * kept, since a newer release or an aggregated API may serve it, but flagged.
       */
      unknown?: boolean | undefined;
    }
  | {
      domain: 'cloud-api';
      provider: 'aws';
      /** Actions excluded when the statement used `NotAction` (then `action` is `*`). */
      notActions?: string[] | undefined;
      /** Resource patterns (ARNs with `*` and `?`). */
      resources: string[];
      /** True when the statement used `NotResource`: the grant covers everything *except* `resources`. */
      notResource: boolean;
      /** For resource policies: the principals the statement names (`*` for anyone). */
      principals?: string[] | undefined;
    }
  | {
      domain: 'mcp-tool';
      server: string;
      /** Tool name, `*` when the client gives every tool the server offers. */
      tool: string;
      /** How the server is started or reached (`npx -y */
      launch?: string | undefined;
    }
  | {
      domain: 'file';
      /** Path inside the container the grant applies to (a mount path, or `/` for the root filesystem). */
      path: string;
      /** What backs the path. */
      backing:
        | 'other'
        | 'hostPath'
        | 'secret'
        | 'configMap'
        | 'emptyDir'
        | 'projected'
        | 'persistentVolumeClaim'
        | 'serviceAccountToken'
        | 'rootfs';
      /** Host path, secret or config map name. */
      sourceName?: string | undefined;
      container?: string | undefined;
    }
  | {
      domain: 'network-egress';
      /** A CIDR, `*` for anywhere, or `selector:<text>` for a pod/namespace selector peer. */
      peer: string;
      /** CIDRs excluded from `peer` (`ipBlock.except`). */
      except: string[];
      /** Ports; empty for all ports. */
      ports: {
        protocol: 'TCP' | 'UDP' | 'SCTP';
        port?: number | undefined;
        endPort?: number | undefined;
      }[];
    }
  | {
      domain: 'capability';
      container: string;
    }
  | {
      domain: 'host';
      container?: string | undefined;
    }
  | {
      domain: 'data-access';
      /** The store, as `retrieval` events name it (`postgresql`). */
      store: string;
      /** `schema.table` (or a collection), `*` for all. */
      table: string;
    };
/** The target of a grant in a given domain. */
export type GrantTargetOf<D extends PermissionDomain> = Extract<GrantTarget, { domain: D }>;

/**
 * One declared permission, normalised across domains: a subject may perform
 * an action on a target, under conditions, as declared at a source location.
 *
 * Actions by domain: a Kubernetes verb (`get`, `*`); an AWS action pattern
 * (`s3:GetObject`, `s3:*`); `call` for MCP tools; `read` or `write` for files;
 * `connect` for egress; a capability name (`CAP_NET_RAW`); a host privilege
 * (`privileged`, `hostNetwork`, `hostPID`, `hostIPC`, `runAsRoot`,
 * `allowPrivilegeEscalation`); a table privilege for data access (`SELECT`, `INSERT`).
 *
 * @example
 * ```ts
 * import { GrantSchema } from '@vigil/core';
 *
 * const g = GrantSchema.parse({
 *   id: 'g1', subject: 'k8s:serviceaccount:ai/agent', domain: 'kubernetes-api', effect: 'allow',
 *   action: 'get', target: { domain: 'kubernetes-api', apiGroup: '', resource: 'secrets' },
 *   conditions: {}, source: { file: 'rbac.yaml', path: ['rules', 0] },
 *   inherentRisk: { score: 9, reach: 4, reasons: ['cluster-wide secrets read'] },
 * });
 * ```
 */
export const GrantSchema = lazySchema(() =>
  z.object({
    /** Stable across runs: a hash of subject, domain, action, target and source. */
    id: z.string().min(1),
    /** Subject id, see {@link subjectId}. */
    subject: z.string().min(1),
    domain: PermissionDomainSchema,
    effect: z.enum(['allow', 'deny']),
    action: z.string(),
    target: GrantTargetSchema,
    /** Conditions kept as data (IAM `Condition` blocks), never evaluated as granted. */
    conditions: z.record(z.string(), z.unknown()).default({}),
    source: GrantSourceSchema,
    inherentRisk: InherentRiskSchema,
  }),
);
/** @see {@link GrantSchema} */
export interface Grant {
  /** Stable across runs: a hash of subject, domain, action, target and source. */
  id: string;
  /** Subject id, see {@link subjectId}. */
  subject: string;
  domain: PermissionDomain;
  effect: 'allow' | 'deny';
  action: string;
  target: GrantTarget;
  /** Conditions kept as data (IAM `Condition` blocks), never evaluated as granted. */
  conditions: Record<string, unknown>;
  source: GrantSource;
  inherentRisk: InherentRisk;
}
/** The input form of a {@link Grant}. */
export interface GrantInput {
  /** Stable across runs: a hash of subject, domain, action, target and source. */
  id: string;
  /** Subject id, see {@link subjectId}. */
  subject: string;
  domain: PermissionDomain;
  effect: 'allow' | 'deny';
  action: string;
  target:
    | {
        domain: 'kubernetes-api';
        /** API group, `''` for the core group, `*` for all. */
        apiGroup: string;
        /** Resource (plural), `*` for all; empty for non-resource URLs. */
        resource: string;
        subresource?: string | undefined;
        /** Namespace the grant applies in; absent for a cluster-wide grant. */
        namespace?: string | undefined;
        /** `resourceNames` restriction; absent for all names. */
        resourceNames?: string[] | undefined;
        /** A non-resource URL (`/healthz`, `/metrics`, `/api/*`). */
        nonResourceUrl?: string | undefined;
        /**
         * True when the group or resource is neither in the built-in discovery table
         * (`KubernetesDiscovery`) nor served by a CustomResourceDefinition in the input:
         * kept, since a newer release or an aggregated API may serve it, but flagged.
         */
        unknown?: boolean | undefined;
      }
    | {
        domain: 'cloud-api';
        provider: 'aws';
        /** Actions excluded when the statement used `NotAction` (then `action` is `*`). */
        notActions?: string[] | undefined;
        /** Resource patterns (ARNs with `*` and `?`). */
        resources: string[];
        /** True when the statement used `NotResource`: the grant covers everything *except* `resources`. */
        notResource?: boolean | undefined;
        /** For resource policies: the principals the statement names (`*` for anyone). */
        principals?: string[] | undefined;
      }
    | {
        domain: 'mcp-tool';
        server: string;
        /** Tool name, `*` when the client gives every tool the server offers. */
        tool: string;
        /** How the server is started or reached (`npx -y */
        launch?: string | undefined;
      }
    | {
        domain: 'file';
        /** Path inside the container the grant applies to (a mount path, or `/` for the root filesystem). */
        path: string;
        /** What backs the path. */
        backing:
          | 'other'
          | 'hostPath'
          | 'secret'
          | 'configMap'
          | 'emptyDir'
          | 'projected'
          | 'persistentVolumeClaim'
          | 'serviceAccountToken'
          | 'rootfs';
        /** Host path, secret or config map name. */
        sourceName?: string | undefined;
        container?: string | undefined;
      }
    | {
        domain: 'network-egress';
        /** A CIDR, `*` for anywhere, or `selector:<text>` for a pod/namespace selector peer. */
        peer: string;
        /** CIDRs excluded from `peer` (`ipBlock.except`). */
        except?: string[] | undefined;
        /** Ports; empty for all ports. */
        ports: {
          protocol: 'TCP' | 'UDP' | 'SCTP';
          port?: number | undefined;
          endPort?: number | undefined;
        }[];
      }
    | {
        domain: 'capability';
        container: string;
      }
    | {
        domain: 'host';
        container?: string | undefined;
      }
    | {
        domain: 'data-access';
        /** The store, as `retrieval` events name it (`postgresql`). */
        store: string;
        /** `schema.table` (or a collection), `*` for all. */
        table: string;
      };
  /** Conditions kept as data (IAM `Condition` blocks), never evaluated as granted. */
  conditions?: Record<string, unknown> | undefined;
  source: {
    /** File (or stream name) the grant was read from. */
    file: string;
    /** 0-based index of the YAML document in a multi-document file. */
    documentIndex?: number | undefined;
    /** Path inside the document, e.g. `['rules', 0, 'verbs', 1]`. */
    path: (string | number)[];
    /** 1-based line in the file, when known. */
    line?: number | undefined;
    /** The objects the grant came through, outermost first (`ClusterRoleBinding/x`, `ClusterRole/y`). */
    via?: string[] | undefined;
  };
  inherentRisk: {
    score: number;
    /** How far the grant reaches: 1 one named object … 4 cluster- or account-wide. */
    reach: number;
    reasons: string[];
  };
}

/** Kinds of subject a grant is given to. */
export const SubjectKindSchema = lazySchema(() =>
  z.enum([
    'k8s-serviceaccount',
    'k8s-user',
    'k8s-group',
    'k8s-workload',
    'aws-principal',
    'aws-policy',
    'mcp-client',
    'pg-role',
  ]),
);
/** @see {@link SubjectKindSchema} */
export type SubjectKind =
  | 'k8s-serviceaccount'
  | 'k8s-user'
  | 'k8s-group'
  | 'k8s-workload'
  | 'aws-principal'
  | 'aws-policy'
  | 'mcp-client'
  | 'pg-role';

/**
 * The canonical id of a subject:
 * `k8s:serviceaccount:NS/NAME`, `k8s:user:NAME`, `k8s:group:NAME`,
 * `k8s:workload:NS/KIND/NAME`, `aws:ARN`, `aws-policy:NAME`, `mcp:CLIENT`, `pg:role:NAME`.
 *
 * @example
 * ```ts
 * subjectId('k8s-serviceaccount', 'agent', 'ai'); // 'k8s:serviceaccount:ai/agent'
 * ```
 */
export function subjectId(kind: SubjectKind, name: string, namespace?: string): string {
  switch (kind) {
    case 'k8s-serviceaccount':
      return `k8s:serviceaccount:${namespace ?? 'default'}/${name}`;
    case 'k8s-user':
      return `k8s:user:${name}`;
    case 'k8s-group':
      return `k8s:group:${name}`;
    case 'k8s-workload':
      return `k8s:workload:${namespace ?? 'default'}/${name}`;
    case 'aws-principal':
      return `aws:${name}`;
    case 'aws-policy':
      return `aws-policy:${name}`;
    case 'mcp-client':
      return `mcp:${name}`;
    case 'pg-role':
      return `pg:role:${name}`;
  }
}

/**
 * What a subject id stands for, in words, for the subject kinds whose id does not say it (an MCP
 * client is named after its configuration file: `mcp.json` gives `mcp:mcp`); `undefined` for the
 * others, whose ids read plainly (`k8s:serviceaccount:ai/agent`, `aws:arn:…`).
 *
 * @example
 * ```ts
 * import { describeSubject } from '@vigil/core';
 *
 * describeSubject('mcp:mcp'); // 'the agent given the servers of the MCP configuration "mcp" (…)'
 * describeSubject('k8s:serviceaccount:ai/agent'); // undefined
 * ```
 */
export function describeSubject(id: string): string | undefined {
  if (id.startsWith('mcp:'))
    return `the agent given the servers of the MCP configuration "${id.slice(4)}" (its file's base name unless a client name is given)`;
  if (id.startsWith('pg:role:')) return `the PostgreSQL role ${id.slice(8)}`;
  return undefined;
}

/**
 * Maps a Kubernetes authenticated user name to a subject id: service
 * accounts (`system:serviceaccount:NS:NAME`) become `k8s:serviceaccount:NS/NAME`.
 *
 * @example
 * ```ts
 * subjectOfK8sUser('system:serviceaccount:ai:agent'); // 'k8s:serviceaccount:ai/agent'
 * ```
 */
export function subjectOfK8sUser(user: string): string {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  if (m) return subjectId('k8s-serviceaccount', m[2]!, m[1]!);
  return subjectId('k8s-user', user);
}

/**
 * Maps an AWS principal ARN to the IAM identity its policies attach to: an
 * STS assumed-role session (`arn:aws:sts::A:assumed-role/R/S`) becomes the role
 * (`arn:aws:iam::A:role/R`). Returns the subject id.
 *
 * @example
 * ```ts
 * subjectOfAwsPrincipal('arn:aws:sts::123456789012:assumed-role/agent/s1');
 * // 'aws:arn:aws:iam::123456789012:role/agent'
 * ```
 */
export function subjectOfAwsPrincipal(arn: string): string {
  const m = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  if (m) return subjectId('aws-principal', `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`);
  return subjectId('aws-principal', arn);
}

/** A stable short hash of the parts, for grant and finding ids. */
export function stableId(prefix: string, ...parts: unknown[]): string {
  const h = hash('sha256', JSON.stringify(parts), 'hex').slice(0, 16);
  return `${prefix}-${h}`;
}

/**
 * Builds a {@link Grant} with a stable id, filling defaults. Validate a whole
 * document with {@link GrantSchema} (or `DeclaredPermissionsSchema`) when the input is untrusted.
 *
 * @example
 * ```ts
 * const g = makeGrant({
 *   subject: 'mcp:claude', domain: 'mcp-tool', effect: 'allow', action: 'call',
 *   target: { domain: 'mcp-tool', server: 'fs', tool: 'read_file' },
 *   source: { file: 'mcp.json', path: ['mcpServers', 'fs'] },
 *   inherentRisk: { score: 3, reach: 2, reasons: ['reads files'] },
 * });
 * ```
 */
export function makeGrant(input: Omit<GrantInput, 'id'>): Grant {
  // Defaults are filled here rather than by a zod parse per grant: parsers build grants by the
  // hundred thousand, and the document they end up in is validated once as a whole.
  const t = input.target;
  const target = (
    t.domain === 'cloud-api'
      ? { ...t, notResource: t.notResource ?? false }
      : t.domain === 'network-egress'
        ? { ...t, except: t.except ?? [] }
        : t
  ) as GrantTarget;
  const source: GrantSource = { ...input.source, via: input.source.via ?? [] };
  const grant: Omit<Grant, 'id'> = {
    subject: input.subject,
    domain: input.domain,
    effect: input.effect,
    action: input.action,
    target,
    conditions: input.conditions ?? {},
    source,
    inherentRisk: input.inherentRisk,
  };
  return {
    id: stableId('grant', grant.subject, grant.domain, grant.effect, grant.action, grant.target, [
      source.file,
      source.documentIndex,
      source.path,
      source.via,
    ]),
    ...grant,
  };
}
