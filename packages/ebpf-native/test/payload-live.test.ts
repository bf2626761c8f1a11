import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EventOf, EventSchema, type VigilEvent } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sensor } from '../src/sensor.js';
import { sslExports } from '../src/tls-targets.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { startScriptedOpenAi } from './fixtures/scripted-openai.js';
import { waitFor, whyNoBpf } from './helpers.js';

// The OpenAI client comes from the lockfile through examples/lab, whose openai-sdk agent these tests stand in for.
function openAiEntry(): string | undefined {
  try {
    const lab = resolve(import.meta.dirname, '../../../examples/lab/node_modules');
    const entry = join(realpathSync(join(lab, 'openai')), 'index.mjs');
    return existsSync(entry) ? entry : undefined;
  } catch {
    return undefined;
  }
}

const openai = openAiEntry();
const nodeExportsSsl = (() => {
  try {
    return sslExports(process.execPath).includes('SSL_write');
  } catch {
    return false;
  }
})();
const why =
  whyNoBpf() ??
  (spawnSync('openssl', ['version']).status !== 0 ? 'the openssl CLI is missing' : undefined) ??
  (openai === undefined ? 'the openai package (via examples/lab) is not installed' : undefined) ??
  (nodeExportsSsl ? undefined : `${process.execPath} does not export SSL_write/SSL_read`);
if (why) console.warn(`skipping live payload capture tests: ${why}`);

type ModelCall = EventOf<'model.call'>;
interface Logged {
  scheme: 'http' | 'https';
  model: string;
  stream: boolean;
  toolCalls: string[];
  finishReason: string;
  responseModel: string;
}

