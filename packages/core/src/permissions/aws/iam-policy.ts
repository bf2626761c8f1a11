import { basename } from 'node:path';
import { z } from 'zod';
import { fromZodError } from '../../errors/from-zod.js';
import { VigilError } from '../../errors/vigil-error.js';
import { safeParseDocument } from '../../readers/document-value.js';
import { lazySchema } from '../../schemas/lazy.js';
import type { DeclaredSubject } from '../declared.js';
import { type Grant, makeGrant, subjectId } from '../grant.js';
import { awsActionRisk } from '../inherent-risk.js';

const StringOrList = lazySchema(() => z.union([z.string(), z.array(z.string()).min(1)]));
const ACTION_RE = /^(\*|[a-zA-Z0-9-]+:[A-Za-z0-9*?]+)$/;
const RESOURCE_RE = /^(\*|arn:[^:]*:[^:]*:[^:]*:[^:]*:.+|arn:.+)$/;

const ActionList = lazySchema(() =>
  StringOrList.refine((v) => (Array.isArray(v) ? v : [v]).every((a) => ACTION_RE.test(a)), {
    message: 'expected actions of the form "service:Action" (wildcards * and ? allowed) or "*"',
  }),
);
const ResourceList = lazySchema(() =>
  StringOrList.refine((v) => (Array.isArray(v) ? v : [v]).every((a) => RESOURCE_RE.test(a)), {
    message: 'expected resources as ARNs ("arn:partition:service:region:account:resource") or "*"',
  }),
);

/** An IAM principal element: `*` or a map of principal types to ARNs / service names. */
export const IamPrincipalSchema = lazySchema(() =>
  z.union([
    z.literal('*'),
    z
      .object({
        AWS: StringOrList.optional(),
        Service: StringOrList.optional(),
        Federated: StringOrList.optional(),
        CanonicalUser: StringOrList.optional(),
      })
      .strict(),
  ]),
);
/** @see {@link IamPrincipalSchema} */
export type IamPrincipal =
  | '*'
  | {
      AWS?: string | string[] | undefined;
      Service?: string | string[] | undefined;
      Federated?: string | string[] | undefined;
      CanonicalUser?: string | string[] | undefined;
    };

/** One IAM policy statement, validated as strictly as IAM does (unknown keys are errors). */
export const IamStatementSchema = lazySchema(() =>
  z
    .object({
      Sid: z.string().optional(),
      Effect: z.enum(['Allow', 'Deny']),
      Action: ActionList.optional(),
      NotAction: ActionList.optional(),
      Resource: ResourceList.optional(),
      NotResource: ResourceList.optional(),
      Principal: IamPrincipalSchema.optional(),
      NotPrincipal: IamPrincipalSchema.optional(),
      Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    })
    .strict()
    .refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), {
      message: 'a statement needs exactly one of Action and NotAction',
    })
    .refine((s) => !(s.Resource !== undefined && s.NotResource !== undefined), {
      message: 'a statement takes Resource or NotResource, not both',
    }),
);
/** @see {@link IamStatementSchema} */
export interface IamStatement {
  Sid?: string | undefined;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[] | undefined;
  NotAction?: string | string[] | undefined;
  Resource?: string | string[] | undefined;
  NotResource?: string | string[] | undefined;
  Principal?:
    | '*'
    | {
        AWS?: string | string[] | undefined;
        Service?: string | string[] | undefined;
        Federated?: string | string[] | undefined;
        CanonicalUser?: string | string[] | undefined;
      }
    | undefined;
  NotPrincipal?:
    | '*'
    | {
        AWS?: string | string[] | undefined;
        Service?: string | string[] | undefined;
        Federated?: string | string[] | undefined;
        CanonicalUser?: string | string[] | undefined;
      }
    | undefined;
  Condition?: Record<string, Record<string, unknown>> | undefined;
}

/**
 * An AWS IAM policy document (identity or resource policy).
 *
 * @example
 * ```ts
 * import { IamPolicyDocumentSchema } from '@vigil/core';
 *
 * IamPolicyDocumentSchema.parse({
 *   Version: '2012-10-17',
 *   Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }],
 * });
 * ```
 */
export const IamPolicyDocumentSchema = lazySchema(() =>
  z
    .object({
      Version: z.enum(['2012-10-17', '2008-10-17']).optional(),
      Id: z.string().optional(),
      Statement: z.union([IamStatementSchema, z.array(IamStatementSchema)]),
    })
    .strict(),
);
const docBase = () => ({
  Version: z.enum(['2012-10-17', '2008-10-17']).optional(),
  Id: z.string().optional(),
});
const OneStatement = lazySchema(() => z.object({ ...docBase(), Statement: IamStatementSchema }).strict());
const ManyStatements = lazySchema(() =>
  z.object({ ...docBase(), Statement: z.array(IamStatementSchema) }).strict(),
);

