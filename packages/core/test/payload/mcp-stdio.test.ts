import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventOf,
  EventSchema,
  type PayloadChunk,
  PayloadDecoder,
  type VigilEvent,
} from '../../src/index.js';
import { filesystemServerEntry, importSdk } from './helpers/real-deps.js';
import { ChunkLog, canonical, resplit, sha256 } from './helpers/recorder.js';

type JsonRpc = {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: unknown;
};

interface SdkClient {
  connect(t: unknown): Promise<void>;
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<{ isError?: boolean }>;
  close(): Promise<void>;
}
interface ReadBufferLike {
  append(b: Buffer): void;
  readMessage(): unknown;
}

/**
 * The SDK's stdio transport contract over a child we spawn ourselves, so each
 * write to its stdin and each read from its stdout is recorded as a chunk, as
 * a capture of the agent's pipes would see them.
 */
class RecordingStdio {
  onmessage?: (m: unknown) => void;
  onclose?: () => void;
  onerror?: (e: Error) => void;
  readonly wire: { dir: 'egress' | 'ingress'; msg: JsonRpc }[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #log: ChunkLog;
  readonly #id: string;
  readonly #buffer: ReadBufferLike;
  readonly #serialize: (m: unknown) => string;

  constructor(
    child: ChildProcessWithoutNullStreams,
    log: ChunkLog,
    buffer: ReadBufferLike,
    serialize: (m: unknown) => string,
  ) {
    this.#child = child;
    this.#log = log;
    this.#id = `stdio:${child.pid}`;
    this.#buffer = buffer;
    this.#serialize = serialize;
  }

  async start(): Promise<void> {
    this.#child.stdout.on('data', (d: Buffer) => {
      this.#log.add(this.#id, 'ingress', 'pipe', d);
      this.#buffer.append(d);
      for (let m = this.#buffer.readMessage(); m !== null; m = this.#buffer.readMessage()) {
        this.wire.push({ dir: 'ingress', msg: m as JsonRpc });
        this.onmessage?.(m);
      }
    });
    this.#child.on('close', () => this.onclose?.());
  }

  async send(message: unknown): Promise<void> {
    const text = this.#serialize(message);
    this.wire.push({ dir: 'egress', msg: message as JsonRpc });
    this.#log.add(this.#id, 'egress', 'pipe', Buffer.from(text));
    await new Promise<void>((r, j) => this.#child.stdin.write(text, (e) => (e ? j(e) : r())));
  }

  async close(): Promise<void> {
    this.#child.stdin.end();
    this.#child.kill();
  }
}

