import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@vigil/cli';
import { AiBomSchema, buildAiBom } from '@vigil/core';
import { probe } from '@vigil/ebpf-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLIENT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'resolve-and-call.mjs');

// A minimal authoritative DNS server: every A question is answered with 127.0.0.1.
function dnsServer(): Promise<Socket> {
  const sock = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 12) return;
    let i = 12;
    while (i < msg.length && msg[i] !== 0) i += msg[i]! + 1;
    const question = msg.subarray(12, i + 5);
    const header = Buffer.from(msg.subarray(0, 12));
    header.writeUInt16BE(0x8180, 2); // response, recursion available, no error
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(1, 6); // one answer
    header.writeUInt16BE(0, 8);
    header.writeUInt16BE(0, 10);
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
    sock.send(Buffer.concat([header, question, answer]), rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => sock.bind(0, '127.0.0.1', () => resolve(sock)));
}

describe('hosted LLM API recognised from a live capture by its DNS name', async () => {
  const report = await probe();
  const reason = report.captureReady
    ? undefined
    : `live capture not ready here (addon available: ${report.addon.available}, privileges sufficient: ${report.privileges.sufficient})`;
  if (reason) console.warn(`skipping the live DNS test: ${reason}`);
  let dns: Socket;
  let http: Server;
  beforeAll(async () => {
    dns = await dnsServer();
    http = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"object":"list","data":[]}');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  });
  afterAll(() => {
    dns.close();
    http.close();
  });

  it.skipIf(reason !== undefined)(
    'names the OpenAI API from the captured DNS answer and the connection to it',
    async () => {
      const dnsPort = (dns.address() as AddressInfo).port;
      const httpPort = (http.address() as AddressInfo).port;
      const capture = join(mkdtempSync(join(tmpdir(), 'vigil-dns-')), 'dns.vcap');
      let err = '';
      const code = await main(
        [
          'record',
          '--out',
          capture,
          '--dns-port',
          String(dnsPort),
          '--',
          process.execPath,
          CLIENT,
          `127.0.0.1:${dnsPort}`,
          String(httpPort),
        ],
        {
          stdout: () => {},
          stderr: (l) => {
            err += l;
          },
        },
      );
      expect(code, err).toBe(0);
      const bom = AiBomSchema.parse(await buildAiBom({ captures: [capture] }));
      const api = bom.components.find((c) => c.id === 'llm-api:openai-api');
      expect(api?.observed?.methods).toEqual(['dns', 'net-connect']);
      expect(api?.properties['host']).toBe('api.openai.com');
      const connect = api?.observed?.evidence.find((e) => e.kind === 'net.connect');
      expect(connect?.detail).toBe(`tcp api.openai.com:${httpPort} (127.0.0.1)`);
      expect(connect?.source).toBe('ebpf');
    },
  );
});
