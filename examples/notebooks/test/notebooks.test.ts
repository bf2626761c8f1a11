// Executes every notebook headless with Debian's Jupyter and the tslab kernel from npm, as an
// analyst would run it, and checks its outputs against the SDK run in this process.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildAiBom,
  CaptureWriter,
  checkCaptures,
  learnBaselines,
  type VigilEvent,
} from '../../../packages/core/src/index.js';
import { attackEvents, benignAgent } from '../../../packages/core/test/baseline/helpers/agent-sim.js';
import { builtinPacks, criticalBehaviours, rulesCheckDetector } from '../../../packages/rules/src/index.js';

const here = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';
const TSLAB = join(here, 'node_modules', '.bin', 'tslab');
const CORE_DIST = fileURLToPath(new URL('../../../packages/core/dist/index.cjs', import.meta.url));

function missing(): string | undefined {
  if (spawnSync('jupyter', ['nbconvert', '--version']).status !== 0)
    return 'jupyter nbconvert is not installed (apt-get install jupyter-nbconvert python3-ipykernel)';
  if (spawnSync(PYTHON, ['-c', 'import jupyter_client']).status !== 0)
    return `${PYTHON} has no jupyter_client (apt-get install python3-jupyter-client)`;
  if (!existsSync(TSLAB)) return 'tslab is not installed (pnpm install)';
  // The kernel loads the packages as a user's project does: from their builds.
  if (!existsSync(CORE_DIST)) return 'the packages are not built (pnpm build)';
  return undefined;
}
const why = missing();
if (why) console.warn(`skipping the notebook tests: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-notebooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, events: Iterable<VigilEvent>): void {
  const w = CaptureWriter.create(path, { header: { source: 'synthetic' } });
  w.writeAll(events);
  w.close({ exitCode: 0 });
}

interface Output {
  output_type: string;
  text?: string | string[];
  ename?: string;
}

describe.skipIf(why !== undefined)('notebooks', { timeout: 900_000 }, () => {
  it('vigil-tour.ipynb runs top to bottom and prints what the SDK finds', async () => {
    const learnCapture = join(dir, 'learn.vcap');
    const checkCapture = join(dir, 'check.vcap');
    write(learnCapture, benignAgent({ seed: 1, seconds: 300 }));
    write(checkCapture, [
      ...benignAgent({ seed: 2, seconds: 60 }),
      ...Object.values(attackEvents(1_764_000_061_000_000_000)).flat(),
    ]);
    const mcp = join(dir, 'claude_desktop_config.json');
    writeFileSync(
      mcp,
      JSON.stringify({ mcpServers: { filesystem: { command: 'npx', args: ['-y', 'server-fs', '/data'] } } }),
    );

    // The same analysis in this process: what the notebook must print.
    const learned = await learnBaselines({
      captures: [learnCapture],
      critical: criticalBehaviours(builtinPacks()),
      markStable: true,
    });
    const checked = await checkCaptures({
      captures: [checkCapture],
      baselines: learned.set,
      detectors: [rulesCheckDetector({ packs: builtinPacks(), baselines: learned.set })],
    });
    const bom = await buildAiBom({ captures: [learnCapture, checkCapture] });
    expect(checked.findings.length).toBeGreaterThan(0);

    // The kernel is registered in a folder of its own, not in the machine's Jupyter.
    const jupyterPath = join(dir, 'jupyter');
    execFileSync(TSLAB, ['install', '--prefix', jupyterPath, '--python', PYTHON, '--binary', TSLAB], {
      stdio: 'pipe',
    });
    const notebooks = readdirSync(here).filter((f) => f.endsWith('.ipynb'));
    expect(notebooks).toContain('vigil-tour.ipynb');
    const out = join(dir, 'vigil-tour.out.ipynb');
    const r = spawnSync(
      'jupyter',
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        '--ExecutePreprocessor.timeout=600',
        '--output',
        out,
        'vigil-tour.ipynb',
      ],
      {
        cwd: here,
        encoding: 'utf8',
        env: {
          ...process.env,
          JUPYTER_PATH: join(jupyterPath, 'share', 'jupyter'),
          VIGIL_LEARN_CAPTURE: learnCapture,
          VIGIL_CHECK_CAPTURE: checkCapture,
          VIGIL_MCP_CONFIG: mcp,
        },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const nb = JSON.parse(readFileSync(out, 'utf8')) as {
      cells: { cell_type: string; outputs?: Output[] }[];
    };
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
    const text = outputs.map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? ''))).join('');
    expect(text).toContain(`baselines: ${learned.set.size} from ${learned.events} events`);
    expect(text).toContain(`findings: ${checked.findings.length}\n`);
    expect(text).toContain(`incidents: ${checked.incidents.length}\n`);
    expect(text).toContain(`components: ${bom.summary.components}\n`);
    // The ranked table starts with the first finding in the one order.
    expect(text).toContain(checked.findings[0]!.ruleId);
    expect(text).toMatch(/grants used: \d+ of [1-9]\d*\n/);
    expect(text).toMatch(/gap findings: \d+\n/);
  });
});
