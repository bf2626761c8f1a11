import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventOf, EventSchema, type VigilEvent } from '@vigil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sensor } from '../src/sensor.js';
import { WorkloadCgroup } from '../src/workload-cgroup.js';
import { compileC, whyNoBpf } from './helpers.js';

const why = whyNoBpf();
if (why) console.warn(`skipping live capture tests: ${why}`);

// Opens one file for reading and one for writing, connects to a listener,
// sends one DNS query over UDP and reads the answer, makes a refused connect, optionally repeats
// an open N times, then execs /bin/true.
const SCRIPT = `
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
static void tcp(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET; a.sin_port = htons(port); a.sin_addr.s_addr = htonl(0x7f000001);
  connect(s, (struct sockaddr *)&a, sizeof(a));
  close(s);
}
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDONLY); close(fd);
  fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644); write(fd, "x", 1); close(fd);
  tcp(atoi(argv[3]));
  unsigned char q[64] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  int n = 12;
  const char *labels[] = {"vigil-test", "example"};
  for (int i = 0; i < 2; i++) { q[n++] = strlen(labels[i]); memcpy(q + n, labels[i], strlen(labels[i])); n += strlen(labels[i]); }
  q[n++] = 0; q[n++] = 0; q[n++] = 1; q[n++] = 0; q[n++] = 1;
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in d = {0};
  d.sin_family = AF_INET; d.sin_port = htons(atoi(argv[4])); d.sin_addr.s_addr = htonl(0x7f000001);
  sendto(u, q, n, 0, (struct sockaddr *)&d, sizeof(d));
  struct timeval tv = { 2, 0 };
  setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  unsigned char r[512];
  struct sockaddr_in from; socklen_t fromlen = sizeof(from);
  recvfrom(u, r, sizeof(r), 0, (struct sockaddr *)&from, &fromlen);
  close(u);
  tcp(atoi(argv[5]));
  int repeat = argc > 6 ? atoi(argv[6]) : 0;
  for (int i = 0; i < repeat; i++) { fd = open(argv[1], O_RDONLY); close(fd); }
  execl("/bin/true", "true", (char *)0);
  return 127;
}
`;

interface Fixture {
  helper: string;
  dir: string;
  tcpPort: number;
  dnsPort: number;
  refusedPort: number;
  server: Server;
  udp: ReturnType<typeof createSocket>;
  dnsSeen: Buffer[];
}

let fx: Fixture | undefined;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

beforeAll(async () => {
  if (why) return;
  const helper = compileC('vigil-script', SCRIPT);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-live-'));
  const server = createServer((s) => s.destroy());
  const tcpPort = await listen(server);
  const closed = createServer();
  const refusedPort = await listen(closed);
  await new Promise((r) => closed.close(r));
  const udp = createSocket('udp4');
  const dnsSeen: Buffer[] = [];
  udp.on('message', (m, rinfo) => {
    dnsSeen.push(m);
    // Answer with one A record, 10.1.2.3, the name compressed as a pointer to the question.
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3]);
    const reply = Buffer.concat([m, answer]);
    reply.writeUInt16BE(0x8180, 2);
    reply.writeUInt16BE(1, 6);
    udp.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  fx = { helper, dir, tcpPort, dnsPort: udp.address().port, refusedPort, server, udp, dnsSeen };
});

afterAll(async () => {
  if (!fx) return;
  fx.server.close();
  fx.udp.close();
  rmSync(fx.dir, { recursive: true, force: true });
});

async function runInCgroup(
  sensor: Sensor,
  cg: WorkloadCgroup,
  args: string[],
): Promise<{ child: ChildProcess; code: number | null; events: VigilEvent[] }> {
  const f = fx!;
  const t0 = Date.now() * 1e6;
  const child = cg.spawn(f.helper, args, { stdio: 'ignore' });
  // Activity outside the watched cgroup at the same time: must not be captured.
  const outside = spawn('cat', ['/etc/hostname'], { stdio: 'ignore' });
  const [code] = await Promise.all([
    new Promise<number | null>((r) => child.on('exit', (c) => r(c))),
    new Promise((r) => outside.on('exit', r)),
  ]);
  await sensor.flush();
  await sensor.close();
  const events: VigilEvent[] = [];
  for await (const batch of sensor) events.push(...batch);
  expect(events.some((e) => e.pid === outside.pid)).toBe(false);
  // Wall-clock timestamps (monotonic in the kernel + offset) fall inside the run.
  const t1 = Date.now() * 1e6;
  for (const e of events) {
    expect(e.ts).toBeGreaterThanOrEqual(t0 - 5e6);
    expect(e.ts).toBeLessThanOrEqual(t1 + 5e6);
  }
  return { child, code, events };
}

