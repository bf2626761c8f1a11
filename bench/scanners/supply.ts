/**
 * Inference-server and advisory scanning throughput: a tree of projects, each with a Kubernetes
 * manifest of an inference server (a third of them with --trust-remote-code) and a requirements.txt
 * of 200 pins (a tenth of the projects pin a vulnerable torch), scanned with the inference-server and
 * advisory scanners; files/s, locked packages/s and findings. Medians of 5 runs (3 with --quick).
 *
 * Run: npx tsx --conditions=@vigil/source bench/scanners/supply.ts [--quick]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAdvisoryScanner,
  createInferenceServerScanner,
  scanPaths,
} from '../../packages/rules/src/index.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
const PINS = 200;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function build(root: string, projects: number): void {
  for (let p = 0; p < projects; p++) {
    const dir = join(root, `project-${p}`);
    mkdirSync(join(dir, 'deploy'), { recursive: true });
    writeFileSync(
      join(dir, 'deploy/server.yaml'),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: s${p}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: vllm\n          image: vllm/vllm-openai:v0.6.3\n          command: [vllm, serve, /models/m${p}${p % 3 === 0 ? ', --trust-remote-code' : ''}]\n          args: [--host, 127.0.0.1]\n        - name: sidecar\n          image: busybox:1.36\n`,
    );
    const pins = Array.from({ length: PINS - 1 }, (_, i) => `package-${i}==1.${i}.0`);
    pins.push(p % 10 === 0 ? 'torch==1.12.0' : 'torch==2.5.1');
    writeFileSync(join(dir, 'requirements.txt'), `${pins.join('\n')}\n`);
  }
}

console.log('| projects | files | locked packages | median ms | files/s | packages/s | findings |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const projects of quick ? [50, 200] : [50, 200, 1000]) {
  const root = mkdtempSync(join(tmpdir(), 'vigil-bench-supply-'));
  build(root, projects);
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof scanPaths>> | undefined;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    last = await scanPaths([root], { scanners: [createInferenceServerScanner(), createAdvisoryScanner()] });
    times.push(performance.now() - t);
  }
  const ms = median(times);
  const files = last!.artifacts.scanned;
  const packages = projects * PINS;
  console.log(
    `| ${projects} | ${files} | ${packages} | ${ms.toFixed(0)} | ${((files * 1000) / ms).toFixed(0)} | ${((packages * 1000) / ms).toFixed(0)} | ${last!.findings.length} |`,
  );
  rmSync(root, { recursive: true, force: true });
}
