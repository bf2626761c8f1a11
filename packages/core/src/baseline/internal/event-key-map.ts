import type { VigilEvent } from '../../events/schema.js';
import { eventKey } from '../observation.js';

/**
 * A map keyed by what an event did, with the equivalence of `eventKey` (two events have the same
 * key exactly when `eventKey` gives the same string), without building that string for the kinds
 * that recur most: file opens (access, path), connects (protocol, DNS name, address, port) and
 * accepts (protocol, local port, remote address) go through nested maps of their own fields, whose
 * strings the capture decoder shares and whose hashes V8 keeps. Other kinds use `eventKey`; kinds
 * it does not key are never stored.
 */
export class EventKeyMap<V> {
  readonly #files = new Map<string, Map<string, V>>();
  readonly #connects = new Map<string, Map<string, Map<string, Map<number, V>>>>();
  readonly #accepts = new Map<string, Map<number, Map<string, V>>>();
  readonly #other = new Map<string, V>();
  #size = 0;

  /** Entries stored. */
  get size(): number {
    return this.#size;
  }

  get(ev: VigilEvent): V | undefined {
    switch (ev.kind) {
      case 'file.open':
        return this.#files.get(ev.access)?.get(ev.path);
      case 'net.connect':
        return this.#connects
          .get(ev.protocol)
          ?.get(ev.dnsName ?? '')
          ?.get(ev.daddr)
          ?.get(ev.dport);
      case 'net.accept':
        return this.#accepts.get(ev.protocol)?.get(ev.lport)?.get(ev.raddr);
      default: {
        const k = eventKey(ev);
        return k === undefined ? undefined : this.#other.get(k);
      }
    }
  }

  /** Stores `value` under the event's key (nothing for a kind `eventKey` does not key). */
  set(ev: VigilEvent, value: V): void {
    let leaf: Map<string, V> | Map<number, V>;
    let k: string | number;
    switch (ev.kind) {
      case 'file.open':
        leaf = inner(this.#files, ev.access);
        k = ev.path;
        break;
      case 'net.connect':
        leaf = inner(inner(inner(this.#connects, ev.protocol), ev.dnsName ?? ''), ev.daddr);
        k = ev.dport;
        break;
      case 'net.accept':
        leaf = inner(inner(this.#accepts, ev.protocol), ev.lport);
        k = ev.raddr;
        break;
      default: {
        const key = eventKey(ev);
        if (key === undefined) return;
        leaf = this.#other;
        k = key;
      }
    }
    const m = leaf as Map<string | number, V>;
    if (!m.has(k)) this.#size++;
    m.set(k, value);
  }
}

function inner<K, V extends Map<unknown, unknown>>(m: Map<K, V>, k: K): V {
  let v = m.get(k);
  if (v === undefined) {
    v = new Map() as V;
    m.set(k, v);
  }
  return v;
}
