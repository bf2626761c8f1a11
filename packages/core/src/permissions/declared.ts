import { z } from 'zod';
import { GRANT_SCHEMA_VERSION, GrantSchema, GrantSourceSchema, SubjectKindSchema } from './grant.js';

/** A container of a declared workload, as its pod spec configures it. */
export const DeclaredContainerSchema = z.object({
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
});
/** @see {@link DeclaredContainerSchema} */
export type DeclaredContainer = z.infer<typeof DeclaredContainerSchema>;

/** A workload (Pod, Deployment, StatefulSet, …) read from a manifest. */
export const DeclaredWorkloadSchema = z.object({
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
});
/** @see {@link DeclaredWorkloadSchema} */
export type DeclaredWorkload = z.infer<typeof DeclaredWorkloadSchema>;

/** A subject grants were declared for. */
export const DeclaredSubjectSchema = z.object({
  id: z.string(),
  kind: SubjectKindSchema,
  name: z.string(),
  namespace: z.string().optional(),
  /** For a service account with an IRSA annotation: the AWS role subject it assumes. */
  awsRole: z.string().optional(),
});
/** @see {@link DeclaredSubjectSchema} */
export type DeclaredSubject = z.infer<typeof DeclaredSubjectSchema>;

/** Something in the input Vigil could read but not fully resolve (a binding to a missing role, …). */
export const DeclaredWarningSchema = z.object({
  file: z.string(),
  path: z.array(z.union([z.string(), z.number()])),
  line: z.number().int().positive().optional(),
  message: z.string(),
});
/** @see {@link DeclaredWarningSchema} */
export type DeclaredWarning = z.infer<typeof DeclaredWarningSchema>;

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
export const DeclaredPermissionsSchema = z.object({
  schemaVersion: z.literal(GRANT_SCHEMA_VERSION),
  kind: z.literal('DeclaredPermissions'),
  inputs: z.array(z.string()),
  subjects: z.array(DeclaredSubjectSchema),
  workloads: z.array(DeclaredWorkloadSchema),
  grants: z.array(GrantSchema),
  warnings: z.array(DeclaredWarningSchema),
});
/** @see {@link DeclaredPermissionsSchema} */
export type DeclaredPermissions = z.infer<typeof DeclaredPermissionsSchema>;
