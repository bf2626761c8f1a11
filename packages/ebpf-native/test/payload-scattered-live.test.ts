import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventOf, VigilEvent } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sensor } from '../src/sensor.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { startScriptedOpenAi } from './fixtures/scripted-openai.js';
import { compileC, whyNoBpf } from './helpers.js';

// Reads and writes of scattered buffers (writev, sendmsg, readv, recvmsg, sendmmsg) larger than one
// 8 KiB record, from real processes over TCP and pipes: the kernel gathers the iovecs into
// consecutive records and the payload decoder reassembles them byte for byte.
const python = '/usr/bin/python3';
const why =
  whyNoBpf() ??
  (spawnSync(python, ['-c', 'import json, socket'], { encoding: 'utf8' }).status !== 0
    ? `${python} is missing`
    : undefined);
if (why) console.warn(`skipping live scattered-buffer payload tests: ${why}`);

const FIXTURE = join(import.meta.dirname, 'fixtures/scattered-io.py');

type ModelCall = EventOf<'model.call'>;
interface SentRequest {
  model: string;
  call: 'sendmsg' | 'writev';
  prompt: string;
  bodyBytes: number;
  iovecs: number;
}

// A sendmmsg of two messages over TCP, each spread over several iovecs and larger than 8 KiB: the
// head and the first part of a chat request, then the rest. Its prompt is "mmsg-000000 mmsg-000001 …".
const MMSG_CLIENT = `
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int words = atoi(argv[2]);
  char *prompt = malloc(words * 12 + 1), *p = prompt;
  for (int i = 0; i < words; i++) p += sprintf(p, i ? " mmsg-%06d" : "mmsg-%06d", i);
  char *body = malloc(strlen(prompt) + 256);
  sprintf(body, "{\\"model\\":\\"lab-mmsg-0\\",\\"messages\\":[{\\"role\\":\\"user\\",\\"content\\":\\"%s\\"}]}", prompt);
  size_t blen = strlen(body);
  char head[256];
  snprintf(head, sizeof head, "POST /v1/chat/completions HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/json\\r\\nContent-Length: %zu\\r\\nConnection: close\\r\\n\\r\\n", blen);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
  a.sin_addr.s_addr = htonl(0x7f000001);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return 2;
  size_t h = blen / 2, q = h / 3;
  struct iovec first[3] = { { head, strlen(head) }, { body, q }, { body + q, h - q } };
  struct iovec second[4] = { { body + h, 1000 }, { body + h + 1000, 5000 }, { body + h + 6000, 1 }, { body + h + 6001, blen - h - 6001 } };
  struct mmsghdr m[2];
  memset(m, 0, sizeof m);
  m[0].msg_hdr.msg_iov = first; m[0].msg_hdr.msg_iovlen = 3;
  m[1].msg_hdr.msg_iov = second; m[1].msg_hdr.msg_iovlen = 4;
  if (sendmmsg(fd, m, 2, 0) != 2) return 3;
  char buf[4096];
  while (read(fd, buf, sizeof buf) > 0) {}
  close(fd);
  return 0;
}
`;

// One chat request as a single sendmmsg of argv[3] messages (the head, then the body in equal
// pieces), the answer read with recvmmsg into 32-byte messages. Writes the most messages one
// recvmmsg call returned to the file argv[4].
const MANY_MMSG_CLIENT = `
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int words = atoi(argv[2]), n = atoi(argv[3]);
  char *prompt = malloc(words * 12 + 1), *p = prompt;
  for (int i = 0; i < words; i++) p += sprintf(p, i ? " many-%06d" : "many-%06d", i);
  char *body = malloc(strlen(prompt) + 256);
  sprintf(body, "{\\"model\\":\\"lab-many-1\\",\\"messages\\":[{\\"role\\":\\"user\\",\\"content\\":\\"%s\\"}]}", prompt);
  size_t blen = strlen(body);
  char head[256];
  snprintf(head, sizeof head, "POST /v1/chat/completions HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/json\\r\\nContent-Length: %zu\\r\\nConnection: close\\r\\n\\r\\n", blen);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
  a.sin_addr.s_addr = htonl(0x7f000001);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return 2;
  struct iovec *iov = calloc(n, sizeof *iov);
  struct mmsghdr *m = calloc(n, sizeof *m);
  iov[0].iov_base = head; iov[0].iov_len = strlen(head);
  size_t piece = blen / (n - 1), at = 0;
  for (int i = 1; i < n; i++) {
    size_t len = i == n - 1 ? blen - at : piece;
    iov[i].iov_base = body + at; iov[i].iov_len = len; at += len;
  }
  for (int i = 0; i < n; i++) { m[i].msg_hdr.msg_iov = &iov[i]; m[i].msg_hdr.msg_iovlen = 1; }
  if (sendmmsg(fd, m, n, 0) != n) return 3;
  usleep(300000); /* the whole answer is in: one recvmmsg fills many messages */
  enum { R = 64 };
  static char bufs[R][32];
  struct iovec riov[R];
  struct mmsghdr rm[R];
  int most = 0;
  for (;;) {
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < R; i++) { riov[i].iov_base = bufs[i]; riov[i].iov_len = sizeof bufs[i]; rm[i].msg_hdr.msg_iov = &riov[i]; rm[i].msg_hdr.msg_iovlen = 1; }
    int got = recvmmsg(fd, rm, R, MSG_WAITFORONE, NULL);
    if (got <= 0) break;
    int full = 0;
    while (full < got && rm[full].msg_len > 0) full++;
    if (full > most) most = full;
    if (full < got || full == 0) break; /* the end of the stream */
  }
  close(fd);
  FILE *out = fopen(argv[4], "w");
  if (!out) return 4;
  fprintf(out, "%d\\n", most);
  fclose(out);
  return 0;
}
`;

