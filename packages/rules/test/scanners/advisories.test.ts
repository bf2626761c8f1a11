import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ObservedUseDocument, severityRank } from '@vigil/core';
import semver from 'semver';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AdvisoryIndex,
  AdvisorySetSchema,
  advisorySeverity,
  buildAdvisorySet,
  comparePep440,
  createAdvisoryScanner,
  cvss3BaseScore,
  inOsvRange,
  type OsvAdvisory,
  parsePep440,
  scanPaths,
  shippedAdvisories,
} from '../../src/index.js';
import { put } from './corpus.js';
import { buildSupplyCorpus } from './supply-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-advisories-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpus = buildSupplyCorpus(join(dir, 'corpus'));

describe('PEP 440 ordering', () => {
  // Each version sorts strictly before the next (the ordering PEP 440 gives as its example, and more).
  const ordered = [
    '1.0.dev456',
    '1.0a1',
    '1.0a2.dev456',
    '1.0a12.dev456',
    '1.0a12',
    '1.0b1.dev456',
    '1.0b2',
    '1.0b2.post345.dev456',
    '1.0b2.post345',
    '1.0rc1.dev456',
    '1.0rc1',
    '1.0',
    '1.0+abc.5',
    '1.0+abc.7',
    '1.0+5',
    '1.0.post456.dev34',
    '1.0.post456',
    '1.0.15',
    '1.1.dev1',
    '2!0.1',
  ];
  it.each(ordered.slice(0, -1).map((v, i) => [v, ordered[i + 1]!]))('%s < %s', (a, b) => {
    expect(comparePep440(parsePep440(a)!, parsePep440(b)!)).toBeLessThan(0);
    expect(comparePep440(parsePep440(b)!, parsePep440(a)!)).toBeGreaterThan(0);
  });
  it.each([
    ['1.0', '1.0.0'],
    ['1.0RC1', '1.0rc1'],
    ['1.0-post2', '1.0.post2'],
    ['1.0-2', '1.0.post2'],
    ['v1.0', '1.0'],
    ['1.0alpha1', '1.0a1'],
    ['1.0c1', '1.0rc1'],
  ])('%s equals %s', (a, b) => {
    expect(comparePep440(parsePep440(a)!, parsePep440(b)!)).toBe(0);
  });
  it.each(['', 'abc', '1.0-', '1..0', '1.0+', `1.${'9'.repeat(400)}`, '1.99999999999999999999'])(
    '%j is not a version',
    (v) => {
      expect(parsePep440(v)).toBeUndefined();
    },
  );
});

describe('OSV ranges', () => {
  it.each([
    ['pypi', '1.12.0', [{ introduced: '0' }, { fixed: '1.13.1' }], true],
    ['pypi', '1.13.1', [{ introduced: '0' }, { fixed: '1.13.1' }], false],
    ['pypi', '1.13.1rc1', [{ introduced: '0' }, { fixed: '1.13.1' }], true],
    ['pypi', '0.0.131', [{ introduced: '0' }, { last_affected: '0.0.131' }], true],
    ['pypi', '0.0.132', [{ introduced: '0' }, { last_affected: '0.0.131' }], false],
    ['pypi', '1.5', [{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '1.4' }, { fixed: '1.6' }], true],
    [
      'pypi',
      '1.3',
      [{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '1.4' }, { fixed: '1.6' }],
      false,
    ],
    ['pypi', '0.9', [{ introduced: '1.0' }, { fixed: '1.2' }], false],
    ['npm', '4.17.20', [{ introduced: '0' }, { fixed: '4.17.21' }], true],
    ['npm', '4.17.21', [{ introduced: '0' }, { fixed: '4.17.21' }], false],
    ['npm', '5.0.0-beta.1', [{ introduced: '5.0.0-alpha.1' }, { fixed: '5.0.0' }], true],
    ['npm', '1.0.0', [{ introduced: '1.0.0' }, { limit: '2.0.0' }], true],
  ] as const)('%s %s in %j is %s', (eco, v, events, affected) => {
    expect(inOsvRange(eco, v, events)).toBe(affected);
  });
  it('a version that cannot be compared matches nothing', () => {
    expect(inOsvRange('pypi', 'not a version', [{ introduced: '0' }])).toBeUndefined();
    expect(inOsvRange('npm', 'latest', [{ introduced: '0' }])).toBeUndefined();
    expect(inOsvRange('npm', '1.0.0', [{ introduced: 'x.y' }])).toBeUndefined();
  });
  it('npm comparisons agree with semver on random versions', () => {
    for (let i = 0; i < 200; i++) {
      const v = () => `${(i * 7) % 5}.${(i * 13) % 11}.${(i * 17) % 7}`;
      const a = v();
      const b = `${(i * 3) % 5}.${(i * 5) % 11}.${(i * 11) % 7}`;
      expect(inOsvRange('npm', a, [{ introduced: '0' }, { fixed: b }])).toBe(semver.lt(a, b));
    }
  });
});

