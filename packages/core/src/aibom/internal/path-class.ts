import type { SignatureCatalogue, SignatureMatch } from '../../catalogue/catalogue.js';
import {
  npmPackageFromPath,
  pythonPackageFromPath,
  type RuntimePackage,
} from '../../catalogue/package-paths.js';
import { basename, isCredentialPath } from '../../vocabulary/public.js';
import { componentIdForPackage } from './identity.js';

/** What a file path is to the AI-BOM. */
export type PathClass =
  | { kind: 'package'; ref: RuntimePackage; match: SignatureMatch; id: string }
  | { kind: 'model'; match: SignatureMatch; ext: string; confidence: number }
  | { kind: 'credential' }
  | { kind: 'data'; dir: string }
  | { kind: 'ignore' };

// Model-file extensions that are also common for other things; weaker, and ignored inside library trees.
const AMBIGUOUS_MODEL_EXT = new Set(['.bin', '.pkl', '.pt', '.h5', '.ckpt']);
const SYSTEM_PREFIXES = ['/proc/', '/sys/', '/dev/', '/usr/', '/lib/', '/lib64/', '/bin/', '/sbin/', '/etc/'];
const LIBRARY_MARKERS = [
  '/node_modules/',
  '/site-packages/',
  '/dist-packages/',
  '/.cache/',
  '/.npm/',
  '/.git/',
];
// Dotenv files hold secrets for the AI-BOM's data classes, but loading one is routine, not a credential read.
const DOTENV = /\/\.env(\.[^/]+)?$/;
const MAX_MEMO = 20_000;

/**
 * Says what a path is, independent of who opened it: a recognised package's
 * file, a model file, a credential, data, or nothing of interest. Paths
 * repeat (every process loads the same library files), so the answer is
 * memoised, with a bound.
 */
export class PathClassifier {
  readonly #catalogue: SignatureCatalogue;
  readonly #memo = new Map<string, PathClass>();

  constructor(catalogue: SignatureCatalogue) {
    this.#catalogue = catalogue;
  }

  classify(path: string): PathClass {
    const hit = this.#memo.get(path);
    if (hit) return hit;
    const c = this.#classify(path);
    if (this.#memo.size >= MAX_MEMO) this.#memo.clear();
    this.#memo.set(path, c);
    return c;
  }

  #classify(path: string): PathClass {
    const ref = path.includes('/node_modules/')
      ? npmPackageFromPath(path)
      : /\/(site|dist)-packages\//.test(path)
        ? pythonPackageFromPath(path)
        : undefined;
    const pkg = ref ? this.#catalogue.matchPackage(ref.ecosystem, ref.name) : undefined;
    if (ref && pkg) return { kind: 'package', ref, match: pkg, id: componentIdForPackage(ref, pkg) };
    if (ref) return { kind: 'ignore' };
    const model = this.#catalogue.matchModelFile(path);
    const ext = path.slice(path.lastIndexOf('.')).toLowerCase();
    const ambiguous = AMBIGUOUS_MODEL_EXT.has(ext);
    if (
      model &&
      basename(path).lastIndexOf('.') > 0 &&
      !SYSTEM_PREFIXES.some((x) => path.startsWith(x)) &&
      !(ambiguous && LIBRARY_MARKERS.some((x) => path.includes(x)))
    ) {
      return {
        kind: 'model',
        match: model,
        ext,
        confidence: ambiguous ? model.confidence * 0.6 : model.confidence,
      };
    }
    if (isCredentialPath(path) || DOTENV.test(path)) return { kind: 'credential' };
    if (
      SYSTEM_PREFIXES.some((x) => path.startsWith(x)) ||
      LIBRARY_MARKERS.some((x) => path.includes(x)) ||
      /\.(?:js|mjs|cjs|ts|py|pyc|so|node|map)$/.test(path)
    ) {
      return { kind: 'ignore' };
    }
    return { kind: 'data', dir: path.slice(0, path.lastIndexOf('/') + 1) || '/' };
  }
}
