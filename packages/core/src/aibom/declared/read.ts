import { VigilError } from '../../errors/vigil-error.js';
import type { Declaration } from '../document.js';
import type { DeclaredComponent } from './declared-component.js';
import { readKubernetesManifests } from './kubernetes.js';
import { readMcpConfig } from './mcp-config.js';
import {
  type DeclaredReadOptions,
  readPackageJson,
  readPackageLock,
  readPnpmLock,
  readYarnLock,
} from './npm.js';
import { readPoetryLock, readPyprojectToml, readRequirementsTxt, readUvLock } from './python.js';

/** The kinds of declared input Vigil reads. */
export type DeclaredInputKind = Declaration['input'];

/** Options for {@link streamDeclaredInput}. */
export interface DeclaredInputOptions extends DeclaredReadOptions {
  /** The input kind; default: guessed from the file name by {@link detectDeclaredInput}. */
  readonly kind?: DeclaredInputKind;
}

/**
 * Guesses the kind of a declared input from its file name: `package.json`,
 * `package-lock.json`/`npm-shrinkwrap.json`, `pnpm-lock.yaml`, `yarn.lock`,
 * `requirements*.txt`, `poetry.lock`, `uv.lock`, `pyproject.toml`, other `*.json` as an MCP
 * client configuration, other `*.yaml`/`*.yml` as Kubernetes manifests.
 *
 * @example
 * ```ts
 * detectDeclaredInput('/home/me/.cursor/mcp.json'); // 'mcp-config'
 * detectDeclaredInput('deploy/agent.yaml'); // 'kubernetes'
 * ```
 */
export function detectDeclaredInput(path: string): DeclaredInputKind | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (base === 'package.json') return 'package.json';
  if (base === 'package-lock.json' || base === 'npm-shrinkwrap.json') return 'package-lock.json';
  if (base === 'pnpm-lock.yaml') return 'pnpm-lock.yaml';
  if (base === 'yarn.lock') return 'yarn.lock';
  if (base === 'poetry.lock') return 'poetry.lock';
  if (base === 'uv.lock') return 'uv.lock';
  if (base === 'pyproject.toml') return 'pyproject.toml';
  if (/requirements.*\.txt$|constraints.*\.txt$/.test(base)) return 'requirements.txt';
  if (base.endsWith('.json')) return 'mcp-config';
  if (base.endsWith('.yaml') || base.endsWith('.yml')) return 'kubernetes';
  return undefined;
}

/**
 * Streams what a declared input lists: packages from manifests and
 * lockfiles, MCP servers from client configurations, images from Kubernetes
 * manifests. Line-based formats stream in constant memory; JSON inputs are
 * bounded by `maxJsonBytes`. Malformed input raises a `VigilError` naming the
 * file and line (or document path) and what was expected.
 *
 * @example
 * ```ts
 * import { streamDeclaredInput } from '@vigil/core';
 *
 * for await (const c of streamDeclaredInput('pnpm-lock.yaml')) {
 *   if (c.kind === 'package') console.log(c.name, c.version);
 * }
 * ```
 */
export function streamDeclaredInput(
  path: string,
  options: DeclaredInputOptions = {},
): AsyncGenerator<DeclaredComponent> {
  const kind = options.kind ?? detectDeclaredInput(path);
  switch (kind) {
    case 'package.json':
      return readPackageJson(path, options);
    case 'package-lock.json':
      return readPackageLock(path, options);
    case 'pnpm-lock.yaml':
      return readPnpmLock(path, options);
    case 'yarn.lock':
      return readYarnLock(path, options);
    case 'requirements.txt':
      return readRequirementsTxt(path, options);
    case 'poetry.lock':
      return readPoetryLock(path, options);
    case 'uv.lock':
      return readUvLock(path, options);
    case 'pyproject.toml':
      return readPyprojectToml(path, options);
    case 'mcp-config':
      return readMcpConfig(path, options);
    case 'kubernetes':
      return readKubernetesManifests(path, options);
    default:
      throw new VigilError(
        'USAGE',
        `cannot tell what kind of manifest this is from its name (expected package.json, a lockfile, requirements.txt, an MCP client configuration .json or Kubernetes .yaml)`,
        { location: { file: path } },
      );
  }
}

/**
 * Reads a whole declared input into an array. Prefer
 * {@link streamDeclaredInput} for very large lockfiles.
 *
 * @example
 * ```ts
 * const servers = await readDeclaredInput('claude_desktop_config.json');
 * ```
 */
export async function readDeclaredInput(
  path: string,
  options: DeclaredInputOptions = {},
): Promise<DeclaredComponent[]> {
  const out: DeclaredComponent[] = [];
  for await (const c of streamDeclaredInput(path, options)) out.push(c);
  return out;
}
