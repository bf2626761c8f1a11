import { VigilError } from '../errors/vigil-error.js';
import { type InputLimits, inputLimits } from '../limits/input-limits.js';
import { parseYamlOffThread } from './yaml-off-thread.js';
import { lineAt, type ParsedYamlDocument, parseDeclaredYaml } from './yaml-tasks.js';

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

/**
 * Parses a (multi-document) YAML or JSON text into objects, flattening
 * Kubernetes `List` objects (`kind: List` / `*List` with `items`), with
 * limits against YAML bombs and huge or deeply nested input. Errors name the
 * file, the document index and line. Runs in this thread: see
 * {@link loadDocumentsAbortable} for large inputs.
 */
export function loadDocuments(text: string, file: string, limits: DocumentLimits = {}): LoadedObject[] {
  const resolved = checkSize(text, file, limits);
  return toLoadedObjects(parseDeclaredYaml(text, file, resolved), file);
}

/**
 * {@link loadDocuments} that an abort stops at once: a large text is parsed
 * in a worker thread, terminated on abort (`ABORTED`, naming the file).
 */
export async function loadDocumentsAbortable(
  text: string,
  file: string,
  limits: DocumentLimits = {},
  signal?: AbortSignal,
): Promise<LoadedObject[]> {
  const resolved = checkSize(text, file, limits);
  const parsed = await parseYamlOffThread('declared', [text, file, resolved], {
    file,
    what: 'declared input',
    signal,
  });
  return toLoadedObjects(parsed, file);
}

function checkSize(text: string, file: string, limits: DocumentLimits) {
  const resolved = inputLimits('declared', limits);
  const bytes = Buffer.byteLength(text);
  if (bytes > resolved.maxBytes)
    throw new VigilError(
      'INPUT_INVALID',
      `input is ${bytes} bytes, over the ${resolved.maxBytes}-byte limit`,
      {
        location: { file },
      },
    );
  return resolved;
}

function toLoadedObjects(parsed: readonly ParsedYamlDocument[], file: string): LoadedObject[] {
  const out: LoadedObject[] = [];
  for (const { documentIndex, value, lines } of parsed) {
    const lineOf = (path: readonly (string | number)[]): number | undefined => lineAt(lines, path);
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
        `YAML document ${documentIndex}: ${(value as unknown as { kind: string }).kind}.items must be an array of objects, found ${describeValue((value as { items: unknown }).items)}`,
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
  }
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