describe('CVSS v3 base scores', () => {
  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
    ['CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
  ])('%s is %s', (v, score) => {
    expect(cvss3BaseScore(v)).toBe(score);
  });
  it.each(['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'CVSS:3.1/AV:X', 'junk'])(
    '%s has none',
    (v) => {
      expect(cvss3BaseScore(v)).toBeUndefined();
    },
  );
});

describe('the shipped advisory set', () => {
  it('validates, names its sources, and every entry has an id, a date and a bounded affected range', () => {
    const set = shippedAdvisories();
    expect(AdvisorySetSchema.parse(set)).toEqual(set);
    expect(set.sources.length).toBeGreaterThan(0);
    for (const s of set.sources) expect(s.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const ids = set.advisories.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const a of set.advisories) {
      expect(a.modified).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      for (const aff of a.affected) {
        const eco = aff.ranges?.filter((r) => r.type !== 'GIT') ?? [];
        expect(eco.length, a.id).toBeGreaterThan(0);
        // A range that never closes would flag every version ever published.
        for (const r of eco)
          expect(
            r.events.some((e) => 'fixed' in e || 'last_affected' in e),
            a.id,
          ).toBe(true);
      }
    }
  });

  it('matches the versions each advisory names, and not the fixed ones', () => {
    const index = new AdvisoryIndex(shippedAdvisories().advisories);
    expect(index.match('pypi', 'torch', '1.12.0').map((m) => m.advisory.id)).toEqual(['PYSEC-2022-43015']);
    expect(index.match('pypi', 'torch', '1.13.1')).toEqual([]);
    const at = (name: string, v: string) => index.match('pypi', name, v).map((m) => m.advisory.id);
    expect(at('LangChain', '0.0.131')).toEqual(
      expect.arrayContaining(['GHSA-fprp-p869-w6q2', 'PYSEC-2024-43']),
    );
    expect(at('langchain', '0.0.132')).not.toContain('GHSA-fprp-p869-w6q2');
    expect(at('langchain', '0.0.132')).toContain('PYSEC-2024-43');
    expect(at('langchain', '0.1.11')).toEqual([]);
    expect(at('langchain_core', '0.1.10')).toEqual(['PYSEC-2024-45']);
    expect(at('Llama_Index', '0.7.13').sort()).toEqual(['PYSEC-2023-148', 'PYSEC-2024-12']);
    expect(index.match('pypi', 'transformers', '4.37.2')[0]?.severity).toBe('low');
    expect(
      index.match('pypi', 'llama-index', '0.7.0').find((m) => m.advisory.id === 'PYSEC-2023-148')?.severity,
    ).toBe('critical');
    expect(index.match('npm', 'torch', '1.12.0')).toEqual([]);
  });

  it('every entry names the file it was read from, and the ranges it carries decide: a bound that is affected matches, a fixed version does not', () => {
    const set = shippedAdvisories();
    const index = new AdvisoryIndex(set.advisories);
    let affectedChecks = 0;
    let fixedChecks = 0;
    for (const a of set.advisories) {
      const src = a.transcribed_from;
      expect(src, a.id).toBeDefined();
      expect(src!.commit, a.id).toMatch(/^[0-9a-f]{40}$/);
      expect(src!.path, a.id).toContain(a.id);
      expect(['github/advisory-database', 'pypa/advisory-database']).toContain(src!.repository);
      for (const aff of a.affected) {
        const eco = aff.package.ecosystem === 'npm' ? 'npm' : 'pypi';
        const ranges = (aff.ranges ?? []).filter((r) => r.type !== 'GIT');
        const inAny = (v: string) => ranges.some((r) => inOsvRange(eco, v, r.events) === true);
        const ids = (v: string) => index.match(eco, aff.package.name, v).map((m) => m.advisory.id);
        for (const r of ranges)
          for (const e of r.events) {
            const bound =
              'introduced' in e ? e.introduced : 'last_affected' in e ? e.last_affected : undefined;
            if (bound !== undefined && bound !== '0') {
              expect(inOsvRange(eco, bound, r.events), `${a.id} ${bound}`).toBe(true);
              expect(ids(bound), `${a.id} ${aff.package.name} ${bound}`).toContain(a.id);
              affectedChecks++;
            }
            if ('fixed' in e) {
              expect(inOsvRange(eco, e.fixed, r.events), `${a.id} ${e.fixed}`).toBe(false);
              if (!inAny(e.fixed)) expect(ids(e.fixed), `${a.id} fixed ${e.fixed}`).not.toContain(a.id);
              fixedChecks++;
            }
          }
      }
    }
    // Ranges that start at 0 only have a fixed bound; every entry has at least one bound checked.
    expect(fixedChecks + affectedChecks).toBeGreaterThanOrEqual(set.advisories.length);
  });

  it('covers the AI packages it is meant to, and counts per ecosystem', () => {
    const byEco = new Map<string, Set<string>>();
    for (const a of shippedAdvisories().advisories)
      for (const f of a.affected) {
        const s = byEco.get(f.package.ecosystem) ?? new Set<string>();
        s.add(a.id);
        byEco.set(f.package.ecosystem, s);
      }
    expect(byEco.get('PyPI')?.size).toBeGreaterThanOrEqual(40);
    const names = new Set(
      shippedAdvisories().advisories.flatMap((a) => a.affected.map((f) => f.package.name)),
    );
    for (const n of [
      'langchain',
      'langchain-core',
      'langchain-experimental',
      'llama-index',
      'transformers',
      'torch',
      'mlflow',
      'gradio',
    ])
      expect(names, n).toContain(n);
  });

  it('an advisory without a rating or CVSS vector is medium', () => {
    const a: OsvAdvisory = {
      id: 'TEST-1',
      modified: '2026-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'PyPI', name: 'x' } }],
    };
    expect(advisorySeverity(a)).toBe('medium');
  });
});

