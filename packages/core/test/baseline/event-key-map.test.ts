import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventKeyMap } from '../../src/baseline/internal/event-key-map.js';
import { eventKey } from '../../src/baseline/observation.js';
import type { VigilEvent } from '../../src/index.js';
import { agentWorkload } from './helpers/agent-sim.js';

const env = {
  ts: 1,
  workload: agentWorkload(),
  pid: 1,
  ppid: 0,
  comm: 'a',
  exe: '/a',
  source: 'synthetic' as const,
};
const s = fc.constantFrom('', 'a', 'b', '/x', 'tcp', 'udp', '10.0.0.1', 'api.example');

const event: fc.Arbitrary<VigilEvent> = fc.oneof(
  fc
    .tuple(s, fc.constantFrom('read' as const, 'write' as const, 'readwrite' as const, 'exec' as const))
    .map(([path, access]): VigilEvent => ({ ...env, kind: 'file.open', path, flags: 0, access, result: 3 })),
  fc
    .tuple(
      fc.constantFrom('tcp' as const, 'udp' as const),
      fc.option(s, { nil: undefined }),
      s,
      fc.constantFrom(0, 1, 443),
    )
    .map(
      ([protocol, dnsName, daddr, dport]): VigilEvent => ({
        ...env,
        kind: 'net.connect',
        family: 'inet',
        protocol,
        daddr,
        dport,
        result: 0,
        ...(dnsName !== undefined ? { dnsName } : {}),
      }),
    ),
  fc.tuple(fc.constantFrom('tcp' as const, 'udp' as const), fc.constantFrom(80, 8080), s).map(
    ([protocol, lport, raddr]): VigilEvent => ({
      ...env,
      kind: 'net.accept',
      family: 'inet',
      protocol,
      laddr: '',
      lport,
      raddr,
      rport: 40000,
      result: 0,
    }),
  ),
  fc.tuple(s, s).map(([server, tool]) => ({ ...env, kind: 'tool.call', server, tool }) as VigilEvent),
  fc.constant({ ...env, kind: 'process.exit', exitCode: 0 } as VigilEvent),
);

describe('EventKeyMap', () => {
  it('property: keys events exactly as eventKey does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(event, fc.boolean(), fc.nat()), { maxLength: 200 }), (ops) => {
        const map = new EventKeyMap<number>();
        const model = new Map<string, number>();
        for (const [ev, isSet, v] of ops) {
          const k = eventKey(ev);
          if (isSet) {
            map.set(ev, v);
            if (k !== undefined) model.set(k, v);
          } else expect(map.get(ev)).toBe(k === undefined ? undefined : model.get(k));
        }
        expect(map.size).toBe(model.size);
      }),
      { numRuns: 300 },
    );
  });
});
