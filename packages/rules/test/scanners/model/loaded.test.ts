import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObservedUseAccumulator, type VigilEvent } from '@vigil/core';
import { capturePrivileges, Sensor, WorkloadCgroup } from '@vigil/ebpf-native';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ArtifactDetection,
  DEFAULT_SCAN_LIMITS,
  modelFileScanner,
  modelFilesOpened,
  weighByModelUse,
} from '../../../src/index.js';
import { AGENT, OTHER, open } from '../../events.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-model-loaded-'));
execFileSync('python3', [join(import.meta.dirname, 'corpus.py'), dir], { maxBuffer: 16 << 20 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function scan(file: string): Promise<ArtifactDetection[]> {
  const path = join(dir, file);
  const head = new Uint8Array(readFileSync(path).subarray(0, 4096));
  const found: ArtifactDetection[] = [];
  await modelFileScanner.scan(
    { path, size: statSync(path).size, head },
    { report: (d) => found.push(d), limits: DEFAULT_SCAN_LIMITS },
  );
  return found;
}

describe('was the model file loaded?', () => {
  it('marks files opened, by which workload, also under another mount root, and weighs the findings', async () => {
    const acc = new ObservedUseAccumulator();
    acc.add(open(join(dir, 'evil-state-dict.pt'), 'read', { workload: AGENT }));
    acc.add(open('/mnt/models/evil-legacy.pth', 'read', { workload: OTHER }));
    acc.add(open(join(dir, 'evil.joblib'), 'write', { workload: AGENT }));
    acc.add(open(join(dir, 'evil.npz'), 'read', { workload: AGENT, result: -2 }));
    const observed = acc.result();
    const files = ['evil-state-dict.pt', 'models/evil-legacy.pth', 'evil.joblib', 'evil.npz'];
    const uses = modelFilesOpened(files, observed, { cwd: dir });
    expect(uses.map((u) => [u.opened, u.match, u.workloads])).toEqual([
      [true, 'exact', [AGENT.id]],
      [true, 'suffix', [OTHER.id]],
      [false, 'none', []],
      [false, 'none', []],
    ]);
    expect(uses[1]?.reason).toContain('(as /mnt/models/evil-legacy.pth)');
    expect(uses[2]?.reason).toMatch(/^never opened in 4 observed events by 2 workload/);

    const loaded = (await scan('evil-state-dict.pt')).find(
      (d) => d.ruleId === 'vigil.scan.pickle-dangerous-import',
    )!;
    const notLoaded = (await scan('evil.joblib')).find(
      (d) => d.ruleId === 'vigil.scan.pickle-dangerous-import',
    )!;
    expect(weighByModelUse(loaded, uses[0])).toMatchObject({
      severity: 'critical',
      riskReasons: [expect.stringMatching(/opened at run time by .*: promoted/)],
    });
    const demoted = weighByModelUse(notLoaded, uses[2]);
    expect(demoted.severity).toBe('high');
    expect(demoted.riskReasons?.[0]).toMatch(/never opened .*: demoted/);
    const medium: ArtifactDetection = { ...loaded, severity: 'medium' };
    expect(weighByModelUse(medium, uses[0]).severity).toBe('high');
  });

  it('without runtime data, concludes nothing and says so', async () => {
    const [u] = modelFilesOpened(['evil.npz'], undefined, { cwd: dir });
    expect(u).toMatchObject({ opened: false, runtimeData: false });
    const d = (await scan('evil.npz'))[0]!;
    const w = weighByModelUse(d, u);
    expect(w.severity).toBe(d.severity);
    expect(w.riskReasons).toEqual(['no runtime data to tell whether the model file was loaded']);
  });
});

function whyNotLive(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel without BTF';
  if (!capturePrivileges().sufficient) return 'not root and no CAP_BPF + CAP_PERFMON';
  return undefined;
}
const why = whyNotLive();
if (why) console.warn(`skipping the live model-load test: ${why}`);

describe.skipIf(why !== undefined)(
  'was the model file loaded? (live capture, real python3 in a cgroup)',
  () => {
    it('a file python3 reads is opened by its workload; one it never touches is not', async () => {
      const cg = WorkloadCgroup.create();
      const sensor = await Sensor.open({ cgroups: [cg.dir] });
      const events: VigilEvent[] = [];
      const pump = (async () => {
        for await (const batch of sensor) events.push(...batch);
      })();
      try {
        const loadedPath = join(dir, 'evil-state-dict.pt');
        // Reads the bytes the way a loader would, without unpickling anything.
        const child = cg.spawn('python3', ['-c', `open(${JSON.stringify(loadedPath)}, "rb").read()`], {
          stdio: 'ignore',
        });
        expect(await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))).toBe(0);
        await sensor.flush();
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline && !events.some((e) => e.kind === 'process.exit' && e.pid === child.pid))
          await new Promise((r) => setTimeout(r, 20));
        const acc = new ObservedUseAccumulator();
        for (const e of events) acc.add(e);
        const [loaded, untouched] = modelFilesOpened([loadedPath, join(dir, 'evil.joblib')], acc.result());
        expect(loaded).toMatchObject({ opened: true, match: 'exact' });
        expect(loaded?.workloads).toEqual([
          events.find((e) => e.kind === 'file.open' && e.path === loadedPath)?.workload.id,
        ]);
        expect(untouched).toMatchObject({ opened: false, runtimeData: true });
      } finally {
        await sensor.close();
        await pump;
        await cg.remove();
      }
    }, 60_000);
  },
);
