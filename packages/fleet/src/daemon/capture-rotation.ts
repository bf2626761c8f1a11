import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureWriter, VigilError, type VigilEvent } from '@vigil/core';

/**
 * Options for {@link RotatingCapture}.
 *
 * @example
 * ```ts
 * const options: RotatingCaptureOptions = { dir: '/var/lib/vigil/captures', maxFileBytes: 64 << 20, maxTotalBytes: 1 << 30 };
 * ```
 */
export interface RotatingCaptureOptions {
  /** The folder capture files go in (created when missing). */
  readonly dir: string;
  /** A file is closed and a new one started once it reaches this size. Default 64 MiB. */
  readonly maxFileBytes?: number;
  /** The oldest files are deleted while all of them together exceed this. Default 1 GiB. */
  readonly maxTotalBytes?: number;
  /** Header fields of every file (the node, the daemon version). */
  readonly meta?: Readonly<Record<string, string>>;
  readonly createdBy?: string;
  /**
   * The payload mode of the events written (the sensor's `payloads` and `payloadBytes`), recorded
   * in every file's header as `vigil record --payloads` does, so `vigil learn` on these files knows
   * that model and tool calls were captured. Leave it out when payloads are off.
   */
  readonly payloads?: { readonly mode: 'meta' | 'content'; readonly maxBytes?: number };
}

const PREFIX = 'vigil-daemon-';

/**
 * The daemon's local record of what it saw: capture files (the format `vigil
 * record` writes, readable by `vigil learn`, `check`, `inspect`) rotated by
 * size, the oldest deleted so the folder stays under a cap. Files are named
 * `vigil-daemon-<UTC time>-<sequence>.vcap` and sort by age.
 *
 * @example
 * ```ts
 * const captures = new RotatingCapture({ dir: '/var/lib/vigil/captures', maxFileBytes: 16 << 20 });
 * captures.writeAll(batch);
 * captures.close();
 * ```
 */
export class RotatingCapture {
  readonly dir: string;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
  readonly #options: RotatingCaptureOptions;
  #writer: CaptureWriter | undefined;
  #file: string | undefined;
  #seq = 0;
  #sinceCheck = 0;
  #rotations = 0;
  #deleted = 0;
  #closed = false;

  constructor(options: RotatingCaptureOptions) {
    this.dir = options.dir;
    this.maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
    this.maxTotalBytes = options.maxTotalBytes ?? 1024 * 1024 * 1024;
    if (this.maxFileBytes < 4096 || this.maxTotalBytes < this.maxFileBytes)
      throw new VigilError(
        'USAGE',
        `capture rotation needs maxFileBytes ≥ 4096 and maxTotalBytes ≥ maxFileBytes (got ${this.maxFileBytes} and ${this.maxTotalBytes})`,
      );
    this.#options = options;
    mkdirSync(this.dir, { recursive: true });
  }

  /** The file being written, once an event was written. */
  get current(): string | undefined {
    return this.#file;
  }

  /** Files started after the first, and files deleted to keep the cap. */
  stats(): { readonly rotations: number; readonly deleted: number } {
    return { rotations: this.#rotations, deleted: this.#deleted };
  }

  /** The capture files in the folder, oldest first. */
  files(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.startsWith(PREFIX) && f.endsWith('.vcap'))
      .sort()
      .map((f) => join(this.dir, f));
  }

  writeAll(events: readonly VigilEvent[]): void {
    if (this.#closed || events.length === 0) return;
    this.#open().writeAll(events);
    this.#sinceCheck += events.length;
    // A stat per batch of a few hundred events costs nothing; per event it would.
    if (this.#sinceCheck >= 256) {
      this.#sinceCheck = 0;
      this.#maybeRotate();
    }
  }

  #open(): CaptureWriter {
    if (this.#writer) return this.#writer;
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    this.#file = join(this.dir, `${PREFIX}${stamp}-${String(this.#seq++).padStart(6, '0')}.vcap`);
    this.#writer = CaptureWriter.create(this.#file, {
      header: {
        source: 'ebpf',
        ...(this.#options.createdBy !== undefined ? { createdBy: this.#options.createdBy } : {}),
        meta: { ...this.#options.meta },
        ...(this.#options.payloads !== undefined ? { payloads: { ...this.#options.payloads } } : {}),
      },
    });
    return this.#writer;
  }

  #maybeRotate(): void {
    const w = this.#writer;
    if (!w || this.#file === undefined) return;
    w.flush();
    if (statSync(this.#file).size < this.maxFileBytes) return;
    w.close();
    this.#writer = undefined;
    this.#rotations++;
    this.#enforceCap();
  }

  #enforceCap(): void {
    const files = this.files().map((f) => ({ f, size: statSync(f).size }));
    let total = files.reduce((a, x) => a + x.size, 0);
    for (const { f, size } of files) {
      if (total <= this.maxTotalBytes) break;
      if (f === this.#file && this.#writer) continue;
      unlinkSync(f);
      this.#deleted++;
      total -= size;
    }
  }

  /** Closes the current file with its trailer. Idempotent. */
  close(trailer: Parameters<CaptureWriter['close']>[0] = {}): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer?.close(trailer);
    this.#writer = undefined;
    this.#enforceCap();
  }
}
