import { spawn, spawnSync } from 'node:child_process';
import { scalarText, VigilError } from '@vigil/core';
import type { McpPrompt, McpResource, McpServerDefinitions, McpTool } from './definitions.js';
import { McpPromptSchema, McpResourceSchema, McpToolSchema } from './definitions.js';

/** Options for {@link listStdioServer}. */
export interface StdioListOptions {
  /** The name the client configuration gives the server. */
  readonly server: string;
  readonly command: string;
  readonly args?: readonly string[];
  /** The server's own environment from its configuration; nothing else of Vigil's environment is passed but `PATH`. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** The configuration declaring it (recorded on the definitions). */
  readonly configUri: string;
  /** Whole exchange budget. Default 30 s. */
  readonly timeoutMs?: number;
  /** Most bytes read from the server's stdout. Default 16 MiB. */
  readonly maxBytes?: number;
  /**
   * `isolated` (default) runs the server in a new network namespace with no
   * interfaces (`unshare --net`, needs root or user namespaces) and fails when
   * that is not possible; `inherit` runs it with the host's network.
   */
  readonly network?: 'isolated' | 'inherit';
  readonly signal?: AbortSignal;
}

const PROTOCOL_VERSION = '2025-06-18';

let unshareWorks: boolean | undefined;
function canIsolateNetwork(): boolean {
  if (unshareWorks === undefined) {
    const r = spawnSync('unshare', ['--net', '--', 'true'], { stdio: 'ignore', timeout: 10_000 });
    unshareWorks = r.status === 0;
  }
  return unshareWorks;
}

/**
 * Starts a stdio MCP server as a real subprocess and asks it for its
 * definitions over JSON-RPC: `initialize`, `notifications/initialized`, then
 * `tools/list`, `prompts/list` and `resources/list` (those its capabilities
 * announce, following `nextCursor`). The server gets a clean environment
 * (`PATH`, a `HOME` it cannot use for anything, its configured `env`, npm
 * set offline) and, by default, no network. It is stopped when the listing
 * is done or the time budget runs out. What it prints on stderr is kept only
 * to quote its last lines when it exits before answering (a missing folder, a
 * bad argument); anything not JSON on stdout is skipped.
 *
 * @example
 * ```ts
 * const defs = await listStdioServer({
 *   server: 'fs', command: 'node', args: ['server-filesystem/dist/index.js', '/tmp'], configUri: 'mcp.json',
 * });
 * console.log(defs.tools.map((t) => t.name));
 * ```
 */
