import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  argumentPattern,
  Baseline,
  DEFAULT_GENERALISATION,
  DEFAULT_STABILITY,
  describePattern,
  dnsSegments,
  expandIpv6,
  generaliseArg,
  generaliseSegment,
  observeEvent,
  pathSegments,
  replicaName,
  StabilityTracker,
  type VigilEvent,
} from '../../src/index.js';
import { agentWorkload } from './helpers/agent-sim.js';

describe('segment generalisation', () => {
  it.each([
    ['1234', '<num>'],
    ['report-20261126.txt', 'report-<num>.txt'],
    ['tmpa8f3k2x1', '<tmp>'],
    ['tmp.AbCdEf1234', '<tmp>'],
    ['pymp-k2j3', '<tmp>'],
    ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '<hex>'],
    ['notes-3f1e2d4c-1a2b-4c3d-8e9f-0a1b2c3d4e5f.md', 'notes-<uuid>.md'],
    ['python3.11', 'python3.11'],
    ['lib64', 'lib64'],
    ['deadbeefcafe', 'deadbeefcafe'], // letters only: a word, not an id
    ['*', '\\*'],
  ])('%s → %s', (input, out) => {
    expect(generaliseSegment(input)).toBe(out);
  });

  it('generalises paths, including children of temp folders', () => {
    expect(pathSegments('/tmp/tmpk3j2/out.json')).toEqual(['tmp', '<tmp>', 'out.json']);
    expect(pathSegments('/tmp/build42/x')).toEqual(['tmp', '<tmp>', 'x']);
    // mkdtemp suffixes that happen to be all lower or all upper case letters are random too.
    expect(pathSegments('/tmp/agent-cljmka/out.json')).toEqual(['tmp', '<tmp>', 'out.json']);
    expect(pathSegments('/tmp/agent-QWERTY/out.json')).toEqual(['tmp', '<tmp>', 'out.json']);
    // Not under a temp folder, or not that shape: kept.
    expect(pathSegments('/home/u/agent-report/x')).toEqual(['home', 'u', 'agent-report', 'x']);
    expect(pathSegments('/tmp/reports/x')).toEqual(['tmp', 'reports', 'x']);
    expect(pathSegments('/proc/4242/status')).toEqual(['proc', '<num>', 'status']);
    expect(pathSegments('/a//b/./c/../d')).toEqual(['a', 'b', 'd']);
    expect(pathSegments('/../../etc/passwd')).toEqual(['etc', 'passwd']);
  });

  it('generalises arguments', () => {
    expect(generaliseArg('--limit=500')).toBe('--limit=<num>');
    expect(generaliseArg('https://api.example.com/v1/items/9')).toBe('https://api.example.com/<path>');
    expect(generaliseArg('print("hello world")')).toBe('<str>');
    expect(generaliseArg('/tmp/tmpx1y2z3/in.txt')).toBe('/tmp/<tmp>/in.txt');
    expect(argumentPattern(['git', 'log', '-n', '20'], 12)).toBe('log -n <num>');
    expect(argumentPattern(['x', ...Array.from({ length: 20 }, (_, i) => `a${i}`)], 3)).toBe('a0 a1 a2 …');
  });

  it('generalises DNS names most significant label first', () => {
    expect(dnsSegments('API.OpenAI.com.')).toEqual(['com', 'openai', 'api']);
    expect(dnsSegments('ip-10-0-3-7.ec2.internal')).toEqual([
      'internal',
      'ec2',
      'ip-<num>-<num>-<num>-<num>',
    ]);
  });

  it('expands IPv6 addresses', () => {
    expect(expandIpv6('2001:db8::1')).toEqual([
      '2001',
      '0db8',
      '0000',
      '0000',
      '0000',
      '0000',
      '0000',
      '0001',
    ]);
    expect(expandIpv6('::ffff:10.0.0.1')?.slice(5)).toEqual(['ffff', '0a00', '0001']);
    expect(expandIpv6('1::2::3')).toBeUndefined();
    expect(expandIpv6('hello')).toBeUndefined();
  });

  it('never throws and never produces a bare wildcard from data (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        for (const seg of pathSegments(s)) expect(seg).not.toBe('*');
        for (const seg of dnsSegments(s)) expect(seg).not.toBe('*');
        expect(generaliseArg(s)).not.toBe('*');
        expandIpv6(s);
      }),
      { numRuns: 1000 },
    );
  });

  it('is stable: generalising a generalised path changes nothing (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9._-]{1,12}$/), { maxLength: 6 }), (parts) => {
        const once = pathSegments(`/${parts.join('/')}`);
        expect(pathSegments(`/${once.join('/')}`)).toEqual(once);
      }),
    );
  });

  it('maps replica pod names to their workload', () => {
    expect(replicaName('agent-7d9f8c6b5-x2kq9')).toBe('agent');
    expect(replicaName('db-0')).toBe('db');
    expect(replicaName('job-abcde')).toBe('job');
    expect(replicaName('plain')).toBe('plain');
  });
});