const observedUse = (paths: string[], events = 500): ObservedUseDocument =>
  ({
    schemaVersion: 1,
    kind: 'ObservedUse',
    events,
    workloads: ['host:python3'],
    uses: paths.map((path) => ({
      subject: 'workload:host:python3',
      action: 'read',
      target: { domain: 'file', path },
      count: 1,
      firstTs: 1,
      lastTs: 1,
    })),
    toolLists: {},
  }) as unknown as ObservedUseDocument;

describe('the advisory scanner', () => {
  it('flags every vulnerable lockfile of the corpus at medium or above, and no clean one', async () => {
    const files = [corpus.bad.requirements, corpus.bad.poetry, corpus.bad.uv];
    const result = await scanPaths(files, { scanners: [createAdvisoryScanner()] });
    expect(result.errors).toEqual([]);
    for (const f of files) {
      const mine = result.findings.filter((x) => x.evidence[0]?.uri === f);
      expect(mine.length, f).toBeGreaterThan(0);
      for (const x of mine) expect(severityRank(x.severity)).toBeGreaterThanOrEqual(severityRank('medium'));
    }
    const req = result.findings.filter((x) => x.evidence[0]?.uri === corpus.bad.requirements);
    expect(req.map((x) => [x.evidence[0]?.line, x.summary.split(':')[0]]).sort()).toEqual([
      [1, 'torch 1.12.0 is affected by PYSEC-2022-43015 (CVE-2022-45907)'],
      [2, 'langchain-core 0.1.10 is affected by PYSEC-2024-45 (CVE-2024-28088)'],
    ]);
    expect(req.some((x) => x.evidence.some((e) => e.description.startsWith('pkg:pypi/torch@1.12.0')))).toBe(
      true,
    );
    const good = await scanPaths([join(dir, 'corpus/good')], { scanners: [createAdvisoryScanner()] });
    expect(good.errors).toEqual([]);
    expect(good.findings).toEqual([]);
  });

  it('confirms a vulnerable package that was loaded and demotes one that was not, with counts before and after', async () => {
    const observed = observedUse([
      '/srv/app/.venv/lib/python3.11/site-packages/torch/__init__.py',
      '/srv/app/.venv/lib/python3.11/site-packages/numpy/__init__.py',
    ]);
    const result = await scanPaths([corpus.bad.requirements], {
      scanners: [createAdvisoryScanner({ observed })],
      observed,
    });
    const torch = result.findings.find((f) => f.summary.startsWith('torch'))!;
    const core = result.findings.find((f) => f.summary.startsWith('langchain-core'))!;
    expect(torch.severity).toBe('medium');
    expect(torch.risk.reasons.join(' ')).toMatch(/torch was loaded at run time by host:python3/);
    expect(core.severity).toBe('low');
    expect(core.summary).toMatch(/\[not loaded at run time\]$/);
    expect(core.risk.reasons.join(' ')).toMatch(
      /never loaded in 500 observed events: not reachable at run time, demoted from medium/,
    );
    expect(torch.risk.score).toBeGreaterThan(core.risk.score);
    expect(result.runtime).toMatchObject({
      observed: true,
      confirmed: 1,
      demoted: 1,
      severityBefore: { medium: 2, low: 0 },
      severityAfter: { medium: 1, low: 1 },
    });
  });

  it('reads npm lockfiles and matches npm advisories by SemVer', async () => {
    const lock = put(dir, 'npm/package-lock.json', {
      name: 'a',
      lockfileVersion: 3,
      packages: {
        '': { name: 'a' },
        'node_modules/left-pad': { version: '1.2.0' },
        'node_modules/@scope/x': { version: '2.0.0' },
      },
    });
    const advisories = [
      AdvisorySetSchema.parse({
        schemaVersion: 1,
        kind: 'AdvisorySet',
        name: 'test',
        sources: [{ name: 'test fixture', url: 'file:test', retrieved: '2026-12-06' }],
        advisories: [
          {
            id: 'TEST-npm-1',
            modified: '2026-01-01T00:00:00Z',
            summary: 'fixture',
            affected: [
              {
                package: { ecosystem: 'npm', name: '@scope/x' },
                ranges: [{ type: 'SEMVER', events: [{ introduced: '2.0.0' }, { fixed: '2.0.1' }] }],
              },
            ],
            database_specific: { severity: 'HIGH' },
          },
        ],
      }),
    ];
    const result = await scanPaths([lock], { scanners: [createAdvisoryScanner({ advisories })] });
    expect(result.findings.map((f) => [f.severity, f.summary])).toEqual([
      ['high', '@scope/x 2.0.0 is affected by TEST-npm-1: fixture'],
    ]);
    expect(result.findings[0]!.evidence[1]!.description).toMatch(
      /^pkg:npm\/%40scope\/x@2\.0\.0 in affected range >=2\.0\.0, <2\.0\.1/,
    );
  });

  it('a malformed lockfile is an error of that file and the scan goes on', async () => {
    const broken = put(dir, 'broken/requirements.txt', 'torch==1.12.0\n%%% not a requirement\n');
    const result = await scanPaths([broken, corpus.bad.uv], { scanners: [createAdvisoryScanner()] });
    expect(result.errors).toEqual([expect.objectContaining({ file: broken, code: 'PARSE' })]);
    expect(result.errors[0]!.message).toMatch(/expected a requirement/);
    expect(result.findings.some((f) => f.evidence[0]?.uri === corpus.bad.uv)).toBe(true);
    expect(resolve(broken)).toBe(broken);
  });
});

