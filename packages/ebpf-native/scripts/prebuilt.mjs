// Where the package keeps the capture addon it ships prebuilt, one folder per
// platform, architecture and C library: prebuilds/linux-x64-glibc/vigil_native.node.
// src/internal/binding.ts computes the same key (a test checks that they agree).
import { join } from 'node:path';

/** `glibc`, `musl` or `unknown` for this process. */
export function libc() {
  if (process.platform !== 'linux') return 'unknown';
  const header = process.report?.getReport?.().header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The prebuilt folder's name for this process, e.g. `linux-x64-glibc`. */
export function prebuiltKey() {
  return `${process.platform}-${process.arch}-${libc()}`;
}

/** The prebuilt module's path inside the package directory `pkgDir`. */
export function prebuiltPath(pkgDir) {
  return join(pkgDir, 'prebuilds', prebuiltKey(), 'vigil_native.node');
}