describe('directory fan-out', () => {
  const w = agentWorkload();
  const open = (path: string, ts = 1): VigilEvent => ({
    ts,
    workload: w,
    pid: 1,
    ppid: 0,
    comm: 'x',
    exe: '/x',
    source: 'synthetic',
    kind: 'file.open',
    path,
    flags: 0,
    access: 'read',
    result: 3,
  });
  const learn = (b: Baseline, paths: string[]) => {
    for (const p of paths) for (const o of observeEvent(open(p), DEFAULT_GENERALISATION)) b.record(o, 1, 'n');
  };

  it('collapses a directory into a wildcard once its distinct children pass the threshold, and explains it', () => {
    const b = Baseline.create({ subject: 's', versionKey: 'v', workload: w });
    learn(
      b,
      Array.from({ length: 21 }, (_, i) => `/srv/data/${String.fromCharCode(97 + i)}x.csv`),
    );
    expect(b.files().map((e) => e.display)).toEqual(['/srv/data/* (read)']);
    const e = b.files()[0]!;
    expect(e.count).toBe(21);
    expect(e.examples).toEqual([
      '/srv/data/ax.csv (read)',
      '/srv/data/bx.csv (read)',
      '/srv/data/cx.csv (read)',
      '/srv/data/dx.csv (read)',
    ]);
    expect(b.covers(open('/srv/data/zz.csv')).covered).toBe(true);
    expect(b.covers(open('/srv/other/zz.csv')).covered).toBe(false);
  });

  it('uses per-prefix thresholds: temp folders collapse early, /etc never', () => {
    const b = Baseline.create({ subject: 's', versionKey: 'v', workload: w });
    learn(b, ['/tmp/alpha', '/tmp/beta', '/tmp/gamma', '/tmp/delta', '/tmp/epsilon']);
    learn(
      b,
      Array.from(
        { length: 40 },
        (_, i) => `/etc/conf${String.fromCharCode(97 + (i % 26))}${i >= 26 ? 'z' : ''}`,
      ),
    );
    const shown = b.files().map((e) => e.display);
    expect(shown).toContain('/tmp/* (read)');
    expect(shown.filter((s) => s.startsWith('/etc/')).length).toBe(40);
  });

  it('shows patterns the way people read them', () => {
    expect(describePattern('peers', ['egress', 'tcp', 'dns', 'com', 'openai', 'api', ':443'])).toBe(
      'egress tcp api.openai.com:443',
    );
    expect(describePattern('peers', ['egress', 'tcp', 'ip4', '10', '0', '3', '*', ':5432'])).toBe(
      'egress tcp 10.0.3.*:5432',
    );
    expect(describePattern('peers', ['ingress', 'tcp', ':8080', 'ip4', '10', '*'])).toBe(
      'ingress tcp :8080 from 10.*',
    );
    expect(describePattern('k8s', ['core', 'secrets', 'ai', 'get'])).toBe('get core/secrets in ai');
    expect(describePattern('processes', ['usr', 'bin', 'git', '::', 'log -n <num>'])).toBe(
      '/usr/bin/git log -n <num>',
    );
  });
});

