// Public surface of this folder, re-exported by the package index. Named exports only.

export { countOf, formatDuration, pluralOf } from './count-text.js';
export type { OutputTarget, OutputTargetKind } from './target.js';
export { checkOutputTarget } from './target.js';
export type { TerminalTextOptions } from './terminal-text.js';
export { escapeTerminalText } from './terminal-text.js';
export type { WriteOutputOptions } from './write-output.js';
export { discardPendingOutputs, OutputFile, writeOutput } from './write-output.js';
