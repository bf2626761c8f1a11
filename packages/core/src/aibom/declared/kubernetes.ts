import { VigilError } from '../../errors/vigil-error.js';
import { inputLimits } from '../../limits/input-limits.js';
import { readLines } from '../../readers/line-reader.js';
import { parseYamlOffThread } from '../../readers/yaml-off-thread.js';
import type { DeclaredImage } from './declared-component.js';
import type { DeclaredReadOptions } from './npm.js';

/** Largest single YAML document accepted (a manifest file may hold many). Default 16 MiB. */
const MAX_DOCUMENT_BYTES = 16 << 20;
const CONTAINER_KEYS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

interface Found {
  image: string;
  path: (string | number)[];
  container?: string;
}

// Every `containers[*].image` in a document, wherever the workload kind nests its pod template.
function findImages(node: unknown, path: (string | number)[], out: Found[], depth: number): void {
  if (depth > 64 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((v, i) => {
      findImages(v, [...path, i], out, depth + 1);
    });
    return;
  }
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (CONTAINER_KEYS.has(k) && Array.isArray(v)) {
      v.forEach((c, i) => {
        if (c && typeof c === 'object' && typeof (c as Record<string, unknown>)['image'] === 'string') {
          const name = (c as Record<string, unknown>)['name'];
          out.push({
            image: (c as Record<string, unknown>)['image'] as string,
            path: [...path, k, i, 'image'],
            ...(typeof name === 'string' ? { container: name } : {}),
          });
        }
      });
    } else findImages(v, [...path, k], out, depth + 1);
  }
}

function pathString(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * Reads the container images Kubernetes manifests declare (Pods, Deployments,
 * StatefulSets, DaemonSets, Jobs, CronJobs, Lists…), one YAML document at a
 * time so a file of many documents is read in bounded memory. Syntax errors
 * name the file and line; a document without `kind` is an error.
 */
export async function* readKubernetesManifests(
  path: string,
  options: DeclaredReadOptions = {},
): AsyncGenerator<DeclaredImage> {
  let lines: string[] = [];
  let bytes = 0;
  let startLine = 1;
  let index = 0;
  const limits = inputLimits('declared');
  const parse = async (): Promise<DeclaredImage[]> => {
    const text = lines.join('\n');
    const first = startLine;
    lines = [];
    bytes = 0;
    if (text.trim() === '' || /^\s*(#.*)?$/.test(text.replace(/\n/g, ' ').trim())) return [];
    const docIndex = index++;
    // A large document is parsed in a worker thread, so the signal stops the parse too.
    const value = await parseYamlOffThread('manifest', [text, path, limits, first, docIndex], {
      file: path,
      what: 'Kubernetes manifest',
      signal: options.signal,
    });
    if (value === null || value === undefined) return [];
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new VigilError(
        'INPUT_INVALID',
        `document ${docIndex + 1} is not a Kubernetes object (expected a mapping with "kind")`,
        {
          location: { file: path, line: first },
        },
      );
    }
    const obj = value as Record<string, unknown>;
    if (typeof obj['kind'] !== 'string' || typeof obj['apiVersion'] !== 'string') {
      throw new VigilError(
        'INPUT_INVALID',
        `document ${docIndex + 1} has no "kind" and "apiVersion": not a Kubernetes manifest`,
        {
          location: { file: path, line: first },
        },
      );
    }
    const meta = (obj['metadata'] ?? {}) as Record<string, unknown>;
    const found: Found[] = [];
    findImages(obj, [], found, 0);
    return found.map((f) => {
      const lineNo = lineOfImage(text, f.image);
      return {
        kind: 'image',
        name: f.image,
        declaration: {
          file: path,
          input: 'kubernetes',
          line: first + (lineNo ?? 1) - 1,
          path: pathString(f.path),
          specifier: f.image,
          direct: true,
        },
        properties: {
          workloadKind: obj['kind'] as string,
          ...(typeof meta['name'] === 'string' ? { workloadName: meta['name'] } : {}),
          ...(typeof meta['namespace'] === 'string' ? { namespace: meta['namespace'] } : {}),
          ...(f.container ? { container: f.container } : {}),
        },
      } satisfies DeclaredImage;
    });
  };
  for await (const { text, line } of readLines(path, options.maxLineBytes, options.signal)) {
    if (/^---(\s|$)/.test(text)) {
      yield* await parse();
      startLine = line + 1;
      continue;
    }
    if (/^\.\.\.\s*$/.test(text)) continue;
    bytes += text.length + 1;
    if (bytes > MAX_DOCUMENT_BYTES) {
      throw new VigilError('INPUT_INVALID', `YAML document over ${MAX_DOCUMENT_BYTES} bytes`, {
        location: { file: path, line },
      });
    }
    lines.push(text);
  }
  yield* await parse();
}

function lineOfImage(text: string, image: string): number | undefined {
  const at = text.search(new RegExp(`image:\\s*['"]?${image.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  if (at < 0) return undefined;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
