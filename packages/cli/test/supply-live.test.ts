import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturePrivileges } from '@vigil/ebpf-native';
import { packageReachability, readScanCaptures, ScanResultSchema } from '@vigil/rules';
import { afterAll, describe, expect, it } from 'vitest';
import { recordRun } from '../src/record-run.js';
import { runCli } from './helpers.js';

const canRecord =
  process.platform === 'linux' && existsSync('/sys/kernel/btf/vmlinux') && capturePrivileges().sufficient;
const python = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));
const why = !canRecord
  ? 'needs Linux with BTF and root (or CAP_BPF + CAP_PERFMON)'
  : python === undefined
    ? 'needs python3'
    : undefined;
if (why) console.warn(`skipping live supply-chain scan tests: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-supply-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A stand-in for vLLM: installed as an executable called `vllm`, it parses `serve MODEL [flags]`,
// serves /v1/models over real HTTP (on loopback, whatever --host says) and answers one request to itself.
const FAKE_VLLM = `#!${python}
import http.server, json, sys, threading, urllib.request
args = sys.argv[1:]
assert args[0] == "serve", args
model = args[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": model}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.handle_request, daemon=True).start()
with urllib.request.urlopen("http://127.0.0.1:%d/v1/models" % srv.server_address[1], timeout=10) as r:
    assert json.load(r)["data"][0]["id"] == model
print("served", model)
`;

describe.skipIf(why !== undefined)('vigil scan with live captures', () => {
  it('finds an inference server from its exec in the capture: remote code, all interfaces, unpinned model', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'vllm'), FAKE_VLLM);
    chmodSync(join(bin, 'vllm'), 0o755);
    const capture = join(dir, 'vllm.vcap');
    const r = await recordRun(
      ['/bin/sh', '-c', 'vllm serve Qwen/Qwen2-0.5B-Instruct --trust-remote-code --host 0.0.0.0 --port 8000'],
      {
        out: capture,
        name: `vllm-live-${process.pid}`,
        spawn: {
          stdio: 'ignore',
          env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` },
        },
      },
    );
    expect(r.exitCode).toBe(0);

    // A manifest declaring vLLM, scanned with the capture: its findings say vLLM was seen running.
    const manifest = join(dir, 'deploy', 'vllm.yaml');
    mkdirSync(join(dir, 'deploy'));
    writeFileSync(
      manifest,
      'apiVersion: v1\nkind: Pod\nmetadata: {name: vllm}\nspec:\n  containers:\n    - name: vllm\n      image: vllm/vllm-openai:v0.6.3\n      command: [vllm, serve, Qwen/Qwen2-0.5B-Instruct, --trust-remote-code]\n',
    );
    const scanned = await runCli(['scan', manifest, '--capture', capture, '--format', 'json']);
    expect(scanned.code, scanned.stderr).toBe(0);
    const result = ScanResultSchema.parse(JSON.parse(scanned.stdout));
    const live = result.findings.filter((f) => f.evidence[0]?.uri === capture);
    expect(live.map((f) => [f.ruleId, f.severity]).sort()).toEqual([
      ['vigil.scan.inference-exposed', 'high'],
      ['vigil.scan.inference-remote-code', 'high'],
      ['vigil.scan.inference-unpinned-model', 'medium'],
    ]);
    for (const f of live) {
      expect(f.summary).toMatch(/seen running: pid \d+ in /);
      expect(
        f.evidence.some((e) =>
          /vllm serve Qwen\/Qwen2-0\.5B-Instruct --trust-remote-code --host 0\.0\.0\.0/.test(e.description),
        ),
      ).toBe(true);
    }
    const declared = result.findings.filter((f) => f.evidence[0]?.uri === manifest);
    expect(declared.length).toBeGreaterThan(0);
    for (const f of declared) expect(f.summary).toMatch(/vllm seen running: pid \d+/);
    expect(result.runtime.confirmed).toBe(result.findings.length);

    // Without the capture the same manifest says nothing about what ran.
    const offline = ScanResultSchema.parse(
      JSON.parse((await runCli(['scan', manifest, '--format', 'json'])).stdout),
    );
    for (const f of offline.findings) expect(f.summary).toMatch(/no capture to tell whether it ran/);
  }, 180_000);

  it('confirms the vulnerable package a real python3 loaded and demotes the one it did not', async () => {
    const site = join(dir, 'venv', 'lib', 'python3', 'site-packages');
    for (const pkg of ['torch', 'langchain_core']) {
      mkdirSync(join(site, pkg), { recursive: true });
      writeFileSync(join(site, pkg, '__init__.py'), `__version__ = "x"\nNAME = "${pkg}"\n`);
    }
    const project = join(dir, 'project');
    mkdirSync(project);
    const requirements = join(project, 'requirements.txt');
    writeFileSync(requirements, 'torch==1.12.0\nlangchain-core==0.1.10\n');
    const capture = join(dir, 'python.vcap');
    const r = await recordRun(
      [
        python!,
        '-B',
        '-c',
        `import sys; sys.path.insert(0, ${JSON.stringify(site)}); import torch; print(torch.NAME)`,
      ],
      { out: capture, name: `py-reach-${process.pid}`, spawn: { stdio: 'ignore' } },
    );
    expect(r.exitCode).toBe(0);

    const scanned = await runCli(['scan', requirements, '--capture', capture, '--format', 'json']);
    expect(scanned.code, scanned.stderr).toBe(0);
    const result = ScanResultSchema.parse(JSON.parse(scanned.stdout));
    const torch = result.findings.find((f) =>
      f.summary.startsWith('torch 1.12.0 is affected by PYSEC-2022-43015'),
    )!;
    const core = result.findings.find((f) =>
      f.summary.startsWith('langchain-core 0.1.10 is affected by PYSEC-2024-45'),
    )!;
    expect(torch.severity).toBe('medium');
    expect(torch.risk.reasons.join(' ')).toMatch(/torch was loaded at run time by /);
    expect(core.severity).toBe('low');
    expect(core.summary).toMatch(/\[not loaded at run time\]/);
    // torch 1.12.0 is in 18 ranges of the shipped set (2 critical, 8 high, 7 medium, 1 low), all kept;
    // langchain-core 0.1.10 in 8 (1 critical, 2 high, 4 medium, 1 low), each one step down.
    expect(result.runtime).toMatchObject({
      observed: true,
      confirmed: 18,
      demoted: 8,
      severityBefore: { critical: 3, high: 10, medium: 11, low: 2 },
      severityAfter: { critical: 2, high: 9, medium: 9, low: 6 },
    });
    const text = await runCli(['scan', requirements, '--capture', capture]);
    expect(text.stdout).toMatch(/before runtime weighing: 3 critical, 10 high, 11 medium, 2 low, 0 info/);
    expect(text.stdout).toMatch(/after runtime weighing: {2}2 critical, 9 high, 9 medium, 6 low, 0 info/);
  }, 180_000);
  it.skipIf(!existsSync('/usr/lib/python3/dist-packages/yaml/__init__.py'))(
    "reads a distribution imported under another name as loaded: Debian's python3 importing yaml loaded PyYAML",
    async () => {
      const capture = join(dir, 'yaml.vcap');
      const r = await recordRun(['/usr/bin/python3', '-B', '-c', 'import yaml; print(yaml.__file__)'], {
        out: capture,
        name: `py-yaml-${process.pid}`,
        spawn: { stdio: 'ignore' },
      });
      expect(r.exitCode).toBe(0);
      const { observed } = await readScanCaptures([capture]);
      const reads = observed.uses.filter(
        (u) => u.target.domain === 'file' && u.target.path.startsWith('/usr/lib/python3/dist-packages/yaml/'),
      );
      expect(reads.length).toBeGreaterThan(0);
      const yaml = packageReachability(observed, 'pypi', 'PyYAML');
      expect(yaml.loaded).toBe(true);
      expect(yaml.by.length).toBe(1);
      // The import name is not a distribution of its own, and what was not imported stays unloaded.
      expect(packageReachability(observed, 'pypi', 'yaml').loaded).toBe(false);
      expect(packageReachability(observed, 'pypi', 'Jinja2').loaded).toBe(false);
    },
    180_000,
  );
});