describe('refreshing the set from OSV files', () => {
  const torch = shippedAdvisories().advisories.find((a) => a.id === 'PYSEC-2022-43015')!;

  it('keeps the AI framework packages, drops versions lists of closed ranges, newer modified wins', () => {
    const newer = {
      ...torch,
      modified: '2030-01-01T00:00:00Z',
      unknown_field: 1,
      affected: [{ ...torch.affected[0]!, versions: ['1.12.0'] }],
    };
    const other = {
      id: 'GHSA-aaaa-bbbb-cccc',
      modified: '2024-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'PyPI', name: 'requests' } }],
    };
    const maven = {
      id: 'GHSA-aaaa-bbbb-dddd',
      modified: '2024-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'Maven', name: 'torch' } }],
    };
    const { set, added, updated, skipped } = buildAdvisorySet(shippedAdvisories(), [
      { name: 'a.json', doc: newer },
      { name: 'b.json', doc: other },
      { name: 'c.json', doc: maven },
      { name: 'd.json', doc: { ...torch, modified: '2000-01-01T00:00:00Z', summary: 'older' } },
    ]);
    expect([added, updated, skipped]).toEqual([[], ['PYSEC-2022-43015'], 2]);
    const got = set.advisories.find((a) => a.id === 'PYSEC-2022-43015')!;
    expect(got.modified).toBe('2030-01-01T00:00:00Z');
    expect(got.affected[0]!.versions).toBeUndefined();
    expect('unknown_field' in got).toBe(false);
    expect(set.advisories).toHaveLength(shippedAdvisories().advisories.length);
  });

  it('rebuilding the shipped set from its own entries changes nothing', () => {
    const base = shippedAdvisories();
    const { set } = buildAdvisorySet(
      { ...base, advisories: [] },
      base.advisories.map((doc) => ({ name: doc.id, doc })),
    );
    expect(set.advisories).toEqual([...base.advisories].sort((a, b) => a.id.localeCompare(b.id)));
  });

  it('keeps one entry per advisory and package: a PYSEC twin of a GHSA is left out, one CVE in two packages is two, a range that never closes is dropped', () => {
    const ghsa = shippedAdvisories().advisories.find((a) => a.id === 'GHSA-fprp-p869-w6q2')!;
    const twin = {
      id: 'PYSEC-2023-18',
      modified: '2023-05-04T03:49:46Z',
      aliases: ['CVE-2023-29374'],
      affected: [
        {
          package: { ecosystem: 'PyPI', name: 'langchain' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.0.132' }] }],
        },
      ],
    };
    const sibling = {
      ...twin,
      id: 'PYSEC-2099-1',
      affected: [{ ...twin.affected[0]!, package: { ecosystem: 'PyPI', name: 'langchain-core' } }],
    };
    const open = {
      id: 'PYSEC-2099-2',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'PyPI', name: 'llama-index-core' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
          versions: ['0.10.0'],
        },
      ],
    };
    const source = {
      repository: 'pypa/advisory-database',
      path: 'vulns/langchain-core/PYSEC-2099-1.yaml',
      commit: 'a'.repeat(40),
    };
    const out = buildAdvisorySet({ ...shippedAdvisories(), advisories: [ghsa] }, [
      { name: 'twin.yaml', doc: twin },
      { name: 'sibling.yaml', doc: sibling, source },
      { name: 'open.yaml', doc: open },
    ]);
    expect([out.added, out.duplicates, out.open]).toEqual([
      ['PYSEC-2099-1'],
      ['PYSEC-2023-18'],
      ['PYSEC-2099-2'],
    ]);
    expect(out.set.advisories.find((a) => a.id === 'PYSEC-2099-1')?.transcribed_from).toEqual(source);
  });

  it('refresh.ts rebuilds a set from a git repository of OSV files and records each file and its commit', () => {
    const repo = join(dir, 'osv-repo');
    const torch = shippedAdvisories().advisories.find((a) => a.id === 'PYSEC-2022-43015')!;
    const { transcribed_from: _, ...plain } = torch;
    put(repo, 'vulns/torch/PYSEC-2022-43015.json', plain);
    put(repo, 'vulns/requests/PYSEC-2099-9.json', {
      ...plain,
      id: 'PYSEC-2099-9',
      affected: [{ package: { ecosystem: 'PyPI', name: 'requests' } }],
    });
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'osv');
    const head = git('rev-parse', 'HEAD');
    const set = join(dir, 'set.json');
    writeFileSync(set, JSON.stringify({ ...shippedAdvisories(), advisories: [] }));
    const out = execFileSync(
      resolve('scripts/ts'),
      [
        resolve('scripts/advisories/refresh.ts'),
        '--set',
        set,
        '--git',
        join(repo, '.git'),
        '--repository',
        'pypa/advisory-database',
        'vulns',
      ],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/1 advisories \(1 added.*1 files for other packages\)/);
    const written = AdvisorySetSchema.parse(JSON.parse(readFileSync(set, 'utf8')));
    expect(written.advisories.map((a) => a.transcribed_from)).toEqual([
      { repository: 'pypa/advisory-database', path: 'vulns/torch/PYSEC-2022-43015.json', commit: head },
    ]);
    expect(new AdvisoryIndex(written.advisories).match('pypi', 'torch', '1.12.0')).toHaveLength(1);
  }, 120_000);

  it('a document that is not an OSV advisory is a VigilError naming it and the field', () => {
    expect(() =>
      buildAdvisorySet(shippedAdvisories(), [{ name: 'bad.json', doc: { id: 'x', affected: [] } }]),
    ).toThrow(/bad\.json|not an OSV advisory/);
  });
});
