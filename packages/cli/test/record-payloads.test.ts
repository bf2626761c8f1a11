import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EventOf, readCapture } from '@vigil/core';
import { capturePrivileges, sslExports } from '@vigil/ebpf-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedOpenAi } from '../../ebpf-native/test/fixtures/scripted-openai.js';
import { runCli } from './helpers.js';

// The OpenAI client comes from the lockfile through examples/lab, whose openai-sdk agent this stands in for.
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
const why =
  process.platform !== 'linux' || !existsSync('/sys/kernel/btf/vmlinux') || !capturePrivileges().sufficient
    ? 'needs Linux with BTF and root (or CAP_BPF + CAP_PERFMON)'
    : spawnSync('openssl', ['version']).status !== 0
      ? 'the openssl CLI is missing'
      : openai === undefined
        ? 'the openai package (via examples/lab) is not installed'
        : !sslExports(process.execPath).includes('SSL_write')
          ? `${process.execPath} does not export SSL_write`
          : undefined;
if (why) console.warn(`skipping vigil record --payloads tests: ${why}`);

describe.skipIf(why !== undefined)('vigil record --payloads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-record-payloads-'));
  let server: Awaited<ReturnType<typeof startScriptedOpenAi>>;
  beforeAll(async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const r = spawnSync('openssl', [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    ]);
    if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
    server = await startScriptedOpenAi({ key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') });
    process.env['NODE_EXTRA_CA_CERTS'] = cert;
  });
  afterAll(async () => {
    delete process.env['NODE_EXTRA_CA_CERTS'];
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the model calls of an OpenAI SDK agent over HTTP and HTTPS, and inspect and aibom show them', async () => {
    const out = join(dir, 'agent.vcap');
    const log = join(dir, 'client-log.json');
    const client = resolve(import.meta.dirname, '../../ebpf-native/test/fixtures/llm-client.mjs');
    const r = await runCli([
      'record',
      '--payloads',
      '--out',
      out,
      '--name',
      'payload-agent',
      '--',
      process.execPath,
      client,
      openai!,
      log,
      server.httpBase,
      server.httpsBase,
      '3',
      'nowait',
    ]);
    expect(r.stderr).toMatch(/exited with 0/);
    expect(r.code).toBe(0);
    const logged = JSON.parse(readFileSync(log, 'utf8')) as { model: string; scheme: string }[];
    const cap = await readCapture(out);
    expect(cap.header.payloads).toEqual({ mode: 'meta', maxBytes: 65536 });
    const calls = cap.events.filter((e): e is EventOf<'model.call'> => e.kind === 'model.call');
    expect(calls.map((c) => [c.model, c.endpoint?.split(':')[0]]).sort()).toEqual(
      logged.map((l) => [l.model, l.scheme]).sort(),
    );
    // meta: no prompt or completion text was kept.
    for (const c of calls) expect(c.promptText ?? c.completionText).toBeUndefined();

    const inspect = await runCli(['inspect', out, '--format', 'json']);
    expect(inspect.code).toBe(0);
    const summary = JSON.parse(inspect.stdout) as {
      headers: { payloads?: unknown }[];
      workloads: { byKind: Record<string, number> }[];
    };
    expect(summary.headers[0]?.payloads).toEqual({ mode: 'meta', maxBytes: 65536 });
    expect(summary.workloads[0]?.byKind['model.call']).toBe(logged.length);

    const aibom = await runCli(['aibom', out, '--format', 'json']);
    expect(aibom.code).toBe(0);
    for (const l of logged) expect(aibom.stdout).toContain(l.model);
  }, 180_000);

  it('rejects a bad mode and a cap without payloads with a usage error', async () => {
    const bad = await runCli(['record', '--payloads=everything', '--out', join(dir, 'x.vcap'), '--', 'true']);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringMatching(/--payloads takes meta, content or off/),
    ]);
    const cap = await runCli([
      'record',
      '--payload-bytes',
      '2000000',
      '--payloads',
      '--out',
      join(dir, 'y.vcap'),
      '--',
      'true',
    ]);
    expect([cap.code, cap.stderr]).toEqual([2, expect.stringMatching(/--payload-bytes takes 1 to 1048576/)]);
    const alone = await runCli([
      'record',
      '--payload-bytes',
      '512',
      '--out',
      join(dir, 'z.vcap'),
      '--',
      'true',
    ]);
    expect([alone.code, alone.stderr]).toEqual([
      2,
      expect.stringMatching(/--payload-bytes needs --payloads/),
    ]);
  });
});
