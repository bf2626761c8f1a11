import type { Severity } from '@vigil/core';

/**
 * How an import a pickle makes is rated: `dangerous` (it runs code, spawns
 * processes, reaches the network or the file system, or loads further
 * pickles), `safe` (a known data constructor) or `unknown` (anything else: the
 * module must be installed and its class runs on load, but nothing says it is
 * harmful).
 *
 * @example
 * ```ts
 * const r: PickleImportRating = ratePickleImport('posix', 'system');
 * r.verdict; // 'dangerous'
 * ```
 */
export interface PickleImportRating {
  readonly verdict: 'dangerous' | 'safe' | 'unknown';
  /** Severity of a detection for this import (`low` for unknown, absent for safe). */
  readonly severity?: Severity;
  /** Why, in a few words. */
  readonly reason: string;
  /** Module and name after Python 2 names were mapped to Python 3 (what `find_class` imports). */
  readonly module: string;
  readonly name: string;
}

type Names = '*' | readonly string[];
interface Entry {
  readonly names: Names;
  /** With `*`: names that stay allowed. */
  readonly except?: readonly string[];
  readonly severity: Severity;
  readonly reason: string;
}

const EXEC = 'runs arbitrary code';
const SHELL = 'runs shell commands or processes';
const NET = 'opens network connections';
const FILES = 'reads or writes files';
const LOADS = 'loads another serialised object (a pickle inside the pickle)';
const IMPORTS = 'imports arbitrary modules';
const ATTRS = 'reaches arbitrary attributes (getattr gadget)';

const d = (names: Names, severity: Severity, reason: string, except?: readonly string[]): Entry =>
  except ? { names, severity, reason, except } : { names, severity, reason };

