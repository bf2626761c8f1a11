import type { VigilEvent } from '../../events/schema.js';

const MAX_ENTRIES = 32_768;
const ACCESS_BIT: Record<string, number> = { read: 0, path: 0, write: 2, readwrite: 2, exec: 4 };

/**
 * Remembers whether exact event values were covered, keyed by the event's own
 * fields through nested maps, so the hot path builds no strings. Cleared
 * whenever the baseline changes.
 */
export class CoverageCache {
  /** The previous generation, consulted on a miss so hot values survive an overflow. */
  #old: CoverageCache | undefined;
  #files = new Map<string, number>();
  #dns = new Map<string, boolean>();
  #named = new Map<string, Map<string, Map<number, boolean>>>();
  #raw = new Map<string, Map<string, Map<number, boolean>>>();
  #tools = new Map<string, Map<string, boolean>>();
  #models = new Map<string, Map<string, boolean>>();
  #execs = new Map<string, boolean>();
  #size = 0;

  clear(): void {
    this.#old = undefined;
    this.#reset();
  }

  #reset(): void {
    this.#files = new Map();
    this.#dns = new Map();
    this.#named = new Map();
    this.#raw = new Map();
    this.#tools = new Map();
    this.#models = new Map();
    this.#execs = new Map();
    this.#size = 0;
  }

  /** The cached answer, or undefined when the event's kind is not cached or the value was not seen. */
  get(ev: VigilEvent): boolean | undefined {
    const hit = this.#get(ev);
    if (hit !== undefined || this.#old === undefined) return hit;
    const old = this.#old.#get(ev);
    if (old !== undefined) this.set(ev, old);
    return old;
  }

  #get(ev: VigilEvent): boolean | undefined {
    switch (ev.kind) {
      case 'file.open': {
        const bits = this.#files.get(ev.path);
        if (bits === undefined) return undefined;
        const b = ACCESS_BIT[ev.access] ?? 0;
        return (bits >> b) & 1 ? ((bits >> (b + 1)) & 1) === 1 : undefined;
      }
      case 'dns.query':
        return this.#dns.get(ev.name);
      case 'net.connect': {
        const byProto = ev.dnsName !== undefined ? this.#named : this.#raw;
        return byProto
          .get(ev.protocol)
          ?.get(ev.dnsName ?? ev.daddr)
          ?.get(ev.dport);
      }
      case 'tool.call':
        return this.#tools.get(ev.server)?.get(ev.tool);
      case 'model.call':
        return this.#models.get(ev.provider)?.get(ev.model);
      case 'process.exec':
        return this.#execs.get(execKey(ev.filename, ev.argv));
      default:
        return undefined;
    }
  }

  /** Stores an answer (ignored for kinds that are not cached). */
  set(ev: VigilEvent, covered: boolean): void {
    if (++this.#size > MAX_ENTRIES) {
      const old = new CoverageCache();
      old.#files = this.#files;
      old.#dns = this.#dns;
      old.#named = this.#named;
      old.#raw = this.#raw;
      old.#tools = this.#tools;
      old.#models = this.#models;
      old.#execs = this.#execs;
      this.#old = old;
      this.#reset();
    }
    switch (ev.kind) {
      case 'file.open': {
        const b = ACCESS_BIT[ev.access] ?? 0;
        const bits = this.#files.get(ev.path) ?? 0;
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
      case 'tool.call':
        nested(this.#tools, ev.server).set(ev.tool, covered);
        return;
      case 'model.call':
        nested(this.#models, ev.provider).set(ev.model, covered);
        return;
      case 'process.exec':
        this.#execs.set(execKey(ev.filename, ev.argv), covered);
        return;
      default:
        return;
    }
  }
}

function nested(m: Map<string, Map<string, boolean>>, k: string): Map<string, boolean> {
  let inner = m.get(k);
  if (!inner) {
    inner = new Map();
    m.set(k, inner);
  }
  return inner;
}

function execKey(filename: string, argv: readonly string[]): string {
  return argv.length === 0 ? filename : `${filename}\u0000${argv.join('\u0000')}`;
}