let log: ChunkLog;
let wire: RecordingStdio['wire'];
let dir: string;
const results: { name: string; isError: boolean }[] = [];
let listed: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-mcp-'));
  writeFileSync(join(dir, 'notes.txt'), 'hello\n');
  const { Client } = await importSdk<{ Client: new (i: unknown) => SdkClient }>('client/index.js');
  const { ReadBuffer, serializeMessage } = await importSdk<{
    ReadBuffer: new () => ReadBufferLike;
    serializeMessage: (m: unknown) => string;
  }>('shared/stdio.js');
  log = new ChunkLog();
  const child = spawn(process.execPath, [filesystemServerEntry, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.resume();
  const transport = new RecordingStdio(child, log, new ReadBuffer(), serializeMessage);
  wire = transport.wire;
  const client = new Client({ name: 'vigil-test-agent', version: '1.0.0' });
  await client.connect(transport);
  listed = (await client.listTools()).tools.map((t) => t.name);
  const calls: [string, Record<string, unknown>][] = [
    ['list_allowed_directories', {}],
    ['write_file', { path: join(dir, 'out.txt'), content: 'token sk-ant-api03-SECRETSECRETSECRET and more' }],
    ['read_text_file', { path: join(dir, 'notes.txt') }],
    ['list_directory', { path: dir }],
    ['read_text_file', { path: join(dir, 'missing.txt') }],
    ['read_text_file', { path: '/etc/shadow' }],
  ];
  for (const [name, args] of calls) {
    const r = await client.callTool({ name, arguments: args });
    results.push({ name, isError: r.isError === true });
  }
  await client.listTools();
  await client.close();
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function decodeAll(chunks: readonly PayloadChunk[], decoder = new PayloadDecoder()): VigilEvent[] {
  const out: VigilEvent[] = [];
  for (const c of chunks) out.push(...decoder.push(c));
  out.push(...decoder.end());
  return out;
}

describe('MCP over stdio, decoded from a real server driven by the real SDK client', () => {
  it('matches every tools/call and tools/list on the wire, one to one', () => {
    const events = decodeAll(log.chunks);
    for (const e of events) expect(EventSchema.safeParse(e).success).toBe(true);
    const init = wire.find(
      (w) => w.dir === 'ingress' && (w.msg.result as { serverInfo?: unknown } | undefined)?.serverInfo,
    );
    const serverInfo = (init!.msg.result as { serverInfo: { name: string; version: string } }).serverInfo;
    const protocolVersion = (init!.msg.result as { protocolVersion: string }).protocolVersion;

    const requests = wire.filter((w) => w.dir === 'egress' && w.msg.method === 'tools/call');
    const calls = events.filter((e): e is EventOf<'tool.call'> => e.kind === 'tool.call');
    expect(requests.length).toBe(6);
    expect(calls.length).toBe(requests.length);
    calls.forEach((ev, i) => {
      const req = requests[i]!.msg;
      const res = wire.find((w) => w.dir === 'ingress' && w.msg.id === req.id)!.msg;
      const args = req.params!['arguments'] as Record<string, unknown>;
      expect(ev.server).toBe(serverInfo.name);
      expect(ev.serverVersion).toBe(`${serverInfo.name}@${serverInfo.version}`);
      expect(ev.transport).toBe('stdio');
      expect(ev.tool).toBe(req.params!['name']);
      expect(ev.callId).toBe(String(req.id));
      expect(ev.argumentNames).toEqual(Object.keys(args).sort());
      expect(ev.argumentsHash).toBe(sha256(canonical(args)));
      const failed = res.error !== undefined || res.result?.['isError'] === true;
      expect(ev.status).toBe(failed ? 'error' : 'ok');
      expect(ev.status === 'error').toBe(results[i]!.isError);
      expect(ev.durationMs).toBeGreaterThanOrEqual(0);
      expect(ev.partial).toBeUndefined();
      expect(ev.argumentsText).toBeUndefined();
    });
    expect(results.some((r) => r.isError)).toBe(true);

    const lists = events.filter((e): e is EventOf<'tool.list'> => e.kind === 'tool.list');
    const listResponses = wire.filter((w) => w.dir === 'ingress' && Array.isArray(w.msg.result?.['tools']));
    expect(lists.length).toBe(2);
    expect(listResponses.length).toBe(2);
    lists.forEach((ev, i) => {
      const tools = listResponses[i]!.msg.result!['tools'] as Record<string, unknown>[];
      expect(ev.listKind).toBe('tools');
      expect(ev.protocolVersion).toBe(protocolVersion);
      expect(ev.tools.map((t) => t.name)).toEqual(listed);
      expect(ev.tools.map((t) => t.definitionHash)).toEqual(tools.map((t) => sha256(canonical(t))));
      expect(ev.tools.map((t) => t.inputSchemaHash)).toEqual(
        tools.map((t) => sha256(canonical(t['inputSchema']))),
      );
      expect(ev.setHash).toBe(
        sha256(
          tools
            .map((t) => sha256(canonical(t)))
            .sort()
            .join('\n'),
        ),
      );
    });
    expect(lists[0]!.setHash).toBe(lists[1]!.setHash);
  });

  it('keeps argument text only in content mode, with secrets redacted', () => {
    expect(JSON.stringify(decodeAll(log.chunks))).not.toContain('SECRETSECRET');
    const content = decodeAll(log.chunks, new PayloadDecoder({ mode: 'content' })).filter(
      (e): e is EventOf<'tool.call'> => e.kind === 'tool.call',
    );
    const write = content.find((e) => e.tool === 'write_file')!;
    expect(write.argumentsText).toContain('[REDACTED:anthropic-key]');
    expect(JSON.stringify(content)).not.toContain('SECRETSECRET');
  });

  it('random split points never change the events', () => {
    const reference = decodeAll(log.chunks);
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 32 }), (seeds) => {
        const split = resplit(log.chunks, (i, len) => seeds.map((s) => (s * (i + 1)) % Math.max(len, 1)));
        const decoder = new PayloadDecoder();
        expect(decodeAll(split, decoder)).toEqual(reference);
        expect(decoder.stats().skipped).toEqual({});
      }),
      { numRuns: 60 },
    );
  });

  it('degrades payloads cut at a byte cap to partial events, one per call', () => {
    for (const cap of [48, 64, 200]) {
      const cut = log.chunks.map((c) => ({ ...c, bytes: c.bytes.subarray(0, cap) }));
      const decoder = new PayloadDecoder();
      const events = decodeAll(cut, decoder);
      for (const e of events) expect(EventSchema.safeParse(e).success).toBe(true);
      const calls = events.filter((e): e is EventOf<'tool.call'> => e.kind === 'tool.call');
      const requests = wire.filter((w) => w.dir === 'egress' && w.msg.method === 'tools/call');
      expect(calls.length).toBe(requests.length);
      for (const [i, ev] of calls.entries()) {
        // At 48 and 64 bytes every message is cut; at 200 the short ones arrive whole.
        if (cap < 100) expect(ev.partial).toBe(true);
        const name = String(requests[i]!.msg.params!['name']);
        // The name survives when the cap leaves room for it.
        if (Buffer.from(JSON.stringify(requests[i]!.msg)).indexOf(name) + name.length + 1 < cap)
          expect(ev.tool).toBe(name);
      }
      expect(decoder.stats().skipped['truncated']).toBeGreaterThan(0);
    }
  });
});
