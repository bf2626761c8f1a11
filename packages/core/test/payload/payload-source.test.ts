import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureReader, CaptureWriter, PayloadSource, Vigil, type VigilEvent } from '../../src/index.js';
import { ChunkLog } from './helpers/recorder.js';

function mcpChunks(): ChunkLog['chunks'] {
  const log = new ChunkLog();
  log.add(
    'stdio:9',
    'egress',
    'pipe',
    Buffer.from(
      '{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"t","arguments":{"k":"v"}}}\n',
    ),
  );
  log.add(
    'stdio:9',
    'ingress',
    'pipe',
    Buffer.from('{"jsonrpc":"2.0","id":"a","result":{"isError":true,"content":[]}}\n'),
  );
  // Asked, never answered: reported partial when the chunks end.
  log.add(
    'stdio:9',
    'egress',
    'pipe',
    Buffer.from('{"jsonrpc":"2.0","id":"b","method":"tools/call","params":{"name":"u"}}\nnot json\n'),
  );
  return log.chunks;
}

describe('PayloadSource', () => {
  it('feeds decoded events into the pipeline and reports skipped input as drops', async () => {
    const seen: VigilEvent[] = [];
    const source = new PayloadSource([mcpChunks().slice(0, 2), mcpChunks().slice(2)]);
    const vigil = new Vigil({
      source,
      consumers: [{ name: 'collect', onBatch: (batch) => void seen.push(...batch) }],
    });
    await vigil.run();
    expect(seen.map((e) => [e.kind, e.kind === 'tool.call' ? [e.tool, e.status, e.partial] : []])).toEqual([
      ['tool.call', ['t', 'error', undefined]],
      ['tool.call', ['u', undefined, true]],
    ]);
    expect(source.stats()).toEqual({ events: 2, batches: 2, drops: { 'payload:invalid JSON line': 1 } });
  });

  it('writes the payload mode into the capture header, and only decoded events into the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-payload-'));
    try {
      const path = join(dir, 'run.vcap');
      const w = CaptureWriter.create(path, {
        header: { source: 'ebpf', payloads: { mode: 'meta', maxBytes: 4096 } },
      });
      for await (const batch of new PayloadSource([mcpChunks()])) w.writeAll(batch);
      w.close();
      const r = await CaptureReader.open(path);
      expect(r.header.payloads).toEqual({ mode: 'meta', maxBytes: 4096 });
      const events: VigilEvent[] = [];
      for await (const e of r.events()) events.push(e);
      expect(events.map((e) => e.kind)).toEqual(['tool.call', 'tool.call']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
