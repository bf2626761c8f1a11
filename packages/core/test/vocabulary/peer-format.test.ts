import {
  CaptureSummaryBuilder,
  EventSchema,
  formatPeer,
  isLocalAddress,
  isLocalPeer,
  type VigilEventInput,
} from '@vigil/core';
import { describe, expect, it } from 'vitest';

describe('how a peer is shown', () => {
  it.each([
    [{ family: 'inet', daddr: '10.0.0.7', dport: 5432 }, '10.0.0.7:5432'],
    [{ family: 'inet', daddr: '1.2.3.4', dport: 443, dnsName: 'api.openai.com' }, 'api.openai.com:443'],
    [{ family: 'inet6', daddr: '::1', dport: 8080 }, '[::1]:8080'],
    [
      { family: 'unix', daddr: '/run/postgresql/.s.PGSQL.5432', dport: 0 },
      'unix:/run/postgresql/.s.PGSQL.5432',
    ],
    [{ family: 'unix', daddr: '@/containerd-shim/abc.sock', dport: 0 }, 'unix:@/containerd-shim/abc.sock'],
    [{ family: 'unix', daddr: '', dport: 0 }, 'unix:?'],
  ] as const)('%o → %s', (peer, text) => {
    expect(formatPeer(peer)).toBe(text);
  });

  it('the capture summary lists a unix socket as unix:PATH, never PATH:0', () => {
    const summary = new CaptureSummaryBuilder();
    const base = {
      ts: 1_800_000_000_000_000_000,
      workload: { id: 'w', kind: 'host', labels: {} },
      pid: 7,
      ppid: 1,
      comm: 'psql',
      exe: '/usr/bin/psql',
      source: 'replay',
      kind: 'net.connect',
      protocol: 'other',
      dport: 0,
      result: 0,
    };
    for (const daddr of ['/var/run/nscd/socket', '@/org/freedesktop/systemd1/notify'])
      summary.add(EventSchema.parse({ ...base, family: 'unix', daddr } as VigilEventInput));
    summary.add(
      EventSchema.parse({
        ...base,
        family: 'inet',
        protocol: 'tcp',
        daddr: '127.0.0.1',
        dport: 9,
        result: -111,
      } as VigilEventInput),
    );
    expect(Object.keys(summary.result().workloads[0]!.peers).sort()).toEqual([
      '127.0.0.1:9/tcp',
      'unix:/var/run/nscd/socket',
      'unix:@/org/freedesktop/systemd1/notify',
    ]);
  });
});

describe('which peers stay on the host', () => {
  it.each([
    ['127.0.0.1', 5432, true],
    ['::1', 8080, true],
    ['::ffff:127.0.0.1', 443, true],
    ['127.0.1.1', 80, true],
    ['0.0.0.0', 8000, true],
    ['127.0.0.53', 53, true],
    ['127.0.0.11', 53, true],
    ['127.0.0.4', 38111, false],
    ['127.0.0.2', 5432, false],
    ['::ffff:127.0.0.9', 443, false],
    ['10.0.0.7', 53, false],
    ['203.0.113.9', 443, false],
  ] as const)('%s:%d local peer: %s', (addr, port, local) => {
    expect(isLocalPeer(addr, port)).toBe(local);
  });

  it('every loopback alias is still an address of this host', () => {
    expect(isLocalAddress('127.0.0.4')).toBe(true);
    expect(isLocalPeer('127.0.0.4', 8080)).toBe(false);
  });
});
