import type { EventKind } from '@vigil/core';

/**
 * The facts the engine works out about an event, by kind: what most rules
 * test first (did the call succeed, was the file opened for reading, is the
 * path a credential, does the connect leave the host). A rule that declares
 * the facts it needs ({@link EventRule.facts}, {@link SequenceStep.facts}) is
 * called only for events where they hold; the engine works each fact out once
 * per event, however many rules ask.
 *
 * - `succeeded`: `file.open` with `result >= 0`; `net.connect` that succeeded
 *   or is in progress (`connectSucceeded`); `process.exec` without a negative
 *   `result`.
 * - `read`: `file.open` with access `read` or `readwrite`.
 * - `write`: `file.open` with access `write` or `readwrite`.
 * - `modify`: `file.open` with access `write` or `readwrite`, or `created`.
 * - `credential`: `file.open` of a path that holds a credential (`secretClass`).
 * - `inet`: `net.connect` that is not over a Unix socket.
 * - `remote`: `net.connect` that is not over a Unix socket and not to a
 *   local peer (`isLocalPeer`: the host's own loopback address, or a stub
 *   resolver's port on any loopback address); another 127.0.0.0/8 address,
 *   where tunnels and forwarders listen, is remote.
 *
 * @example
 * ```ts
 * const facts: EventFacts['file.open'][] = ['succeeded', 'read', 'credential'];
 * ```
 */
export interface EventFacts {
  'file.open': 'succeeded' | 'read' | 'write' | 'modify' | 'credential';
  'net.connect': 'succeeded' | 'inet' | 'remote';
  'process.exec': 'succeeded';
}

/**
 * Any fact of {@link EventFacts}.
 *
 * @example
 * ```ts
 * const f: EventFact = 'remote';
 * ```
 */
export type EventFact = EventFacts[keyof EventFacts];

/**
 * The facts a rule (or a sequence step) needs, per event kind: an event of a
 * listed kind reaches it only when every fact listed for that kind holds;
 * events of kinds not listed reach it as before. Declaring nothing means
 * every event of the selected kinds.
 *
 * @example
 * ```ts
 * const needs: RuleFacts<'file.open' | 'net.connect'> = {
 *   'file.open': ['succeeded', 'read', 'credential'],
 *   'net.connect': ['succeeded', 'remote'],
 * };
 * ```
 */
export type RuleFacts<K extends EventKind = EventKind> = {
  readonly [P in K & keyof EventFacts]?: readonly EventFacts[P][];
};

/**
 * Every fact, by kind: what pack validation accepts in `facts`.
 *
 * @example
 * ```ts
 * EVENT_FACTS['net.connect']; // ['succeeded', 'inet', 'remote']
 * ```
 */
export const EVENT_FACTS: { readonly [K in keyof EventFacts]: readonly EventFacts[K][] } = {
  'file.open': ['succeeded', 'read', 'write', 'modify', 'credential'],
  'net.connect': ['succeeded', 'inet', 'remote'],
  'process.exec': ['succeeded'],
};