// Keyed by module. A `*` entry covers the module and its submodules unless a submodule has its own entry.
const DANGEROUS: ReadonlyMap<string, readonly Entry[]> = new Map<string, Entry[]>([
  [
    'builtins',
    [
      d(['eval', 'exec', 'compile', 'execfile', 'breakpoint', 'input', '__import__'], 'critical', EXEC),
      d(['getattr', 'setattr', 'delattr', 'globals', 'locals', 'vars', 'apply'], 'critical', ATTRS),
      d(['open', 'file'], 'high', FILES),
      d(['memoryview'], 'medium', 'raw memory views'),
    ],
  ],
  ['os', [d('*', 'critical', SHELL)]],
  ['posix', [d('*', 'critical', SHELL)]],
  ['nt', [d('*', 'critical', SHELL)]],
  ['subprocess', [d('*', 'critical', SHELL)]],
  ['_posixsubprocess', [d('*', 'critical', SHELL)]],
  ['pty', [d('*', 'critical', SHELL)]],
  ['commands', [d('*', 'critical', SHELL)]],
  ['popen2', [d('*', 'critical', SHELL)]],
  ['platform', [d(['popen', '_syscmd_file', '_syscmd_ver'], 'critical', SHELL)]],
  ['multiprocessing', [d('*', 'critical', SHELL)]],
  ['_osx_support', [d('*', 'critical', SHELL)]],
  ['_aix_support', [d('*', 'critical', SHELL)]],
  ['_pyrepl', [d('*', 'critical', SHELL)]],
  ['uuid', [d('*', 'critical', SHELL, ['UUID', 'SafeUUID'])]],
  ['imaplib', [d(['IMAP4_stream'], 'critical', SHELL)]],
  ['runpy', [d('*', 'critical', EXEC)]],
  ['sys', [d('*', 'critical', 'interpreter internals (modules, hooks, exit)')]],
  ['code', [d('*', 'critical', EXEC)]],
  ['codeop', [d('*', 'critical', EXEC)]],
  ['cProfile', [d('*', 'critical', EXEC)]],
  ['profile', [d('*', 'critical', EXEC)]],
  ['timeit', [d('*', 'critical', EXEC)]],
  ['trace', [d('*', 'critical', EXEC)]],
  ['pdb', [d('*', 'critical', EXEC)]],
  ['bdb', [d('*', 'critical', EXEC)]],
  ['doctest', [d('*', 'critical', EXEC)]],
  ['pydoc', [d('*', 'critical', EXEC)]],
  ['idlelib', [d('*', 'critical', EXEC)]],
  ['lib2to3', [d('*', 'critical', EXEC)]],
  ['test', [d('*', 'critical', EXEC)]],
  ['pip', [d('*', 'critical', EXEC)]],
  ['ensurepip', [d('*', 'critical', EXEC)]],
  ['venv', [d('*', 'critical', EXEC)]],
  ['distutils', [d('*', 'critical', EXEC)]],
  ['setuptools', [d('*', 'critical', EXEC)]],
  ['asyncio', [d('*', 'critical', SHELL)]],
  ['ctypes', [d('*', 'critical', 'calls native code')]],
  ['_ctypes', [d('*', 'critical', 'calls native code')]],
  ['cffi', [d('*', 'critical', 'calls native code')]],
  ['marshal', [d('*', 'critical', 'builds code objects')]],
  ['types', [d(['CodeType', 'FunctionType', 'LambdaType', 'MethodType', 'ModuleType'], 'critical', EXEC)]],
  ['importlib', [d('*', 'critical', IMPORTS)]],
  ['imp', [d('*', 'critical', IMPORTS)]],
  ['zipimport', [d('*', 'critical', IMPORTS)]],
  ['pkgutil', [d('*', 'critical', IMPORTS)]],
  ['operator', [d(['attrgetter', 'itemgetter', 'methodcaller', 'getitem'], 'critical', ATTRS)]],
  ['_operator', [d(['attrgetter', 'itemgetter', 'methodcaller', 'getitem'], 'critical', ATTRS)]],
  ['functools', [d(['partial', 'reduce', 'partialmethod'], 'critical', 'calls a callable it is given')]],
  ['_functools', [d(['partial', 'reduce'], 'critical', 'calls a callable it is given')]],
  ['_thread', [d('*', 'high', 'starts threads running a callable')]],
  ['threading', [d(['Thread', 'Timer'], 'high', 'starts threads running a callable')]],
  ['signal', [d('*', 'high', 'installs signal handlers')]],
  ['atexit', [d('*', 'high', 'registers callables to run at exit')]],
  ['pickle', [d('*', 'high', LOADS)]],
  ['_pickle', [d('*', 'high', LOADS)]],
  ['cPickle', [d('*', 'high', LOADS)]],
  ['dill', [d('*', 'critical', 'rebuilds functions and code objects')]],
  ['cloudpickle', [d('*', 'critical', 'rebuilds functions and code objects')]],
  ['shelve', [d('*', 'high', LOADS)]],
  ['joblib', [d(['load'], 'high', LOADS)]],
  ['pandas', [d(['read_pickle'], 'high', LOADS)]],
  ['pandas.io.pickle', [d('*', 'high', LOADS)]],
  ['numpy', [d(['load', 'loads', 'fromfile', 'save', 'tofile'], 'high', LOADS)]],
  ['numpy.lib.npyio', [d(['load'], 'high', LOADS)]],
  ['numpy.f2py', [d('*', 'critical', EXEC)]],
  ['numpy.distutils', [d('*', 'critical', SHELL)]],
  ['numpy.testing', [d('*', 'critical', EXEC)]],
  ['numpy.ctypeslib', [d('*', 'critical', 'loads native libraries')]],
  ['torch', [d(['load', 'save'], 'high', LOADS)]],
  ['torch.serialization', [d(['load', 'save', '_load', '_legacy_load'], 'high', LOADS)]],
  ['torch.hub', [d('*', 'critical', 'downloads and runs code')]],
  ['torch.utils.cpp_extension', [d('*', 'critical', 'compiles and loads native code')]],
  ['torch._inductor.codecache', [d('*', 'critical', SHELL)]],
  ['torch._dynamo.guards', [d(['GuardBuilder.get'], 'critical', EXEC)]],
  ['torch.fx.experimental.symbolic_shapes', [d(['ShapeEnv.evaluate_guards_expression'], 'critical', EXEC)]],
  ['torch.jit.unsupported_tensor_ops', [d(['execWrapper'], 'critical', EXEC)]],
  ['torch.utils._config_module', [d(['ConfigModule.load_config'], 'high', LOADS)]],
  ['torch.utils.bottleneck', [d('*', 'critical', EXEC)]],
  ['torch.utils.collect_env', [d('*', 'critical', SHELL)]],
  ['torch.utils.data.datapipes.utils.decoder', [d(['basichandlers'], 'high', LOADS)]],
  ['shutil', [d('*', 'critical', FILES)]],
  ['tempfile', [d('*', 'high', FILES)]],
  ['io', [d(['open', 'open_code', 'FileIO'], 'high', FILES)]],
  ['_io', [d(['open', 'open_code', 'FileIO'], 'high', FILES)]],
  ['codecs', [d(['open'], 'high', FILES)]],
  ['pathlib', [d('*', 'high', FILES)]],
  ['glob', [d('*', 'medium', FILES)]],
  ['fileinput', [d('*', 'high', FILES)]],
  ['logging', [d(['FileHandler'], 'high', FILES)]],
  ['logging.handlers', [d('*', 'high', `${FILES}, ${NET}`)]],
  ['logging.config', [d('*', 'critical', EXEC)]],
  ['socket', [d('*', 'critical', NET)]],
  ['_socket', [d('*', 'critical', NET)]],
  ['ssl', [d('*', 'high', NET)]],
  ['socketserver', [d('*', 'high', NET)]],
  ['http', [d('*', 'high', NET)]],
  ['httplib', [d('*', 'high', NET)]],
  ['urllib', [d(['urlopen', 'urlretrieve', 'URLopener', 'FancyURLopener'], 'high', NET)]],
  ['urllib.request', [d('*', 'high', NET)]],
  ['urllib2', [d('*', 'high', NET)]],
  ['ftplib', [d('*', 'high', NET)]],
  ['smtplib', [d('*', 'high', NET)]],
  ['poplib', [d('*', 'high', NET)]],
  ['telnetlib', [d('*', 'high', NET)]],
  ['nntplib', [d('*', 'high', NET)]],
  ['xmlrpc', [d('*', 'high', NET)]],
  ['requests', [d('*', 'high', NET)]],
  ['httpx', [d('*', 'high', NET)]],
  ['aiohttp', [d('*', 'high', NET)]],
  ['urllib3', [d('*', 'high', NET)]],
  ['webbrowser', [d('*', 'high', 'opens URLs in a browser')]],
]);

