import { VigilError } from '../../errors/vigil-error.js';
import { readLines } from '../../readers/line-reader.js';
import type { DeclaredPackage } from './declared-component.js';
import type { DeclaredReadOptions } from './npm.js';

const REQUIREMENT =
  /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(\(?\s*(?:===|==|~=|!=|<=|>=|<|>)\s*[^;#]*?\)?)?\s*(?:@\s*(\S+))?\s*(?:;[^#]*)?$/;

/**
 * Reads a pip `requirements.txt` line by line, in constant memory. Options
 * (`-r`, `-c`, `--index-url`, `-e`), URLs and local paths are skipped
 * (`#egg=` names are read); anything else that is not a requirement is an
 * error naming the line.
 */
export async function* readRequirementsTxt(
  path: string,
  options: DeclaredReadOptions = {},
): AsyncGenerator<DeclaredPackage> {
  let pending = '';
  let pendingLine = 0;
  for await (const { text, line } of readLines(path, options.maxLineBytes, options.signal)) {
    let t = text;
    if (pending === '') pendingLine = line;
    if (t.endsWith('\\')) {
      pending += `${t.slice(0, -1)} `;
      continue;
    }
    t = (pending + t).replace(/(^|\s)#.*$/, '').trim();
    pending = '';
    if (t === '') continue;
    const egg = /#egg=([A-Za-z0-9._-]+)/.exec(t);
    if (
      t.startsWith('-') ||
      /^[a-z+]+:\/\//i.test(t) ||
      t.startsWith('.') ||
      t.startsWith('/') ||
      t.startsWith('file:')
    ) {
      if (egg)
        yield pythonPackage(path, 'requirements.txt', egg[1]!, undefined, pendingLine, undefined, true);
      continue;
    }
    const m = REQUIREMENT.exec(t);
    if (!m) {
      throw new VigilError(
        'PARSE',
        `expected a requirement like "name==1.0" or "name>=1,<2", found "${t.slice(0, 80)}"`,
        {
          location: { file: path, line: pendingLine },
        },
      );
    }
    const spec = m[3]?.trim();
    const pinned = spec ? /^\(?\s*===?\s*([^,\s)]+)\s*\)?$/.exec(spec)?.[1] : undefined;
    yield pythonPackage(path, 'requirements.txt', m[1]!, pinned, pendingLine, spec ?? m[4], true);
  }
}

function pythonPackage(
  file: string,
  input: 'requirements.txt' | 'poetry.lock' | 'uv.lock',
  name: string,
  version: string | undefined,
  line: number,
  specifier: string | undefined,
  direct: boolean | undefined,
): DeclaredPackage {
  return {
    kind: 'package',
    ecosystem: 'pypi',
    name,
    ...(version ? { version } : {}),
    declaration: {
      file,
      input,
      line,
      ...(specifier ? { specifier } : version ? { specifier: version } : {}),
      ...(direct !== undefined ? { direct } : {}),
    },
  };
}

/** A TOML basic or literal string value on one line. */
function tomlString(raw: string, file: string, line: number, key: string): string {
  const v = raw.trim();
  const m = /^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/.exec(v) ?? /^'([^']*)'\s*(?:#.*)?$/.exec(v);
  if (!m) {
    throw new VigilError(
      'PARSE',
      `expected a quoted string for ${key}, found ${v.slice(0, 60) || 'nothing'}`,
      {
        location: { file, line },
      },
    );
  }
  return m[1]!;
}

async function* readTomlPackages(
  path: string,
  input: 'poetry.lock' | 'uv.lock',
  options: DeclaredReadOptions,
): AsyncGenerator<DeclaredPackage> {
  let block: { line: number; name?: string; version?: string; root?: boolean } | undefined;
  let inPackageTable = false;
  let blocks = 0;
  const flush = function* (): Generator<DeclaredPackage> {
    if (!block) return;
    if (!block.name) {
      throw new VigilError('PARSE', 'a [[package]] entry has no name', {
        location: { file: path, line: block.line },
      });
    }
    if (!block.root)
      yield pythonPackage(path, input, block.name, block.version, block.line, block.version, undefined);
    block = undefined;
  };
  for await (const { text, line } of readLines(path, options.maxLineBytes, options.signal)) {
    const t = text.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (t.startsWith('[')) {
      if (!/^\[\[?[A-Za-z0-9_."-]+(\.[A-Za-z0-9_"-]+)*\]\]?$/.test(t)) {
        throw new VigilError('PARSE', `expected a table header like [[package]], found "${t.slice(0, 60)}"`, {
          location: { file: path, line },
        });
      }
      if (t === '[[package]]') {
        yield* flush();
        block = { line };
        blocks++;
        inPackageTable = true;
      } else inPackageTable = false;
      continue;
    }
    if (!inPackageTable || !block) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) {
      // Continuation lines of multi-line arrays or inline tables.
      if (/^[\]}"'{,]/.test(t) || /^[A-Za-z0-9_-]+\s*[,\]}]/.test(t)) continue;
      throw new VigilError('PARSE', `expected "key = value", found "${t.slice(0, 60)}"`, {
        location: { file: path, line },
      });
    }
    const key = t.slice(0, eq).trim();
    const value = t.slice(eq + 1);
    if (key === 'name') block.name = tomlString(value, path, line, 'name');
    else if (key === 'version') block.version = tomlString(value, path, line, 'version');
    else if (key === 'source' && /\b(editable|virtual)\s*=\s*"\."/.test(value)) block.root = true;
  }
  yield* flush();
  if (blocks === 0) {
    throw new VigilError('INPUT_INVALID', `not a ${input}: no [[package]] entries`, {
      location: { file: path },
    });
  }
}

