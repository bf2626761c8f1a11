import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, type PayloadMode, type VigilEvent } from '@vigil/core';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, exec, open, toolCall } from '../../rules/test/events.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-check-hint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, events: readonly VigilEvent[], mode?: PayloadMode): string {
  const path = join(dir, name);
  const w = CaptureWriter.create(path, {
    header: { source: 'ebpf', ...(mode ? { payloads: { mode } } : {}) },
  });
  w.writeAll(events);
  w.close({ exitCode: 0 });
  return path;
}

const kernelOnly = [
  exec('/usr/bin/node', ['node', 'agent.js'], { pid: 10 }),
  open('/app/config.json', 'read', { pid: 10 }),
  connect('10.0.0.5', 443, { pid: 10 }),
];

describe('vigil check and payload capture', () => {
  it('says which injection chains could not run on a capture recorded without --payloads', async () => {
    const r = await runCli(['check', write('plain.vcap', kernelOnly)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'hint: no model or tool call was captured, so vigil.ai.injection-tool-exfiltration (a rule that starts from one) could not run; record with `vigil record --payloads --out FILE -- CMD` to name the model endpoint, provider, models and tool calls, and PostgreSQL and other data services, and to run that rule\n',
    );
    expect(r.stdout).not.toContain('hint:');
  });

  it('gives the same hint on stderr with --format json, leaving the document clean', async () => {
    const r = await runCli(['check', write('plain-json.vcap', kernelOnly), '--format', 'json']);
    expect(r.stderr).toMatch(/^hint: no model or tool call was captured/m);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('says nothing when payload capture was on, even if no call was decoded', async () => {
    const r = await runCli(['check', write('payloads.vcap', kernelOnly, 'content')]);
    expect(r.stderr).not.toContain('hint:');
  });

  it('says nothing when calls are in the stream', async () => {
    const calls = [...kernelOnly, toolCall('notes', 'lookup_note', { pid: 10 })];
    const r = await runCli(['check', write('calls.vcap', calls)]);
    expect(r.stderr).not.toContain('hint:');
  });
});