export async function listStdioServer(options: StdioListOptions): Promise<McpServerDefinitions> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 16 << 20;
  const where = { file: options.configUri, path: ['mcpServers', options.server] };
  const isolated = (options.network ?? 'isolated') === 'isolated';
  if (isolated && !canIsolateNetwork())
    throw new VigilError(
      'PRIVILEGE_REQUIRED',
      `cannot start MCP server ${options.server} without network: unshare --net is not permitted here (run as root, or allow network explicitly)`,
      { location: where },
    );
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    npm_config_offline: 'true',
    NO_UPDATE_NOTIFIER: '1',
    ...options.env,
  };
  const [cmd, argv] = isolated
    ? ['unshare', ['--net', '--', options.command, ...(options.args ?? [])]]
    : [options.command, [...(options.args ?? [])]];
  const child = spawn(cmd, argv, {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
    detached: false,
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let buffered = '';
  let total = 0;
  let failure: VigilError | undefined;
  const fail = (e: VigilError) => {
    if (failure) return;
    failure = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  child.on('error', (cause) =>
    fail(
      new VigilError('IO', `cannot start MCP server ${options.server}: ${cause.message}`, {
        cause,
        location: where,
      }),
    ),
  );
  // The tail of stderr, bounded: why a server that exits at once did so.
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderrTail = (stderrTail + d).slice(-4096);
  });
  const stderrEnded = new Promise<void>((r) => {
    child.stderr.once('end', r);
    child.stderr.once('error', () => r());
  });
  child.on('exit', (code, sig) => {
    // What it printed just before exiting may still be in the pipe: wait for its end, briefly.
    void Promise.race([stderrEnded, new Promise((r) => setTimeout(r, 200).unref())]).then(() => {
      const lines = stderrTail
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      // A crash ends with a stack and the runtime's version: the line naming the error says why.
      const at = lines.findLastIndex((l) => /^(?:\w*Error|error)\b/.test(l));
      const said = (at >= 0 && at < lines.length - 2 ? [lines[at], lines.at(-1)] : lines.slice(-2)).join(
        ' | ',
      );
      fail(
        new VigilError(
          'INPUT_INVALID',
          `MCP server ${options.server} exited (${sig ?? `code ${code}`}) before answering${said ? `; its last lines on stderr: ${said.slice(-400)}` : ''}`,
          { location: where },
        ),
      );
    });
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    total += chunk.length;
    if (total > maxBytes) {
      fail(
        new VigilError('INPUT_INVALID', `MCP server ${options.server} sent over ${maxBytes} bytes`, {
          location: where,
        }),
      );
      child.kill('SIGKILL');
      return;
    }
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line.length === 0) continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      if (msg === null || typeof msg !== 'object') continue;
      const m = msg as { id?: unknown; result?: unknown; error?: { message?: unknown } };
      if (typeof m.id !== 'number' || !pending.has(m.id)) continue;
      const p = pending.get(m.id)!;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(scalarText(m.error.message ?? 'error')));
      else p.resolve(m.result);
    }
  });
  child.stdin.on('error', () => {});
  let nextId = 1;
  const request = (method: string, params: unknown): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  };
  const timer = setTimeout(
    () =>
      fail(
        new VigilError(
          'INPUT_INVALID',
          `MCP server ${options.server} did not list its definitions within ${timeoutMs} ms`,
          {
            location: where,
          },
        ),
      ),
    timeoutMs,
  );
  const onAbort = () => fail(new VigilError('ABORTED', 'scan aborted', { location: where }));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const guarded = async <T>(p: Promise<T>): Promise<T> => {
    // A failure (exit, timeout, abort) rejects every pending request; this also catches one that came first.
    const r = await p;
    if (failure) throw failure;
    return r;
  };
  try {
    const init = (await guarded(
      request('initialize', {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'vigil-scan', version: '1' },
      }),
    )) as
      | {
          capabilities?: Record<string, unknown>;
          serverInfo?: { name?: unknown; version?: unknown };
          instructions?: unknown;
        }
      | undefined;
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    const caps = init?.capabilities ?? {};
    const info = init?.serverInfo;
    const all = async <T>(
      method: string,
      key: string,
      parse: (v: unknown) => T | undefined,
    ): Promise<T[]> => {
      const out: T[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 1000; page++) {
        const r = (await guarded(request(method, cursor ? { cursor } : {}))) as
          | Record<string, unknown>
          | undefined;
        const items = r?.[key];
        if (Array.isArray(items))
          for (const it of items) {
            const v = parse(it);
            if (v !== undefined) out.push(v);
          }
        cursor = typeof r?.['nextCursor'] === 'string' ? r['nextCursor'] : undefined;
        if (!cursor) break;
      }
      return out;
    };
    const ok =
      <T>(schema: { safeParse(v: unknown): { success: boolean; data?: T } }) =>
      (v: unknown) => {
        const r = schema.safeParse(v);
        return r.success ? r.data : undefined;
      };
    const tools: McpTool[] = caps['tools'] ? await all('tools/list', 'tools', ok(McpToolSchema)) : [];
    const prompts: McpPrompt[] = caps['prompts']
      ? await all('prompts/list', 'prompts', ok(McpPromptSchema))
      : [];
    const resources: McpResource[] = caps['resources']
      ? await all('resources/list', 'resources', ok(McpResourceSchema))
      : [];
    return {
      server: options.server,
      origin: 'connect',
      uri: options.configUri,
      configUri: options.configUri,
      tools,
      prompts,
      resources,
      ...(typeof init?.instructions === 'string' ? { instructions: init.instructions } : {}),
      pointers: {},
      serverInfo: {
        ...(typeof info?.name === 'string' ? { name: info.name } : {}),
        ...(typeof info?.version === 'string' ? { version: info.version } : {}),
      },
    };
  } catch (err) {
    if (err instanceof VigilError) throw err;
    throw new VigilError('INPUT_INVALID', `MCP server ${options.server}: ${(err as Error).message}`, {
      cause: err,
      location: where,
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    child.stdin.end();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await new Promise<void>((resolve) => child.once('exit', () => resolve()));
      clearTimeout(killer);
    }
  }
}
