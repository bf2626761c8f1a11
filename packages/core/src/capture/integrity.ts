import { z } from 'zod';
import { lazySchema } from '../schemas/lazy.js';

/**
 * A capture that ended without its trailer.
 *
 * @example
 * ```ts
 * for (const c of source.integrity().incomplete) console.warn(c.path, c.truncatedAt);
 * ```
 */
export interface IncompleteCapture {
  readonly path: string;
  /** Byte offset of an incomplete final block, when the file also ends inside one. */
  readonly truncatedAt?: number | undefined;
}

/**
 * Whether the captures a command read were written completely. A capture
 * without a trailer was left by a writer that was killed or crashed: it reads
 * back up to its last complete block, but events after that are missing. An
 * interrupted capture has its trailer, but its recording was cut short.
 *
 * @example
 * ```ts
 * import { describeCaptureIntegrity, ReplaySource, Vigil } from '@vigil/core';
 *
 * const source = new ReplaySource(['run.vcap']);
 * await new Vigil({ source }).run();
 * const integrity = source.integrity();
 * if (!integrity.complete) console.warn(describeCaptureIntegrity(integrity).join('\n'));
 * ```
 */
export interface CaptureIntegrity {
  /** True when every capture has its trailer and none was interrupted. */
  readonly complete: boolean;
  /** Captures without a trailer. */
  readonly incomplete: readonly IncompleteCapture[];
  /** Captures whose trailer says the recording was interrupted. */
  readonly interrupted: readonly string[];
}

/**
 * One warning line per capture that is incomplete or interrupted; empty when
 * `integrity.complete`. The words every command prints, so they say it one way.
 *
 * @example
 * ```ts
 * import { describeCaptureIntegrity } from '@vigil/core';
 *
 * for (const line of describeCaptureIntegrity(source.integrity())) console.warn(`warning: ${line}`);
 * ```
 */
export function describeCaptureIntegrity(integrity: CaptureIntegrity): string[] {
  const lines = integrity.incomplete.map(
    (c) =>
      `${c.path} has no trailer: its recorder was killed or crashed, so events after the last flushed block are missing${c.truncatedAt !== undefined ? ` (the file ends inside a block at byte ${c.truncatedAt})` : ''}`,
  );
  for (const p of integrity.interrupted)
    lines.push(`${p} is an interrupted recording: the workload was killed before it ended`);
  return lines;
}

/**
 * The schema of {@link CaptureIntegrity}, for documents that carry it (the
 * findings report, the AI-BOM's inputs).
 *
 * @example
 * ```ts
 * import { CaptureIntegritySchema } from '@vigil/core';
 *
 * const integrity = CaptureIntegritySchema.parse({ complete: true, incomplete: [], interrupted: [] });
 * ```
 */
export const CaptureIntegritySchema = lazySchema(() =>
  z.object({
    complete: z.boolean(),
    incomplete: z.array(
      z.object({ path: z.string(), truncatedAt: z.number().int().nonnegative().optional() }),
    ),
    interrupted: z.array(z.string()),
  }),
);
