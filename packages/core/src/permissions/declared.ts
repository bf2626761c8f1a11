import { z } from 'zod';
import { lazySchema } from '../schemas/lazy.js';
import type { Grant, GrantSource, SubjectKind } from './grant.js';
import { GRANT_SCHEMA_VERSION, GrantSchema, GrantSourceSchema, SubjectKindSchema } from './grant.js';

/** A container of a declared workload, as its pod spec configures it. */
export const DeclaredContainerSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    image: z.string().optional(),
    /** Capabilities in the bounding set after `drop` and `add` (all of them when privileged). */
    capabilities: z.array(z.string()),
    privileged: z.boolean(),
    /** `true` runs as uid 0; `'possible'` when nothing in the spec prevents it (the image decides). */
    runAsRoot: z.union([z.boolean(), z.literal('possible')]),
    readOnlyRootFilesystem: z.boolean(),
    allowPrivilegeEscalation: z.boolean(),
    /** Mount path → volume name. */
    mounts: z.array(
      z.object({ mountPath: z.string(), volume: z.string(), readOnly: z.boolean(), backing: z.string() }),
    ),
  }),
);
/** @see {@link DeclaredContainerSchema} */
export interface DeclaredContainer {
  name: string;
  image?: string | undefined;
  /** Capabilities in the bounding set after `drop` and `add` (all of them when privileged). */
  capabilities: string[];
  privileged: boolean;
  /** `true` runs as uid 0; `'possible'` when nothing in the spec prevents it (the image decides). */
  runAsRoot: boolean | 'possible';
  readOnlyRootFilesystem: boolean;
  allowPrivilegeEscalation: boolean;
  /** Mount path → volume name. */
  mounts: {
    mountPath: string;
    volume: string;
    readOnly: boolean;
    backing: string;
  }[];
}

/** A workload (Pod, Deployment, StatefulSet, …) read from a manifest. */
export const DeclaredWorkloadSchema = lazySchema(() =>
  z.object({
    /** Subject id, `k8s:workload:NS/KIND/NAME`. */
    subject: z.string(),
    kind: z.string(),
    name: z.string(),
    namespace: z.string(),
    /** Subject id of the service account it runs as. */
    serviceAccount: z.string(),
    /** Labels of the pods it creates (the pod template's labels). */
    labels: z.record(z.string(), z.string()),
    /** Whether the service account token is mounted. */
    automountToken: z.boolean(),
    hostNetwork: z.boolean(),
    hostPID: z.boolean(),
    hostIPC: z.boolean(),
    containers: z.array(DeclaredContainerSchema),
    /** NetworkPolicies selecting these pods for egress (`NS/NAME`); empty means egress is unrestricted. */
    egressPolicies: z.array(z.string()),
    /** The AWS role the service account assumes (IRSA annotation), as a subject id. */
    awsRole: z.string().optional(),
    source: GrantSourceSchema,
    /** The object as declared, for generating a tightened copy. */
    manifest: z.record(z.string(), z.unknown()),
  }),
);
/** @see {@link DeclaredWorkloadSchema} */
export interface DeclaredWorkload {
  /** Subject id, `k8s:workload:NS/KIND/NAME`. */
  subject: string;
  kind: string;
  name: string;
  namespace: string;
  /** Subject id of the service account it runs as. */
  serviceAccount: string;
  /** Labels of the pods it creates (the pod template's labels). */
  labels: Record<string, string>;
  /** Whether the service account token is mounted. */
  automountToken: boolean;
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
  containers: DeclaredContainer[];
  /** NetworkPolicies selecting these pods for egress (`NS/NAME`); empty means egress is unrestricted. */
  egressPolicies: string[];
  /** The AWS role the service account assumes (IRSA annotation), as a subject id. */
  awsRole?: string | undefined;
  source: GrantSource;
  /** The object as declared, for generating a tightened copy. */
  manifest: Record<string, unknown>;
}

/** A subject grants were declared for. */
export const DeclaredSubjectSchema = lazySchema(() =>
  z.object({
    id: z.string(),
    kind: SubjectKindSchema,
    name: z.string(),
    namespace: z.string().optional(),
    /** For a service account with an IRSA annotation: the AWS role subject it assumes. */
    awsRole: z.string().optional(),
  }),
);
/** @see {@link DeclaredSubjectSchema} */
export interface DeclaredSubject {
  id: string;
  kind: SubjectKind;
  name: string;
  namespace?: string | undefined;
  /** For a service account with an IRSA annotation: the AWS role subject it assumes. */
  awsRole?: string | undefined;
}

/** Something in the input Vigil could read but not fully resolve (a binding to a missing role, …). */
export const DeclaredWarningSchema = lazySchema(() =>
  z.object({
    file: z.string(),
    path: z.array(z.union([z.string(), z.number()])),
    line: z.number().int().positive().optional(),
    message: z.string(),
  }),
);
/** @see {@link DeclaredWarningSchema} */
export interface DeclaredWarning {
  file: string;
  path: (string | number)[];
  line?: number | undefined;
  message: string;
}

/**
 * Every declared grant from a set of inputs (Kubernetes manifests, IAM
 * policies, MCP configurations), normalised into one model.
 *
 * @example
 * ```ts
 * import { DeclaredPermissionsSchema, loadDeclaredPermissions } from '@vigil/core';
 *
 * const declared = await loadDeclaredPermissions(['k8s/', 'iam/agent-role.json', 'mcp.json']);
 * DeclaredPermissionsSchema.parse(JSON.parse(JSON.stringify(declared)));
 * ```
 */
export const DeclaredPermissionsSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(GRANT_SCHEMA_VERSION),
    kind: z.literal('DeclaredPermissions'),
    inputs: z.array(z.string()),
    subjects: z.array(DeclaredSubjectSchema),
    workloads: z.array(DeclaredWorkloadSchema),
    grants: z.array(GrantSchema),
    warnings: z.array(DeclaredWarningSchema),
  }),
);
/** @see {@link DeclaredPermissionsSchema} */
export interface DeclaredPermissions {
  schemaVersion: 1;
  kind: 'DeclaredPermissions';
  inputs: string[];
  subjects: DeclaredSubject[];
  workloads: DeclaredWorkload[];
  grants: Grant[];
  warnings: DeclaredWarning[];
}
