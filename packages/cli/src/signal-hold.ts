/** Signals held while a command loads, then handed over to the command's handler. */
export interface SignalHold {
  /**
   * Installs `handler` for the held signals, lets go of the hold, and hands it
   * the first signal that came while holding, if any.
   */
  handOver(handler: (sig: NodeJS.Signals) => void): void;
  /** Lets go of the hold with no handler to hand over to (the command did not load). */
  release(): void;
}

/**
 * Holds `signals` from now on: the first one that comes is remembered (not
 * acted on) until {@link SignalHold.handOver}.
 *
 * The handler goes on before the hold comes off. Were it the other way round,
 * a signal's listener count would drop to zero for an instant, and Node.js
 * would close its watcher for that signal: a signal the watcher had caught but
 * not yet delivered to JavaScript would be lost (a command waiting on a FIFO
 * would then wait for ever), and in between the signal's default action (end
 * the process) would be back.
 */
export function holdSignals(signals: readonly NodeJS.Signals[]): SignalHold {
  let early: NodeJS.Signals | undefined;
  const hold = (sig: NodeJS.Signals) => {
    early ??= sig;
  };
  for (const sig of signals) process.on(sig, hold);
  const release = () => {
    for (const sig of signals) process.off(sig, hold);
  };
  return {
    handOver(handler) {
      for (const sig of signals) process.on(sig, handler);
      release();
      if (early !== undefined) handler(early);
    },
    release,
  };
}