describe.skipIf(why !== undefined)('payload capture of scattered buffers, live (root)', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startScriptedOpenAi>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-scatter-'));
    // Plain HTTP only; the scripted server wants a certificate for its HTTPS side, which these tests do not use.
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
      ].concat(['-days', '1', '-subj', '/CN=127.0.0.1']),
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
    server = await startScriptedOpenAi({
      key: readFileSync(join(dir, 'k.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'c.pem'), 'utf8'),
    });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function run(
    payloadBytes: number | undefined,
    cmd: string,
    args: string[],
  ): Promise<{ events: VigilEvent[]; sensor: Sensor }> {
    const cg = WorkloadCgroup.create();
    try {
      const sensor = await Sensor.open({
        cgroups: [cg.dir],
        payloads: 'content',
        ...(payloadBytes !== undefined ? { payloadBytes } : {}),
      });
      const events: VigilEvent[] = [];
      const drain = (async () => {
        for await (const batch of sensor) events.push(...batch);
      })();
      const child = cg.spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      expect(code).toBe(0);
      await sensor.flush();
      await sensor.close();
      await drain;
      return { events, sensor };
    } finally {
      await cg.remove();
    }
  }

  const port = () => new URL(server.httpBase).port;

  it('reassembles HTTP requests sent with sendmsg and writev over TCP byte for byte', async () => {
    const log = join(dir, 'tcp.json');
    // 40,000-character prompts: each request is ~40 KB in 13 iovecs, five 8 KiB records.
    const { events, sensor } = await run(undefined, python, [FIXTURE, 'tcp', log, port(), '40000']);
    const sent = JSON.parse(readFileSync(log, 'utf8')) as SentRequest[];
    expect(sent.map((s) => s.call)).toEqual(['sendmsg', 'writev']);
    const calls = events.filter((e): e is ModelCall => e.kind === 'model.call');
    expect(calls.map((c) => c.model).sort()).toEqual(sent.map((s) => s.model).sort());
    for (const s of sent) {
      const c = calls.find((x) => x.model === s.model)!;
      expect(c.partial).toBeUndefined();
      expect(c.responseModel).toBe(`${s.model}-served`);
      expect(c.status).toBe(200);
      expect(c.requestBytes).toBe(s.bodyBytes);
      // Every byte of the prompt, through HTTP framing and JSON parsing.
      expect(c.promptText).toBe(s.prompt);
    }
    const stats = sensor.stats();
    // Two requests of five records each at least, and the responses (read with recvmsg over three buffers).
    expect(stats.payloadChunks).toBeGreaterThanOrEqual(12);
    expect(stats.drops['payload:truncated'] ?? 0).toBe(0);
    expect(stats.drops['payload-ringbuf-full']).toBe(0);
  }, 120_000);

  it('cuts a scattered write at the byte cap and marks it', async () => {
    const log = join(dir, 'tcp-cut.json');
    const { events, sensor } = await run(20_000, python, [FIXTURE, 'tcp', log, port(), '40000']);
    const sent = JSON.parse(readFileSync(log, 'utf8')) as SentRequest[];
    const calls = events.filter((e): e is ModelCall => e.kind === 'model.call');
    expect(calls.map((c) => c.model).sort()).toEqual(sent.map((s) => s.model).sort());
    for (const s of sent) {
      const c = calls.find((x) => x.model === s.model)!;
      // The model is named in the first bytes; the body beyond 20,000 bytes is lost and the call
      // marked, and the last record's length still says how much the call moved.
      expect(c.partial).toBe(true);
      expect(c.requestBytes).toBe(s.bodyBytes);
    }
    // A cut, not a loss: no record went missing.
    expect(sensor.stats().drops['payload:gap'] ?? 0).toBe(0);
    expect(sensor.stats().drops['payload-ringbuf-full']).toBe(0);
  }, 120_000);

  it('reassembles an MCP stdio server that reads with readv and answers with writev on pipes', async () => {
    const log = join(dir, 'pipe.json');
    const { events } = await run(undefined, python, [FIXTURE, 'pipe', log, '30000']);
    const sent = JSON.parse(readFileSync(log, 'utf8')) as {
      serverPid: number;
      tools: { name: string; definitionHash: string }[];
      listBytes: number;
      argumentsText: string;
    };
    expect(sent.listBytes).toBeGreaterThan(36_000);
    const lists = events.filter((e): e is EventOf<'tool.list'> => e.kind === 'tool.list');
    expect(lists).toHaveLength(1);
    expect(lists[0]!.pid).toBe(sent.serverPid);
    expect(lists[0]!.server).toBe('scatter-server');
    // The ~37 KB tools/list answer, written in 10 pieces by one writev: every definition hashes as sent.
    expect(lists[0]!.tools.map((t) => ({ name: t.name, definitionHash: t.definitionHash }))).toEqual(
      sent.tools,
    );
    const calls = events.filter((e): e is EventOf<'tool.call'> => e.kind === 'tool.call');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ tool: 'tool_0', pid: sent.serverPid });
    // The ~30 KB request, read with readv into four buffers: its arguments byte for byte.
    expect(calls[0]!.argumentsText).toBe(sent.argumentsText);
    expect(calls[0]!.partial).toBeUndefined();
  }, 120_000);

  it('reassembles a sendmmsg of two multi-iovec messages larger than a record', async () => {
    let bin: string;
    try {
      bin = compileC('mmsg-client', MMSG_CLIENT);
    } catch (e) {
      console.warn(`skipping the sendmmsg case: ${(e as Error).message}`);
      return;
    }
    const words = 3000;
    const { events } = await run(undefined, bin, [port(), String(words)]);
    const prompt = Array.from({ length: words }, (_, i) => `mmsg-${String(i).padStart(6, '0')}`).join(' ');
    const calls = events.filter((e): e is ModelCall => e.kind === 'model.call');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.model).toBe('lab-mmsg-0');
    expect(calls[0]!.partial).toBeUndefined();
    expect(calls[0]!.promptText).toBe(prompt);
  }, 120_000);

  it('captures every message of a sendmmsg and a recvmmsg, up to 1024 per call (the kernel limit)', async () => {
    let bin: string;
    try {
      bin = compileC('many-mmsg-client', MANY_MMSG_CLIENT);
    } catch (e) {
      console.warn(`skipping the many-message case: ${(e as Error).message}`);
      return;
    }
    // 1,024 messages in one sendmmsg (UIO_MAXIOV, the most one call moves): the head, then the
    // ~36 KB body in 1,023 pieces of ~36 bytes. A message lost anywhere would leave a gap in the body.
    const words = 3000;
    const out = join(dir, 'many-mmsg.txt');
    const { events, sensor } = await run(undefined, bin, [port(), String(words), '1024', out]);
    const prompt = Array.from({ length: words }, (_, i) => `many-${String(i).padStart(6, '0')}`).join(' ');
    const calls = events.filter((e): e is ModelCall => e.kind === 'model.call');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.model).toBe('lab-many-1');
    expect(calls[0]!.partial).toBeUndefined();
    expect(calls[0]!.promptText).toBe(prompt);
    // The answer came back in 32-byte messages, many to one recvmmsg call, each one read.
    expect(Number(readFileSync(out, 'utf8'))).toBeGreaterThan(4);
    expect(calls[0]!.responseModel).toBe('lab-many-1-served');
    expect(calls[0]!.completionText).toBe('Hello there');
    const stats = sensor.stats();
    expect(stats.payloadChunks).toBeGreaterThanOrEqual(1024 + 5);
    expect(stats.drops['payload:gap'] ?? 0).toBe(0);
    expect(stats.drops['payload-ringbuf-full']).toBe(0);
  }, 120_000);
});