// Data constructors that real model files use. Anything here imports only code that rebuilds data.
const SAFE: ReadonlyMap<string, ReadonlySet<string> | '*'> = new Map<string, ReadonlySet<string> | '*'>([
  ['collections', new Set(['OrderedDict', 'defaultdict', 'deque', 'Counter'])],
  [
    'builtins',
    new Set([
      'set',
      'frozenset',
      'bytearray',
      'bytes',
      'complex',
      'slice',
      'range',
      'object',
      'list',
      'dict',
      'tuple',
      'int',
      'float',
      'bool',
      'str',
    ]),
  ],
  ['copyreg', new Set(['_reconstructor', '__newobj__', '__newobj_ex__'])],
  ['_codecs', new Set(['encode'])],
  [
    'torch',
    new Set([
      'Size',
      'device',
      'dtype',
      'Tensor',
      'float32',
      'float64',
      'float16',
      'bfloat16',
      'int64',
      'int32',
      'int16',
      'int8',
      'uint8',
      'bool',
      'complex64',
      'complex128',
      'float',
      'double',
      'half',
      'long',
      'int',
      'short',
      'uint16',
      'uint32',
      'uint64',
      'float8_e4m3fn',
      'float8_e5m2',
      'qint8',
      'quint8',
      'qint32',
      'quint4x2',
      'quint2x4',
      'per_tensor_affine',
      'per_channel_affine',
      'strided',
      'sparse_coo',
      'contiguous_format',
      'channels_last',
      'preserve_format',
      'LongStorage',
      'FloatStorage',
      'HalfStorage',
      'QUInt2x4Storage',
      'QUInt4x2Storage',
      'QInt32Storage',
      'QInt8Storage',
      'QUInt8Storage',
      'ComplexFloatStorage',
      'ComplexDoubleStorage',
      'DoubleStorage',
      'BFloat16Storage',
      'BoolStorage',
      'CharStorage',
      'ShortStorage',
      'IntStorage',
      'ByteStorage',
      'UntypedStorage',
      'TypedStorage',
    ]),
  ],
  [
    'torch._utils',
    new Set([
      '_rebuild_tensor',
      '_rebuild_tensor_v2',
      '_rebuild_tensor_v3',
      '_rebuild_parameter',
      '_rebuild_parameter_with_state',
      '_rebuild_qtensor',
      '_rebuild_sparse_tensor',
      '_rebuild_nested_tensor',
      '_rebuild_meta_tensor_no_storage',
      '_rebuild_wrapper_subclass',
      '_rebuild_device_tensor_from_numpy',
    ]),
  ],
  ['torch.storage', new Set(['_load_from_bytes', 'UntypedStorage', 'TypedStorage'])],
  ['torch.nn.parameter', new Set(['Parameter'])],
  ['numpy', new Set(['dtype', 'ndarray', 'float32', 'float64', 'int64', 'int32', 'bool_'])],
  ['numpy.core.multiarray', new Set(['_reconstruct', 'scalar'])],
  ['numpy._core.multiarray', new Set(['_reconstruct', 'scalar'])],
  ['numpy.dtypes', '*'],
  ['joblib.numpy_pickle', new Set(['NumpyArrayWrapper', 'NDArrayWrapper'])],
  ['datetime', new Set(['datetime', 'date', 'time', 'timedelta', 'timezone'])],
  ['decimal', new Set(['Decimal'])],
  ['fractions', new Set(['Fraction'])],
  ['uuid', new Set(['UUID'])],
]);

