// The SDK (`@vigil/core`) as the command line loads it: on first use, not at start-up, so that
// `vigil --help` and `vigil --version` do not pay for building every schema.
type Core = typeof import('@vigil/core');

let core: Core | undefined;

/** Loads `@vigil/core` once. */
export async function loadCore(): Promise<Core> {
  core ??= await import('@vigil/core');
  return core;
}

/**
 * Removes temporary output files not yet in place (`discardPendingOutputs`), if the SDK was loaded:
 * when it was not, nothing was written.
 */
export function discardPendingOutputsIfLoaded(): void {
  core?.discardPendingOutputs();
}
