import { type Grant, makeGrant } from '../grant.js';

const SOURCE = { file: '(kubernetes default RBAC)', path: [] as (string | number)[] };
const low = { score: 1, reach: 4, reasons: ['granted to every authenticated user by default'] };

function nonResource(url: string, role: string): Grant {
  return makeGrant({
    subject: 'k8s:group:system:authenticated',
    domain: 'kubernetes-api',
    effect: 'allow',
    action: 'get',
    target: { domain: 'kubernetes-api', apiGroup: '', resource: '', nonResourceUrl: url },
    source: { ...SOURCE, via: [`ClusterRoleBinding/${role}`, `ClusterRole/${role}`] },
    inherentRisk: low,
  });
}

function review(apiGroup: string, resource: string): Grant {
  return makeGrant({
    subject: 'k8s:group:system:authenticated',
    domain: 'kubernetes-api',
    effect: 'allow',
    action: 'create',
    target: { domain: 'kubernetes-api', apiGroup, resource },
    source: { ...SOURCE, via: ['ClusterRoleBinding/system:basic-user', 'ClusterRole/system:basic-user'] },
    inherentRisk: low,
  });
}

/**
 * What every authenticated user (every service account) may do in a cluster
 * with the default RBAC bootstrap policy: API discovery and health endpoints
 * (`system:discovery`, `system:public-info-viewer`) and reviewing its own
 * access (`system:basic-user`). Client libraries call these constantly; the
 * gap analysis counts such calls as implicit instead of as unexplained.
 *
 * @example
 * ```ts
 * import { DEFAULT_AUTHENTICATED_GRANTS, grantsCovering } from '@vigil/core';
 *
 * grantsCovering(DEFAULT_AUTHENTICATED_GRANTS, discoveryCall) !== undefined; // true for GET /apis
 * ```
 */
export const DEFAULT_AUTHENTICATED_GRANTS: readonly Grant[] = [
  ...['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*'].map((u) =>
    nonResource(u, 'system:discovery'),
  ),
  ...['/healthz', '/livez', '/readyz', '/version', '/version/'].map((u) =>
    nonResource(u, 'system:public-info-viewer'),
  ),
  review('authorization.k8s.io', 'selfsubjectaccessreviews'),
  review('authorization.k8s.io', 'selfsubjectrulesreviews'),
  review('authentication.k8s.io', 'selfsubjectreviews'),
];
