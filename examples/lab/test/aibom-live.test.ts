import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { recordRun } from '@vigil/cli';
import { type AiBom, AiBomSchema, buildAiBom } from '@vigil/core';
import { probe } from '@vigil/ebpf-native';
import { aiBomToCycloneDx, renderCycloneDx } from '@vigil/reporters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, type PreparedRun } from '../src/lab.js';

// The lab's openai-agents agent (the OpenAI Agents SDK with the filesystem and memory MCP servers from
// npm and the lab's notes server, over stdio) against the scripted model, writing its OpenTelemetry
// GenAI spans: on its own (spans and manifests → AI-BOM) and under live capture.
const LAB = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(LAB, '..', '..');
const MANIFESTS = [join(LAB, 'package.json'), join(LAB, 'deploy', 'mcp.json')];
const SEED = 3;

async function runAgent(run: PreparedRun): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...args] = run.argv;
  const child = spawn(cmd!, args, {
    cwd: REPO,
    env: { ...process.env, ...run.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

describe('the lab in the AI-BOM: a real agent, real MCP servers, the scripted model', () => {
  let lab: Lab;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lab-aibom-'));

  beforeAll(async () => {
    lab = await Lab.start({ postgres: false });
  }, 60_000);
  afterAll(async () => {
    await lab?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs on its own: the agent calls the model and the MCP tools and writes its GenAI spans', async () => {
    const spans = join(dir, 'spans.json');
    const turns = lab.model.turns.length;
    const run = lab.prepare('openai-agents', SEED, undefined, { spans });
    const summary = join(lab.paths('openai-agents').work, 'out', `${run.task.topic}.md`);
    rmSync(summary, { force: true });
    const r = await runAgent(run);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).output).toBe('Done: the task is complete.');
    expect(readFileSync(summary, 'utf8')).toContain(`Summary for task ${SEED}`);
    // One turn per planned step the agent has a tool for, then the answer.
    const mine = lab.model.turns.slice(turns);
    expect(mine.at(-1)?.called).toBeUndefined();
    expect(mine.slice(0, -1).every((t) => t.called !== undefined)).toBe(true);
    expect(mine[0]?.called).toBe('read_file');
    expect(mine.at(-2)?.called).toBe('write_file');
    expect(mine[0]?.toolNames).toEqual(
      expect.arrayContaining(['read_file', 'write_file', 'create_entities', 'lookup_note', 'run_command']),
    );

    const bom = AiBomSchema.parse(await buildAiBom({ otel: [spans], manifests: MANIFESTS }));
    expect(component(bom, 'model:openai/gpt-4o-mini').observed?.methods).toEqual(['otel-span']);
    expect(component(bom, `llm-api:endpoint/127.0.0.1:${lab.model.port}`).properties['endpoint']).toBe(
      `http://127.0.0.1:${lab.model.port}`,
    );
    const server = component(bom, 'mcp-server:npm/@modelcontextprotocol/server-filesystem');
    expect(server.declared?.map((d) => d.input).sort()).toEqual(['mcp-config', 'package.json']);
    expect(component(bom, 'tool:filesystem/read_file').properties['serverComponent']).toBe(server.id);
    expect(component(bom, 'tool:filesystem/write_file').status).toBe(server.status);
    // Spans alone do not show which packages were loaded.
    expect(component(bom, 'pkg:npm/@openai/agents').status).toBe('declared-unused');
  }, 180_000);

  describe('captured live', async () => {
    const report = await probe();
    const reason = !report.captureReady
      ? `live capture not ready here (addon ${report.addon.available ? 'ok' : `missing: ${report.addon.error ?? report.addon.path}`}, privileges sufficient: ${report.privileges.sufficient})`
      : undefined;
    if (reason) console.warn(`skipping the live AI-BOM capture of the lab: ${reason}`);

    it.skipIf(reason !== undefined)(
      'names the framework, the MCP server, the endpoint, the model and the tools, each with evidence',
      async () => {
        const capture = join(dir, 'live.vcap');
        const spans = join(dir, 'live-spans.json');
        const run = lab.prepare('openai-agents', SEED, undefined, { spans });
        const work = lab.paths('openai-agents').work;
        const summary = join(work, 'out', `${run.task.topic}.md`);
        rmSync(summary, { force: true });
        const r = await recordRun(run.argv, {
          out: capture,
          name: 'lab-openai-agents',
          spawn: { cwd: REPO, env: { ...process.env, ...run.env }, stdio: 'ignore' },
        });
        expect(r.exitCode).toBe(0);
        expect(existsSync(capture)).toBe(true);
        expect(readFileSync(summary, 'utf8')).toContain(`Summary for task ${SEED}`);

        const bom = AiBomSchema.parse(
          await buildAiBom({
            captures: [capture],
            otel: [spans],
            manifests: [...MANIFESTS, join(REPO, 'pnpm-lock.yaml')],
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
        expect(component(bom, 'pkg:npm/@openai/agents-core').status).toBe('declared-used');

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
        const endpoint = component(bom, `llm-api:endpoint/127.0.0.1:${lab.model.port}`);
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
        expect(edges).toContain('agent:Ops assistant invokes tool:write_file');
        expect(edges).toContain(
          'tool:write_file served-by mcp-server:@modelcontextprotocol/server-filesystem',
        );
        // The model node is labelled provider/model.
        expect(edges).toEqual(
          expect.arrayContaining([
            expect.stringMatching(
              /^agent:Ops assistant uses-model model:openai(?:-compatible)?\/gpt-4o-mini$/,
            ),
          ]),
        );
        expect(edges, edges.join('\n')).toContain(
          `mcp-server:@modelcontextprotocol/server-filesystem writes data:${join(work, 'out')}/`,
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
      300_000,
    );
  });
});
