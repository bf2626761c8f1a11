import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  disassemblePickle,
  type PickleDisassembly,
  PickleStreamDisassembler,
  python3ImportOf,
  rateDottedTarget,
  ratePickleImport,
} from '../../../src/index.js';

/** Pickles made by the real python3, one per [expression, protocol] pair, in one interpreter run. */
function pyMany(pairs: readonly (readonly [string, number])[], prelude = ''): Uint8Array[] {
  const list = pairs.map(([e, p]) => `pickle.dumps(${e}, protocol=${p}).hex()`).join(', ');
  const out = execFileSync(
    'python3',
    ['-c', `import pickle,sys,os,collections,json\n${prelude}\nprint(json.dumps([${list}]))`],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  return (JSON.parse(out) as string[]).map((h) => new Uint8Array(Buffer.from(h, 'hex')));
}
const py = (expr: string, protocol: number, prelude = ''): Uint8Array =>
  pyMany([[expr, protocol]], prelude)[0]!;

const u64 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return [...b];
};
const ascii = (s: string) => [...new TextEncoder().encode(s)];

describe('disassemblePickle', () => {
  it('lists the opcodes of protocols 4 and 5, framing, memo and out-of-band buffers included', () => {
    const bytes = new Uint8Array([
      0x80,
      5,
      0x95,
      ...u64(20),
      0x28,
      0x96,
      ...u64(3),
      ...ascii('abc'),
      0x97,
      0x98,
      0x50,
      ...ascii('key\n'),
      0x82,
      5,
      0x74,
      0x94,
      0x2e,
    ]);
    const d = disassemblePickle(bytes);
    expect(d.ops.map((o) => o.op)).toEqual([
      'PROTO',
      'FRAME',
      'MARK',
      'BYTEARRAY8',
      'NEXT_BUFFER',
      'READONLY_BUFFER',
      'PERSID',
      'EXT1',
      'TUPLE',
      'MEMOIZE',
      'STOP',
    ]);
    expect(d.protocol).toBe(5);
    expect(d.persistentIds).toBe(1);
    expect(d.issues).toEqual([]);
    // An extension code names a global the loading program registered: unknown statically.
    expect(d.globals[0]).toMatchObject({ via: 'EXT', resolved: false, rating: { verdict: 'dangerous' } });
  });

  it('walks real pickles of every protocol without an issue', () => {
    const expr =
      '{"a": [1, 2.5, None, True, b"x", "é", (1,2,3), {1,2}, frozenset([3]), bytearray(b"q"), 10**30]}';
    const all = pyMany([0, 1, 2, 3, 4, 5].map((p) => [expr, p] as const));
    for (const [p, bytes] of all.entries()) {
      const d = disassemblePickle(bytes);
      expect(d.issues, `protocol ${p}`).toEqual([]);
      expect(d.pickles).toBe(1);
      expect(
        d.globals.every((g) => g.rating.verdict === 'safe'),
        JSON.stringify(d.globals),
      ).toBe(true);
    }
  });

  it('handles self-referencing objects through the memo without recursing', () => {
    const [d4, d0] = pyMany(
      [
        ['x', 4],
        ['x', 0],
      ],
      "x = {}; x['me'] = x; y = [x]; y.append(y); x['y'] = y; x['t'] = (y, x)",
    ).map((b) => disassemblePickle(b));
    for (const d of [d4, d0]) {
      expect(d?.issues).toEqual([]);
      expect(d?.ops.filter((o) => o.op.endsWith('GET')).length).toBeGreaterThan(2);
    }
  });

  it('resolves REDUCE, NEWOBJ and BUILD targets with their arguments', () => {
    const d = disassemblePickle(
      py('X()', 2, 'class X:\n  def __reduce__(self): return (os.system, ("echo hi",))\nX.__module__ = "m"'),
    );
    expect(d.calls).toEqual([
      { offset: expect.any(Number), op: 'REDUCE', target: 'posix.system', args: '"echo hi"' },
    ]);
    const n = disassemblePickle(py('collections.OrderedDict(a=1)', 4));
    expect(n.calls[0]).toMatchObject({ op: 'REDUCE', target: 'collections.OrderedDict' });
    const prelude =
      'import types\nm = types.ModuleType("m"); sys.modules["m"] = m\nclass Y: pass\nY.__module__ = "m"; m.Y = Y';
    const [p1, p2, built] = pyMany(
      [
        ['m.Y()', 1],
        ['m.Y()', 2],
        ['m.y', 2],
      ],
      `${prelude}\nm.y = Y(); m.y.a = 1`,
    ).map((b) => disassemblePickle(b)) as [PickleDisassembly, PickleDisassembly, PickleDisassembly];
    expect(p1.calls.map((c) => [c.op, c.target])).toEqual([['REDUCE', 'copyreg._reconstructor']]);
    expect(p1.globals.map((g) => `${g.module}.${g.name}:${g.rating.verdict}`)).toEqual([
      'copy_reg._reconstructor:safe',
      'm.Y:unknown',
      '__builtin__.object:safe',
    ]);
    expect(p2.calls.map((c) => [c.op, c.target])).toEqual([['NEWOBJ', 'm.Y']]);
    expect(built.calls.map((c) => [c.op, c.target, c.args])).toEqual([
      ['NEWOBJ', 'm.Y', ''],
      ['BUILD', 'm.Y.__setstate__', '{<1 items>}'],
    ]);
  });

  it('reads STACK_GLOBAL operands from the memo and reports computed ones as unresolved', () => {
    const viaMemo = new Uint8Array([
      0x80,
      4,
      0x8c,
      2,
      ...ascii('os'),
      0x94,
      0x8c,
      6,
      ...ascii('system'),
      0x94,
      0x68,
      0,
      0x6a,
      1,
      0,
      0,
      0,
      0x93,
      0x2e,
    ]);
    expect(disassemblePickle(viaMemo).globals.map((g) => [g.module, g.name, g.via, g.resolved])).toEqual([
      ['os', 'system', 'STACK_GLOBAL', true],
    ]);
    const computed = new Uint8Array([0x80, 4, 0x4e, 0x8c, 6, ...ascii('system'), 0x93, 0x2e]);
    expect(disassemblePickle(computed).globals[0]).toMatchObject({
      resolved: false,
      rating: { severity: 'high' },
    });
  });

  it('reads concatenated pickles, and stops at data that cannot start another', () => {
    const [a, b] = pyMany([
      ['1', 2],
      ['os.system', 4],
    ]) as [Uint8Array, Uint8Array];
    const both = new Uint8Array([...a, ...b, 0x04, 0x00, 0xff]);
    const d = disassemblePickle(both);
    expect(d.pickles).toBe(2);
    expect(d.trailingBytes).toBe(3);
    expect(d.issues).toEqual([]);
    expect(d.globals[0]).toMatchObject({ module: 'posix', name: 'system' });
    expect(disassemblePickle(both, { maxPickles: 1 }).globals).toEqual([]);
  });

  it('reports what ran before a malformed stream broke', () => {
    const evil = py('X()', 2, 'class X:\n  def __reduce__(self): return (os.system, ("id",))');
    const d = disassemblePickle(new Uint8Array([...evil.subarray(0, -1), 0x30, 0x30, 0x30]));
    expect(d.globals[0]?.name).toBe('system');
    expect(d.issues[0]?.message).toBe('no MARK to pop to');
    expect(disassemblePickle(new Uint8Array([0x80, 2, 0x68, 7, 0x2e])).issues[0]?.message).toBe(
      'memo key 7 was never stored',
    );
    expect(disassemblePickle(new Uint8Array([0x80, 9])).issues[0]?.message).toBe(
      'unsupported pickle protocol 9',
    );
    expect(disassemblePickle(new Uint8Array([0x80, 2, 0x4e])).issues[0]?.message).toContain('truncated');
  });

  it('gives the same result whatever the chunking', () => {
    const samples = pyMany([
      ['{"w": [os.system, collections.OrderedDict(a=b"x" * 300)], "s": "y" * 70000}', 4],
      ['[os.system, "é" * 100, 2**70]', 0],
      ['[bytearray(b"z" * 5000), {1, 2}]', 5],
    ]);
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1 }),
        (bytes, sizes) => {
          const whole = disassemblePickle(bytes);
          const s = new PickleStreamDisassembler();
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const n = sizes[i % sizes.length]!;
            s.push(bytes.subarray(at, at + n));
            at += n;
          }
          const parts = s.end();
          expect(parts.ops).toEqual(whole.ops);
          expect(parts.globals).toEqual(whole.globals);
          expect(parts.calls).toEqual(whole.calls);
          expect(parts.issues).toEqual(whole.issues);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('skips large payloads instead of buffering them', () => {
    // A 256 MiB BINBYTES8 payload pushed through one reused 1 MiB chunk: nothing of it is kept.
    const size = 256 << 20;
    const s = new PickleStreamDisassembler({ listing: false });
    s.push(new Uint8Array([0x80, 4, 0x8e, ...u64(size)]));
    const zeros = new Uint8Array(1 << 20);
    for (let sent = 0; sent < size; sent += zeros.length) s.push(zeros);
    s.push(new Uint8Array([0x30, ...ascii('cposix\nsystem\n.')]));
    const d = s.end();
    expect(d.issues).toEqual([]);
    expect(d.bytes).toBe(size + 11 + 16);
    expect(d.globals[0]).toMatchObject({ module: 'posix', name: 'system' });
    // Work is per opcode, not per payload byte.
    expect(d.steps).toBeLessThan(20);
    const longLine = new Uint8Array([
      ...ascii('(S'),
      ...ascii(`'${'a'.repeat(200_000)}'\n`),
      ...ascii('cos\nsystem\n.'),
    ]);
    const l = new PickleStreamDisassembler();
    for (let at = 0; at < longLine.length; at += 1000) l.push(longLine.subarray(at, at + 1000));
    expect(l.end().globals.map((g) => g.name)).toEqual(['system']);
  });

  it('follows joblib arrays embedded in the stream, in chunks of one byte', () => {
    const prelude = `
import types, io, os, pickle, sys
sys.modules['joblib'] = types.ModuleType('joblib')
m = types.ModuleType('joblib.numpy_pickle'); sys.modules['joblib.numpy_pickle'] = m
class NumpyArrayWrapper: pass
NumpyArrayWrapper.__module__ = 'joblib.numpy_pickle'; m.NumpyArrayWrapper = NumpyArrayWrapper
n = types.ModuleType('numpy'); sys.modules['numpy'] = n
class dtype:
    def __init__(self, *a): self.a = a
    def __reduce__(self): return (dtype, self.a, (3, '<', None, None, None, -1, -1, 0))
class ndarray: pass
for c in (dtype, ndarray): c.__module__ = 'numpy'; setattr(n, c.__name__, c)
class P(pickle._Pickler):
    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, bytes) and obj.startswith(b'ARR'):
            w = NumpyArrayWrapper(); w.__dict__.update(subclass=ndarray, shape=(len(obj) // 8,), order='C', dtype=dtype('f8', False, True), allow_mmap=False, numpy_array_alignment_bytes=16)
            pickle._Pickler.save(self, w); self.framer.commit_frame(force=True)
            pad = 16 - ((buf.tell() + 1) % 16); buf.write(bytes([pad]) + b'\\xff' * pad + obj)
            return
        return pickle._Pickler.save(self, obj, save_persistent_id)
buf = io.BytesIO()
P(buf, protocol=4).dump([b'ARR' + b'c' * 13, b'ARR' + b'.' * 21, os.system])
sys.stdout.buffer.write(buf.getvalue()); sys.exit(0)`;
    const bytes = new Uint8Array(execFileSync('python3', ['-c', prelude]));
    const s = new PickleStreamDisassembler();
    for (let i = 0; i < bytes.length; i++) s.push(bytes.subarray(i, i + 1));
    const d = s.end();
    expect(d.issues).toEqual([]);
    expect(d.globals.map((g) => `${g.module}.${g.name}`)).toContain('posix.system');
    // Without following the arrays the raw bytes would be read as opcodes.
    expect(disassemblePickle(bytes, { joblib: false }).issues.length).toBeGreaterThan(0);
  });
});

