import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  analyzeGaps,
  cidrContains,
  DeclaredPermissionsBuilder,
  type Grant,
  globMatch,
  grantCovers,
  iamPolicyGrants,
  KubernetesDiscovery,
  leastPrivilegeIam,
  leastPrivilegeNetworkPolicy,
  leastPrivilegeRbac,
  type ObservedTarget,
  type ObservedUse,
} from '../../src/index.js';

const RUNS = Number(process.env.VIGIL_PROPERTY_RUNS ?? 200);

const use = (subject: string, action: string, target: ObservedTarget): ObservedUse => ({
  subject,
  domain: target.domain,
  action,
  target,
  count: 1,
  denied: 0,
  firstTs: 0,
  lastTs: 0,
  origins: ['synthetic'],
});

/**
 * Allowed: some allow covers it and no deny does (conditions are taken as met on both sides). A cloud
 * call naming several resources is allowed when each resource is, as IAM evaluates them.
 */
const allows = (grants: readonly Grant[], u: ObservedUse): boolean => {
  const t = u.target;
  if (t.domain === 'cloud-api' && t.resources.length > 1)
    return t.resources.every((r) => allows(grants, { ...u, target: { ...t, resources: [r] } }));
  return (
    grants.some((g) => g.effect === 'allow' && grantCovers(g, u)) &&
    !grants.some((g) => g.effect === 'deny' && grantCovers(g, u))
  );
};

// ---------------------------------------------------------------- Kubernetes RBAC

const SA = 'k8s:serviceaccount:ns1/bot';
const groups = ['', 'apps', '*'];
const resources = ['pods', 'secrets', 'configmaps', 'deployments', 'pods/exec', 'nodes', '*'];
const verbs = ['get', 'list', 'watch', 'create', 'delete', 'patch', '*'];
const namespaces = ['ns1', 'ns2'];
const names = ['a', 'b', 'c'];

const arbRule = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      apiGroups: fc.subarray(groups, { minLength: 1 }),
      resources: fc.subarray(resources, { minLength: 1 }),
      verbs: fc.subarray(verbs, { minLength: 1 }),
      resourceNames: fc.option(fc.subarray(names, { minLength: 1 }), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      nonResourceURLs: fc.subarray(['/metrics', '/api/*', '/healthz'], { minLength: 1 }),
      verbs: fc.subarray(['get', 'post'], { minLength: 1 }),
    }),
  },
);
const arbBinding = fc.record({
  cluster: fc.boolean(),
  namespace: fc.constantFrom(...namespaces),
  rules: fc.array(arbRule, { minLength: 1, maxLength: 4 }),
});
const concreteVerbs = verbs.filter((v) => v !== '*');
const concreteResources = ['pods', 'secrets', 'configmaps', 'deployments', 'pods/exec', 'nodes', 'services'];
const arbRequest = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      verb: fc.constantFrom(...concreteVerbs),
      group: fc.constantFrom('', 'apps', 'batch'),
      resource: fc.constantFrom(...concreteResources),
      namespace: fc.option(fc.constantFrom(...namespaces, 'ns3'), { nil: undefined }),
      name: fc.option(fc.constantFrom(...names, 'z'), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      verb: fc.constantFrom('get', 'post'),
      url: fc.constantFrom('/metrics', '/api/v1', '/healthz', '/version'),
    }),
  },
);
function requestUse(r: { verb: string } & Record<string, unknown>): ObservedUse {
  if ('url' in r)
    return use(SA, r.verb, {
      domain: 'kubernetes-api',
      apiGroup: '',
      resource: '',
      nonResourceUrl: r['url'] as string,
    });
  const [resource, subresource] = (r['resource'] as string).split('/') as [string, string | undefined];
  return use(SA, r.verb, {
    domain: 'kubernetes-api',
    apiGroup: r['group'] as string,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(r['namespace'] !== undefined ? { namespace: r['namespace'] as string } : {}),
    ...(r['name'] !== undefined ? { name: r['name'] as string } : {}),
  });
}

function declaredRbac(bindings: { cluster: boolean; namespace: string; rules: object[] }[]): string {
  const docs: object[] = [];
  bindings.forEach((b, i) => {
    const name = `r${i}`;
    const rules = b.rules.map((r) =>
      Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)),
    );
    docs.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules });
    docs.push(
      b.cluster
        ? {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
            subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'ns1' }],
          }
        : {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata: { name, namespace: b.namespace },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
            subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'ns1' }],
          },
    );
  });
  return docs.map((d) => stringify(d)).join('---\n');
}

