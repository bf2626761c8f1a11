import { isMap, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import { VigilError } from '../../errors/vigil-error.js';
import { type InputLimits, inputLimits } from '../../limits/input-limits.js';
import { guardYaml } from '../../limits/internal/yaml-guard.js';

/**
 * Limits applied to every declared-permissions input; defaults from
 * `INPUT_LIMITS.declared` (32 MiB, 64 levels, 500 000 values, 10 000
 * documents, 100 alias expansions per document).
 */
export type DocumentLimits = Pick<
  InputLimits,
  'maxBytes' | 'maxDocuments' | 'maxAliasCount' | 'maxDepth' | 'maxNodes'
>;

/** One object read from a file: a YAML document, or one item of a `List`. */
export interface LoadedObject {
  readonly value: unknown;
  readonly file: string;
  readonly documentIndex: number;
  /** Path of this object inside its document (`[]`, or `['items', 3]` for a `List` item). */
  readonly basePath: readonly (string | number)[];
  /** 1-based line of a path relative to this object, when it can be found. */
  line(path: readonly (string | number)[]): number | undefined;
}

function depthOf(value: unknown, limit: number): number {
  // Iterative so a hostile document cannot overflow the stack.
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > limit) return max;
    if (Array.isArray(v)) for (const x of v) stack.push([x, d + 1]);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return max;
}

/**
 * Parses a (multi-document) YAML or JSON text into objects, flattening
 * Kubernetes `List` objects (`kind: List` / `*List` with `items`), with
 * limits against YAML bombs and huge or deeply nested input. Errors name the
 * file, the document index and line.
 */
export function loadDocuments(text: string, file: string, limits: DocumentLimits = {}): LoadedObject[] {
  const resolved = inputLimits('declared', limits);
  const { maxBytes, maxDocuments, maxAliasCount, maxDepth } = resolved;
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes)
    throw new VigilError('INPUT_INVALID', `input is ${bytes} bytes, over the ${maxBytes}-byte limit`, {
      location: { file },
    });
  // Depth, values and documents are counted on the lexer's tokens before any tree is built.
  guardYaml(text, file, resolved);
  const lineCounter = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  } catch (cause) {
    throw new VigilError('PARSE', `cannot parse YAML: ${(cause as Error).message}`, {
      cause,
      location: { file },
    });
  }
  if (!Array.isArray(docs)) return [];
  if (docs.length > maxDocuments)
    throw new VigilError(
      'INPUT_INVALID',
      `${docs.length} YAML documents, over the limit of ${maxDocuments}`,
      { location: { file } },
    );
  const out: LoadedObject[] = [];
  docs.forEach((doc, documentIndex) => {
    const err = doc.errors[0];
    if (err) {
      const pos = lineCounter.linePos(err.pos[0]);
      throw new VigilError('PARSE', `YAML document ${documentIndex + 1}: ${err.message.split('\n')[0]}`, {
        location: { file, line: pos.line, column: pos.col },
      });
    }
    if (doc.contents === null) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (cause) {
      throw new VigilError(
        'INPUT_INVALID',
        `YAML document ${documentIndex + 1}: ${(cause as Error).message} (alias expansion is limited to ${maxAliasCount} to stop YAML bombs)`,
        { cause, location: { file } },
      );
    }
    if (value === null || value === undefined) return;
    if (depthOf(value, maxDepth) > maxDepth)
      throw new VigilError(
        'INPUT_INVALID',
        `YAML document ${documentIndex + 1} nests deeper than ${maxDepth} levels`,
        { location: { file } },
      );
    const lineOf = (path: readonly (string | number)[]): number | undefined => {
      let node: unknown = doc.contents;
      for (const seg of path) {
        if (isMap(node)) node = node.get(seg, true);
        else if (isSeq(node) && typeof seg === 'number') node = node.get(seg, true);
        else return undefined;
        if (node === undefined) return undefined;
      }
      const range = (node as Node | undefined)?.range;
      return range ? lineCounter.linePos(range[0]).line : undefined;
    };
    const isList =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      typeof (value as { kind?: unknown }).kind === 'string' &&
      /List$/.test((value as { kind: string }).kind) &&
      'items' in value;
    if (isList && !Array.isArray((value as { items?: unknown }).items)) {
      const at = lineOf(['items']);
      throw new VigilError(
        'SCHEMA_INVALID',
        `YAML document ${documentIndex}: ${(value as { kind: string }).kind}.items must be an array of objects, found ${describeValue((value as { items: unknown }).items)}`,
        { location: { file, path: ['items'], ...(at !== undefined ? { line: at } : {}) } },
      );
    }
    if (isList) {
      (value as { items: unknown[] }).items.forEach((item, i) => {
        const base = ['items', i] as const;
        out.push({
          value: item,
          file,
          documentIndex,
          basePath: base,
          line: (p) => lineOf([...base, ...p]),
        });
      });
    } else {
      out.push({ value, file, documentIndex, basePath: [], line: lineOf });
    }
  });
  return out;
}

/** The location of a path inside a loaded object, for errors and grant sources. */
export function locate(obj: LoadedObject, path: readonly (string | number)[]) {
  const line = obj.line(path);
  return {
    file: obj.file,
    documentIndex: obj.documentIndex,
    path: [...obj.basePath, ...path],
    ...(line !== undefined ? { line } : {}),
  };
}

/** A {@link VigilError} naming file, document, line and path. */
export function documentError(
  obj: LoadedObject,
  path: readonly (string | number)[],
  message: string,
  code: 'INPUT_INVALID' | 'SCHEMA_INVALID' = 'SCHEMA_INVALID',
): VigilError {
  const loc = locate(obj, path);
  return new VigilError(code, `document ${obj.documentIndex + 1}: ${message}`, {
    location: {
      file: loc.file,
      path: loc.path,
      ...(loc.line !== undefined ? { line: loc.line } : {}),
    },
    issues: [{ path: loc.path, message }],
  });
}

/** A short description of a JSON value's type for "found …" in messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v} (${String(v)})`;
}
