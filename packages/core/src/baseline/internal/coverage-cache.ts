import type { VigilEvent } from '../../events/schema.js';
import { notePathSecret, secretCode } from '../../vocabulary/credentials.js';

const MAX_ENTRIES = 16_384;
/** Bits in the admission filter (a power of two). */
const DOOR_BITS = 1 << 16;
/** Where a path's credential code (`secretCode`) sits in its entry, above the access bits. */
const SECRET_SHIFT = 6;
/** Where a file access's two bits (seen, covered) sit in a path's entry. */
function accessBit(access: string): number {
  if (access === 'write' || access === 'readwrite') return 2;
  return access === 'exec' ? 4 : 0;
}

/**
 * Remembers whether exact event values were covered, keyed by the event's own
 * fields through nested maps, so the hot path builds no strings. Until it is
 * half full every value is admitted; past that, a value is admitted on its
 * second sighting (a bit filter remembers first sightings), so the one-off
 * paths, names and arguments of busy agents never crowd out the values that
 * repeat, and the cache stays small. Cleared whenever the baseline changes,
 * and when it fills up. A file path's entry also keeps its credential class
 * (`secretCode`), which every lookup notes for the rule engine
 * (`notePathSecret`). The maps are plain `Map`s: capture strings repeat as the
 * same string (a version-2 file declares each once), whose hash V8 computes
 * once and keeps, and V8 seeds that hash per process, so crafted paths cannot
 * be made to collide. The entry count bounds them all together.
 */
export class CoverageCache {
  /** Path → access bits (seen, covered per access) and the path's credential code above them. */
  #files = new Map<string, number>();
  #dns = new Map<string, boolean>();
  #named = new Map<string, Map<string, Map<number, boolean>>>();
  #raw = new Map<string, Map<string, Map<number, boolean>>>();
  /** Accepts: family → protocol → local port → remote address → covered. */
  #accepts = new Map<string, Map<string, Map<number, Map<string, boolean>>>>();
  #tools = new Map<string, Map<string, boolean>>();
  #models = new Map<string, Map<string, boolean>>();
  /** Executable → its argument lists (joined) → covered. */
  #execs = new Map<string, Map<string, boolean>>();
  #size = 0;
  /** First sightings, by a hash of the value: a value is cached once its bit is already set. */
  /** Allocated on first use: a baseline that is never checked costs nothing here. */
  #door: Int32Array | undefined;
  #doorSet = 0;

  /** The arguments as one key; a get followed by a set for the same event joins them once. */
  #argsKey(argv: readonly string[]): string {
    if (argv === this.#lastArgv) return this.#lastArgsKey;
    const key = argv.join('\u0000');
    this.#lastArgv = argv;
    this.#lastArgsKey = key;
    return key;
  }
  #lastArgv: readonly string[] | undefined;
  #lastArgsKey = '';

  clear(): void {
    this.#reset();
    this.#door = undefined;
    this.#doorSet = 0;
  }

  /** True when the event's value was seen before (then it is worth caching); else notes it. */
  #admit(ev: VigilEvent): boolean {
    let h: number;
    switch (ev.kind) {
      case 'file.open':
        h = hash2(ev.path, ev.access);
        break;
      case 'dns.query':
        h = hash2(ev.name, '');
        break;
      case 'net.connect':
        h = hash2(ev.dnsName ?? ev.daddr, ev.protocol) ^ (ev.dport & (DOOR_BITS - 1));
        break;
      case 'net.accept':
        h = hash2(ev.raddr, ev.protocol) ^ (ev.lport & (DOOR_BITS - 1));
        break;
      case 'tool.call':
        h = hash2(ev.server, ev.tool);
        break;
      case 'model.call':
        h = hash2(ev.provider, ev.model);
        break;
      case 'process.exec':
        h = hash2(ev.filename, this.#argsKey(ev.argv));
        break;
      default:
        return false;
    }
    const word = h >>> 5;
    const bit = 1 << (h & 31);
    this.#door ??= new Int32Array(DOOR_BITS >>> 5);
    const door = this.#door;
    if ((door[word]! & bit) !== 0) return true;
    door[word]! |= bit;
    // A filter more than half full admits too much by accident: start it again.
    if (++this.#doorSet > DOOR_BITS >>> 1) {
      door.fill(0);
      this.#doorSet = 0;
    }
    return false;
  }

