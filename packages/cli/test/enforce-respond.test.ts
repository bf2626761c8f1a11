import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnforcementPolicy, Finding, ResponsePlan, ResponseRecord } from '@vigil/core';
import { capturePrivileges } from '@vigil/ebpf-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const canRun =
  process.platform === 'linux' && existsSync('/sys/kernel/btf/vmlinux') && capturePrivileges().sufficient;
const python = '/usr/bin/python3';
const why = !canRun
  ? 'needs Linux with BTF and root (cgroup programs, the sensor)'
  : !existsSync(python)
    ? `needs ${python} for the DNS client workload`
    : undefined;
if (why) console.warn(`skipping live enforce --respond and DNS tests: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-enforce-respond-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function manualPolicy(over: Partial<EnforcementPolicy> = {}): EnforcementPolicy {
  return {
    schemaVersion: 1,
    id: 'respond-test',
    version: 1,
    createdAt: new Date(0).toISOString(),
    source: { kind: 'manual' },
    egress: { enforce: false, allowLoopback: true, rules: [] },
    exec: { enforce: false, rules: [] },
    notes: [],
    ...over,
  };
}

function write(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

describe.skipIf(why !== undefined)(
  'vigil enforce --respond: the live check answers a detection (live)',
  () => {
    let hook: HttpServer;
    let hookUrl = '';
    const received: { source: string; finding: Finding }[] = [];
    beforeAll(async () => {
      hook = createHttpServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString('utf8');
        });
        req.on('end', () => {
          received.push(JSON.parse(body) as { source: string; finding: Finding });
          res.end('ok');
        });
      });
      await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
      const a = hook.address();
      hookUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/vigil`;
    });
    afterAll(() => hook.close());

    it('a credential read kills the process tree and the webhook receives the finding', async () => {
      const policy = write('policy.json', manualPolicy());
      const plan: ResponsePlan = {
        schemaVersion: 1,
        dryRun: false,
        rules: [
          {
            id: 'contain',
            when: { minSeverity: 'high', ruleIds: ['vigil.runtime.sensitive-file-read'] },
            actions: [{ type: 'webhook', url: hookUrl }, { type: 'kill-tree' }],
          },
        ],
      };
      const planFile = write('plan.json', plan);
      // bash itself opens the credential (the finding's process), then waits in a child: the tree is both.
      const r = await runCli([
        'enforce',
        '--policy',
        policy,
        '--name',
        `respond-${process.pid}`,
        '--respond',
        planFile,
        '--json',
        '--',
        '/usr/bin/bash',
        '-c',
        'exec 3</etc/shadow; /usr/bin/sleep 60; echo SURVIVED',
      ]);
      expect(r.stderr).toMatch(/response done kill-tree/);
      // Killed, not finished: bash died of SIGKILL.
      expect(r.code, r.stderr).toBe(137);
      const out = JSON.parse(r.stdout) as {
        response: { actions: ResponseRecord[]; findings: Finding[]; events: number; errors: string[] };
      };
      expect(out.response.errors).toEqual([]);
      expect(out.response.events).toBeGreaterThan(0);
      const kill = out.response.actions.find((a) => a.action === 'kill-tree');
      expect(kill).toMatchObject({
        outcome: 'done',
        planRule: 'contain',
        ruleId: 'vigil.runtime.sensitive-file-read',
      });
      expect(kill!.detail).toMatch(/killed the process tree of \d+ \(2 processes/);
      expect(kill!.cause).toMatch(/\/etc\/shadow/);
      const posted = out.response.actions.find((a) => a.action === 'webhook');
      expect(posted).toMatchObject({ outcome: 'done' });
      expect(posted!.detail).toContain(hookUrl);
      // The webhook got the finding itself, with the event as evidence.
      expect(received).toHaveLength(1);
      expect(received[0]!.source).toBe('vigil');
      expect(received[0]!.finding.ruleId).toBe('vigil.runtime.sensitive-file-read');
      const ev = received[0]!.finding.evidence.find((e) => e.event?.kind === 'file.open')?.event;
      expect(ev && ev.kind === 'file.open' ? ev.path : undefined).toBe('/etc/shadow');
    }, 120_000);

    it('a detection tightens a monitored workload to enforce mode: its later egress is refused', async () => {
      const peer = createServer((c) => {
        c.on('error', () => {});
        c.end();
      });
      await new Promise<void>((r) => peer.listen(0, '127.0.0.3', r));
      const a = peer.address();
      const peerPort = typeof a === 'object' && a ? a.port : 0;
      try {
        const policy = write(
          'policy-tighten.json',
          manualPolicy({ egress: { enforce: true, allowLoopback: false, rules: [] } }),
        );
        const planFile = write('plan-tighten.json', {
          schemaVersion: 1,
          dryRun: false,
          rules: [
            {
              id: 'tighten',
              when: { minSeverity: 'high', ruleIds: ['vigil.runtime.sensitive-file-read'] },
              actions: [{ type: 'tighten-egress' }],
            },
          ],
        } satisfies ResponsePlan);
        const connect = `if exec 4<>/dev/tcp/127.0.0.3/${peerPort}; then echo SENT; exec 4>&-; else echo REFUSED; fi`;
        const r = await runCli([
          'enforce',
          '--policy',
          policy,
          '--name',
          `respond-tighten-${process.pid}`,
          '--respond',
          planFile,
          '--json',
          '--',
          '/usr/bin/bash',
          '-c',
          // Before the detection the connect goes ahead (monitor); after it, it is refused.
          `${connect}; exec 3</etc/shadow; /usr/bin/sleep 3; ${connect}`,
        ]);
        expect(r.code, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout) as {
          mode: string;
          violations: { action: string; daddr?: string }[];
          response: { actions: ResponseRecord[] };
        };
        expect(out.response.actions).toEqual([
          expect.objectContaining({ action: 'tighten-egress', outcome: 'done', planRule: 'tighten' }),
        ]);
        expect(out.mode).toBe('enforce');
        expect(out.violations.map((v) => `${v.action} ${v.daddr}`)).toEqual([
          'would-block 127.0.0.3',
          'blocked 127.0.0.3',
        ]);
        expect(r.stderr).toMatch(
          /now enforce \(automated response tighten-egress to vigil\.runtime\.sensitive-file-read\)/,
        );
      } finally {
        peer.close();
      }
    }, 120_000);

    it('drift against the baseline is answered too: a program never seen while learning is killed', async () => {
      const name = `respond-drift-${process.pid}`;
      const benign = '/usr/bin/cat /etc/hostname >/dev/null; echo learned';
      const runs: string[] = [];
      for (let i = 0; i < 2; i++) {
        const out = join(dir, `drift-learn-${i}.vcap`);
        const r = await runCli(['record', '--out', out, '--name', name, '--', '/usr/bin/bash', '-c', benign]);
        expect(r.code, r.stderr).toBe(0);
        runs.push(out);
      }
      const baseline = join(dir, 'drift-baseline.json');
      expect((await runCli(['learn', '--out', baseline, '--mark-stable', ...runs])).code).toBe(0);
      const planFile = write('plan-drift.json', {
        schemaVersion: 1,
        dryRun: false,
        rules: [
          {
            id: 'drift',
            when: { minSeverity: 'high', ruleIds: ['vigil.drift.*'] },
            actions: [{ type: 'kill-tree' }],
          },
        ],
      } satisfies ResponsePlan);
      const status = join(dir, 'drift-status');
      const r = await runCli([
        'enforce',
        '--baseline',
        baseline,
        '--name',
        name,
        '--respond',
        planFile,
        '--json',
        '--',
        '/usr/bin/bash',
        '-c',
        `${benign}; /usr/bin/sleep 60; echo "sleep=$?" > ${status}`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as {
        mode: string;
        violations: { action: string; path?: string }[];
        response: { actions: ResponseRecord[]; findings: Finding[] };
      };
      // Monitor mode: the enforcer only reports the new program; the response kills it.
      expect(out.violations.map((v) => `${v.action} ${v.path}`)).toEqual(['would-block /usr/bin/sleep']);
      const kill = out.response.actions.find((a) => a.action === 'kill-tree' && a.outcome === 'done');
      expect(kill?.ruleId).toBe('vigil.drift.process.new-binary');
      expect(kill?.cause).toMatch(/\/usr\/bin\/sleep/);
      const { readFileSync } = await import('node:fs');
      // sleep died of SIGKILL; bash, its parent, was not in the tree and finished.
      expect(readFileSync(status, 'utf8').trim()).toBe('sleep=137');
    }, 180_000);

    it('below the plan severity nothing is done, and the command finishes', async () => {
      const policy = write('policy-quiet.json', manualPolicy());
      const planFile = write('plan-critical.json', {
        schemaVersion: 1,
        dryRun: false,
        rules: [{ id: 'contain', when: { minSeverity: 'critical' }, actions: [{ type: 'kill-tree' }] }],
      } satisfies ResponsePlan);
      const r = await runCli([
        'enforce',
        '--policy',
        policy,
        '--name',
        `respond-quiet-${process.pid}`,
        '--respond',
        planFile,
        '--json',
        '--',
        '/usr/bin/bash',
        '-c',
        'exec 3</etc/shadow; /usr/bin/true',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { response: { actions: ResponseRecord[]; findings: Finding[] } };
      // The high finding was seen and answered by no rule: the plan asks for critical.
      expect(out.response.findings.map((f) => f.ruleId)).toContain('vigil.runtime.sensitive-file-read');
      expect(out.response.actions).toEqual([]);
    }, 120_000);

    it('a malformed plan is a usage error naming the file and the place, before anything runs', async () => {
      const policy = write('policy-bad.json', manualPolicy());
      const planFile = write('plan-bad.json', {
        schemaVersion: 1,
        dryRun: false,
        rules: [{ id: 'x', when: { minSeverity: 'severe' }, actions: [] }],
      });
      const r = await runCli(['enforce', '--policy', policy, '--respond', planFile, '--', '/usr/bin/true']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(planFile);
      expect(r.stderr).toMatch(/rules\[0\]\.when\.minSeverity/);
    });
  },
);

/** A DNS answer with one A record for the query's question. */
function dnsAnswer(query: Buffer, address: string): Buffer {
  let end = 12;
  while (end < query.length && query[end] !== 0) end += 1 + query[end]!;
  const question = query.subarray(12, end + 5);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8180, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 6);
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question
  rr.writeUInt16BE(1, 2); // A
  rr.writeUInt16BE(1, 4); // IN
  rr.writeUInt32BE(5, 6); // TTL
  rr.writeUInt16BE(4, 10);
  Buffer.from(address.split('.').map(Number)).copy(rr, 12);
  return Buffer.concat([header, question, rr]);
}

// The workload: asks the test's resolver for the name, waits, connects to the answer; twice (the
// answer changes), then to an address no answer gave. Prints one line per connect.
const CLIENT = `
import socket, struct, sys, time
server, name, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
def query():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0)
    q += b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\\x00' + struct.pack('>HH', 1, 1)
    s.sendto(q, (server, 53))
    data, _ = s.recvfrom(512)
    s.close()
    return socket.inet_ntoa(data[-4:])
def connect(addr):
    try:
        socket.create_connection((addr, port), timeout=5).close()
        return 'ok'
    except OSError as e:
        return 'errno%d' % e.errno
for _ in range(2):
    a = query()
    time.sleep(1.5)  # the answer reaches the allowlist through the sensor within milliseconds
    print(a, connect(a), flush=True)
print('127.0.0.63', connect('127.0.0.63'), flush=True)
`;

describe.skipIf(why !== undefined)('vigil enforce keeps DNS-named egress current (live)', () => {
  const resolverAddr = '127.0.0.153';
  const answers = ['127.0.0.61', '127.0.0.62'];
  let resolver: Socket;
  const apis: Server[] = [];
  let port = 0;
  const asked: string[] = [];
  beforeAll(async () => {
    resolver = createSocket('udp4');
    let n = 0;
    resolver.on('message', (msg, rinfo) => {
      asked.push(rinfo.address);
      resolver.send(dnsAnswer(msg, answers[Math.min(n++, answers.length - 1)]!), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => resolver.bind(53, resolverAddr, r));
    for (const host of [...answers, '127.0.0.63']) {
      const s = createServer((c) => {
        c.on('error', () => {});
        c.end();
      });
      await new Promise<void>((r, j) => {
        s.once('error', j);
        s.listen(port, host, r);
      });
      const a = s.address();
      port = typeof a === 'object' && a ? a.port : 0;
      apis.push(s);
    }
  });
  afterAll(() => {
    resolver.close();
    for (const s of apis) s.close();
  });

  it('an allowed name stays allowed as its address changes; other addresses are refused', async () => {
    const policy = write(
      'dns-policy.json',
      manualPolicy({
        id: 'dns-test',
        egress: {
          enforce: true,
          allowLoopback: false,
          rules: [
            { id: 'egress-1', protocol: 'udp', cidr: `${resolverAddr}/32`, port: 53, reason: 'the resolver' },
            { id: 'egress-2', protocol: 'tcp', host: 'api.vigil.test', port, reason: 'the API, by name' },
          ],
        },
      }),
    );
    const client = join(dir, 'client.py');
    writeFileSync(client, CLIENT);
    const out = join(dir, 'client.out');
    const r = await runCli([
      'enforce',
      '--policy',
      policy,
      '--name',
      `dns-${process.pid}`,
      '--mode',
      'enforce',
      '--json',
      '--',
      '/usr/bin/bash',
      '-c',
      `${python} ${client} ${resolverAddr} api.vigil.test ${port} > ${out}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      applied: { unresolved: string[] };
      dnsLearned: { name: string; addresses: string[] }[];
      violations: { action: string; daddr?: string; dport?: number }[];
    };
    // The name does not resolve on the host: only the workload's own answers allow it.
    expect(report.applied.unresolved.join('\n')).toMatch(/api\.vigil\.test: does not resolve/);
    expect(asked).toHaveLength(2);
    expect(report.dnsLearned).toEqual([
      { name: 'api.vigil.test', addresses: ['127.0.0.61'] },
      { name: 'api.vigil.test', addresses: ['127.0.0.62'] },
    ]);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([
      '127.0.0.61 ok',
      '127.0.0.62 ok',
      '127.0.0.63 errno1', // EPERM: no answer named it
    ]);
    expect(report.violations.map((v) => `${v.action} ${v.daddr}:${v.dport}`)).toEqual([
      `blocked 127.0.0.63:${port}`,
    ]);
    expect(r.stderr).toMatch(/allowed 127\.0\.0\.61 for api\.vigil\.test \(DNS answer\)/);
  }, 120_000);
});