const discovery = new KubernetesDiscovery();

describe('least-privilege properties', () => {
  it('RBAC: the generated roles cover every granted observed call and never grant more than declared', () => {
    let rbacAllowedSeen = 0;
    fc.assert(
      fc.property(
        fc.array(arbBinding, { minLength: 1, maxLength: 3 }),
        fc.array(arbRequest, { maxLength: 25 }),
        fc.array(arbRequest, { minLength: 30, maxLength: 60 }),
        (bindings, observedRequests, probes) => {
          const declared = new DeclaredPermissionsBuilder()
            .add(declaredRbac(bindings), 'declared.yaml')
            .build();
          const grants = declared.grants.filter((g) => g.subject === SA);
          const uses = observedRequests.map(requestUse);
          if (uses.some((u) => allows(grants, u))) rbacAllowedSeen++;
          const { objects } = leastPrivilegeRbac({ name: 'bot', namespace: 'ns1' }, uses, grants);
          const generated =
            objects.length === 0
              ? []
              : new DeclaredPermissionsBuilder()
                  .add(objects.map((o) => stringify(o)).join('---\n'), 'generated.yaml')
                  .build()
                  .grants.filter((g) => g.subject === SA);
          for (const u of uses) {
            const t = u.target as Extract<ObservedUse['target'], { domain: 'kubernetes-api' }>;
            const served =
              t.nonResourceUrl !== undefined ||
              discovery.exists(t.apiGroup, t.resource, t.subresource, u.action) !== 'no';
            // Covers every observed use the declared policy allowed that an API server can serve …
            if (allows(grants, u) && served) expect(allows(generated, u)).toBe(true);
            // … and grants nothing the declared policy refused.
            else expect(allows(generated, u)).toBe(false);
          }
          for (const p of probes.map(requestUse))
            if (allows(generated, p)) expect(allows(grants, p)).toBe(true);
          // … and never a pair discovery does not serve, unless it is flagged unknown.
          for (const g of generated) {
            const t = g.target as Extract<Grant['target'], { domain: 'kubernetes-api' }>;
            if (t.nonResourceUrl !== undefined) continue;
            const answer = discovery.exists(t.apiGroup, t.resource, t.subresource, g.action);
            expect(answer).toBe(t.unknown ? 'unknown' : 'yes');
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(rbacAllowedSeen).toBeGreaterThan(RUNS / 4);
  }, 180_000);

  // ---------------------------------------------------------------- AWS IAM

  const ROLE = 'arn:aws:iam::123456789012:role/agent';
  const actions = ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 'dynamodb:GetItem', 'sts:AssumeRole'];
  const actionPatterns = [...actions, 's3:Get*', 's3:*', '*', 'dynamodb:*'];
  const arns = [
    'arn:aws:s3:::b/x',
    'arn:aws:s3:::b/y',
    'arn:aws:s3:::c/z',
    'arn:aws:dynamodb:us-east-1:123456789012:table/t',
  ];
  const arnPatterns = [...arns, '*', 'arn:aws:s3:::b/*', 'arn:aws:s3:::*', 'arn:aws:dynamodb:*:*:table/*'];
  const arbStatement = fc.record({
    not: fc.boolean(),
    notResource: fc.boolean(),
    deny: fc.boolean(),
    actions: fc.subarray(actionPatterns, { minLength: 1, maxLength: 3 }),
    resources: fc.subarray(arnPatterns, { minLength: 1, maxLength: 3 }),
    condition: fc.boolean(),
  });
  const arbCall = fc.record({
    action: fc.constantFrom(...actions),
    resources: fc.subarray(arns, { maxLength: 2 }),
  });

  it('IAM: the generated policy allows every granted observed call and nothing the declared policy does not', () => {
    let allowedSeen = 0;
    fc.assert(
      fc.property(
        fc.array(arbStatement, { minLength: 1, maxLength: 4 }),
        fc.array(arbCall, { maxLength: 20 }),
        fc.array(fc.record({ action: fc.constantFrom(...actions), resource: fc.constantFrom(...arns) }), {
          minLength: 20,
          maxLength: 40,
        }),
        (statements, calls, probes) => {
          const doc = {
            Version: '2012-10-17',
            Statement: statements.map((s) => ({
              Effect: s.deny ? 'Deny' : 'Allow',
              ...(s.not ? { NotAction: s.actions } : { Action: s.actions }),
              ...(s.notResource ? { NotResource: s.resources } : { Resource: s.resources }),
              ...(s.condition ? { Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } } : {}),
            })),
          };
          const declared = iamPolicyGrants(doc, 'declared.json', { subject: ROLE }).grants;
          const subject = `aws:${ROLE}`;
          const uses = calls.map((c) =>
            use(subject, c.action, { domain: 'cloud-api', provider: 'aws', resources: c.resources }),
          );
          const { document } = leastPrivilegeIam(uses, declared);
          const statementsOut = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
          if (uses.some((u) => allows(declared, u))) allowedSeen++;
          const generated =
            statementsOut.length === 0
              ? []
              : iamPolicyGrants(document, 'generated.json', { subject: ROLE }).grants;
          for (const u of uses) {
            if (allows(declared, u)) expect(allows(generated, u)).toBe(true);
            else expect(allows(generated, u)).toBe(false);
          }
          for (const p of probes) {
            const u = use(subject, p.action, {
              domain: 'cloud-api',
              provider: 'aws',
              resources: [p.resource],
            });
            if (allows(generated, u)) expect(allows(declared, u)).toBe(true);
          }
          // Conditions never get lost on the way.
          if (
            generated.length > 0 &&
            declared.every((g) => g.effect === 'deny' || Object.keys(g.conditions).length > 0)
          )
            expect(
              generated
                .filter((g) => g.effect === 'allow')
                .every((g) => Object.keys(g.conditions).length > 0),
            ).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
    // The property is not vacuous: many runs had observed calls the declared policy allowed.
    expect(allowedSeen).toBeGreaterThan(RUNS / 4);
  }, 180_000);

  // ---------------------------------------------------------------- NetworkPolicy egress

  const cidrs = ['10.0.0.0/8', '10.1.0.0/16', '0.0.0.0/0', '192.168.1.0/24', '52.0.0.0/8'];
  const addresses = ['10.1.2.3', '10.9.9.9', '192.168.1.7', '52.1.2.3', '8.8.8.8', '169.254.169.254'];
  const arbEgressRule = fc.record({
    to: fc.option(
      fc.array(
        fc.record({
          cidr: fc.constantFrom(...cidrs),
          except: fc.subarray(['169.254.169.254/32', '10.9.0.0/16'], { maxLength: 1 }),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      { nil: undefined },
    ),
    ports: fc.option(
      fc.array(fc.record({ protocol: fc.constantFrom('TCP', 'UDP'), port: fc.constantFrom(53, 443, 5432) }), {
        minLength: 1,
        maxLength: 2,
      }),
      { nil: undefined },
    ),
  });
  const arbConn = fc.record({
    address: fc.constantFrom(...addresses),
    port: fc.constantFrom(53, 443, 5432, 8080),
    protocol: fc.constantFrom('TCP', 'UDP'),
  });

  it('NetworkPolicy: the generated egress allows every granted observed connection and nothing more', () => {
    fc.assert(
      fc.property(
        fc.option(fc.array(arbEgressRule, { maxLength: 3 }), { nil: undefined }),
        fc.array(arbConn, { maxLength: 15 }),
        fc.array(arbConn, { minLength: 20, maxLength: 40 }),
        (rules, conns, probes) => {
          const pod = {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'p', namespace: 'n', labels: { app: 'p' } },
            spec: { containers: [{ name: 'c', image: 'x' }] },
          };
          const docs: object[] = [pod];
          if (rules)
            docs.push({
              apiVersion: 'networking.k8s.io/v1',
              kind: 'NetworkPolicy',
              metadata: { name: 'np', namespace: 'n' },
              spec: {
                podSelector: { matchLabels: { app: 'p' } },
                policyTypes: ['Egress'],
                egress: rules.map((r) => ({
                  ...(r.to
                    ? {
                        to: r.to.map((t) => ({
                          ipBlock: {
                            cidr: t.cidr,
                            ...(t.except.length > 0 && t.cidr !== '192.168.1.0/24' && t.cidr !== '52.0.0.0/8'
                              ? {
                                  except: t.except.filter(
                                    (e) => cidrContains(t.cidr, e.split('/')[0]!) && e !== t.cidr,
                                  ),
                                }
                              : {}),
                          },
                        })),
                      }
                    : {}),
                  ...(r.ports ? { ports: r.ports } : {}),
                })),
              },
            });
          const declared = new DeclaredPermissionsBuilder()
            .add(docs.map((d) => stringify(d)).join('---\n'), 'd.yaml')
            .build();
          const w = declared.workloads[0]!;
          const grants = declared.grants.filter(
            (g) => g.subject === w.subject && g.domain === 'network-egress',
          );
          const subject = 'workload:p';
          const mk = (c: { address: string; port: number; protocol: string }) =>
            use(subject, 'connect', {
              domain: 'network-egress',
              address: c.address,
              port: c.port,
              protocol: c.protocol as 'TCP',
            });
          const uses = conns.map(mk);
          const { object } = leastPrivilegeNetworkPolicy(w, uses, grants);
          const back = new DeclaredPermissionsBuilder()
            .add([stringify(pod), stringify(object)].join('---\n'), 'g.yaml')
            .build();
          const generated = back.grants.filter((g) => g.domain === 'network-egress');
          for (const u of uses) {
            if (allows(grants, u)) expect(allows(generated, u)).toBe(true);
            else expect(allows(generated, u)).toBe(false);
          }
          for (const p of probes.map(mk)) if (allows(generated, p)) expect(allows(grants, p)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  }, 180_000);
});

describe('gap report invariants', () => {
  it('granted = used + unused, every exercised grant covers a use, every use lands in exactly one bucket', () => {
    fc.assert(
      fc.property(
        fc.array(arbBinding, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(arbRequest, fc.boolean()), { maxLength: 25 }),
        (bindings, requests) => {
          const declared = new DeclaredPermissionsBuilder()
            .add(declaredRbac(bindings), 'declared.yaml')
            .build();
          const uses = requests.map(([r, denied]) => ({
            ...requestUse(r),
            count: denied ? 0 : 1,
            denied: denied ? 1 : 0,
          }));
          const observed = {
            schemaVersion: 1 as const,
            kind: 'ObservedUse' as const,
            window: { start: 1, end: 2 },
            events: uses.length,
            workloads: [],
            toolLists: {},
            uids: {},
            uses,
            overflow: 0,
          };
          const report = analyzeGaps(declared, observed);
          for (const w of report.workloads)
            for (const d of w.domains) {
              expect(d.used + d.unused.length).toBe(d.granted);
              expect(d.usedGrants).toHaveLength(d.used);
              const grants = declared.grants.filter((g) => d.usedGrants.includes(g.id));
              for (const g of grants) expect(d.uses.some((u) => grantCovers(g, u))).toBe(true);
              expect(d.uses.length + d.ungranted.length + d.implicit).toBe(d.distinctUses);
              for (const u of d.uses) expect(grants.some((g) => grantCovers(g, u))).toBe(true);
              for (const u of d.unused) expect(d.uses.some((x) => grantCovers(u.grant, x))).toBe(false);
            }
        },
      ),
      { numRuns: RUNS },
    );
  }, 180_000);
});

describe('matching primitives', () => {
  it('globMatch agrees with literal equality when the pattern has no wildcard', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9:/.-]{0,20}$/),
        fc.stringMatching(/^[a-z0-9:/.-]{0,20}$/),
        (a, b) => {
          expect(globMatch(a, b)).toBe(a === b);
          expect(globMatch(`${a}*`, `${a}${b}`)).toBe(true);
        },
      ),
    );
  });

  it('cidrContains agrees with prefix masking for IPv4', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (net, bits, addr) => {
        const toInt = (a: string) => a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
        const mask = bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - bits);
        const same = (toInt(net) & mask) >>> 0 === (toInt(addr) & mask) >>> 0;
        expect(cidrContains(`${net}/${bits}`, addr)).toBe(same);
      }),
    );
  });

  it('arbitrary text never makes the manifest reader throw anything but a VigilError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          try {
            new DeclaredPermissionsBuilder().add(text, 'fuzz.yaml').build();
          } catch (err) {
            expect((err as Error).name).toBe('VigilError');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
