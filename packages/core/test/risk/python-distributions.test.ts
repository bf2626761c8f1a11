import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  installedPythonModules,
  loadedPackages,
  ObservedUseAccumulator,
  PYTHON_IMPORT_NAMES,
  pythonDistributionsOf,
  type VigilEvent,
} from '../../src/index.js';
import { fileOpen } from '../permissions/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-pydist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

function loaded(paths: string[], installed = true): string[] {
  const acc = new ObservedUseAccumulator();
  for (const p of paths) acc.add(fileOpen(p, 'read') as VigilEvent);
  return [...loadedPackages(acc.result(), { installed }).keys()].sort();
}

describe('import names to distributions', () => {
  const site = '/nonexistent/venv/lib/python3.11/site-packages';
  // Rows: the file an import reads, the distribution it is, the name it must not read as.
  const rows: [string, string, string | undefined][] = [
    ['yaml/__init__.py', 'pypi:pyyaml', 'pypi:yaml'],
    ['_yaml.cpython-311-x86_64-linux-gnu.so', 'pypi:pyyaml', 'pypi:-yaml'],
    ['sklearn/linear_model/_base.py', 'pypi:scikit-learn', 'pypi:sklearn'],
    ['PIL/Image.py', 'pypi:pillow', 'pypi:pil'],
    ['cv2/__init__.py', 'pypi:opencv-python', 'pypi:cv2'],
    ['bs4/__init__.py', 'pypi:beautifulsoup4', 'pypi:bs4'],
    ['google/protobuf/message.py', 'pypi:protobuf', 'pypi:google'],
    ['dateutil/parser/_parser.py', 'pypi:python-dateutil', 'pypi:dateutil'],
    ['llama_index/core/base.py', 'pypi:llama-index-core', 'pypi:llama-index'],
    ['langchain_core/runnables/base.py', 'pypi:langchain-core', undefined],
    ['six.py', 'pypi:six', undefined],
  ];
  it.each(rows)('%s is %s', (file, dist, not) => {
    const got = loaded([`${site}/${file}`]);
    expect(got).toContain(dist);
    if (not) expect(got).not.toContain(not);
  });

  it('metadata folders, caches and hidden files are no package', () => {
    expect(
      loaded([
        `${site}/PyYAML-6.0.dist-info/METADATA`,
        `${site}/__pycache__/six.cpython-311.pyc`,
        `${site}/.lock`,
        `${site}/README`,
      ]),
    ).toEqual([]);
  });

  it('the table is the one place, and unknown names are their own distribution', () => {
    expect(PYTHON_IMPORT_NAMES.yaml).toEqual(['pyyaml']);
    expect(pythonDistributionsOf('Torch_Vision')).toEqual(['torch-vision']);
  });
});

describe('installed distributions tell which import names they provide', () => {
  const site = join(dir, 'venv/lib/python3.12/site-packages');
  put('venv/lib/python3.12/site-packages/Acme_Dist-1.2.dist-info/top_level.txt', 'acmemod\n_acme_c\n');
  put(
    'venv/lib/python3.12/site-packages/other-0.1.dist-info/RECORD',
    'othermod/__init__.py,sha256=x,10\nothermod/core.py,sha256=y,5\nother-0.1.dist-info/RECORD,,\n../../../bin/other,sha256=z,1\n',
  );
  put(
    'venv/lib/python3.12/site-packages/nsdist-1.0.dist-info/RECORD',
    'nspkg/sub/__init__.py,sha256=x,10\nnsdist-1.0.dist-info/METADATA,,\n',
  );
  put('venv/lib/python3.12/site-packages/yaml_shadow-1.0.egg-info/top_level.txt', 'yaml\n');
  put('venv/lib/python3.12/site-packages/broken-1.0.dist-info/RECORD', '\u0000\u0001,,,\n/abs/path,,\n,,\n');

  it('reads top_level.txt, else RECORD, and names namespace packages by their second level', () => {
    const m = installedPythonModules(site);
    expect(m.get('acmemod')).toEqual(['acme-dist']);
    expect(m.get('_acme_c')).toEqual(['acme-dist']);
    expect(m.get('othermod')).toEqual(['other']);
    expect(m.get('nspkg.sub')).toEqual(['nsdist']);
    expect(m.get('yaml')).toEqual(['yaml-shadow']);
    expect(m.has('broken')).toBe(false);
  });

  it('a read under that folder is the distribution that installed it, before the table', () => {
    const reads = ['acmemod/__init__.py', 'othermod/core.py', 'nspkg/sub/x.py', 'yaml/__init__.py'].map(
      (f) => `${site}/${f}`,
    );
    expect(loaded(reads)).toEqual(['pypi:acme-dist', 'pypi:nsdist', 'pypi:other', 'pypi:yaml-shadow']);
    // Without the metadata: the table, else the import name.
    expect(loaded(reads, false)).toEqual(['pypi:acmemod', 'pypi:nspkg', 'pypi:othermod', 'pypi:pyyaml']);
  });

  it('a folder that cannot be read gives nothing, and no path makes loadedPackages throw', () => {
    expect(installedPythonModules(join(dir, 'missing')).size).toBe(0);
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { maxLength: 8 }), (tails) => {
        const paths = tails.map((t) => `${site}/${t}`);
        expect(() => loaded(paths)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});