describe.skipIf(why !== undefined)('payload capture, live (root)', () => {
  let dir: string;
  let tls: { key: string; cert: string };
  let server: Awaited<ReturnType<typeof startScriptedOpenAi>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-payload-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'].concat([
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]),
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
    tls = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    server = await startScriptedOpenAi(tls);
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function collect(sensor: Sensor, until: Promise<unknown>): Promise<VigilEvent[]> {
    const events: VigilEvent[] = [];
    const drain = (async () => {
      for await (const batch of sensor) events.push(...batch);
    })();
    await until;
    await sensor.flush();
    await sensor.close();
    await drain;
    return events;
  }

  it('sees every model call of an OpenAI SDK client over HTTP and HTTPS, one to one with its own log', async () => {
    const calls = 4;
    const cg = WorkloadCgroup.create();
    const log = join(dir, 'client-log.json');
    try {
      const sensor = await Sensor.open({ cgroups: [cg.dir], payloads: 'meta' });
      const child = cg.spawn(
        process.execPath,
        [
          join(import.meta.dirname, 'fixtures/llm-client.mjs'),
          openai!,
          log,
          server.httpBase,
          server.httpsBase,
          String(calls),
        ],
        {
          stdio: ['pipe', 'inherit', 'inherit'],
          env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') },
        },
      );
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      // The client's node was found at its exec and got the TLS uprobes, nobody named it.
      const node = realpathSync(process.execPath);
      expect(await waitFor(() => sensor.tlsTargets().some((t) => t.path === node), 30_000)).toBe(true);
      child.stdin?.end('go\n');
      const events = await collect(sensor, exited);
      expect(await exited).toBe(0);
      const target = sensor.tlsTargets().find((t) => t.path === node)!;
      expect(target.functions).toEqual(expect.arrayContaining(['SSL_write', 'SSL_read']));

      const logged = JSON.parse(readFileSync(log, 'utf8')) as Logged[];
      expect(logged).toHaveLength(2 * calls);
      const seen = events.filter((e): e is ModelCall => e.kind === 'model.call');
      for (const e of seen) expect(EventSchema.safeParse(e).success).toBe(true);
      // One to one: each logged call has exactly one model.call, over the transport it used, and nothing else was seen.
      expect(seen.map((e) => e.model).sort()).toEqual(logged.map((l) => l.model).sort());
      for (const l of logged) {
        const e = seen.find((s) => s.model === l.model)!;
        expect({
          model: e.model,
          responseModel: e.responseModel,
          endpoint: e.endpoint?.split(':')[0],
          streaming: e.streaming === true,
          finishReason: e.finishReason,
          toolCalls: (e.toolCalls ?? []).map((t) => t.name),
          status: e.status,
          partial: e.partial === true,
          pid: e.pid,
        }).toEqual({
          model: l.model,
          responseModel: l.responseModel,
          endpoint: l.scheme,
          streaming: l.stream,
          finishReason: l.finishReason,
          toolCalls: l.toolCalls,
          status: 200,
          partial: false,
          pid: child.pid,
        });
      }
      const stats = sensor.stats();
      expect(stats.payloadChunks).toBeGreaterThan(0);
      expect(stats.drops['payload-ringbuf-full']).toBe(0);
      console.log(
        `payload capture: ${logged.filter((l) => l.scheme === 'http').length} HTTP and ${logged.filter((l) => l.scheme === 'https').length} HTTPS calls logged by the client, ${seen.length} model.call events from the kernel (${stats.payloadChunks} chunks)`,
      );
    } finally {
      await cg.remove();
    }
  }, 120_000);

  const pythonWhy =
    spawnSync('/usr/bin/python3', ['-c', 'import httpx, ssl'], { encoding: 'utf8' }).status !== 0
      ? "Debian's python3 with python3-httpx is not installed (scripts/debian-packages.txt)"
      : undefined;
  if (pythonWhy) console.warn(`skipping the Python client over libssl.so.3: ${pythonWhy}`);

  it.skipIf(pythonWhy !== undefined).each([
    ['at open (the system library)', true],
    ['when Python maps it', false],
  ])(
    'sees every model call of a Python httpx client over HTTPS through libssl.so.3, one to one; probes attached %s',
    async (_when, tlsSystemLibraries) => {
      const calls = 4;
      const cg = WorkloadCgroup.create();
      const log = join(dir, `py-client-log-${tlsSystemLibraries}.json`);
      try {
        const sensor = await Sensor.open({ cgroups: [cg.dir], payloads: 'meta', tlsSystemLibraries });
        const found = () => sensor.tlsTargets().find((t) => /\/libssl\.so\.3$/.test(t.path));
        // By default the loader's libssl.so.3 has its probes before anything runs; without, it has none yet.
        expect(found() !== undefined).toBe(tlsSystemLibraries);
        const child = cg.spawn(
          '/usr/bin/python3',
          [
            join(import.meta.dirname, 'fixtures/llm-client.py'),
            log,
            server.httpsBase,
            join(dir, 'cert.pem'),
            String(calls),
          ],
          { stdio: ['pipe', 'inherit', 'inherit'] },
        );
        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        // Python maps libssl when it imports ssl: the loader's open of it is seen and the probes go there.
        expect(await waitFor(() => found() !== undefined, 30_000)).toBe(true);
        expect(found()!.functions).toEqual(expect.arrayContaining(['SSL_write_ex', 'SSL_read_ex']));
        child.stdin?.end('go\n');
        const events = await collect(sensor, exited);
        expect(await exited).toBe(0);
        const logged = JSON.parse(readFileSync(log, 'utf8')) as Logged[];
        expect(logged).toHaveLength(calls);
        const seen = events.filter((e): e is ModelCall => e.kind === 'model.call');
        expect(seen.map((e) => e.model).sort()).toEqual(logged.map((l) => l.model).sort());
        for (const l of logged) {
          const e = seen.find((s) => s.model === l.model)!;
          expect({
            responseModel: e.responseModel,
            endpoint: e.endpoint?.split(':')[0],
            streaming: e.streaming === true,
            finishReason: e.finishReason,
            toolCalls: (e.toolCalls ?? []).map((t) => t.name),
            pid: e.pid,
          }).toEqual({
            responseModel: l.responseModel,
            endpoint: 'https',
            streaming: l.stream,
            finishReason: l.finishReason,
            toolCalls: l.toolCalls,
            pid: child.pid,
          });
        }
        console.log(
          `payload capture: ${logged.length} HTTPS calls logged by httpx, ${seen.length} model.call events`,
        );
      } finally {
        await cg.remove();
      }
    },
    120_000,
  );

  it('marks a call cut at the byte cap as partial and still names its model', async () => {
    const cg = WorkloadCgroup.create();
    try {
      const sensor = await Sensor.open({ cgroups: [cg.dir], payloads: 'meta', payloadBytes: 1024 });
      const url = new URL(server.httpBase);
      // A 6000-byte body in one write: the kernel keeps its first 1024 bytes (the ~550-byte response fits).
      const script = `
        const { request } = require('node:http');
        const body = JSON.stringify({ model: 'lab-capped-0', messages: [{ role: 'user', content: 'x'.repeat(6000) }] });
        const req = request({ host: '127.0.0.1', port: ${url.port}, path: '/v1/chat/completions', method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => { res.resume(); res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1)); });
        req.end(body);`;
      const child = cg.spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const events = await collect(sensor, exited);
      expect(await exited).toBe(0);
      const seen = events.filter((e): e is ModelCall => e.kind === 'model.call');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        model: 'lab-capped-0',
        responseModel: 'lab-capped-0-served',
        partial: true,
      });
      // The request body's real size is known from its length, though most of it was cut.
      expect(seen[0]!.requestBytes).toBeGreaterThan(6000);
    } finally {
      await cg.remove();
    }
  }, 60_000);

  it('keeps a TLS write larger than one record whole, as consecutive records', async () => {
    const cg = WorkloadCgroup.create();
    try {
      // The default cap (64 KiB) and a 30,000-byte request body written with one SSL_write.
      const sensor = await Sensor.open({
        cgroups: [cg.dir],
        payloads: 'meta',
        tlsBinaries: [process.execPath],
      });
      const url = new URL(server.httpsBase);
      const script = `
        const { request } = require('node:https');
        const body = JSON.stringify({ model: 'lab-large-0', messages: [{ role: 'user', content: 'y'.repeat(30000) }] });
        const req = request({ host: '127.0.0.1', port: ${url.port}, path: '/v1/chat/completions', method: 'POST',
          rejectUnauthorized: false,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => { res.resume(); res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1)); });
        req.end(body);`;
      const child = cg.spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const events = await collect(sensor, exited);
      expect(await exited).toBe(0);
      const seen = events.filter((e): e is ModelCall => e.kind === 'model.call');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ model: 'lab-large-0', responseModel: 'lab-large-0-served' });
      expect(seen[0]!.partial).toBeUndefined();
      expect(seen[0]!.requestBytes).toBeGreaterThan(30000);
      // More chunks than writes: the body travelled in 8 KiB records.
      expect(sensor.stats().payloadChunks).toBeGreaterThanOrEqual(5);
      expect(sensor.stats().drops['payload:truncated'] ?? 0).toBe(0);
    } finally {
      await cg.remove();
    }
  }, 60_000);

  it('finds an executable run through a symlink at its exec, once per file, and again once the file is replaced', async () => {
    const cg = WorkloadCgroup.create();
    // The kernel's path of the binary (canonical) is used as it is; the filename execve saw is the symlink.
    const bin = join(realpathSync(dir), 'agent-node');
    const link = join(dir, 'agent');
    copyFileSync(process.execPath, bin);
    chmodSync(bin, 0o755);
    symlinkSync(bin, link);
    const run = async () => {
      const child = cg.spawn(link, ['-e', '0'], { stdio: 'inherit' });
      expect(await new Promise<number | null>((r) => child.once('exit', (code) => r(code)))).toBe(0);
    };
    const attached = (s: Sensor) => s.tlsTargets().filter((t) => t.path === bin);
    try {
      const sensor = await Sensor.open({ cgroups: [cg.dir], payloads: 'meta' });
      const events: VigilEvent[] = [];
      const drain = (async () => {
        for await (const batch of sensor) events.push(...batch);
      })();
      await run();
      expect(await waitFor(() => attached(sensor).length === 1, 30_000)).toBe(true);
      // The same file again: nothing new to attach.
      await run();
      // The second flush also waits for an attach the exec's record started during the first.
      await sensor.flush();
      await sensor.flush();
      expect(attached(sensor)).toHaveLength(1);
      // A new file at the same path (a new inode, as an upgrade installs it) is found at its exec.
      copyFileSync(process.execPath, `${bin}.new`);
      chmodSync(`${bin}.new`, 0o755);
      renameSync(`${bin}.new`, bin);
      await run();
      expect(await waitFor(() => attached(sensor).length === 2, 30_000)).toBe(true);
      expect(attached(sensor).every((t) => t.functions.includes('SSL_write'))).toBe(true);
      await sensor.close();
      await drain;
      const execs = events.filter((e): e is EventOf<'process.exec'> => e.kind === 'process.exec');
      expect(execs).toHaveLength(3);
      for (const e of execs)
        expect({ filename: e.filename, exe: e.exe }).toEqual({ filename: link, exe: bin });
    } finally {
      await cg.remove();
    }
  }, 120_000);

  it('captures no payloads unless asked', async () => {
    const cg = WorkloadCgroup.create();
    try {
      const sensor = await Sensor.open({ cgroups: [cg.dir] });
      const url = new URL(server.httpBase);
      const script = `
        const { request } = require('node:http');
        const body = JSON.stringify({ model: 'lab-off-0', messages: [] });
        const req = request({ host: '127.0.0.1', port: ${url.port}, path: '/v1/chat/completions', method: 'POST' },
          (res) => { res.resume(); res.on('end', () => process.exit(0)); });
        req.end(body);`;
      const child = cg.spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const events = await collect(sensor, exited);
      expect(events.some((e) => e.kind === 'net.connect')).toBe(true);
      expect(events.some((e) => e.kind === 'model.call')).toBe(false);
      expect(sensor.stats().payloadChunks).toBe(0);
      expect(sensor.tlsTargets()).toEqual([]);
    } finally {
      await cg.remove();
    }
  }, 60_000);
});