/** @see {@link IamPolicyDocumentSchema} */
export interface IamPolicyDocument {
  Version?: '2012-10-17' | '2008-10-17' | undefined;
  Id?: string | undefined;
  Statement: IamStatement | IamStatement[];
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** Options for {@link iamPolicyGrants}. */
export interface IamPolicyOptions {
  /** The identity the policy is attached to (an ARN); default `aws-policy:<file name>` for identity policies. */
  readonly subject?: string;
}

function principalsOf(p: z.infer<typeof IamPrincipalSchema> | undefined): string[] {
  if (p === undefined) return [];
  if (p === '*') return ['*'];
  return [...list(p.AWS), ...list(p.Service), ...list(p.Federated), ...list(p.CanonicalUser)];
}

/** Grants of one validated policy document. `path` is where the document sits in its file. */
function documentGrants(
  doc: IamPolicyDocument,
  file: string,
  path: (string | number)[],
  subject: string | undefined,
  via: string[],
): Grant[] {
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const grants: Grant[] = [];
  const stmtPath = (i: number) =>
    Array.isArray(doc.Statement) ? [...path, 'Statement', i] : [...path, 'Statement'];
  statements.forEach((s, i) => {
    const principals = principalsOf(s.Principal);
    const subjects =
      principals.length > 0
        ? principals.map((p) => (p === '*' ? 'aws:*' : subjectId('aws-principal', p)))
        : [subject ?? subjectId('aws-policy', basename(file))];
    const notResource = s.NotResource !== undefined;
    const resources = notResource ? list(s.NotResource) : s.Resource !== undefined ? list(s.Resource) : ['*'];
    const effect = s.Effect === 'Allow' ? ('allow' as const) : ('deny' as const);
    const conditions = s.Condition ?? {};
    const base = { file, path: stmtPath(i), via: s.Sid ? [...via, `Sid ${s.Sid}`] : via };
    for (const subj of subjects) {
      if (s.NotAction !== undefined) {
        grants.push(
          makeGrant({
            subject: subj,
            domain: 'cloud-api',
            effect,
            action: '*',
            target: {
              domain: 'cloud-api',
              provider: 'aws',
              notActions: list(s.NotAction),
              resources,
              notResource,
              ...(principals.length > 0 ? { principals } : {}),
            },
            conditions,
            source: { ...base, path: [...base.path, 'NotAction'] },
            inherentRisk: awsActionRisk('*', notResource ? ['*'] : resources, true),
          }),
        );
        continue;
      }
      list(s.Action).forEach((action, ai) => {
        grants.push(
          makeGrant({
            subject: subj,
            domain: 'cloud-api',
            effect,
            action,
            target: {
              domain: 'cloud-api',
              provider: 'aws',
              resources,
              notResource,
              ...(principals.length > 0 ? { principals } : {}),
            },
            conditions,
            source: { ...base, path: [...base.path, 'Action', ...(Array.isArray(s.Action) ? [ai] : [])] },
            inherentRisk: awsActionRisk(action, notResource ? ['*'] : resources),
          }),
        );
      });
    }
  });
  return grants;
}

function parseDocument(raw: unknown, file: string, path: (string | number)[]): IamPolicyDocument {
  let value = raw;
  if (typeof value === 'string') {
    // The IAM API returns documents URL-encoded.
    try {
      value = JSON.parse(decodeURIComponent(value));
    } catch (cause) {
      throw new VigilError('PARSE', 'policy document is a string but not (URL-encoded) JSON', {
        cause,
        location: { file, path },
      });
    }
  }
  // Parse against the branch the document uses, so errors point inside the statement, not at the union.
  const many = Array.isArray((value as { Statement?: unknown } | null)?.Statement);
  const r = many ? safeParseDocument(ManyStatements, value) : safeParseDocument(OneStatement, value);
  if (!r.success) throw fromZodError(r.error, 'IAM policy document', { file, path });
  return r.data;
}

/** True when a parsed JSON value looks like one of the IAM shapes {@link iamPolicyGrants} reads. */
export function looksLikeIam(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    'Statement' in v ||
    'PolicyDocument' in v ||
    'RoleDetailList' in v ||
    'UserDetailList' in v ||
    'GroupDetailList' in v
  );
}

const InlinePolicies = lazySchema(() =>
  z.array(z.object({ PolicyName: z.string().optional(), PolicyDocument: z.unknown() }).passthrough()),
);
const DetailSchema = lazySchema(() =>
  z
    .object({
      Arn: z.string().min(1),
      RolePolicyList: InlinePolicies.optional(),
      UserPolicyList: InlinePolicies.optional(),
      GroupPolicyList: InlinePolicies.optional(),
      AttachedManagedPolicies: z
        .array(z.object({ PolicyName: z.string().optional(), PolicyArn: z.string().min(1) }).passthrough())
        .optional(),
    })
    .passthrough(),
);
/** The parts of `aws iam get-account-authorization-details` output Vigil reads. */
const AuthorizationDetailsSchema = lazySchema(() =>
  z
    .object({
      RoleDetailList: z.array(DetailSchema).optional(),
      UserDetailList: z.array(DetailSchema).optional(),
      GroupDetailList: z.array(DetailSchema).optional(),
      Policies: z
        .array(
          z
            .object({
              PolicyName: z.string().optional(),
              Arn: z.string().min(1),
              PolicyVersionList: z
                .array(
                  z.object({ Document: z.unknown(), IsDefaultVersion: z.boolean().optional() }).passthrough(),
                )
                .optional(),
            })
            .passthrough(),
        )
        .optional(),
    })
    .passthrough(),
);