describe('stability', () => {
  it('waits for the minimum observations and time, then converges when novelty stops', () => {
    const t = new StabilityTracker({
      ...DEFAULT_STABILITY,
      minObservations: 100,
      minDurationSec: 60,
      windowObservations: 50,
      maxNoveltyRate: 0.02,
    });
    for (let i = 0; i < 99; i++) expect(t.record((i + 1) * 1e9, i < 5)).toBe(false);
    expect(t.state.status).toBe('learning');
    expect(t.record(100e9, false)).toBe(true);
    expect(t.state).toMatchObject({
      status: 'stable',
      stableReason: 'converged',
      observations: 100,
      novel: 5,
    });
  });

  it('keeps learning while novelty continues, until the maximum duration', () => {
    const t = new StabilityTracker({
      ...DEFAULT_STABILITY,
      minObservations: 10,
      minDurationSec: 1,
      maxDurationSec: 600,
      windowObservations: 20,
      maxNoveltyRate: 0.05,
    });
    let became = -1;
    for (let i = 0; i < 1000 && became < 0; i++) if (t.record((i + 1) * 1e9, i % 5 === 0)) became = i;
    expect(t.state.stableReason).toBe('max-duration');
    expect(became).toBe(600);
  });

  it('resumes a stored state', () => {
    const t = new StabilityTracker(DEFAULT_STABILITY);
    for (let i = 0; i < 10; i++) t.record(i * 1e9, true);
    const again = new StabilityTracker(DEFAULT_STABILITY, t.state);
    expect(again.state.observations).toBe(10);
    again.record(11e9, false);
    expect(again.state.noveltyRate).toBeCloseTo(10 / 11);
  });
});

describe('generaliseSegment agrees with its plain-regex definition', () => {
  // The definition the fast path must reproduce: every replacement applied unconditionally.
  const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
  const HEX_RUN = /(?<![0-9a-z])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,}(?![0-9a-z])/gi;
  const LONG_DIGITS = /\d{3,}/g;
  const reference = (seg: string): string => {
    let out = seg;
    if (out.length >= 8) out = out.replace(UUID, '<uuid>').replace(HEX_RUN, '<hex>');
    return out.replace(LONG_DIGITS, '<num>');
  };
  // Segments with a digit that are neither all digits nor temp names reach the replacements.
  const reaches = (s: string) => /\d/.test(s) && !/^\d+$/.test(s) && generaliseSegment(s) !== '<tmp>';

  it('property: on strings built from hex, digits, separators, letters, case and control characters', () => {
    const piece = fc.oneof(
      fc.stringMatching(/^[0-9a-fA-F]{1,14}$/),
      fc.stringMatching(/^[0-9]{1,6}$/),
      fc.constantFrom('-', '.', '_', 'g', 'G', 'z', 'x', '\u0010', '\u0019', '\u00e9', 'K', '<', '>'),
      fc.uuid().map((u) => (u.length % 2 ? u.toUpperCase() : u)),
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 10 }), (parts) => {
        const seg = parts.join('');
        if (!reaches(seg)) return;
        expect(generaliseSegment(`${seg}`)).toBe(reference(seg));
      }),
      { numRuns: 5000 },
    );
  });

  it('on the shapes agents produce', () => {
    for (const seg of [
      'notes-eb42f9e1-7870-fa12-01ec-95829e59d78f.md',
      'EB42F9E1-7870-FA12-01EC-95829E59D78F',
      'report-20261126.txt',
      'a3f9c2d1e0b4',
      'a3f9c2d1e0b4g',
      'x-deadbeef00-y',
      'deadbeefcafe',
      '12345678',
      'v1.2.3',
      'libfoo.so.1.2.300',
      '\u0010deadbeef01',
    ]) {
      if (reaches(seg)) expect(generaliseSegment(seg), seg).toBe(reference(seg));
    }
  });
});
