/**
 * Model-file scanner benchmarks (medians of several runs):
 * - pickle disassembly of a PyTorch-style state dict (python3 writes it with torch's exact
 *   GLOBALs, REDUCEs and persistent ids): MB/s and opcodes/s;
 * - a pickle whose 1 GiB payload streams through the disassembler: time and the RSS it adds;
 * - the whole scanner on a PyTorch zip of that state dict, a 4 GiB sparse safetensors file and a
 *   4 GiB sparse GGUF file (headers only: the time does not grow with the file).
 *
 * Run: scripts/ts bench/scanners/model-files.ts [tensors] [runs]
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArtifactDetection,
  DEFAULT_SCAN_LIMITS,
  disassemblePickle,
  modelFileScanner,
  PickleStreamDisassembler,
} from '../../packages/rules/src/index.js';

const TENSORS = Number(process.argv[2] ?? 20_000);
const RUNS = Number(process.argv[3] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-model-'));

const PY = `
import collections, io, pickle, sys, types, zipfile
def mod(name, **kw):
    m = types.ModuleType(name); sys.modules[name] = m
    for k, v in kw.items():
        v.__module__, v.__qualname__, v.__name__ = name, k, k; setattr(m, k, v)
    return m
class FloatStorage: pass
def _rebuild_tensor_v2(*a): pass
torch = mod('torch', FloatStorage=FloatStorage); mod('torch._utils', _rebuild_tensor_v2=_rebuild_tensor_v2)
class S:
    def __init__(self, k): self.k = k
class T:
    def __init__(self, k): self.s = S(k)
    def __reduce__(self): return (_rebuild_tensor_v2, (self.s, 0, (64, 64), (64, 1), False, collections.OrderedDict()))
class P(pickle.Pickler):
    def persistent_id(self, o): return ('storage', FloatStorage, o.k, 'cpu', 4096) if isinstance(o, S) else None
sd = collections.OrderedDict((f'layers.{i}.weight', T(str(i))) for i in range(${TENSORS}))
b = io.BytesIO(); P(b, protocol=2).dump(sd); data = b.getvalue()
open(sys.argv[1] + '/data.pkl', 'wb').write(data)
with zipfile.ZipFile(sys.argv[1] + '/model.pt', 'w') as z:
    z.writestr('archive/data.pkl', data); z.writestr('archive/version', '3\\n')
`;
execFileSync('python3', ['-c', PY, dir]);
const pkl = new Uint8Array(readFileSync(join(dir, 'data.pkl')));

function time<T>(fn: () => T): [number, T] {
  const t = process.hrtime.bigint();
  const r = fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
}
async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const rows: string[][] = [];
{
  const ms: number[] = [];
  let ops = 0;
  for (let i = 0; i < RUNS; i++) {
    const [t, d] = time(() => disassemblePickle(pkl, { listing: false }));
    ms.push(t);
    ops = d.opCount;
  }
  const m = median(ms);
  rows.push([
    `disassemble state dict (${TENSORS} tensors, ${(pkl.length / 1e6).toFixed(1)} MB)`,
    `${m.toFixed(1)} ms`,
    `${(pkl.length / 1e6 / (m / 1000)).toFixed(0)} MB/s, ${(ops / (m / 1000) / 1e6).toFixed(2)} M ops/s`,
  ]);
}
{
  const size = 1 << 30;
  const header = new Uint8Array([
    0x80,
    4,
    0x8e,
    ...new Uint8Array(new BigUint64Array([BigInt(size)]).buffer),
  ]);
  const chunk = new Uint8Array(1 << 20);
  const ms: number[] = [];
  let rss = 0;
  for (let i = 0; i < RUNS; i++) {
    const before = process.memoryUsage().rss;
    const [t] = time(() => {
      const s = new PickleStreamDisassembler({ listing: false });
      s.push(header);
      for (let sent = 0; sent < size; sent += chunk.length) s.push(chunk);
      s.push(new Uint8Array([0x2e]));
      return s.end();
    });
    ms.push(t);
    rss = Math.max(rss, process.memoryUsage().rss - before);
  }
  const m = median(ms);
  rows.push([
    'pass over a 1 GiB BINBYTES8 payload (1 MiB chunks, not read)',
    `${m.toFixed(1)} ms`,
    `+${(rss / 1e6).toFixed(1)} MB RSS`,
  ]);
}

async function scanTimes(path: string, label: string): Promise<void> {
  const head = new Uint8Array(4096);
  const fd = openSync(path, 'r');
  const { readSync } = await import('node:fs');
  readSync(fd, head, 0, 4096, 0);
  closeSync(fd);
  const ref = { path, size: statSync(path).size, head };
  const ms: number[] = [];
  let found = 0;
  for (let i = 0; i < RUNS; i++) {
    const out: ArtifactDetection[] = [];
    ms.push(
      await timeAsync(() =>
        modelFileScanner.scan(ref, { report: (d) => out.push(d), limits: DEFAULT_SCAN_LIMITS }),
      ),
    );
    found = out.length;
  }
  rows.push([label, `${median(ms).toFixed(1)} ms`, `${found} detections`]);
}

await scanTimes(join(dir, 'model.pt'), `scan PyTorch zip (${TENSORS} tensors)`);
{
  // A pickle whose 4 GiB payload sits between two opcodes: the scan seeks past it.
  const path = join(dir, 'big.pkl');
  const size = 4 * 1024 ** 3;
  const fd = openSync(path, 'w');
  writeSync(fd, Buffer.from([0x80, 4, 0x8e, ...new Uint8Array(new BigUint64Array([BigInt(size)]).buffer)]));
  closeSync(fd);
  truncateSync(path, 11 + size);
  const tail = openSync(path, 'a');
  writeSync(tail, Buffer.from('0cposix\nsystem\n.'));
  closeSync(tail);
  await scanTimes(path, 'scan a 4 GiB pickle payload (sparse)');
}
{
  const path = join(dir, 'big.safetensors');
  const data = 4 * 1024 ** 3;
  const h = Buffer.from(JSON.stringify({ w: { dtype: 'U8', shape: [data], data_offsets: [0, data] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  const fd = openSync(path, 'w');
  writeSync(fd, len);
  writeSync(fd, h);
  closeSync(fd);
  truncateSync(path, 8 + h.length + data);
  await scanTimes(path, 'scan a 4 GiB safetensors file (sparse)');
}
{
  const path = join(dir, 'big.gguf');
  const s = (t: string) => {
    const b = Buffer.from(t);
    const l = Buffer.alloc(8);
    l.writeBigUInt64LE(BigInt(b.length));
    return Buffer.concat([l, b]);
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const kv = [
    s('general.architecture'),
    u32(8),
    s('llama'),
    s('tokenizer.chat_template'),
    u32(8),
    s("{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}"),
  ];
  const tensors = [s('w'), u32(1), u64(1 << 30), u32(0), u64(0)];
  const fd = openSync(path, 'w');
  writeSync(fd, Buffer.concat([Buffer.from('GGUF'), u32(3), u64(1), u64(2), ...kv, ...tensors]));
  closeSync(fd);
  truncateSync(path, 4 * 1024 ** 3 + 4096);
  await scanTimes(path, 'scan a 4 GiB GGUF file (sparse)');
}
rmSync(dir, { recursive: true, force: true });

const widths = [0, 1, 2].map((i) =>
  Math.max(...[['case', 'median', 'rate'], ...rows].map((r) => r[i]!.length)),
);
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(['case', 'median', 'rate']));
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
for (const r of rows) console.log(line(r));
