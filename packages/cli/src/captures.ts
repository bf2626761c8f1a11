import { type CaptureIntegrity, describeCaptureIntegrity, ReplaySource } from '@vigil/core';
import type { CommandContext, OptionSpec } from './command.js';

/** The option every command that reads captures takes. */
export const STRICT_OPTION: OptionSpec = { strict: { type: 'boolean' } };

/** Its help line. */
export const STRICT_HELP = 'fail (exit 2) on a capture without its trailer instead of warning';

/**
 * The captures named on the command line as one source. Without `--strict`, a
 * capture left by a killed recorder (no trailer, perhaps a partial last block)
 * is read up to its last complete block and reported by {@link warnIncomplete};
 * with it, that capture is an error naming the file.
 */
export function captureSource(ctx: CommandContext, paths: readonly string[]): ReplaySource {
  const strict = ctx.args.values['strict'] === true;
  return new ReplaySource(paths, {
    signal: ctx.signal,
    onTruncatedTail: strict ? 'error' : 'stop',
    requireTrailer: strict,
  });
}

/** Prints one warning line per incomplete or interrupted capture and returns the integrity to report. */
export function warnIncomplete(ctx: CommandContext, source: ReplaySource): CaptureIntegrity {
  const integrity = source.integrity();
  for (const line of describeCaptureIntegrity(integrity)) ctx.log(`warning: ${line}`);
  return integrity;
}
