import { unlinkSync } from 'node:fs';

// Every temporary file an output write has created and not yet renamed or
// removed, in one place, so that any exit path (an exception, process.exit, a
// signal handler of the host) can remove them.
const pending = new Set<string>();
let exitHookInstalled = false;

/** Records a temporary file; removed at process exit unless released first. */
export function trackPendingFile(path: string): void {
  pending.add(path);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', removePendingFilesSync);
  }
}

/** Forgets a temporary file that was renamed into place or removed. */
export function releasePendingFile(path: string): void {
  pending.delete(path);
}

/** Removes one temporary file now and forgets it. */
export function removePendingFileSync(path: string): void {
  pending.delete(path);
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Removes every temporary file still pending; synchronous, for exit and signal paths. */
export function removePendingFilesSync(): number {
  let removed = 0;
  for (const path of pending) {
    try {
      unlinkSync(path);
      removed++;
    } catch {
      // already gone
    }
    pending.delete(path);
  }
  return removed;
}

/** The temporary files pending now (for tests and diagnostics). */
export function pendingFiles(): readonly string[] {
  return [...pending];
}
