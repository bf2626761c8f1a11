import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinScanners, createMcpScanner, listStdioServer, scanPaths } from '../../src/index.js';
import { put } from './corpus.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
const SERVER = join(ROOT, 'examples/lab/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');

function skipReason(): string | undefined {
  if (!existsSync(SERVER))
    return 'the lab (examples/lab) has no @modelcontextprotocol/server-filesystem installed';
  if (spawnSync('unshare', ['--net', '--', 'true'], { stdio: 'ignore' }).status !== 0)
    return 'unshare --net is not permitted here (needs root or user namespaces)';
  return undefined;
}
const why = skipReason();
if (why) console.warn(`skipping the live MCP server scan: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-mcp-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(why !== undefined)('a real MCP server over stdio', () => {
  it('lists the tools of @modelcontextprotocol/server-filesystem with no network', async () => {
    const defs = await listStdioServer({
      server: 'filesystem',
      command: process.execPath,
      args: [SERVER, dir],
      configUri: join(dir, 'mcp.json'),
      timeoutMs: 60_000,
    });
    const names = defs.tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['read_text_file', 'write_file', 'list_directory', 'search_files']),
    );
    expect(defs.origin).toBe('connect');
    expect(defs.tools.find((t) => t.name === 'write_file')?.inputSchema).toMatchObject({ type: 'object' });
  }, 90_000);

  it('scans a configuration live: clean definitions, pinned; a toxic flow once a fetch and a sink are added', async () => {
    const config = put(dir, '.cursor/mcp.json', {
      mcpServers: { filesystem: { command: process.execPath, args: [SERVER, dir] } },
    });
    const mcp = createMcpScanner({ connect: { timeoutMs: 60_000 } });
    const r = await scanPaths([config], { scanners: builtinScanners({ mcp }) });
    expect(r.errors).toEqual([]);
    // The reference server's descriptions mention files, "important" paths and directories: nothing fires.
    expect(r.findings.map((f) => `${f.ruleId}: ${f.summary}`)).toEqual([]);
    expect(Object.keys(mcp.pins().servers)).toEqual(['filesystem']);
    expect(mcp.definitions()[0]?.tools.length).toBeGreaterThan(5);

    put(dir, 'web.tools.json', {
      server: 'web',
      tools: [{ name: 'fetch', description: 'Fetches a URL from the internet.' }],
    });
    put(dir, 'mail.tools.json', {
      server: 'mail',
      tools: [{ name: 'send_email', description: 'Sends an email.' }],
    });
    put(dir, '.cursor/mcp.json', {
      mcpServers: {
        filesystem: { command: process.execPath, args: [SERVER, dir] },
        web: { url: 'https://mcp.example.invalid/web' },
        mail: { url: 'https://mcp.example.invalid/mail' },
      },
    });
    const again = createMcpScanner({ connect: { timeoutMs: 60_000 }, pins: mcp.pins() });
    const r2 = await scanPaths([dir], { scanners: builtinScanners({ mcp: again }) });
    expect(r2.errors).toEqual([]);
    expect(r2.findings.map((f) => f.ruleId)).toEqual(['vigil.scan.mcp-toxic-flow']);
    expect(r2.findings[0]?.summary).toMatch(/private data \(filesystem\//);
  }, 120_000);

  it('says per started server that it answered (name, version, counts) or why not, and still starts the others', async () => {
    const config = put(dir, 'two/.mcp.json', {
      mcpServers: {
        broken: { command: process.execPath, args: ['/nonexistent/vigil-server.js'] },
        filesystem: { command: process.execPath, args: [SERVER, dir] },
      },
    });
    const mcp = createMcpScanner({ connect: { timeoutMs: 60_000 } });
    const r = await scanPaths([config], { scanners: builtinScanners({ mcp }) });
    expect(r.errors).toEqual([]);
    expect(r.connections?.map((c) => [c.server, c.connected])).toEqual([
      ['broken', false],
      ['filesystem', true],
    ]);
    const [broken, fs] = r.connections!;
    expect(broken?.error).toMatchObject({
      code: 'INPUT_INVALID',
      // The line naming the error, not the tail of the stack and the runtime's version only.
      message: expect.stringMatching(
        /exited \(code 1\) before answering; its last lines on stderr: Error: Cannot find module '\/nonexistent\/vigil-server\.js'/,
      ),
    });
    expect(fs).toMatchObject({
      configUri: config,
      serverName: expect.any(String),
      serverVersion: expect.any(String),
    });
    expect(fs?.tools).toBe(mcp.definitions().find((d) => d.server === 'filesystem')?.tools.length);
    expect(fs?.tools).toBeGreaterThan(5);
    // Without connect nothing is started and the result has no connections.
    const off = await scanPaths([config], { scanners: builtinScanners() });
    expect(off.connections).toBeUndefined();
  }, 120_000);

  it("quotes a server's last lines on stderr when it exits before answering (a configured folder that is missing)", async () => {
    await expect(
      listStdioServer({
        server: 'filesystem',
        command: process.execPath,
        args: [SERVER, join(tmpdir(), 'vigil-no-such-folder', 'work')],
        configUri: 'mcp.json',
      }),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(
        /MCP server filesystem exited \(code 1\) before answering; its last lines on stderr: .*vigil-no-such-folder/,
      ),
    });
  }, 60_000);

  it('reports a server that does not answer within its budget, and stops it', async () => {
    await expect(
      listStdioServer({
        server: 'sleepy',
        command: process.execPath,
        args: ['-e', 'setTimeout(() => {}, 60000)'],
        configUri: 'mcp.json',
        timeoutMs: 1000,
      }),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/did not list its definitions within 1000 ms/),
    });
  }, 30_000);
});
