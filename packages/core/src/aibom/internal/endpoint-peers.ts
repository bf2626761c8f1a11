import type { EventOf } from '../../events/schema.js';
import type { ComponentRegistry } from './components.js';
import { endpointHostPort } from './identity.js';

const MAX_PEERS = 10_000;
const SAMPLES_PER_PEER = 4;

/**
 * The peers processes connected to, by address and by DNS name, so endpoints
 * named elsewhere (spans, MCP configurations) can be confirmed by the
 * kernel's connects to them.
 */
export class EndpointPeers {
  readonly #peers = new Map<string, { ev: EventOf<'net.connect'>[]; count: number }>();

  record(ev: EventOf<'net.connect'>): void {
    for (const key of ev.dnsName
      ? [`${ev.daddr}:${ev.dport}`, `${ev.dnsName.toLowerCase()}:${ev.dport}`]
      : [`${ev.daddr}:${ev.dport}`]) {
      let peer = this.#peers.get(key);
      if (!peer && this.#peers.size < MAX_PEERS) {
        peer = { ev: [], count: 0 };
        this.#peers.set(key, peer);
      }
      if (peer) {
        peer.count++;
        if (peer.ev.length < SAMPLES_PER_PEER) peer.ev.push(ev);
      }
    }
  }

  /**
   * Endpoints named by spans (an OpenAI-compatible server on 127.0.0.1:PORT)
   * gain the kernel's connects to them as evidence; remote MCP servers
   * declared by URL are confirmed the same way.
   */
  confirm(components: ComponentRegistry): void {
    for (const w of components.values()) {
      let host = w.properties['host'];
      let port = w.properties['port'];
      if (w.id.startsWith('mcp-server:url/')) {
        const hp = endpointHostPort(w.id.slice('mcp-server:url/'.length));
        if (hp) {
          host = hp.host.toLowerCase();
          port = String(hp.port);
        }
      } else if (!w.id.startsWith('llm-api:endpoint/')) continue;
      if (!host || !port) continue;
      const candidates = host === 'localhost' ? ['127.0.0.1', '::1'] : [host];
      for (const addr of candidates) {
        const peer = this.#peers.get(`${addr}:${port}`);
        if (!peer) continue;
        for (const ev of peer.ev)
          components.see(w, ev, 'net-connect', 0.9, `${ev.protocol} ${ev.daddr}:${ev.dport}`);
        w.count += Math.max(0, peer.count - peer.ev.length);
      }
    }
  }
}