  #reset(): void {
    this.#files = new Map();
    this.#dns = new Map();
    this.#named = new Map();
    this.#raw = new Map();
    this.#accepts = new Map();
    this.#tools = new Map();
    this.#models = new Map();
    this.#execs = new Map();
    this.#size = 0;
  }

  /** The cached answer, or undefined when the event's kind is not cached or the value was not seen. */
  get(ev: VigilEvent): boolean | undefined {
    switch (ev.kind) {
      case 'file.open': {
        const bits = this.#files.get(ev.path);
        // The rule engine asks whether the same path is a credential next: it finds the answer here.
        notePathSecret(ev.path, bits === undefined ? 0 : bits >>> SECRET_SHIFT);
        if (bits === undefined) return undefined;
        const b = accessBit(ev.access);
        return (bits >> b) & 1 ? ((bits >> (b + 1)) & 1) === 1 : undefined;
      }
      case 'dns.query': {
        return this.#dns.get(ev.name);
      }
      case 'net.connect': {
        const byProto = ev.dnsName !== undefined ? this.#named : this.#raw;
        return byProto
          .get(ev.protocol)
          ?.get(ev.dnsName ?? ev.daddr)
          ?.get(ev.dport);
      }
      case 'net.accept':
        return this.#accepts.get(ev.family)?.get(ev.protocol)?.get(ev.lport)?.get(ev.raddr);
      case 'tool.call':
        return this.#tools.get(ev.server)?.get(ev.tool);
      case 'model.call':
        return this.#models.get(ev.provider)?.get(ev.model);
      case 'process.exec': {
        const args = this.#execs.get(ev.filename);
        if (args === undefined) return undefined;
        return args.get(this.#argsKey(ev.argv));
      }
      default:
        return undefined;
    }
  }

  /** Stores an answer (ignored for kinds that are not cached, and for a value's first sighting). */
  set(ev: VigilEvent, covered: boolean): void {
    // While there is room, every value is worth caching (a recurring path then misses once, not twice).
    if (this.#size >= MAX_ENTRIES >>> 1 && !this.#admit(ev)) return;
    if (++this.#size > MAX_ENTRIES) {
      this.#reset();
      this.#size = 1;
    }
    switch (ev.kind) {
      case 'file.open': {
        const b = accessBit(ev.access);
        const old = this.#files.get(ev.path);
        const bits = old ?? secretCode(ev.path) << SECRET_SHIFT;
        this.#files.set(ev.path, (bits & ~(3 << b)) | (1 << b) | ((covered ? 1 : 0) << (b + 1)));
        return;
      }
      case 'dns.query':
        this.#dns.set(ev.name, covered);
        return;
      case 'net.connect': {
        const byProto = ev.dnsName !== undefined ? this.#named : this.#raw;
        let hosts = byProto.get(ev.protocol);
        if (!hosts) {
          hosts = new Map();
          byProto.set(ev.protocol, hosts);
        }
        const host = ev.dnsName ?? ev.daddr;
        let ports = hosts.get(host);
        if (!ports) {
          ports = new Map();
          hosts.set(host, ports);
        }
        ports.set(ev.dport, covered);
        return;
      }
      case 'net.accept':
        nested(nested(nested(this.#accepts, ev.family), ev.protocol), ev.lport).set(ev.raddr, covered);
        return;
      case 'tool.call':
        nested(this.#tools, ev.server).set(ev.tool, covered);
        return;
      case 'model.call':
        nested(this.#models, ev.provider).set(ev.model, covered);
        return;
      case 'process.exec': {
        let args = this.#execs.get(ev.filename);
        if (args === undefined) {
          args = new Map();
          this.#execs.set(ev.filename, args);
        }
        args.set(this.#argsKey(ev.argv), covered);
        return;
      }
      default:
        return;
    }
  }
}

/**
 * A filter position for two strings, from a 32-character sample of each (a
 * one-off path is never hashed in full on the miss path); collisions only
 * admit a value early.
 */
function hash2(a: string, b: string): number {
  const h = sampleHash(a) ^ Math.imul(sampleHash(b), 0x9e3779b1);
  return (h ^ (h >>> 16)) & (DOOR_BITS - 1);
}

/** A hash of at most 32 characters of `s` (the last 16, and 16 spread over the rest), for the admission filter. */
function sampleHash(s: string): number {
  const n = s.length;
  let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
  const tail = Math.min(n, 16);
  for (let i = n - tail; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  const rest = n - tail;
  if (rest > 0) {
    const step = rest <= 16 ? 1 : Math.floor(rest / 16);
    for (let i = 0; i < rest; i += step) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return h ^ (h >>> 15);
}

function nested<K, V extends Map<unknown, unknown>>(m: Map<K, V>, k: K): V {
  let inner = m.get(k);
  if (!inner) {
    inner = new Map() as V;
    m.set(k, inner);
  }
  return inner;
}
