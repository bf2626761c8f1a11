import { scalarText } from '@vigil/core';
import { type PickleImportRating, ratePickleImport } from './pickle-imports.js';

/**
 * A finding in a Keras model configuration (`config.json` of a `.keras`
 * archive, or the `model_config` attribute of an `.h5` file).
 *
 * @example
 * ```ts
 * const p: KerasConfigProblem = { kind: 'lambda', pointer: '/config/layers/2', layer: 'lambda', message: 'Lambda layer …' };
 * ```
 */
export interface KerasConfigProblem {
  /** `lambda`: a Lambda layer (marshalled Python bytecode run on load); `module`: an object imported from outside Keras. */
  readonly kind: 'lambda' | 'module';
  /** JSON pointer to the object in the configuration. */
  readonly pointer: string;
  /** The layer name, or `module.class` for imports. */
  readonly layer: string;
  readonly message: string;
  /** For `module`: how the import rates. */
  readonly rating?: PickleImportRating;
  /** For `lambda`: the start of the serialised function (base64 bytecode or source). */
  readonly code?: string;
}

const KERAS_MODULES = /^(keras|tf_keras|tensorflow|keras_hub|keras_nlp|keras_cv|keras_core)(\.|$)/;
const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Walks a Keras model configuration (any nesting: functional models,
 * wrappers, nested models) for Lambda layers and for objects whose `module`
 * points outside Keras — both run code the file chose when the model is
 * loaded (Lambda bytecode; CVE-2025-1550-style module imports).
 *
 * @example
 * ```ts
 * inspectKerasConfig(JSON.parse(configJson)).filter((p) => p.kind === 'lambda');
 * ```
 */
export function inspectKerasConfig(config: unknown, maxDepth = 64): KerasConfigProblem[] {
  const out: KerasConfigProblem[] = [];
  let nodes = 0;
  const walk = (v: unknown, ptr: string, depth: number): void => {
    if (++nodes > 1_000_000 || depth > maxDepth || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], `${ptr}/${i}`, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    const cls = typeof o['class_name'] === 'string' ? o['class_name'] : undefined;
    const cfg = (typeof o['config'] === 'object' && o['config'] !== null ? o['config'] : {}) as Record<
      string,
      unknown
    >;
    if (cls === 'Lambda' || cls === 'keras.layers.Lambda') {
      const fn = cfg['function'];
      const code =
        typeof fn === 'string'
          ? fn
          : Array.isArray(fn) && typeof fn[0] === 'string'
            ? fn[0]
            : typeof fn === 'object' && fn !== null
              ? JSON.stringify((fn as Record<string, unknown>)['config'] ?? fn)
              : undefined;
      out.push({
        kind: 'lambda',
        pointer: ptr,
        layer: scalarText(cfg['name'] ?? 'lambda'),
        message: `Lambda layer ${scalarText(cfg['name'] ?? '')} carries a serialised Python function that runs when the model is loaded or called`,
        ...(code !== undefined ? { code: code.slice(0, 200) } : {}),
      });
    }
    const mod = typeof o['module'] === 'string' ? o['module'] : undefined;
    if (mod !== undefined && cls !== undefined && !KERAS_MODULES.test(mod)) {
      // A `function` entry names the function in `config`; anything else imports `module.class_name`.
      const name = cls === 'function' && typeof o['config'] === 'string' ? o['config'] : cls;
      const rating = ratePickleImport(mod, name);
      if (rating.verdict !== 'safe' && !(mod === 'builtins' && rating.verdict === 'unknown'))
        out.push({
          kind: 'module',
          pointer: ptr,
          layer: `${mod}.${name}`,
          message: `configuration imports ${mod}.${name} from outside Keras (${rating.reason})`,
          rating,
        });
    }
    for (const [k, x] of Object.entries(o)) walk(x, `${ptr}/${esc(k)}`, depth + 1);
  };
  walk(config, '', 0);
  return out;
}