/** Reads every package a `poetry.lock` pins, line by line, in constant memory. */
export function readPoetryLock(
  path: string,
  options: DeclaredReadOptions = {},
): AsyncGenerator<DeclaredPackage> {
  return readTomlPackages(path, 'poetry.lock', options);
}

/** Reads every package a `uv.lock` pins (not the project itself), line by line, in constant memory. */
export function readUvLock(path: string, options: DeclaredReadOptions = {}): AsyncGenerator<DeclaredPackage> {
  return readTomlPackages(path, 'uv.lock', options);
}

/**
 * Reads the direct dependencies a `pyproject.toml` declares, line by line:
 * PEP 621 `[project] dependencies` and `[project.optional-dependencies]`,
 * PEP 735 `[dependency-groups]`, and Poetry's `[tool.poetry.dependencies]`
 * and `[tool.poetry.group.*.dependencies]` tables.
 */
export async function* readPyprojectToml(
  path: string,
  options: DeclaredReadOptions = {},
): AsyncGenerator<DeclaredPackage> {
  let table = '';
  let inArray: { key: string; line: number } | undefined;
  const emit = (spec: string, line: number, where: string): DeclaredPackage => {
    const m = REQUIREMENT.exec(spec.trim());
    if (!m) {
      throw new VigilError(
        'PARSE',
        `expected a requirement like "name>=1.0" in ${where}, found "${spec.slice(0, 80)}"`,
        {
          location: { file: path, line },
        },
      );
    }
    const pinned = m[3] ? /^\(?\s*===?\s*([^,\s)]+)\s*\)?$/.exec(m[3].trim())?.[1] : undefined;
    return {
      kind: 'package',
      ecosystem: 'pypi',
      name: m[1]!,
      ...(pinned ? { version: pinned } : {}),
      declaration: {
        file: path,
        input: 'pyproject.toml',
        line,
        path: where,
        specifier: spec.trim(),
        direct: true,
      },
    };
  };
  const isPep508Table = () =>
    table === 'project' || table === 'project.optional-dependencies' || table === 'dependency-groups';
  // A value of another key that spans lines: an array or inline table (bracket depth), or a multi-line string.
  let other: { depth: number } | { closer: string } | undefined;
  let statements = 0;
  for await (const { text, line } of readLines(path, options.maxLineBytes, options.signal)) {
    if (text.includes('\u0000') || text.includes('\ufffd'))
      throw new VigilError('PARSE', 'not a text file (NUL or invalid UTF-8 bytes); expected TOML', {
        location: { file: path, line },
      });
    const t = text.trim();
    if (other) {
      if ('closer' in other) {
        if (t.includes(other.closer)) other = undefined;
      } else {
        other.depth += bracketBalance(t);
        if (other.depth <= 0) other = undefined;
      }
      continue;
    }
    if (inArray) {
      if (t === '' || t.startsWith('#')) continue;
      if (t.startsWith(']')) {
        inArray = undefined;
        continue;
      }
      if (t.startsWith('{')) continue; // PEP 735 include-group tables
      const strings = [...t.matchAll(/(["'])(.*?)\1/g)];
      const rest = t
        .replace(/(["'])(.*?)\1/g, '')
        .replace(/#.*$/, '')
        .trim();
      if (strings.length === 0 || !/^[,\s]*\]?[,\s]*$/.test(rest)) {
        throw new VigilError(
          'PARSE',
          `expected quoted requirements in ${inArray.key}, found "${t.slice(0, 60)}"`,
          {
            location: { file: path, line },
          },
        );
      }
      for (const m of strings) yield emit(m[2]!, line, inArray.key);
      if (rest.includes(']')) inArray = undefined;
      continue;
    }
    if (t === '' || t.startsWith('#')) continue;
    statements++;
    const arrayHeader = new RegExp(`^\\[\\[\\s*${TOML_KEY}\\s*\\]\\]\\s*(#.*)?$`).exec(t);
    if (arrayHeader) {
      table = '';
      continue;
    }
    const header = new RegExp(`^\\[\\s*(${TOML_KEY})\\s*\\]\\s*(#.*)?$`).exec(t);
    if (header) {
      table = header[1]!.trim().replace(/\s+/g, '');
      continue;
    }
    const eq = t.indexOf('=');
    const rawKey = eq > 0 ? t.slice(0, eq).trim() : '';
    if (eq <= 0 || !new RegExp(`^${TOML_KEY}$`).test(rawKey))
      throw new VigilError('PARSE', `expected a [table] header or "key = value", found "${t.slice(0, 60)}"`, {
        location: { file: path, line },
      });
    const key = rawKey.replace(/^["']|["']$/g, '');
    const value = t.slice(eq + 1).trim();
    if (value === '')
      throw new VigilError('PARSE', `expected a value after "${rawKey} ="`, {
        location: { file: path, line },
      });
    const pep508 =
      (table === 'project' && key === 'dependencies') || (isPep508Table() && table !== 'project');
    if (pep508 && value.startsWith('[')) {
      const where = table === 'project' ? 'project.dependencies' : `${table}.${key}`;
      const inline = value.slice(1);
      const close = inline.lastIndexOf(']');
      const body = close >= 0 ? inline.slice(0, close) : inline;
      for (const m of body.matchAll(/(["'])(.*?)\1/g)) yield emit(m[2]!, line, where);
      if (close < 0) inArray = { key: where, line };
      continue;
    }
    for (const q of ['"""', "'''"])
      if (value.startsWith(q) && !value.slice(3).includes(q)) other = { closer: q };
    if (!other && (value.startsWith('[') || value.startsWith('{'))) {
      const depth = bracketBalance(value);
      if (depth > 0) other = { depth };
    }
    if (/^tool\.poetry(\.group\.[^.]+)?\.(dev-)?dependencies$/.test(table)) {
      if (key.toLowerCase() === 'python') continue;
      const spec = /^["']([^"']*)["']/.exec(value)?.[1] ?? /version\s*=\s*["']([^"']*)["']/.exec(value)?.[1];
      const pinned =
        spec && /^==?\s*\d/.test(spec)
          ? spec.replace(/^==?\s*/, '')
          : spec && /^\d[\w.]*$/.test(spec)
            ? spec
            : undefined;
      yield {
        kind: 'package',
        ecosystem: 'pypi',
        name: key,
        ...(pinned ? { version: pinned } : {}),
        declaration: {
          file: path,
          input: 'pyproject.toml',
          line,
          path: `${table}.${key}`,
          ...(spec ? { specifier: spec } : {}),
          direct: true,
        },
      };
    }
  }
  if (inArray) {
    throw new VigilError('PARSE', `the ${inArray.key} array is not closed`, {
      location: { file: path, line: inArray.line },
    });
  }
  if (statements === 0)
    throw new VigilError(
      'INPUT_INVALID',
      'empty pyproject.toml (expected [project] or [tool.poetry] tables)',
      {
        location: { file: path },
      },
    );
}

// A TOML key: bare, quoted, or dotted.
const TOML_KEY = String.raw`(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*`;

// Opening minus closing brackets and braces outside strings and comments.
function bracketBalance(s: string): number {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') break;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return depth;
}
