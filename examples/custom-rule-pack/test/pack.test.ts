import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { VigilEvent, WorkloadRef } from '@vigil/core';
import { builtinPacks, loadRulePack, RuleEngine, type RulePack } from '@vigil/rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PKG = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'acme-pack-'));
let pack: RulePack;

const AGENT: WorkloadRef = {
  id: 'k8s:pod:a/container:agent',
  kind: 'kubernetes-pod',
  name: 'agent',
  labels: {},
};
const INDEXER: WorkloadRef = {
  id: 'k8s:pod:b/container:indexer',
  kind: 'kubernetes-pod',
  name: 'rag-indexer',
  labels: {},
};
let ts = 1.8e18;
function nextTs(): number {
  ts += 1e9;
  return ts;
}
const base = (workload: WorkloadRef) => ({
  ts: nextTs(),
  workload,
  pid: 10,
  ppid: 1,
  comm: 'agent',
  exe: '/usr/bin/node',
  source: 'synthetic' as const,
});
const model = (provider: string, w = AGENT): VigilEvent => ({
  ...base(w),
  kind: 'model.call',
  provider,
  model: 'm',
});
const retrieval = (documents: number, w = AGENT): VigilEvent => ({
  ...base(w),
  kind: 'retrieval',
  dataSource: 'kb',
  documents,
});
const put = (w = AGENT, action = 'PutObject'): VigilEvent => ({
  ...base(w),
  kind: 'cloud.api',
  provider: 'aws',
  service: 's3',
  action,
  resources: ['arn:aws:s3:::drop/x'],
  principal: 'role/agent',
});

beforeAll(async () => {
  // Inside this workspace @vigil/rules resolves to its TypeScript sources (a user's install has built
  // JavaScript); let Node's own loader, which imports the built pack and its imports, read TypeScript.
  const { register } = await import('tsx/esm/api');
  register();
  // Build the package exactly as its publisher would, then load the built output.
  execFileSync(process.execPath, [resolve(PKG, '../../node_modules/tsup/dist/cli-default.js')], {
    cwd: PKG,
    stdio: 'pipe',
  });
  mkdirSync(join(tmp, 'node_modules/@acme'), { recursive: true });
  symlinkSync(PKG, join(tmp, 'node_modules/@acme/vigil-rules-example'), 'dir');
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('@acme/vigil-rules-example', () => {
  it('builds JavaScript and type declarations', () => {
    expect(existsSync(join(PKG, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(PKG, 'dist/index.d.ts'))).toBe(true);
  });

  it('loads by package name and by path, validated', async () => {
    pack = await loadRulePack('@acme/vigil-rules-example', { cwd: tmp });
    expect(pack.name).toBe('@acme/vigil-rules-example');
    expect(pack.rules.map((r) => r.meta.id)).toEqual([
      'acme.llm.unapproved-provider',
      'acme.rag.bulk-retrieval-then-upload',
    ]);
    const byPath = await loadRulePack(PKG);
    expect(byPath.version).toBe(pack.version);
  });

  const cases: { name: string; events: () => VigilEvent[]; fires: string[] }[] = [
    {
      name: 'an unapproved provider',
      events: () => [model('deepseek')],
      fires: ['acme.llm.unapproved-provider'],
    },
    { name: 'an approved provider', events: () => [model('openai'), model('anthropic')], fires: [] },
    {
      name: 'bulk retrieval then upload',
      events: () => [retrieval(500), put()],
      fires: ['acme.rag.bulk-retrieval-then-upload'],
    },
    { name: 'small retrieval then upload', events: () => [retrieval(3), put()], fires: [] },
    {
      name: 'bulk retrieval then a read',
      events: () => [retrieval(500), put(AGENT, 'GetObject')],
      fires: [],
    },
    { name: 'upload then bulk retrieval (wrong order)', events: () => [put(), retrieval(500)], fires: [] },
    {
      name: 'the indexer is excepted by the pack',
      events: () => [retrieval(500, INDEXER), put(INDEXER)],
      fires: [],
    },
  ];
  for (const c of cases) {
    it(`${c.fires.length > 0 ? 'fires' : 'does not fire'}: ${c.name}`, () => {
      const engine = new RuleEngine({ packs: [...builtinPacks(), pack] });
      const found = engine.process(c.events());
      expect(found.map((f) => f.ruleId)).toEqual(c.fires);
      for (const f of found) {
        expect(f.category).toBe('detection');
        expect(f.compliance.some((r) => r.framework === 'owasp-llm-2025')).toBe(true);
      }
    });
  }
});
