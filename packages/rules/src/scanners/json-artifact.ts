import { readFile } from 'node:fs/promises';
import { parseJsonText, VigilError } from '@vigil/core';
import type { ScanLimits } from './scanner.js';

/**
 * The deepest nesting of a parsed JSON value, counted without recursion (so
 * hostile depth cannot overflow the stack), stopping once over `max`.
 */
export function jsonDepth(value: unknown, max: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > deepest) deepest = d;
    if (deepest > max) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

/**
 * Reads a JSON artifact within the scan limits: too large, invalid or too
 * deeply nested input is a `VigilError` naming the file and the place.
 */
export async function readJsonArtifact(
  path: string,
  size: number,
  limits: ScanLimits,
  what: string,
): Promise<{ value: unknown; text: string }> {
  const max = Math.min(limits.maxBytes, 64 << 20);
  if (size > max)
    throw new VigilError('INPUT_INVALID', `${what} is ${size} bytes, over the ${max}-byte limit for JSON`, {
      location: { file: path },
    });
  let text: string;
  try {
    text = (await readFile(path)).toString('utf8');
  } catch (cause) {
    throw new VigilError('IO', `cannot read ${what}: ${(cause as Error).message}`, {
      cause,
      location: { file: path },
    });
  }
  const value = parseJsonText(text, path, what);
  const depth = jsonDepth(value, limits.maxDepth);
  if (depth > limits.maxDepth)
    throw new VigilError('INPUT_INVALID', `${what} nests deeper than ${limits.maxDepth} levels`, {
      location: { file: path },
    });
  return { value, text };
}
