import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AiBomSchema,
  CaptureWriter,
  EventSchema,
  ExecutionFlowGraphSchema,
  type VigilEventInput,
} from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-aibom-'));
const WL = { id: 'systemd:/system.slice/agent.service', kind: 'systemd-service' as const, labels: {} };
let ts = 1.8e18;
const e = (p: Record<string, unknown>) => {
  ts += 1e6;
  return EventSchema.parse({
    ts,
    workload: WL,
    pid: 7,
    ppid: 1,
    comm: 'node',
    exe: '/usr/bin/node',
    source: 'replay',
    ...p,
  } as VigilEventInput);
};

const capture = join(dir, 'run.vcap');
const w = CaptureWriter.create(capture, { header: { source: 'synthetic' } });
w.writeAll([
  e({
    kind: 'file.open',
    path: '/app/node_modules/@langchain/openai/dist/index.js',
    flags: 0,
    access: 'read',
    result: 3,
  }),
  e({ kind: 'file.open', path: '/app/node_modules/openai/index.mjs', flags: 0, access: 'read', result: 3 }),
  e({
    kind: 'process.exec',
    pid: 8,
    ppid: 7,
    filename: '/usr/bin/npx',
    argv: ['npx', '-y', '@modelcontextprotocol/server-memory'],
  }),
]);
w.close({ exitCode: 0 });
const pkg = join(dir, 'package.json');
writeFileSync(
  pkg,
  JSON.stringify({ dependencies: { '@langchain/openai': '1.6.0', '@anthropic-ai/sdk': '0.60.0' } }, null, 2),
);

