import { describe, expect, it } from 'vitest';
import {
  declaredMcpServerFor,
  type McpLaunch,
  mcpConfigGrants,
  mcpLaunchMatches,
  nameMcpServersAsDeclared,
  OBSERVED_USE_SCHEMA_VERSION,
  type ObservedUseDocument,
} from '../../src/index.js';

const FS_NPX: McpLaunch = {
  command: 'npx',
  args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'],
};
const FS_RUNNING = [
  '/usr/bin/node',
  '/app/node_modules/.pnpm/@modelcontextprotocol+server-filesystem@2026.8.31/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
  '/data',
];
const NOTES: McpLaunch = {
  command: 'node',
  args: ['--import', 'tsx', 'src/mcp/notes-server.ts', '/srv/work'],
};
const NOTES_RUNNING = [
  '/usr/bin/node',
  '--import',
  'file:///app/node_modules/.pnpm/tsx@4.23.15/node_modules/tsx/dist/loader.mjs',
  '/app/examples/lab/src/mcp/notes-server.ts',
  '/tmp/work',
];

describe('mcpLaunchMatches', () => {
  const rows: [string, McpLaunch, string[], boolean][] = [
    ['npx package → node_modules path', FS_NPX, FS_RUNNING, true],
    [
      'npx package with a version → the same package',
      { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem@2026.8.31'] },
      FS_RUNNING,
      true,
    ],
    [
      'uvx package → site-packages path',
      { command: 'uvx', args: ['mcp-server-git'] },
      ['/usr/bin/python3', '/home/u/.local/lib/python3.11/site-packages/mcp_server_git/__main__.py'],
      true,
    ],
    ['script path → the same script elsewhere', NOTES, NOTES_RUNNING, true],
    [
      './script → absolute script',
      { command: 'python3', args: ['./server.py'] },
      ['/usr/bin/python3', '/srv/mcp/server.py'],
      true,
    ],
    [
      'own program → its path',
      { command: 'mcp-server-fetch' },
      ['/usr/local/bin/mcp-server-fetch', '--port', '0'],
      true,
    ],
    // Must not match.
    [
      'another npm package',
      FS_NPX,
      ['/usr/bin/node', '/app/node_modules/@modelcontextprotocol/server-memory/dist/index.js'],
      false,
    ],
    ['a package launch against a script', FS_NPX, NOTES_RUNNING, false],
    ['another script', NOTES, ['/usr/bin/node', '/app/src/mcp/other-server.ts'], false],
    [
      'a script of the same base name in another folder',
      NOTES,
      ['/usr/bin/node', '/app/notes-server.ts'],
      false,
    ],
    ['an interpreter alone says nothing', { command: 'node' }, ['/usr/bin/node', '/app/anything.js'], false],
    ['a shell alone says nothing', { command: 'sh', args: ['-c'] }, ['/bin/sh', '-c', 'x'], false],
    ['no command line seen', FS_NPX, [], false],
    ['a remote server (no command)', {}, FS_RUNNING, false],
  ];
  it.each(rows)('%s', (_, launch, argv, expected) => {
    expect(mcpLaunchMatches(launch, argv)).toBe(expected);
  });
});

describe('declaredMcpServerFor', () => {
  const declared = [
    { name: 'filesystem', ...FS_NPX },
    { name: 'notes', ...NOTES },
  ];
  it('takes the declared name the server gave itself, then the launch its process matches', () => {
    expect(declaredMcpServerFor({ name: 'notes' }, declared)).toBe('notes');
    expect(declaredMcpServerFor({ name: 'secure-filesystem-server', argv: FS_RUNNING }, declared)).toBe(
      'filesystem',
    );
    expect(declaredMcpServerFor({ name: 'team-notes', argv: NOTES_RUNNING }, declared)).toBe('notes');
  });
  it('leaves a server unmatched without a command line, or when two declared launches fit it', () => {
    expect(declaredMcpServerFor({ name: 'secure-filesystem-server' }, declared)).toBeUndefined();
    const twice = [...declared, { name: 'fs2', ...FS_NPX }];
    expect(
      declaredMcpServerFor({ name: 'secure-filesystem-server', argv: FS_RUNNING }, twice),
    ).toBeUndefined();
  });
});

describe('nameMcpServersAsDeclared', () => {
  const use = (server: string, tool: string, count: number) => ({
    subject: 'workload:cgroup:/vigil-agent',
    domain: 'mcp-tool' as const,
    action: 'call',
    target: { domain: 'mcp-tool' as const, server, tool },
    count,
    denied: 0,
    firstTs: 1,
    lastTs: 2,
    origins: ['ebpf' as const],
  });
  const observed: ObservedUseDocument = {
    schemaVersion: OBSERVED_USE_SCHEMA_VERSION,
    kind: 'ObservedUse',
    window: { start: 1, end: 2 },
    events: 10,
    workloads: [],
    toolLists: {
      'secure-filesystem-server': ['read_text_file', 'write_file'],
      filesystem: ['list_directory'],
    },
    mcpServers: [
      { name: 'secure-filesystem-server', argv: FS_RUNNING },
      { name: 'unknown-server', argv: ['/usr/bin/node', '/app/x.js'] },
    ],
    uids: {},
    uses: [
      use('secure-filesystem-server', 'read_text_file', 2),
      use('filesystem', 'read_text_file', 1),
      use('unknown-server', 't', 1),
    ],
    overflow: 0,
  };
  const { grants } = mcpConfigGrants({ mcpServers: { filesystem: FS_NPX } }, 'agent.json');

  it('counts a server seen by its own name as use of the declared server it was launched as', () => {
    const { observed: named, renamed } = nameMcpServersAsDeclared(observed, grants);
    expect([...renamed]).toEqual([['secure-filesystem-server', 'filesystem']]);
    const calls = named.uses.filter((u) => u.target.domain === 'mcp-tool');
    expect(calls.map((u) => [(u.target as { server: string }).server, u.count])).toEqual([
      ['filesystem', 3],
      ['unknown-server', 1],
    ]);
    expect(named.toolLists).toEqual({ filesystem: ['list_directory', 'read_text_file', 'write_file'] });
    expect(named.events).toBe(10);
  });

  it('changes nothing when no declared launch fits', () => {
    const { observed: same, renamed } = nameMcpServersAsDeclared(observed, []);
    expect(renamed.size).toBe(0);
    expect(same).toBe(observed);
  });
});
