import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeclaredPermissionsBuilder,
  grantCovers,
  iamPolicyGrants,
  isVigilError,
  mcpConfigGrants,
  type ObservedUse,
  readMcpToolList,
  type VigilError,
} from '../../src/index.js';

function thrown(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (err) {
    if (isVigilError(err)) return err;
    throw new Error(`expected a VigilError, got ${String(err)}`);
  }
  throw new Error('expected an error');
}

const ROLE = 'arn:aws:iam::123456789012:role/agent';
const use = (action: string, resources: string[] = []): ObservedUse => ({
  subject: `aws:${ROLE}`,
  domain: 'cloud-api',
  action,
  target: { domain: 'cloud-api', provider: 'aws', resources },
  count: 1,
  denied: 0,
  firstTs: 0,
  lastTs: 0,
  origins: ['cloudtrail'],
});

describe('AWS IAM policies', () => {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Read',
        Effect: 'Allow',
        Action: ['s3:Get*', 's3:ListBucket'],
        Resource: ['arn:aws:s3:::docs', 'arn:aws:s3:::docs/*'],
      },
      {
        Effect: 'Allow',
        NotAction: ['iam:*', 'organizations:*'],
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
      { Effect: 'Deny', Action: 's3:DeleteObject', NotResource: 'arn:aws:s3:::scratch/*' },
    ],
  };
  it('reads Allow/Deny, Action/NotAction, Resource/NotResource and keeps conditions as data', () => {
    const { grants } = iamPolicyGrants(policy, 'p.json', { subject: ROLE });
    expect(grants.map((g) => `${g.effect} ${g.action}`)).toEqual([
      'allow s3:Get*',
      'allow s3:ListBucket',
      'allow *',
      'deny s3:DeleteObject',
    ]);
    const notAction = grants[2]!;
    expect(notAction.target).toMatchObject({ notActions: ['iam:*', 'organizations:*'] });
    expect(notAction.conditions).toEqual({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
    expect(notAction.source.path).toEqual(['Statement', 1, 'NotAction']);
    expect(grants[0]!.source.via).toEqual(['Sid Read']);
    expect(grants.every((g) => g.subject === `aws:${ROLE}`)).toBe(true);
  });

  const cases: [string, ObservedUse, boolean[]][] = [
    [
      'wildcard action and resource',
      use('s3:GetObject', ['arn:aws:s3:::docs/a/b.pdf']),
      [true, false, true, false],
    ],
    ['action case-insensitive', use('S3:getobject', ['arn:aws:s3:::docs/x']), [true, false, true, false]],
    ['resource outside', use('s3:GetObject', ['arn:aws:s3:::other/x']), [false, false, true, false]],
    ['NotAction excludes iam', use('iam:PassRole'), [false, false, false, false]],
    ['NotResource', use('s3:DeleteObject', ['arn:aws:s3:::docs/x']), [false, false, true, true]],
    ['NotResource excluded', use('s3:DeleteObject', ['arn:aws:s3:::scratch/x']), [false, false, true, false]],
  ];
  for (const [name, u, expected] of cases)
    it(`coverage: ${name}`, () => {
      const { grants } = iamPolicyGrants(policy, 'p.json', { subject: ROLE });
      expect(grants.map((g) => grantCovers(g, u))).toEqual(expected);
    });

  it('resource policies give grants to the principals they name', () => {
    const { grants } = iamPolicyGrants(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: [ROLE, '111122223333'] },
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::b/*',
          },
          { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/public/*' },
        ],
      },
      'bucket-policy.json',
    );
    expect(grants.map((g) => g.subject)).toEqual([`aws:${ROLE}`, 'aws:111122223333', 'aws:*']);
  });

  it('reads get-account-authorization-details with inline and managed policies, URL-encoded', () => {
    const doc = encodeURIComponent(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' },
      }),
    );
    const { grants, subjects } = iamPolicyGrants(
      {
        RoleDetailList: [
          {
            Arn: ROLE,
            RolePolicyList: [{ PolicyName: 'inline', PolicyDocument: doc }],
            AttachedManagedPolicies: [
              { PolicyName: 'ro', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
            ],
          },
        ],
        Policies: [
          {
            PolicyName: 'ReadOnlyAccess',
            Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
            PolicyVersionList: [
              {
                IsDefaultVersion: true,
                Document: {
                  Version: '2012-10-17',
                  Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }],
                },
              },
            ],
          },
        ],
      },
      'auth.json',
    );
    expect(subjects.map((s) => s.id)).toEqual([`aws:${ROLE}`]);
    expect(grants.map((g) => `${g.action} ${g.source.via.join('/')}`)).toEqual([
      'bedrock:InvokeModel inline policy inline',
      'ec2:Describe* managed policy ReadOnlyAccess',
    ]);
    expect(grants[1]!.source.path).toEqual([
      'Policies',
      0,
      'PolicyVersionList',
      0,
      'Document',
      'Statement',
      0,
      'Action',
    ]);
  });

  const bad: [string, unknown, RegExp][] = [
    ['missing Effect', { Statement: [{ Action: 's3:*', Resource: '*' }] }, /Statement\[0\]\.Effect/],
    [
      'unknown key',
      { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Actions: 'x' }] },
      /Unrecognized key.*Actions/,
    ],
    [
      'bad action',
      { Statement: [{ Effect: 'Allow', Action: 'GetObject', Resource: '*' }] },
      /"service:Action"/,
    ],
    [
      'Action and NotAction',
      { Statement: [{ Effect: 'Allow', Action: 's3:*', NotAction: 'iam:*', Resource: '*' }] },
      /exactly one of Action and NotAction/,
    ],
    [
      'bad resource',
      { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'bucket' }] },
      /expected resources as ARNs/,
    ],
    ['bad version', { Version: '2020-01-01', Statement: [] }, /Version/],
  ];
  for (const [name, doc, msg] of bad)
    it(`malformed policy: ${name}`, () => {
      const err = thrown(() => new DeclaredPermissionsBuilder().add(JSON.stringify(doc), 'policy.json'));
      expect(err.code).toBe('SCHEMA_INVALID');
      expect(err.message).toMatch(/^policy\.json: invalid IAM policy document/);
      expect(err.message).toMatch(msg);
    });

  it('a managed policy missing from the file is an error naming the path', () => {
    const err = thrown(() =>
      iamPolicyGrants(
        {
          RoleDetailList: [
            { Arn: ROLE, AttachedManagedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/X' }] },
          ],
        },
        'a.json',
      ),
    );
    expect(err.message).toBe(
      "a.json, at RoleDetailList[0].AttachedManagedPolicies[0]: attached managed policy arn:aws:iam::aws:policy/X is not in the file's Policies list",
    );
  });
});

describe('MCP client configurations', () => {
  const config = {
    mcpServers: {
      fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'] },
      shell: { command: 'uvx', args: ['mcp-shell'], disabledTools: ['rm'] },
      web: { url: 'http://localhost:8931/mcp', allowedTools: ['fetch'] },
      old: { command: 'node', args: ['old.js'], disabled: true },
    },
  };
  it('gives one grant per tool when the tools are known, * otherwise, honouring allow/disable lists', () => {
    const { grants, servers } = mcpConfigGrants(config, 'claude.json', {
      toolsByServer: new Map([['shell', ['run_command', 'rm', 'ls']]]),
    });
    expect(servers).toEqual(['fs', 'shell', 'web']);
    expect(
      grants.map(
        (g) =>
          `${(g.target as { server: string }).server}/${(g.target as { tool: string }).tool} ${g.inherentRisk.score}`,
      ),
    ).toEqual(['fs/* 7', 'shell/run_command 9', 'shell/ls 3', 'web/fetch 5']);
    expect(grants[0]!.subject).toBe('mcp:claude');
    expect(grants[0]!.target).toMatchObject({
      launch: 'npx -y @modelcontextprotocol/server-filesystem /data',
    });
  });

  it('reads VS Code servers and tools/list files through the builder', () => {
    const b = new DeclaredPermissionsBuilder({ mcpClient: 'vscode' });
    b.add(
      JSON.stringify({
        servers: { mem: { type: 'stdio', command: 'npx', args: ['@modelcontextprotocol/server-memory'] } },
      }),
      'mcp.json',
    );
    b.add(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        result: { tools: [{ name: 'create_entities' }, { name: 'read_graph' }] },
      }),
      'mem.tools.json',
    );
    const d = b.build();
    expect(d.grants.map((g) => (g.target as { tool: string }).tool)).toEqual([
      'create_entities',
      'read_graph',
    ]);
    expect(d.subjects.map((s) => s.id)).toEqual(['mcp:vscode']);
  });

  it('a server with neither command nor url is an error naming its path', () => {
    const err = thrown(() => mcpConfigGrants({ mcpServers: { broken: { args: ['x'] } } }, 'c.json'));
    expect(err.message).toMatch(
      /^c\.json: invalid MCP client configuration: mcpServers\.broken: expected "command"/,
    );
  });
});

describe('hostile JSON shapes', () => {
  const shape = (keys: string[]) => fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 4 }));
  const notVigil = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect((err as Error).name).toBe('VigilError');
    }
  };
  it('IAM and MCP readers raise only VigilErrors on arbitrary shapes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          shape([
            'Statement',
            'Version',
            'PolicyDocument',
            'Arn',
            'RoleDetailList',
            'Policies',
            'UserDetailList',
          ]),
          fc.record({
            RoleDetailList: fc.array(shape(['Arn', 'RolePolicyList', 'AttachedManagedPolicies'])),
            Policies: fc.jsonValue(),
          }),
          shape(['mcpServers', 'servers', 'mcp', 'tools', 'result', 'server']),
        ),
        (v) => {
          notVigil(() => iamPolicyGrants(v, 'f.json'));
          notVigil(() => mcpConfigGrants(v, 'f.json'));
          notVigil(() => readMcpToolList(v, 'f.json'));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('Kubernetes objects of every modelled kind with arbitrary bodies raise only VigilErrors', () => {
    const kinds: [string, string][] = [
      ['rbac.authorization.k8s.io/v1', 'Role'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
      ['networking.k8s.io/v1', 'NetworkPolicy'],
      ['v1', 'Pod'],
      ['v1', 'ServiceAccount'],
      ['apps/v1', 'Deployment'],
      ['batch/v1', 'CronJob'],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.dictionary(
          fc.constantFrom('metadata', 'rules', 'roleRef', 'subjects', 'spec', 'aggregationRule'),
          fc.jsonValue({ maxDepth: 5 }),
        ),
        ([apiVersion, kind], body) => {
          notVigil(() =>
            new DeclaredPermissionsBuilder()
              .add(
                JSON.stringify({ apiVersion, kind, metadata: { name: 'x', namespace: 'n' }, ...body }),
                'f.json',
              )
              .build(),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
