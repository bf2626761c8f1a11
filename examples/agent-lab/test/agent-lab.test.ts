import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { main } from '@vigil/cli';
import { type AiBom, AiBomSchema, buildAiBom } from '@vigil/core';
import { probe } from '@vigil/ebpf-native';
import { aiBomToCycloneDx, renderCycloneDx } from '@vigil/reporters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedLlm, startScriptedLlm } from '../src/scripted-llm.js';

const LAB = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(LAB, '..', '..');
const MAIN = join(LAB, 'src', 'main.ts');

function labArgs(llm: ScriptedLlm, data: string, spans: string): string[] {
  return ['--import', 'tsx', MAIN, '--llm-url', llm.url, '--data', data, '--spans', spans];
}

async function runLab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

function component(bom: AiBom, id: string) {
  const c = bom.components.find((x) => x.id === id);
  if (!c) throw new Error(`no component ${id} in ${bom.components.map((x) => x.id).join(', ')}`);
  return c;
}

describe('agent lab: a real agent, a real MCP server, a scripted endpoint', () => {
  let llm: ScriptedLlm;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-lab-'));

  beforeAll(async () => {
    llm = await startScriptedLlm({});
  });
  afterAll(async () => {
    await llm.close();
  });

  it('runs on its own: the agent calls the model and the MCP tools and writes its GenAI spans', async () => {
    const spans = join(dir, 'spans.json');
    const r = await runLab(labArgs(llm, join(dir, 'data'), spans));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).output).toBe('I read the notes and wrote a summary.');
    expect(readFileSync(join(dir, 'data', 'summary.md'), 'utf8')).toContain('three action items');
    expect(llm.requests.length).toBe(3);
    expect(llm.requests[0]?.toolNames).toEqual(expect.arrayContaining(['read_file', 'write_file']));

    const bom = AiBomSchema.parse(
      await buildAiBom({ otel: [spans], manifests: [join(LAB, 'package.json'), join(LAB, 'mcp.json')] }),
    );
    expect(component(bom, 'model:openai/gpt-4o-mini').observed?.methods).toEqual(['otel-span']);
    expect(component(bom, `llm-api:endpoint/127.0.0.1:${llm.port}`).properties['endpoint']).toBe(
      `http://127.0.0.1:${llm.port}`,
    );
    const server = component(bom, 'mcp-server:npm/@modelcontextprotocol/server-filesystem');
    expect(server.declared?.map((d) => d.input).sort()).toEqual(['mcp-config', 'package.json']);
    expect(component(bom, 'tool:filesystem/read_file').properties['serverComponent']).toBe(server.id);
    expect(component(bom, 'tool:filesystem/write_file').status).toBe(server.status);
    // Spans alone do not show which packages were loaded.
    expect(component(bom, 'pkg:npm/@openai/agents').status).toBe('declared-unused');
  });

  describe('captured live', async () => {
    const report = await probe();
    const reason = !report.captureReady
      ? `live capture not ready here (addon ${report.addon.available ? 'ok' : `missing: ${report.addon.error ?? report.addon.path}`}, privileges sufficient: ${report.privileges.sufficient})`
      : undefined;
    if (reason) console.warn(`skipping the live agent-lab capture: ${reason}`);

    it.skipIf(reason !== undefined)(
      'names the framework, the MCP server, the endpoint, the model and the tools, each with evidence',
      async () => {
        const capture = join(dir, 'live.vcap');
        const spans = join(dir, 'live-spans.json');
        const code = await main(
          [
            'record',
            '--out',
            capture,
            '--',
            process.execPath,
            ...labArgs(llm, join(dir, 'live-data'), spans),
          ],
          {
            stdout: () => {},
            stderr: () => {},
          },
        );
        expect(code).toBe(0);
        expect(existsSync(capture)).toBe(true);
        expect(readFileSync(join(dir, 'live-data', 'summary.md'), 'utf8')).toContain('three action items');

        const bom = AiBomSchema.parse(
          await buildAiBom({
            captures: [capture],
            otel: [spans],
            manifests: [join(LAB, 'package.json'), join(LAB, 'mcp.json'), join(REPO, 'pnpm-lock.yaml')],
          }),
        );
        const workload = bom.workloads.find((w) => w.componentIds.includes('pkg:npm/@openai/agents'));
        expect(workload, 'the recorded workload loaded the framework').toBeDefined();

        // The framework, from the files the agent process opened.
        const agents = component(bom, 'pkg:npm/@openai/agents');
        expect(agents).toMatchObject({ status: 'declared-used', version: '0.20.0' });
        expect(
          agents.observed?.evidence.some(
            (e) => e.kind === 'file.open' && e.detail.includes('/node_modules/@openai/agents/'),
          ),
        ).toBe(true);
        // Its transitive packages are declared by the lockfile, so nothing is shadow here.
        expect(component(bom, 'pkg:npm/openai').status).toBe('declared-used');

        // The MCP server, from its exec, its files and the spans.
        const server = component(bom, 'mcp-server:npm/@modelcontextprotocol/server-filesystem');
        expect(server.status).toBe('declared-used');
        expect(server.observed?.methods).toEqual(expect.arrayContaining(['exec', 'otel-span']));
        expect(
          server.observed?.evidence.some(
            (e) => e.kind === 'process.exec' && e.detail.includes('server-filesystem/dist/index.js'),
          ),
        ).toBe(true);

        // The model endpoint: named by the spans, confirmed by the kernel's connects to it.
        const endpoint = component(bom, `llm-api:endpoint/127.0.0.1:${llm.port}`);
        expect(endpoint.observed?.methods).toEqual(['net-connect', 'otel-span']);
        expect(endpoint.observed?.evidence.some((e) => e.kind === 'net.connect' && e.source === 'ebpf')).toBe(
          true,
        );

        // The model and the tools, from the spans, attributed to the recorded workload by pid.
        const model = component(bom, 'model:openai/gpt-4o-mini');
        expect(model.observed?.workloads).toEqual([workload!.workload.id]);
        for (const tool of ['read_file', 'write_file']) {
          const t = component(bom, `tool:filesystem/${tool}`);
          expect(t.observed?.evidence[0]?.source).toBe('otel');
          expect(t.properties['serverComponent']).toBe(server.id);
        }

        // The flow: the agent process spawned the server; the named agent invoked the tools; the server wrote the summary.
        const label = new Map(bom.flow.nodes.map((n) => [n.id, `${n.type}:${n.label}`]));
        const edges = bom.flow.edges.map((e) => `${label.get(e.from)} ${e.relation} ${label.get(e.to)}`);
        expect(edges).toContain('agent:File assistant invokes tool:write_file');
        expect(edges).toContain(
          'tool:write_file served-by mcp-server:@modelcontextprotocol/server-filesystem',
        );
        expect(edges).toContain('agent:File assistant uses-model model:gpt-4o-mini');
        expect(edges, edges.join('\n')).toContain(
          `mcp-server:@modelcontextprotocol/server-filesystem writes data:${join(dir, 'live-data')}/`,
        );
        expect(
          edges.some((e) =>
            /^agent:node process spawns mcp-server:@modelcontextprotocol\/server-filesystem$/.test(e),
          ),
        ).toBe(true);

        // Against package.json alone (plus one SDK declared and never loaded), the buckets split; the
        // framework's transitive packages are declared through the lockfile's graph, not shadow AI.
        const extra = join(dir, 'extra', 'package.json');
        mkdirSync(dirname(extra), { recursive: true });
        writeFileSync(extra, JSON.stringify({ dependencies: { '@anthropic-ai/sdk': '0.60.0' } }));
        const narrow = await buildAiBom({
          captures: [capture],
          otel: [spans],
          manifests: [join(LAB, 'package.json'), extra],
        });
        const status = (id: string) => component(narrow, id).status;
        expect(status('pkg:npm/@openai/agents')).toBe('declared-used');
        expect(status('pkg:npm/@anthropic-ai/sdk')).toBe('declared-unused');
        expect(status('pkg:npm/openai')).toBe('declared-used');
        expect(status('pkg:npm/@openai/agents-core')).toBe('declared-used');
        expect(component(narrow, 'pkg:npm/@openai/agents-core').declared?.[0]).toMatchObject({
          input: 'pnpm-lock.yaml',
          direct: false,
          via: ['@openai/agents'],
        });

        // And it exports as CycloneDX 1.6 that the official schema accepts.
        const cdx = aiBomToCycloneDx(bom);
        expect(
          cdx.components.some((c) => c.type === 'machine-learning-model' && c.name === 'gpt-4o-mini'),
        ).toBe(true);
        const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
        expect(await validator.validate(renderCycloneDx(bom))).toBeNull();
      },
    );
  });
});