/**
 * Reads AWS IAM policies into grants. Accepts a policy document (identity
 * or resource policy), `{ Arn, PolicyDocument }`, and the output of
 * `aws iam get-account-authorization-details` (roles and users with their
 * inline and attached managed policies). Conditions are kept as data.
 *
 * @example
 * ```ts
 * import { iamPolicyGrants } from '@vigil/core';
 *
 * const { grants } = iamPolicyGrants(
 *   { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
 *   'agent-policy.json',
 *   { subject: 'arn:aws:iam::123456789012:role/agent' },
 * );
 * ```
 */
export function iamPolicyGrants(
  value: unknown,
  file: string,
  options: IamPolicyOptions = {},
): { grants: Grant[]; subjects: DeclaredSubject[] } {
  if (!looksLikeIam(value))
    throw new VigilError(
      'INPUT_INVALID',
      'expected an IAM policy document (Statement), { PolicyDocument } or get-account-authorization-details output',
      { location: { file } },
    );
  const v = value as Record<string, unknown>;
  const subjects: DeclaredSubject[] = [];
  const asSubject = (arn: string): string => {
    const id = subjectId('aws-principal', arn);
    if (!subjects.some((s) => s.id === id)) subjects.push({ id, kind: 'aws-principal', name: arn });
    return id;
  };
  if ('Statement' in v) {
    const doc = parseDocument(v, file, []);
    const subject = options.subject ? asSubject(options.subject) : undefined;
    const grants = documentGrants(doc, file, [], subject, []);
    if (!subject) {
      for (const g of grants)
        if (!subjects.some((s) => s.id === g.subject))
          subjects.push({
            id: g.subject,
            kind: g.subject.startsWith('aws-policy:') ? 'aws-policy' : 'aws-principal',
            name: g.subject.replace(/^aws(-policy)?:/, ''),
          });
    }
    return { grants, subjects };
  }
  if ('PolicyDocument' in v) {
    const arn =
      typeof v['Arn'] === 'string'
        ? v['Arn']
        : typeof v['RoleArn'] === 'string'
          ? v['RoleArn']
          : options.subject;
    const doc = parseDocument(v['PolicyDocument'], file, ['PolicyDocument']);
    const subject = arn ? asSubject(arn) : undefined;
    const grants = documentGrants(
      doc,
      file,
      ['PolicyDocument'],
      subject,
      typeof v['PolicyName'] === 'string' ? [`policy ${v['PolicyName']}`] : [],
    );
    if (!subject)
      for (const g of grants)
        if (!subjects.some((s) => s.id === g.subject))
          subjects.push({ id: g.subject, kind: 'aws-policy', name: g.subject.replace(/^aws-policy:/, '') });
    return { grants, subjects };
  }
  // get-account-authorization-details
  const parsed = safeParseDocument(AuthorizationDetailsSchema, v);
  if (!parsed.success) throw fromZodError(parsed.error, 'IAM authorization details', { file });
  const details = parsed.data;
  const managed = new Map<string, { doc: unknown; path: (string | number)[]; name: string }>();
  (details.Policies ?? []).forEach((p, pi) => {
    const versions = p.PolicyVersionList ?? [];
    const vi = versions.findIndex((x) => x.IsDefaultVersion === true);
    if (vi >= 0)
      managed.set(p.Arn, {
        doc: versions[vi]!.Document,
        path: ['Policies', pi, 'PolicyVersionList', vi, 'Document'],
        name: p.PolicyName ?? p.Arn,
      });
  });
  const grants: Grant[] = [];
  for (const listName of ['RoleDetailList', 'UserDetailList', 'GroupDetailList'] as const) {
    (details[listName] ?? []).forEach((d, di) => {
      const subject = asSubject(d.Arn);
      const inlineKey =
        listName === 'RoleDetailList'
          ? 'RolePolicyList'
          : listName === 'UserDetailList'
            ? 'UserPolicyList'
            : 'GroupPolicyList';
      (d[inlineKey] ?? []).forEach((p, pi) => {
        const path = [listName, di, inlineKey, pi, 'PolicyDocument'];
        for (const g of documentGrants(parseDocument(p.PolicyDocument, file, path), file, path, subject, [
          `inline policy ${p.PolicyName ?? pi}`,
        ]))
          grants.push(g);
      });
      (d.AttachedManagedPolicies ?? []).forEach((a, ai) => {
        const m = managed.get(a.PolicyArn);
        if (!m)
          throw new VigilError(
            'INPUT_INVALID',
            `attached managed policy ${a.PolicyArn} is not in the file's Policies list`,
            { location: { file, path: [listName, di, 'AttachedManagedPolicies', ai] } },
          );
        for (const g of documentGrants(parseDocument(m.doc, file, m.path), file, m.path, subject, [
          `managed policy ${m.name}`,
        ]))
          grants.push(g);
      });
    });
  }
  return { grants, subjects };
}
