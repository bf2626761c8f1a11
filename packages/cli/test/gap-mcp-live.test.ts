import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

// The same real stdio servers as record-payloads-mcp.test.ts (filesystem from npm, the lab's notes
// server), driven by the same MCP SDK client, from examples/lab's dependencies.
const labRequire = createRequire(resolve(import.meta.dirname, '../../../examples/lab/package.json'));
const resolvable = (id: string) => {
  try {
    labRequire.resolve(id);
    return true;
  } catch {
    return false;
  }
};
const why =
  process.platform !== 'linux' || !existsSync('/sys/kernel/btf/vmlinux') || !capturePrivileges().sufficient
    ? 'needs Linux with BTF and root (or CAP_BPF + CAP_PERFMON)'
    : !resolvable('@modelcontextprotocol/sdk/client') ||
        !resolvable('@modelcontextprotocol/server-filesystem/package.json') ||
        !resolvable('tsx')
      ? 'examples/lab has no @modelcontextprotocol/sdk, server-filesystem or tsx installed'
      : undefined;
if (why) console.warn(`skipping the declared-vs-used test of stdio MCP servers: ${why}`);

interface GapJson {
  report: {
    workloads: {
      name: string;
      domains: {
        domain: string;
        granted: number;
        used: number;
        uses: { target: { server?: string; tool?: string }; count: number }[];
      }[];
    }[];
  };
}

describe.skipIf(why !== undefined)(
  'gap and AI-BOM: stdio MCP servers seen from the kernel are the declared ones (root)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-gap-mcp-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('counts tools/call of a server known by its own name as use of the declared server it was launched as', async () => {
      const capture = join(dir, 'mcp.vcap');
      const work = join(dir, 'work');
      const state = join(dir, 'state');
      mkdirSync(work);
      mkdirSync(state);
      const agent = resolve(import.meta.dirname, 'fixtures/mcp-stdio-agent.mjs');
      const r = await runCli([
        ...['record', '--payloads', '--payload-bytes', '8192', '--out', capture, '--name', 'mcp-agent'],
        ...['--', process.execPath, agent, join(dir, 'agent-log.json'), work, state],
      ]);
      expect(r.code).toBe(0);

      // How a client would declare the two servers: by package through npx, and by script.
      const config = join(dir, 'agent.json');
      writeFileSync(
        config,
        JSON.stringify({
          mcpServers: {
            filesystem: {
              command: 'npx',
              args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/work'],
            },
            notes: { command: 'node', args: ['--import', 'tsx', 'src/mcp/notes-server.ts', '/srv/work'] },
            memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
          },
        }),
      );

      const gap = await runCli(['gap', '--declared', config, capture, '--format', 'json']);
      expect(gap.code).toBe(0);
      const report = (JSON.parse(gap.stdout) as GapJson).report;
      const mcp = report.workloads.flatMap((w) => w.domains).find((d) => d.domain === 'mcp-tool');
      expect(mcp).toBeDefined();
      const used = Object.fromEntries(
        mcp!.uses.map((u) => [`${u.target.server}.${u.target.tool}`, u.count] as const),
      );
      // The fixture's calls (its own log is checked one to one in record-payloads-mcp.test.ts).
      expect(used).toEqual({
        'filesystem.list_directory': 1,
        'filesystem.read_text_file': 2,
        'filesystem.write_file': 1,
        'filesystem.get_file_info': 1,
        'notes.lookup_note': 3,
      });
      expect(mcp!.used).toBeGreaterThanOrEqual(2);
      // memory was declared and never started: its grant stays unused.
      expect(mcp!.granted).toBeGreaterThan(mcp!.used);

      const bom = await runCli(['aibom', capture, '--manifest', config, '--format', 'json']);
      expect(bom.code).toBe(0);
      const servers = (
        JSON.parse(bom.stdout) as { components: { type: string; name: string; status: string }[] }
      ).components.filter((c) => c.type === 'mcp-server');
      const status = Object.fromEntries(servers.map((c) => [c.name, c.status]));
      expect(status).toEqual({
        '@modelcontextprotocol/server-filesystem': 'declared-used',
        notes: 'declared-used',
        '@modelcontextprotocol/server-memory': 'declared-unused',
      });
    }, 240_000);
  },
);