const of = <K extends VigilEvent['kind']>(events: VigilEvent[], kind: K) =>
  events.filter((e): e is EventOf<K> => e.kind === kind);

describe.skipIf(why !== undefined)('live capture in a real cgroup', () => {
  it('sees exactly the script: exec, opens, connects, DNS, refused connect, exit', async () => {
    const f = fx!;
    const cg = WorkloadCgroup.create();
    try {
      const sensor = await Sensor.open({ cgroups: [cg.dir], dnsPorts: [f.dnsPort] });
      const readFile = '/etc/hostname';
      const writeFile = join(f.dir, 'written.txt');
      const { child, code, events } = await runInCgroup(sensor, cg, [
        readFile,
        writeFile,
        String(f.tcpPort),
        String(f.dnsPort),
        String(f.refusedPort),
      ]);
      expect(code).toBe(0);
      expect(f.dnsSeen.length).toBe(1);
      expect(events.length).toBeGreaterThan(0);
      for (const e of events) {
        expect(EventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
        expect(e.cgroupId).toBe(cg.id);
        expect(e.workload.cgroupPath).toBe(cg.path);
        expect(e.source).toBe('ebpf');
        expect(e.pid).toBe(child.pid);
      }

      const execs = of(events, 'process.exec');
      expect(execs.map((e) => [e.filename, e.argv, e.ppid])).toEqual([
        [
          f.helper,
          [f.helper, readFile, writeFile, String(f.tcpPort), String(f.dnsPort), String(f.refusedPort)],
          process.pid,
        ],
        ['/bin/true', ['true'], process.pid],
      ]);
      expect(execs[1]?.exe).toBe('/usr/bin/true');

      const opens = of(events, 'file.open').filter((e) => e.path === readFile || e.path === writeFile);
      expect(opens.map((e) => [e.path, e.access, e.result >= 0])).toEqual([
        [readFile, 'read', true],
        [writeFile, 'write', true],
      ]);
      expect(opens[0]?.exe).toBe(f.helper);

      const connects = of(events, 'net.connect').filter((e) => e.family !== 'unix');
      expect(connects.map((e) => [e.family, e.protocol, e.daddr, e.dport, e.result])).toEqual([
        ['inet', 'tcp', '127.0.0.1', f.tcpPort, 0],
        ['inet', 'tcp', '127.0.0.1', f.refusedPort, -111],
      ]);
      expect(connects[0]?.saddr).toBe('127.0.0.1');

      // The query sent, then the response received with its answer.
      expect(
        of(events, 'dns.query').map((e) => [e.name, e.qtype, e.server, e.serverPort, e.answers]),
      ).toEqual([
        ['vigil-test.example', 'A', '127.0.0.1', f.dnsPort, undefined],
        ['vigil-test.example', 'A', '127.0.0.1', f.dnsPort, ['10.1.2.3']],
      ]);
      expect(of(events, 'process.fork')).toEqual([]);
      expect(of(events, 'process.exit').map((e) => [e.pid, e.exitCode, e.signal])).toEqual([
        [child.pid, 0, undefined],
      ]);
      const stats = sensor.stats();
      expect(stats.drops).toEqual({
        'ringbuf-full': 0,
        'consumer-refused': 0,
        'queue-full': 0,
        'decode-error': 0,
      });
      expect(stats.records).toBe(stats.submitted);
    } finally {
      await cg.remove();
    }
    expect(existsSync(cg.dir)).toBe(false);
  });

  it('suppresses repeats of identical behaviour in the kernel with dedup', async () => {
    const f = fx!;
    const cg = WorkloadCgroup.create();
    try {
      const sensor = await Sensor.open({ cgroups: [cg.dir], dedup: true, dnsPorts: [f.dnsPort] });
      const { events } = await runInCgroup(sensor, cg, [
        '/etc/hostname',
        join(f.dir, 'dedup.txt'),
        String(f.tcpPort),
        String(f.dnsPort),
        String(f.refusedPort),
        '200',
      ]);
      expect(of(events, 'file.open').filter((e) => e.path === '/etc/hostname')).toHaveLength(1);
      expect(sensor.stats().deduplicated).toBeGreaterThanOrEqual(200);
      expect(of(events, 'process.exec')).toHaveLength(2);
    } finally {
      await cg.remove();
    }
  });

  it('watches cgroups created below a watched one when asked to, and only then', async () => {
    for (const descendants of [true, false]) {
      const cg = WorkloadCgroup.create();
      try {
        const sensor = await Sensor.open({ cgroups: [cg.dir], descendants });
        const child = cg.spawn(
          'sh',
          [
            '-c',
            'mkdir "$0/inner" && echo $$ > "$0/inner/cgroup.procs" && cat /etc/hostname >/dev/null',
            cg.dir,
          ],
          { stdio: 'ignore' },
        );
        await new Promise((r) => child.on('exit', r));
        await sensor.flush();
        await sensor.close();
        const events: VigilEvent[] = [];
        for await (const b of sensor) events.push(...b);
        const cat = of(events, 'process.exec').filter(
          (e) => e.filename === '/usr/bin/cat' || e.filename === '/bin/cat',
        );
        if (descendants) {
          expect(cat).toHaveLength(1);
          expect(cat[0]?.workload.cgroupPath).toBe(`${cg.path}/inner`);
          expect(cat[0]?.cgroupId).not.toBe(cg.id);
        } else {
          expect(cat).toEqual([]);
        }
      } finally {
        await cg.remove();
      }
      expect(existsSync(cg.dir)).toBe(false);
    }
  });

  it('counts every record it could not deliver, by cause, exactly', async () => {
    const cg = WorkloadCgroup.create();
    try {
      // One queued batch at most towards JavaScript, and no room for decoded events at all.
      const sensor = await Sensor.open({
        cgroups: [cg.dir],
        maxQueuedBatches: 1,
        flushIntervalMs: 1,
        batchBytes: 4096,
        maxPendingEvents: 0,
      });
      // Block this thread while the workload runs, so batches pile up and are refused.
      const r = spawnSync(
        '/bin/sh',
        [
          '-c',
          'echo $$ > "$1" && shift && exec "$@"',
          'vigil',
          join(cg.dir, 'cgroup.procs'),
          'sh',
          '-c',
          'for i in $(seq 3000); do : < /etc/hostname; done',
        ],
        { stdio: 'ignore' },
      );
      expect(r.status).toBe(0);
      await sensor.flush();
      await sensor.close();
      let delivered = 0;
      for await (const b of sensor) delivered += b.length;
      const st = sensor.stats();
      expect(st.drops['consumer-refused']).toBeGreaterThan(0);
      expect(st.drops['queue-full']).toBeGreaterThan(0);
      expect(st.drops['ringbuf-full']).toBe(0);
      // Every record the kernel wrote reached JavaScript or was refused, and every
      // decoded event was delivered or dropped for the full queue.
      expect(st.records + (st.drops['consumer-refused'] ?? 0)).toBe(st.submitted);
      expect(delivered + (st.drops['queue-full'] ?? 0)).toBe(st.records - st.skipped);
      expect(delivered).toBe(st.events);
    } finally {
      await cg.remove();
    }
  });

  it('watches every cgroup with watchAll, except the syscalls of the sensor process', async () => {
    const sensor = await Sensor.open({ watchAll: true });
    const events: VigilEvent[] = [];
    const consume = (async () => {
      for await (const b of sensor) events.push(...b);
    })();
    const child = spawn('cat', ['/etc/hostname'], { stdio: 'ignore' });
    await new Promise((r) => child.on('exit', r));
    await sensor.flush();
    await sensor.close();
    await consume;
    const mine = events.filter((e) => e.pid === child.pid);
    expect(mine.some((e) => e.kind === 'process.exec' && e.filename.endsWith('/cat'))).toBe(true);
    expect(mine.some((e) => e.kind === 'file.open' && e.path === '/etc/hostname')).toBe(true);
    expect(events.filter((e) => e.pid === process.pid && e.kind === 'file.open')).toEqual([]);
    for (const e of mine) expect(EventSchema.safeParse(e).success).toBe(true);
  });

  it('reports an unknown cgroup as a CGROUP error and watches nothing else', async () => {
    const sensor = await Sensor.open();
    try {
      expect(() => sensor.watchCgroup('/no/such/cgroup-xyz')).toThrow(/cannot watch cgroup/);
    } finally {
      await sensor.close();
      await sensor.close();
    }
    expect(sensor.programIds()).toEqual([]);
  });

  it('ends iteration with ABORTED when its signal is aborted', async () => {
    const ac = new AbortController();
    const sensor = await Sensor.open({ signal: ac.signal });
    const it = sensor[Symbol.asyncIterator]();
    const next = it.next();
    ac.abort();
    await expect(next).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
