export type { InputKind, InputLimits } from './input-limits.js';
export { INPUT_LIMITS, inputLimits } from './input-limits.js';
