import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addonPath } from '../src/internal/binding.js';
import { capturePrivileges } from '../src/preflight.js';

/** Why live BPF tests cannot run here, or undefined when they can. */
export function whyNoBpf(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'kernel without BTF (/sys/kernel/btf/vmlinux missing)';
  if (!capturePrivileges().sufficient) return 'not root and no CAP_BPF + CAP_PERFMON';
  if (!existsSync(addonPath()))
    return `addon not built (${addonPath()}): pnpm --filter @vigil/ebpf-native build:native`;
  return undefined;
}

/** Why the layout test cannot run (it only needs the built addon). */
export function whyNoAddon(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  return existsSync(addonPath()) ? undefined : `addon not built (${addonPath()})`;
}

/** Ids of every BPF program loaded on the host, via bpftool. */
export function bpfProgramIds(): number[] {
  const out = execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
  return (JSON.parse(out) as { id: number }[]).map((p) => p.id);
}

/** Ids of the BPF links on the host (via bpftool) that attach one of `programIds`. */
export function bpfLinksOf(programIds: readonly number[]): number[] {
  const out = execFileSync('bpftool', ['-j', 'link', 'show'], { encoding: 'utf8' });
  return (JSON.parse(out) as { id: number; prog_id: number }[])
    .filter((l) => programIds.includes(l.prog_id))
    .map((l) => l.id);
}

/** Compiles a C program into a temporary directory and returns the binary's path. */
export function compileC(name: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
  const src = join(dir, `${name}.c`);
  const bin = join(dir, name);
  writeFileSync(src, source);
  const r = spawnSync('cc', ['-O1', '-o', bin, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cc failed: ${r.stderr}`);
  return bin;
}

/** Polls `cond` every 20 ms until it is true or `ms` passed; returns its last value. */
export async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/** node arguments that run a TypeScript file with workspace sources resolved. */
export function tsNodeArgs(file: string): string[] {
  return ['--conditions=@vigil/source', '--import', 'tsx', file];
}