describe('vigil aibom', () => {
  it('prints a summary for people by default: shadow AI, components by type with evidence, the flow, a hint', async () => {
    const r = await runCli(['aibom', capture, '--manifest', pkg]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('aibom: 2 shadow-AI findings (used, never declared)\n');
    expect(r.stdout).toMatch(/^AI-BOM: 4 components \(.*\) from 3 events of 1 workload\n/);
    expect(r.stdout).toContain(
      '\nShadow AI: 2 components used but never declared: openai (framework), @modelcontextprotocol/server-memory (mcp-server)\n',
    );
    expect(r.stdout).toMatch(
      /\nAgent frameworks and AI SDKs \(3\):\n {2}openai {2}SHADOW AI \(used, never declared\), confidence \d\.\d\d\n {6}seen 1 time via file-open, at \S+; e\.g\. node \(pid 7\): \/app\/node_modules\/openai\/index\.mjs\n {2}@langchain\/openai@1\.6\.0 {2}declared, used, confidence \d\.\d\d\n {6}seen 1 time via file-open, at \S+; e\.g\. node \(pid 7\): \/app\/node_modules\/@langchain\/openai\/dist\/index\.js\n {6}declared in \S+package\.json:3\n/,
    );
    expect(r.stdout).toMatch(/\n {2}@anthropic-ai\/sdk@0\.60\.0 {2}declared, never used, confidence/);
    expect(r.stdout).toMatch(
      /\nMCP servers \(1\):\n {2}@modelcontextprotocol\/server-memory \(stdio; command npx -y @modelcontextprotocol\/server-memory\) {2}SHADOW AI \(used, never declared\)/,
    );
    expect(r.stdout).toMatch(
      /\nExecution flow: 2 nodes, 1 edge \(--format flow or html for the graph\)\n {2}agent node process:\n {4}spawns {10}mcp-server @modelcontextprotocol\/server-memory \(1 time\)\n/,
    );
    // An SDK ran, no endpoint is known and no payloads were captured: one line says how to learn more.
    expect(r.stdout).toMatch(
      /\nhint: @langchain\/openai, openai ran with no model endpoint known; record with `vigil record --payloads --out FILE -- CMD` to name the model endpoint, provider, models and tool calls, and PostgreSQL and other data services\n$/,
    );
  });

  it('writes the AI-BOM document as JSON with --format json, and the hint on stderr', async () => {
    const r = await runCli(['aibom', capture, '--manifest', pkg, '--format', 'json']);
    expect(r.stderr).toMatch(
      /^hint: @langchain\/openai, openai ran with no model endpoint known; record with `vigil record --payloads/,
    );
    expect(r.stderr).toMatch(/\naibom: 2 shadow-AI findings \(used, never declared\)\n$/);
    expect(r.code).toBe(0);
    const bom = AiBomSchema.parse(JSON.parse(r.stdout));
    const status = Object.fromEntries(bom.components.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({
      'pkg:npm/@langchain/openai': 'declared-used',
      'pkg:npm/@anthropic-ai/sdk': 'declared-unused',
      'pkg:npm/openai': 'undeclared-used',
      'mcp-server:npm/@modelcontextprotocol/server-memory': 'undeclared-used',
    });
    expect(bom.generator.name).toBe('vigil');
  });

  it('writes CycloneDX 1.6 (schema-validated in the reporters tests), atomically to --out', async () => {
    const out = join(dir, 'bom.cdx.json');
    const r = await runCli(['aibom', capture, '-m', pkg, '--format', 'cyclonedx', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(JSON.parse(text).specVersion).toBe('1.6');
    expect(JSON.parse(text).components.map((c: { name: string }) => c.name)).toContain('server-memory');
  });

  it('prints the same summary with --format text, and the flow graph on its own', async () => {
    const text = await runCli(['aibom', capture, '-m', pkg, '--format', 'text']);
    expect(text.stdout).toBe((await runCli(['aibom', capture, '-m', pkg])).stdout);
    const flow = await runCli(['aibom', capture, '--format', 'flow']);
    expect(ExecutionFlowGraphSchema.parse(JSON.parse(flow.stdout)).schemaVersion).toBe(1);
  });

  it('exits 2 with one line naming the file and line for a malformed manifest, and writes nothing', async () => {
    const bad = join(dir, 'requirements.txt');
    writeFileSync(bad, 'openai==1\n%%%\n');
    const out = join(dir, 'never.json');
    const r = await runCli(['aibom', capture, '-m', bad, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vigil aibom: .*requirements\.txt, line 2: expected a requirement/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(() => readFileSync(out)).toThrow();
  });

  it('exits 2 without inputs, and for an unknown format', async () => {
    expect((await runCli(['aibom'])).code).toBe(2);
    const r = await runCli(['aibom', capture, '--format', 'spdx']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('choose text, json, cyclonedx, flow, html, sarif');
  });

  it('takes extra signatures from a file', async () => {
    const sig = join(dir, 'sig.json');
    writeFileSync(
      sig,
      JSON.stringify({
        schemaVersion: 1,
        version: 'acme-1',
        signatures: [{ id: 'acme-kit', name: 'ACME kit', type: 'framework', match: { npm: ['openai'] } }],
      }),
    );
    const r = await runCli(['aibom', capture, '--signatures', sig, '--format', 'json']);
    const bom = AiBomSchema.parse(JSON.parse(r.stdout));
    expect(bom.catalogueVersion).toMatch(/\+acme-1$/);
    expect(bom.components.find((c) => c.id === 'pkg:npm/openai')?.signatureId).toBe('acme-kit');
  });

  it('exits 1 with --fail-on when shadow AI is at or above the threshold, and says so on stderr', async () => {
    const high = await runCli(['aibom', capture, '-m', pkg, '--fail-on', 'high']);
    expect(high.code).toBe(1);
    expect(high.stderr).toMatch(/shadow-AI findings? \(used, never declared\)/);
    const critical = await runCli(['aibom', capture, '-m', pkg, '--fail-on', 'critical']);
    expect(critical.code).toBe(0);
    expect((await runCli(['aibom', capture, '--fail-on', 'loud'])).code).toBe(2);
  });

  it('writes a self-contained HTML page with the flow graph, and the findings as SARIF', async () => {
    const html = await runCli(['aibom', capture, '-m', pkg, '--format', 'html']);
    expect(html.code).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/i);
    expect(html.stdout).toContain('server-memory');
    const sarif = await runCli(['aibom', capture, '-m', pkg, '--format', 'sarif']);
    const log = JSON.parse(sarif.stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(
      expect.arrayContaining(['vigil.aibom.shadow-ai', 'vigil.aibom.declared-unused']),
    );
  });
});