// What Python 3's unpickler maps Python 2 names to (fix_imports, protocols 0–2).
const PY2_MODULES: ReadonlyMap<string, string> = new Map([
  ['__builtin__', 'builtins'],
  ['copy_reg', 'copyreg'],
  ['Queue', 'queue'],
  ['SocketServer', 'socketserver'],
  ['ConfigParser', 'configparser'],
  ['repr', 'reprlib'],
  ['httplib', 'http.client'],
  ['cookielib', 'http.cookiejar'],
  ['BaseHTTPServer', 'http.server'],
  ['SimpleHTTPServer', 'http.server'],
  ['CGIHTTPServer', 'http.server'],
  ['urlparse', 'urllib.parse'],
  ['urllib2', 'urllib.request'],
  ['cPickle', 'pickle'],
  ['cStringIO', 'io'],
  ['StringIO', 'io'],
  ['UserDict', 'collections'],
  ['UserList', 'collections'],
  ['UserString', 'collections'],
  ['commands', 'subprocess'],
  ['thread', '_thread'],
  ['dummy_thread', '_dummy_thread'],
  ['xmlrpclib', 'xmlrpc.client'],
  ['exceptions', 'builtins'],
  ['_socket', '_socket'],
]);
const PY2_NAMES: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['__builtin__.xrange', ['builtins', 'range']],
  ['__builtin__.reduce', ['functools', 'reduce']],
  ['__builtin__.intern', ['sys', 'intern']],
  ['__builtin__.unichr', ['builtins', 'chr']],
  ['__builtin__.unicode', ['builtins', 'str']],
  ['__builtin__.long', ['builtins', 'int']],
  ['__builtin__.basestring', ['builtins', 'str']],
  ['itertools.izip', ['builtins', 'zip']],
  ['itertools.imap', ['builtins', 'map']],
  ['itertools.ifilter', ['builtins', 'filter']],
  ['urllib.urlopen', ['urllib.request', 'urlopen']],
  ['urllib.urlretrieve', ['urllib.request', 'urlretrieve']],
  ['UserDict.IterableUserDict', ['collections', 'UserDict']],
]);

