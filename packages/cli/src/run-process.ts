import { main } from './main.js';
import { discardPendingOutputsIfLoaded } from './sdk.js';

/**
 * The exit status when stdout or stderr is a pipe whose reader went away
 * (`vigil inspect big.vcap | head -1`): 128 + SIGPIPE, what a shell shows for
 * a Unix tool killed by SIGPIPE. Never 1, which means findings.
 *
 * @example
 * ```ts
 * if (status === EXIT_BROKEN_PIPE) console.error('the reader stopped reading');
 * ```
 */
export const EXIT_BROKEN_PIPE = 141;

/**
 * Runs `vigil` as the process: {@link main} with the process's stdout and
 * stderr, ending quietly with {@link EXIT_BROKEN_PIPE} when either is a pipe
 * closed early, and removing temporary output files on every way out. What
 * `bin/vigil.js` calls.
 *
 * @example
 * ```ts
 * import { runVigilProcess } from '@vigil/cli';
 *
 * await runVigilProcess(process.argv.slice(2));
 * ```
 */
export async function runVigilProcess(argv: readonly string[]): Promise<void> {
  const onStreamError = (err: NodeJS.ErrnoException) => {
    discardPendingOutputsIfLoaded();
    if (err.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
    // stdout is a file on a full disk, a revoked terminal, …: say so if stderr still works.
    try {
      process.stderr.write(`vigil: cannot write the output: ${err.message}\n`);
    } catch {
      // stderr is gone too
    }
    process.exit(2);
  };
  process.stdout.on('error', onStreamError);
  process.stderr.on('error', onStreamError);
  process.exitCode = await main(argv);
}
