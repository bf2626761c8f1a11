export type { InputKind, InputLimits } from './input-limits.js';
export { INPUT_LIMITS, inputLimits } from './input-limits.js';
export type { ReadJsonFileOptions } from './read-json.js';
export { parseJsonWithin, readJsonFile } from './read-json.js';
export { readYamlFile } from './read-yaml.js';
export type { SniffedInput, SniffInputOptions } from './sniff-input.js';
export { sniffInput } from './sniff-input.js';
