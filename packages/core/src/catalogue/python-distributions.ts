import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { normalizePythonName } from './catalogue.js';

/**
 * Python import names that differ from the distribution that installs them,
 * to the distributions' names (PEP 503 normalised). A dotted key is a
 * namespace package's second level (`google.protobuf`); it wins over its
 * first level. Import names not listed are their own distribution's name.
 * An installed distribution's own `top_level.txt` or `RECORD`
 * ({@link installedPythonModules}) is consulted before this table.
 *
 * @example
 * ```ts
 * PYTHON_IMPORT_NAMES['yaml']; // ['pyyaml']
 * ```
 */
export const PYTHON_IMPORT_NAMES: Readonly<Record<string, readonly string[]>> = {
  _yaml: ['pyyaml'],
  yaml: ['pyyaml'],
  'ruamel.yaml': ['ruamel-yaml'],
  sklearn: ['scikit-learn'],
  skimage: ['scikit-image'],
  PIL: ['pillow'],
  cv2: ['opencv-python', 'opencv-python-headless', 'opencv-contrib-python', 'opencv-contrib-python-headless'],
  bs4: ['beautifulsoup4'],
  'google.protobuf': ['protobuf'],
  'google.generativeai': ['google-generativeai'],
  'google.genai': ['google-genai'],
  dateutil: ['python-dateutil'],
  dotenv: ['python-dotenv'],
  multipart: ['python-multipart'],
  jose: ['python-jose'],
  magic: ['python-magic'],
  docx: ['python-docx'],
  pptx: ['python-pptx'],
  slugify: ['python-slugify'],
  jwt: ['pyjwt'],
  OpenSSL: ['pyopenssl'],
  Crypto: ['pycryptodome', 'pycrypto'],
  nacl: ['pynacl'],
  serial: ['pyserial'],
  socks: ['pysocks'],
  zmq: ['pyzmq'],
  git: ['gitpython'],
  attr: ['attrs'],
  dns: ['dnspython'],
  fitz: ['pymupdf'],
  websocket: ['websocket-client'],
  grpc: ['grpcio'],
  absl: ['absl-py'],
  tree: ['dm-tree'],
  faiss: ['faiss-cpu', 'faiss-gpu'],
  llama_cpp: ['llama-cpp-python'],
  'llama_index.core': ['llama-index-core'],
  psycopg2: ['psycopg2', 'psycopg2-binary'],
  MySQLdb: ['mysqlclient'],
  pkg_resources: ['setuptools'],
  _cffi_backend: ['cffi'],
  mpl_toolkits: ['matplotlib'],
  gi: ['pygobject'],
};

/**
 * The import names each distribution installed in one `site-packages` (or
 * `dist-packages`) folder provides, from each `*.dist-info` or `*.egg-info`
 * folder's `top_level.txt`, else its `RECORD`'s top-level entries; keyed by
 * import name (a namespace package's two levels dotted, `google.protobuf`,
 * when the distribution installs only under it), valued by normalised
 * distribution names. Empty when the folder cannot be read.
 *
 * @example
 * ```ts
 * installedPythonModules('/usr/lib/python3/dist-packages').get('yaml'); // ['pyyaml']
 * ```
 */
export function installedPythonModules(sitePackages: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let entries: string[];
  try {
    entries = readdirSync(sitePackages);
  } catch {
    return out;
  }
  const add = (module: string, dist: string) => {
    const list = out.get(module) ?? [];
    if (!list.includes(dist)) list.push(dist);
    out.set(module, list);
  };
  for (const e of entries) {
    const m = /^(.+?)-\d[^/]*\.(?:dist|egg)-info$/.exec(e) ?? /^(.+?)\.(?:dist|egg)-info$/.exec(e);
    if (!m) continue;
    const dist = normalizePythonName(m[1]!);
    const dir = join(sitePackages, e);
    const text = (name: string): string | undefined => {
      try {
        const p = join(dir, name);
        // A metadata file is small; anything else is not one.
        return statSync(p).size <= 4 << 20 ? readFileSync(p, 'utf8') : undefined;
      } catch {
        return undefined;
      }
    };
    const top = text('top_level.txt');
    if (top !== undefined) {
      for (const line of top.split('\n')) {
        const mod = line.trim().replace(/\//g, '.');
        if (/^[A-Za-z_][\w.]*$/.test(mod)) add(mod, dist);
      }
      continue;
    }
    const record = text('RECORD');
    if (record === undefined) continue;
    const tops = new Set<string>();
    for (const line of record.split('\n')) {
      const path = line.split(',')[0]!.trim();
      if (path === '' || path.startsWith('..') || path.startsWith('/')) continue;
      const parts = path.split('/');
      const first = parts[0]!.replace(/\.(py|pyc|so|pyd)$/, '').replace(/\..*$/, '');
      if (/\.(dist|egg)-info$/.test(parts[0]!) || parts[0] === '__pycache__' || parts[0]!.endsWith('.pth'))
        continue;
      if (!/^[A-Za-z_]\w*$/.test(first)) continue;
      // A namespace package (no __init__.py of its own among this distribution's files) names its second level.
      const ns = parts.length > 2 && !record.includes(`${parts[0]}/__init__.py,`);
      tops.add(ns ? `${first}.${parts[1]!.replace(/\.py$/, '')}` : first);
    }
    for (const t of tops) add(t, dist);
  }
  return out;
}

/**
 * The distributions (normalised names) an import of `module` can come from:
 * the installed distributions' own metadata when given, else
 * {@link PYTHON_IMPORT_NAMES}, else the module's own name. `module` is the
 * top-level name or a namespace package's two levels (`google.protobuf`).
 *
 * @example
 * ```ts
 * pythonDistributionsOf('yaml'); // ['pyyaml']
 * pythonDistributionsOf('langchain_core'); // ['langchain-core']
 * ```
 */
export function pythonDistributionsOf(
  module: string,
  installed?: ReadonlyMap<string, readonly string[]>,
): string[] {
  const fromInstalled = installed?.get(module);
  if (fromInstalled && fromInstalled.length > 0) return [...fromInstalled];
  const known = PYTHON_IMPORT_NAMES[module];
  if (known) return [...known];
  return [normalizePythonName(module)];
}
