import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EventOf, readCapture } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

// The MCP SDK client, the filesystem server and the lab's notes server (run by tsx) come from examples/lab.
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
if (why) console.warn(`skipping vigil record --payloads over MCP stdio: ${why}`);

interface AgentLog {
  calls: { server: string; tool: string; isError: boolean }[];
  lists: { server: string; version: string; tools: [string, string][] }[];
}

describe.skipIf(why !== undefined)('vigil record --payloads, MCP over stdio (root)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-record-mcp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("sees every tools/call of real stdio servers one to one with the client's log, and the rug pull", async () => {
    const out = join(dir, 'mcp.vcap');
    const log = join(dir, 'agent-log.json');
    const work = join(dir, 'work');
    const state = join(dir, 'state');
    mkdirSync(work);
    mkdirSync(state);
    const agent = resolve(import.meta.dirname, 'fixtures/mcp-stdio-agent.mjs');
    // The default cap (64 KiB): the filesystem server's ~13 KB tools/list answer is one write
    // of more than a record's 8 KiB, sent as consecutive records.
    const r = await runCli([
      ...['record', '--payloads', '--out', out, '--name', 'mcp-agent'],
      ...['--', process.execPath, agent, log, work, state],
    ]);
    expect(r.stderr).toMatch(/exited with 0/);
    expect(r.code).toBe(0);
    const logged = JSON.parse(readFileSync(log, 'utf8')) as AgentLog;
    expect(logged.calls).toHaveLength(8);

    const cap = await readCapture(out);
    const calls = cap.events.filter((e): e is EventOf<'tool.call'> => e.kind === 'tool.call');
    // One to one, in order, with the server's own name from its initialize answer.
    expect(calls.map((c) => [c.server, c.tool, c.status])).toEqual(
      logged.calls.map((c) => [c.server, c.tool, c.isError ? 'error' : 'ok']),
    );
    for (const c of calls) {
      expect(c.transport).toBe('stdio');
      expect(c.partial).toBeUndefined();
    }
    // Attributed to the server process: the one that read the request on its stdin.
    const servers = new Set(calls.map((c) => c.pid));
    expect(servers.size).toBe(3);
    const execs = cap.events.filter((e): e is EventOf<'process.exec'> => e.kind === 'process.exec');
    for (const pid of servers) {
      const exec = execs.find((e) => e.pid === pid);
      expect(exec?.argv.join(' ')).toMatch(/server-filesystem|notes-server/);
    }

    // The filesystem server's whole tool list, from its one large stdio write.
    const fsList = logged.lists[0]!;
    const fsSeen = cap.events.filter(
      (e): e is EventOf<'tool.list'> => e.kind === 'tool.list' && e.server === fsList.server,
    );
    expect(fsSeen).toHaveLength(1);
    expect(fsSeen[0]!.tools.map((t) => t.name).sort()).toEqual(fsList.tools.map(([name]) => name).sort());

    // The notes server's two sessions: its tool list changed (the poisoned description).
    const lists = cap.events.filter(
      (e): e is EventOf<'tool.list'> => e.kind === 'tool.list' && e.server === 'team-notes',
    );
    expect(lists).toHaveLength(2);
    expect(lists[0]!.tools.map((t) => t.name)).toEqual(['lookup_note']);
    expect(lists[0]!.tools[0]?.definitionHash).not.toBe(lists[1]!.tools[0]?.definitionHash);

    const scan = await runCli(['scan', work, '--capture', out, '--format', 'json']);
    const findings = (JSON.parse(scan.stdout) as { findings: { ruleId: string; summary: string }[] })
      .findings;
    const rug = findings.filter((f) => f.ruleId === 'vigil.scan.mcp-rug-pull');
    expect(rug).toHaveLength(1);
    expect(rug[0]!.summary).toMatch(/team-notes changed its tools during a captured session/);

    // `check` reports the same rug pull from the stream, through the runtime pack, with no baseline.
    const check = await runCli(['check', out, '--format', 'json']);
    expect(check.code).toBe(0);
    const checked = (
      JSON.parse(check.stdout) as { findings: { ruleId: string; severity: string; summary: string }[] }
    ).findings.filter((f) => f.ruleId === 'vigil.runtime.mcp-rug-pull');
    expect(checked).toHaveLength(1);
    expect(checked[0]!.severity).toBe('high');
    expect(checked[0]!.summary).toMatch(
      /^team-notes changed its tools during the session: 1 change \(changed tool lookup_note\)/,
    );
  }, 240_000);
});
