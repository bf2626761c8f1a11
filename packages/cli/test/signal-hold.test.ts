// The hold on signals while a command loads (main), handed over to the command's handler.
// SIGUSR2 stands in for SIGINT/SIGTERM/SIGHUP so the test runner's own handlers are not involved;
// a signal a process sends itself is caught by Node.js's watcher before kill() returns, and
// reaches JavaScript listeners on a later turn of the event loop.
import { describe, expect, it } from 'vitest';
import { holdSignals } from '../src/signal-hold.js';

const SIG = 'SIGUSR2';

/** Resolves with what `handler` was given once the event loop has had turns to deliver signals. */
function afterDelivery(got: NodeJS.Signals[]): Promise<NodeJS.Signals[]> {
  return new Promise((resolve) => setImmediate(() => setImmediate(() => resolve(got))));
}

describe('holdSignals', () => {
  it('hands a signal caught but not yet delivered when the hold ends to the handler, once', async () => {
    const got: NodeJS.Signals[] = [];
    const held = holdSignals([SIG]);
    // Caught now, delivered to JavaScript later: the hand-over happens in between.
    process.kill(process.pid, SIG);
    const handler = (sig: NodeJS.Signals) => got.push(sig);
    held.handOver(handler);
    try {
      // With the hold taken off before the handler went on, this signal was lost.
      await expect.poll(() => got, { timeout: 30_000 }).toEqual([SIG]);
      expect(await afterDelivery(got)).toEqual([SIG]);
    } finally {
      process.off(SIG, handler);
    }
  });

  it('hands the first signal that came while holding to the handler, then the later ones', async () => {
    const got: NodeJS.Signals[] = [];
    const held = holdSignals([SIG]);
    // A second listener shows when the signal has reached JavaScript (the hold only remembers it).
    let delivered = 0;
    const probe = () => {
      delivered++;
    };
    process.on(SIG, probe);
    process.kill(process.pid, SIG);
    await expect.poll(() => delivered, { timeout: 30_000 }).toBe(1);
    process.off(SIG, probe);
    expect(got).toEqual([]);
    const handler = (sig: NodeJS.Signals) => got.push(sig);
    held.handOver(handler);
    try {
      expect(got).toEqual([SIG]);
      expect(process.listenerCount(SIG)).toBe(1);
      process.kill(process.pid, SIG);
      await expect.poll(() => got.length, { timeout: 30_000 }).toBe(2);
    } finally {
      process.off(SIG, handler);
    }
  });

  it('calls no handler when no signal came, and release leaves no listener behind', async () => {
    const before = process.listenerCount(SIG);
    const got: NodeJS.Signals[] = [];
    const handler = (sig: NodeJS.Signals) => got.push(sig);
    holdSignals([SIG]).handOver(handler);
    expect(process.listenerCount(SIG)).toBe(before + 1);
    expect(await afterDelivery(got)).toEqual([]);
    process.off(SIG, handler);
    const released = holdSignals([SIG]);
    expect(process.listenerCount(SIG)).toBe(before + 1);
    released.release();
    expect(process.listenerCount(SIG)).toBe(before);
  });
});