/**
 * The module and name Python 3's unpickler actually imports for a pickle
 * `GLOBAL`: Python 2 names (`__builtin__`, `commands`, `copy_reg`, …) are
 * mapped the way `pickle`'s `fix_imports` maps them for protocols 0 to 2.
 *
 * @example
 * ```ts
 * python3ImportOf('commands', 'getoutput'); // ['subprocess', 'getoutput']
 * ```
 */
export function python3ImportOf(module: string, name: string): readonly [string, string] {
  const exact = PY2_NAMES.get(`${module}.${name}`);
  if (exact) return exact;
  return [PY2_MODULES.get(module) ?? module, name];
}

function entryFor(module: string, name: string): Entry | undefined {
  const first = name.split('.')[0] ?? name;
  const own = DANGEROUS.get(module);
  if (own) {
    const hit = own.find(
      (e) =>
        (e.names === '*' && !e.except?.includes(name)) ||
        (e.names !== '*' && (e.names.includes(name) || e.names.includes(first))),
    );
    if (hit) return hit;
    return undefined;
  }
  // A `*` on a parent module covers its submodules (`os.path`, `distutils.spawn`, `torch.hub.x`).
  const parts = module.split('.');
  for (let i = parts.length - 1; i >= 1; i--) {
    const parent = DANGEROUS.get(parts.slice(0, i).join('.'));
    const star = parent?.find((e) => e.names === '*');
    if (star) return star;
  }
  return undefined;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Rates one import a pickle makes (`GLOBAL`, `INST`, `STACK_GLOBAL`, or a
 * dotted name reached through a `getattr` chain) against Vigil's dangerous
 * and safe tables (a superset of modelscan's `unsafe_globals` and
 * picklescan's `_unsafe_globals`/`_safe_globals`; see
 * `docs/scanners/model-files.md`). Python 2 names are mapped first.
 *
 * @example
 * ```ts
 * ratePickleImport('torch._utils', '_rebuild_tensor_v2').verdict; // 'safe'
 * ratePickleImport('__builtin__', 'eval').severity; // 'critical'
 * ratePickleImport('sklearn.linear_model', 'LogisticRegression').verdict; // 'unknown'
 * ```
 */
export function ratePickleImport(module: string, name: string): PickleImportRating {
  const [m, n] = python3ImportOf(module, name);
  const hit = entryFor(m, n);
  if (hit) return { verdict: 'dangerous', severity: hit.severity, reason: hit.reason, module: m, name: n };
  if (!IDENT.test(m) || !IDENT.test(n))
    return {
      verdict: 'dangerous',
      severity: 'high',
      reason: 'the module or name is not a Python identifier (an evasion attempt or a computed import)',
      module: m,
      name: n,
    };
  const safe = SAFE.get(m);
  if (safe === '*' || safe?.has(n))
    return { verdict: 'safe', reason: 'a known data constructor', module: m, name: n };
  return {
    verdict: 'unknown',
    severity: 'low',
    reason: 'imports a module that is neither known safe nor known dangerous; its code runs on load',
    module: m,
    name: n,
  };
}

/**
 * Rates a dotted target such as `os.system` (reached through a `getattr`
 * chain) by trying every split into module and attribute path.
 *
 * @example
 * ```ts
 * rateDottedTarget('os.path.join').verdict; // 'dangerous'
 * ```
 */
export function rateDottedTarget(dotted: string): PickleImportRating {
  const parts = dotted.split('.');
  let best: PickleImportRating | undefined;
  for (let i = parts.length - 1; i >= 1; i--) {
    const r = ratePickleImport(parts.slice(0, i).join('.'), parts.slice(i).join('.'));
    if (r.verdict === 'dangerous') return r;
    if (r.verdict === 'safe') best ??= r;
  }
  return best ?? ratePickleImport(parts.slice(0, -1).join('.') || dotted, parts.at(-1) ?? dotted);
}
