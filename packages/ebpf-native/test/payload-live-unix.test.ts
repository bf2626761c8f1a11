import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventOf, VigilEvent } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sensor } from '../src/sensor.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { compileC, whyNoBpf } from './helpers.js';

const why = whyNoBpf();
if (why) console.warn(`skipping live unix-socket payload tests: ${why}`);

// A client of a model server on a unix socket that sends its request with sendmmsg (head and body
// as two messages) and reads the answer with recvmmsg, then writes the same request into an
// unnamed socket pair on an ordinary descriptor (which is not read: no name, not stdio).
const CLIENT = `
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv) {
  const char *body = "{\\"model\\":\\"unix-model\\",\\"messages\\":[{\\"role\\":\\"user\\",\\"content\\":\\"hi\\"}]}";
  char head[256];
  snprintf(head, sizeof head, "POST /v1/chat/completions HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Type: application/json\\r\\nContent-Length: %zu\\r\\nConnection: close\\r\\n\\r\\n", strlen(body));
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return 2;
  struct iovec iov[2] = { { head, strlen(head) }, { (void *)body, strlen(body) } };
  struct mmsghdr m[2];
  memset(m, 0, sizeof m);
  m[0].msg_hdr.msg_iov = &iov[0]; m[0].msg_hdr.msg_iovlen = 1;
  m[1].msg_hdr.msg_iov = &iov[1]; m[1].msg_hdr.msg_iovlen = 1;
  if (sendmmsg(fd, m, 2, 0) != 2) return 3;
  char buf[4096];
  for (;;) {
    struct iovec r = { buf, sizeof buf };
    struct mmsghdr rm;
    memset(&rm, 0, sizeof rm);
    rm.msg_hdr.msg_iov = &r; rm.msg_hdr.msg_iovlen = 1;
    int n = recvmmsg(fd, &rm, 1, 0, NULL);
    if (n <= 0 || rm.msg_len == 0) break;
  }
  close(fd);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 4;
  if (write(sv[0], head, strlen(head)) < 0 || write(sv[0], body, strlen(body)) < 0) return 5;
  char tmp[1024];
  if (read(sv[1], tmp, sizeof tmp) <= 0) return 6;
  return 0;
}
`;

describe.skipIf(why !== undefined)('payload capture on unix stream sockets, live (root)', () => {
  let dir: string;
  let server: Server;
  let path: string;
  let requests = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-payload-unix-'));
    path = join(dir, 'model.sock');
    server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({
          model: 'unix-model-2026',
          choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 1 },
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(path, r));
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('decodes a model call sent with sendmmsg and read with recvmmsg; unnamed socket pairs are not read', async () => {
    const bin = compileC('unix-client', CLIENT);
    const cg = WorkloadCgroup.create();
    const sensor = await Sensor.open({ cgroups: [cg.dir], payloads: 'meta' });
    const events: VigilEvent[] = [];
    const drain = (async () => {
      for await (const batch of sensor) events.push(...batch);
    })();
    try {
      const child = cg.spawn(bin, [path], { stdio: 'ignore' });
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect(code).toBe(0);
      await sensor.flush();
    } finally {
      await sensor.close();
      await drain;
      await cg.remove();
    }
    expect(requests).toBe(1);
    const calls = events.filter((e): e is EventOf<'model.call'> => e.kind === 'model.call');
    // One call: the socket pair's copy of the request was not read (it would end as a second, partial call).
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      model: 'unix-model',
      responseModel: 'unix-model-2026',
      finishReason: 'stop',
      comm: 'unix-client',
    });
    expect(calls[0]!.partial).toBeUndefined();
    expect(sensor.stats().drops['payload:gap'] ?? 0).toBe(0);
  }, 120_000);
});