describe('ratePickleImport', () => {
  // Every entry of modelscan's unsafe_globals (settings.py) and picklescan's _unsafe_globals (scanner.py), as data.
  const MODELSCAN: [string, string][] = [
    ...['eval', 'compile', 'getattr', 'apply', 'exec', 'open', 'breakpoint', '__import__'].flatMap(
      (n): [string, string][] => [
        ['__builtin__', n],
        ['builtins', n],
      ],
    ),
    ...[
      'runpy',
      'os',
      'nt',
      'posix',
      'socket',
      'subprocess',
      'sys',
      'pty',
      'pickle',
      '_pickle',
      'bdb',
      'pdb',
      'shutil',
      'asyncio',
      'webbrowser',
      'httplib',
      'requests.api',
      'aiohttp.client',
    ].map((m): [string, string] => [m, 'anything']),
    ['operator', 'attrgetter'],
  ];
  const PICKLESCAN: [string, string][] = [
    ['cloudpickle.cloudpickle', '_make_function'],
    ['cloudpickle.cloudpickle', 'subimport'],
    ['types', 'CodeType'],
    ['ctypes', 'CDLL'],
    ['commands', 'getoutput'],
    ['functools', 'partial'],
    ['logging', 'FileHandler'],
    ['_io', 'FileIO'],
    ['numpy.f2py', 'x'],
    ['numpy.testing._private.utils', 'runstring'],
    ['_operator', 'methodcaller'],
    ['operator', 'itemgetter'],
    ['ssl', 'get_server_certificate'],
    ['code', 'InteractiveInterpreter.runcode'],
    ['cProfile', 'run'],
    ['distutils.file_util', 'write_file'],
    ['doctest', 'debug_script'],
    ['ensurepip', '_run_pip'],
    ['idlelib.pyshell', 'ModifiedInterpreter.runcode'],
    ['imaplib', 'IMAP4_stream'],
    ['lib2to3.pgen2.grammar', 'Grammar.loads'],
    ['pip', 'main'],
    ['pkgutil', 'resolve_name'],
    ['profile', 'run'],
    ['pydoc', 'locate'],
    ['test.support.script_helper', 'assert_python_ok'],
    ['timeit', 'timeit'],
    ['torch._dynamo.guards', 'GuardBuilder.get'],
    ['torch._inductor.codecache', 'compile_file'],
    ['torch.fx.experimental.symbolic_shapes', 'ShapeEnv.evaluate_guards_expression'],
    ['torch.jit.unsupported_tensor_ops', 'execWrapper'],
    ['torch.serialization', 'load'],
    ['torch.utils._config_module', 'ConfigModule.load_config'],
    ['torch.utils.bottleneck.__main__', 'run_cprofile'],
    ['torch.utils.collect_env', 'run'],
    ['torch.utils.data.datapipes.utils.decoder', 'basichandlers'],
    ['trace', 'Trace.run'],
    ['urllib.request', 'urlopen'],
    ['uuid', '_get_command_stdout'],
    ['venv', 'create'],
    ['_osx_support', '_read_output'],
    ['_aix_support', '_read_cmd_output'],
    ['_pyrepl', 'pager'],
  ];

  it.each([...MODELSCAN, ...PICKLESCAN])('rates %s.%s dangerous', (m, n) => {
    expect(ratePickleImport(m, n).verdict).toBe('dangerous');
  });

  it.each([
    ['collections', 'OrderedDict'],
    ['torch._utils', '_rebuild_tensor_v2'],
    ['torch', 'FloatStorage'],
    ['torch', 'BFloat16Storage'],
    ['numpy.core.multiarray', '_reconstruct'],
    ['numpy._core.multiarray', '_reconstruct'],
    ['numpy', 'dtype'],
    ['_codecs', 'encode'],
    ['copy_reg', '_reconstructor'],
    ['__builtin__', 'set'],
    ['uuid', 'UUID'],
  ])('rates %s.%s safe', (m, n) => {
    expect(ratePickleImport(m, n).verdict).toBe('safe');
  });

  it('rates anything else unknown, at low severity, and non-identifiers dangerous', () => {
    expect(ratePickleImport('sklearn.linear_model', 'LogisticRegression')).toMatchObject({
      verdict: 'unknown',
      severity: 'low',
    });
    expect(ratePickleImport('os ', 'system').verdict).toBe('dangerous');
    expect(ratePickleImport('torch', 'load').severity).toBe('high');
  });

  it('maps Python 2 names the way Python 3 loads them, and rates dotted targets by every split', () => {
    expect(python3ImportOf('__builtin__', 'xrange')).toEqual(['builtins', 'range']);
    expect(python3ImportOf('urllib', 'urlopen')).toEqual(['urllib.request', 'urlopen']);
    expect(rateDottedTarget('os.path.join').verdict).toBe('dangerous');
    expect(rateDottedTarget('collections.OrderedDict').verdict).toBe('safe');
  });
});
