import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSupplyCorpus } from '../../rules/test/scanners/supply-corpus.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-scan-supply-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpus = buildSupplyCorpus(join(dir, 'corpus'));

interface SarifResult {
  ruleId: string;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: { artifactLocation: { uri: string }; region?: { startLine?: number } };
    properties?: { jsonPointer?: string };
  }[];
}

describe('vigil scan over inference-server configurations and lockfiles', () => {
  it('fails on the bad folder at medium, passes the good one at low', async () => {
    const bad = await runCli(['scan', join(dir, 'corpus/bad'), '--fail-on', 'medium']);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout).toMatch(/^19 artifacts scanned/);
    const good = await runCli(['scan', join(dir, 'corpus/good'), '--fail-on', 'low']);
    expect(good.code, good.stdout).toBe(0);
    expect(good.stdout).toMatch(/no findings/);
  });

  it('SARIF results point at the container, the unit line, the configuration setting and the lockfile line', async () => {
    const out = join(dir, 'supply.sarif');
    expect((await runCli(['scan', join(dir, 'corpus/bad'), '--format', 'sarif', '--out', out])).code).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')).runs[0].results as SarifResult[];
    const at = (file: string, rule: string) =>
      results.find((r) => r.ruleId === rule && r.locations[0]?.physicalLocation.artifactLocation.uri === file)
        ?.locations[0];
    const remote = at(corpus.bad.vllmK8s, 'vigil.scan.inference-remote-code')!;
    expect(remote.physicalLocation.region?.startLine).toBe(8);
    expect(remote.properties?.jsonPointer).toBe('/spec/template/spec/containers/0');
    expect(at(corpus.bad.llamaCpp, 'vigil.scan.inference-exposed')!.physicalLocation.region?.startLine).toBe(
      4,
    );
    // Configuration files: the finding points at the setting, by line and JSON pointer.
    const vllmConfig = at(corpus.bad.vllmConfig, 'vigil.scan.inference-remote-code')!;
    expect(vllmConfig.physicalLocation.region?.startLine).toBe(3);
    expect(vllmConfig.properties?.jsonPointer).toBe('/trust-remote-code');
    const helm = at(corpus.bad.helmVllm, 'vigil.scan.inference-remote-code')!;
    expect(helm.properties?.jsonPointer).toBe('/servingEngineSpec/modelSpec/0/vllmConfig/extraArgs/0');
    expect(
      at(corpus.bad.modelfileRemote, 'vigil.scan.inference-unpinned-model')!.physicalLocation.region
        ?.startLine,
    ).toBe(1);
    expect(at(corpus.bad.ollamaEnv, 'vigil.scan.inference-exposed')!.physicalLocation.region?.startLine).toBe(
      1,
    );
    const torch = results.find(
      (r) =>
        r.ruleId === 'vigil.scan.dependency-advisory' &&
        r.locations[0]?.physicalLocation.artifactLocation.uri === corpus.bad.requirements &&
        r.locations[0]?.physicalLocation.region?.startLine === 1 &&
        r.message.text.includes('PYSEC-2022-43015'),
    );
    // A medium advisory (torch 1.12.0 is in 18 ranges of the set, from low to critical).
    expect(torch?.level).toBe('warning');
  });
});
