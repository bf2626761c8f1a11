import type { OptionSpec } from './command.js';

/** The option every command that reads captures takes. */
export const STRICT_OPTION: OptionSpec = { strict: { type: 'boolean' } };

/** Its help line. */
export const STRICT_HELP = 'fail (exit 2) on a capture without its trailer instead of warning';
