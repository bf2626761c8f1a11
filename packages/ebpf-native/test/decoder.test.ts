import { EventSchema, HOST_WORKLOAD, VigilError } from '@vigil/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordDecoder } from '../src/decode/decoder.js';
import { FIXED_SIZE, HDR, LAYOUT, RecordKind } from '../src/decode/layout.js';
import {
  buildRecord,
  connectRecord,
  dnsQuery,
  dnsRecord,
  execRecord,
  openRecord,
} from '../src/internal/record-builder.js';

const decoder = () =>
  new RecordDecoder({ workloadFor: () => HOST_WORKLOAD, wallOffsetNs: 1e18, readExe: () => '/usr/bin/test' });

describe('RecordDecoder', () => {
  it('decodes a batch of well-formed records into schema-valid events', () => {
    const batch = Buffer.concat([
      execRecord('/usr/bin/cat', ['cat', '/etc/hostname'], 'main\0work', { tgid: 7, ppid: 3, comm: 'cat' }),
      openRecord('/etc/hostname', 0, 3, { tgid: 7 }),
      openRecord('out.txt', 0o1101, 4, { tgid: 7 }, 'tmp'),
      connectRecord([127, 0, 0, 1], 9, -111, { tgid: 7 }),
      dnsRecord(dnsQuery('api.example.com'), 53, { tgid: 7 }),
    ]);
    const { events, errors, records } = decoder().decode(batch);
    expect(errors).toEqual([]);
    expect(records).toBe(5);
    for (const e of events) expect(EventSchema.safeParse(e).success).toBe(true);
    expect(events.map((e) => e.kind)).toEqual([
      'process.exec',
      'file.open',
      'file.open',
      'net.connect',
      'dns.query',
    ]);
    const [exec, read, write, conn, dns] = events;
    expect(exec).toMatchObject({
      filename: '/usr/bin/cat',
      argv: ['cat', '/etc/hostname'],
      cwd: '/work/main',
      pid: 7,
      ppid: 3,
    });
    expect(exec?.exe).toBe('/usr/bin/cat');
    // The exe learned from the exec is used for the process's later events.
    expect(read).toMatchObject({ path: '/etc/hostname', access: 'read', result: 3, exe: '/usr/bin/cat' });
    expect(write).toMatchObject({ path: '/tmp/out.txt', access: 'write', result: 4 });
    expect(conn).toMatchObject({
      daddr: '127.0.0.1',
      dport: 9,
      protocol: 'tcp',
      family: 'inet',
      result: -111,
    });
    expect(dns).toMatchObject({ name: 'api.example.com', qtype: 'A', server: '127.0.0.1', serverPort: 53 });
    expect(exec?.ts).toBe(1e18 + 1_000_000);
  });

  it('turns leaf-first dentry walks into paths, the same when a walk repeats (cached) or not', () => {
    const name = fc.stringMatching(/^[a-z0-9._-]{1,12}$/);
    fc.assert(
      fc.property(fc.array(fc.array(name, { maxLength: 6 }), { minLength: 1, maxLength: 12 }), (dirs) => {
        const d = decoder();
        // Each walk twice: the second decode comes from the cache.
        const batch = Buffer.concat(
          [...dirs, ...dirs].map((parts) =>
            execRecord('/bin/true', ['true'], [...parts].reverse().join('\0')),
          ),
        );
        const { events, errors } = d.decode(batch);
        expect(errors).toEqual([]);
        const cwds = events.map((e) => (e.kind === 'process.exec' ? (e.cwd ?? '/') : ''));
        const want = dirs.map((parts) => `/${parts.join('/')}`);
        expect(cwds).toEqual([...want, ...want]);
      }),
    );
  });

  it('rejects an unknown kind and stops the batch, naming the offset', () => {
    const good = openRecord('/a');
    const bad = Buffer.from(good);
    bad.writeUInt16LE(99, 0);
    const { events, errors } = decoder().decode(Buffer.concat([good, bad, good]));
    expect(events).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(VigilError);
    expect(errors[0]?.message).toMatch(/<ring buffer>, byte offset \d+: unknown record kind 99/);
  });

  it('rejects a size that is too small, unaligned or past the batch', () => {
    const rec = openRecord('/a');
    for (const size of [8, LAYOUT.open.size - 8, rec.length + 3, rec.length + 64]) {
      const bad = Buffer.from(rec);
      bad.writeUInt16LE(size, 2);
      const { events, errors } = decoder().decode(bad);
      expect(events, `size ${size}`).toEqual([]);
      expect(errors[0]?.message, `size ${size}`).toMatch(/declares \d+ bytes/);
    }
  });

  it('rejects a truncated record and a truncated header', () => {
    const rec = openRecord('/etc/hostname');
    expect(decoder().decode(rec.subarray(0, rec.length - 8)).errors[0]?.message).toMatch(/declares/);
    expect(decoder().decode(rec.subarray(0, 20)).errors[0]?.message).toMatch(
      /expected a 56-byte record header/,
    );
  });

  it('rejects strings that point outside the record or into the fixed part', () => {
    const rec = openRecord('/etc/hostname');
    const past = Buffer.from(rec);
    past.writeUInt16LE(rec.length - 2, LAYOUT.open.fields.path);
    past.writeUInt16LE(40, LAYOUT.open.fields.path + 2);
    expect(decoder().decode(past).errors[0]?.message).toMatch(/string 'path'.*lies outside/);
    const inFixed = Buffer.from(rec);
    inFixed.writeUInt16LE(8, LAYOUT.open.fields.path);
    expect(decoder().decode(inFixed).errors[0]?.message).toMatch(/string 'path'/);
  });

  it('skips sockets of families the event model does not carry, without an error', () => {
    const rec = connectRecord([0, 0, 0, 0], 0, 0);
    rec.writeUInt16LE(16, LAYOUT.net.fields.family); // AF_NETLINK
    const r = decoder().decode(rec);
    expect(r).toMatchObject({ events: [], errors: [], skipped: 1 });
  });

  it('decodes IPv6 addresses in RFC 5952 form', () => {
    const rec = connectRecord([0, 0, 0, 0], 443, 0);
    rec.writeUInt16LE(10, LAYOUT.net.fields.family);
    const addr = Buffer.from('20010db8000000000000000000000001', 'hex');
    addr.copy(rec, LAYOUT.net.fields.raddr);
    const [ev] = decoder().decode(rec).events;
    expect(ev).toMatchObject({ kind: 'net.connect', family: 'inet6', daddr: '2001:db8::1', dport: 443 });
  });

  it('decodes exit status and signal', () => {
    const f = LAYOUT.exit.fields;
    const exited = buildRecord({ kind: RecordKind.Exit }, LAYOUT.exit.size, [[f.code, 4, 3 << 8]]);
    const killed = buildRecord({ kind: RecordKind.Exit }, LAYOUT.exit.size, [[f.code, 4, 9]]);
    const [a, b] = decoder().decode(Buffer.concat([exited, killed])).events;
    expect(a).toMatchObject({ kind: 'process.exit', exitCode: 3 });
    expect(a).not.toHaveProperty('signal');
    expect(b).toMatchObject({ kind: 'process.exit', exitCode: 0, signal: 9 });
  });

  it('never throws and never emits an invalid event on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
        const r = decoder().decode(Buffer.from(bytes));
        for (const e of r.events) expect(EventSchema.safeParse(e).success).toBe(true);
        for (const e of r.errors) expect(e).toBeInstanceOf(VigilError);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on valid records with random corruption (property)', () => {
    const seeds = [
      execRecord('/bin/sh', ['sh', '-c', 'x'], 'tmp'),
      openRecord('rel/path', 2, 5, {}, 'a\0b'),
      connectRecord([10, 0, 0, 1], 80, 0),
      dnsRecord(dnsQuery('x.y')),
      // Every kind, with room for strings: corruption then reaches every field.
      ...Object.entries(FIXED_SIZE).map(([k, size]) => buildRecord({ kind: Number(k) }, size + 16)),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
        (seed, flips) => {
          const buf = Buffer.from(seed);
          for (const [at, v] of flips) buf[at % buf.length] = v;
          const r = decoder().decode(buf);
          for (const e of r.events) expect(EventSchema.safeParse(e).success).toBe(true);
          expect(r.events.length + r.errors.length + r.skipped).toBeLessThanOrEqual(r.records);
        },
      ),
      { numRuns: 20000 },
    );
  });

  it('keeps a ptrace request whose upper register bits are set within the event model (regression)', () => {
    const f = LAYOUT.ptrace.fields;
    const rec = buildRecord({ kind: RecordKind.Ptrace }, LAYOUT.ptrace.size, [
      [f.request, 8, 0x0050_0000_0000_0010n],
    ]);
    const [ev] = decoder().decode(rec).events;
    expect(ev).toMatchObject({ kind: 'ptrace', request: 16, requestName: 'PTRACE_ATTACH' });
    expect(EventSchema.safeParse(ev).success).toBe(true);
  });

  it('decodes every fixed-size kind from an all-zero body into a valid event or a clear error', () => {
    for (const [k, size] of Object.entries(FIXED_SIZE)) {
      const rec = buildRecord({ kind: Number(k) }, size);
      const r = decoder().decode(rec);
      expect(r.records).toBe(1);
      for (const e of r.events) expect(EventSchema.safeParse(e).success, `kind ${k}`).toBe(true);
      for (const e of r.errors) expect(e.message).toMatch(/byte offset|syscall/);
    }
    expect(HDR.size).toBe(56);
  });

  it('handles a huge batch of records', () => {
    const one = openRecord('/etc/hostname');
    const batch = Buffer.concat(Array.from({ length: 20_000 }, () => one));
    const r = decoder().decode(batch);
    expect(r.events).toHaveLength(20_000);
    expect(r.errors).toEqual([]);
  });
});
