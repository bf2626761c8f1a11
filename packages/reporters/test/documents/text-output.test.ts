import type { CaptureSummary } from '@vigil/core';
import type { ScanResult } from '@vigil/rules';
import { describe, expect, it } from 'vitest';
import { type ProbeDocument, renderProbeText, renderScanText, renderSummaryText } from '../../src/index.js';

const yes = { supported: true };

describe('text a user reads', () => {
  it('the probe says in its enforcement section why kprobes are listed there', () => {
    const probe: ProbeDocument = {
      platform: 'linux',
      arch: 'x64',
      kernelRelease: '6.1.0',
      privileges: { uid: 0, capSysAdmin: true, capBpf: true, capPerfmon: true, capNetAdmin: true },
      addon: { available: true, path: 'vigil.node', libbpfVersion: '1.1' },
      features: { kprobe: { supported: false, reason: 'attach refused' } },
      record: { cgroupRoot: '/sys/fs/cgroup', cgroupCreate: yes, cgroupAttach: yes, sensor: yes },
      enforcement: {
        egress: yes,
        execKill: yes,
        execRefuse: { supported: false, reason: 'lsm: not loaded' },
        kprobe: { supported: false, reason: 'kprobe: attach refused' },
        exec: 'kill',
      },
      hints: [],
      captureReady: true,
    };
    const line = renderProbeText(probe)
      .split('\n')
      .find((l) => l.trimStart().startsWith('kprobes'));
    expect(line).toMatch(/^ {2}kprobes \(vigil enforce does not need them\) +no {3}kprobe: attach refused$/);
  });

  it('the capture summary shows unix peers as unix:PATH and counts in the singular when there is one', () => {
    const summary: CaptureSummary = {
      events: 3,
      workloads: [
        {
          workload: { id: 'cgroup:/vigil-agent', kind: 'cgroup', name: 'agent', labels: {} },
          events: 3,
          byKind: { 'net.connect': 3 },
          processes: {},
          pids: 1,
          toolCalls: { observed: 0, derived: 0 },
          peers: {
            'unix:/var/run/nscd/socket': { count: 1, firstSeen: 1, lastSeen: 1, failed: 1 },
            'unix:@/tmp/abstract': { count: 1, firstSeen: 1, lastSeen: 1, failed: 0 },
          },
          files: {},
          dnsNames: {},
          firstTs: 1e18,
          lastTs: 1e18,
        },
      ],
    };
    const text = renderSummaryText(['run.vcap'], summary, {});
    expect(text).toContain('run.vcap: 3 events, 1 workload\n');
    expect(text).toMatch(/3 events from \S+ to \S+, 1 process\n/);
    expect(text).toContain('unix:/var/run/nscd/socket  (1 failed)');
    expect(text).toContain('unix:@/tmp/abstract');
    expect(text).not.toMatch(/:0\b/);
  });

  it('the scan says per started server that it connected, its name, version and counts, or why not', () => {
    const result: ScanResult = {
      schemaVersion: 1,
      kind: 'ScanResult',
      inputs: ['.mcp.json'],
      findings: [],
      artifacts: { scanned: 1, skipped: 0, bytes: 120, notFollowed: 0 },
      scanners: [],
      errors: [],
      connections: [
        {
          server: 'memory',
          configUri: '.mcp.json',
          connected: true,
          serverName: 'memory-server',
          serverVersion: '0.6.3',
          tools: 9,
          prompts: 0,
          resources: 1,
        },
        {
          server: 'broken',
          configUri: '.mcp.json',
          connected: false,
          tools: 0,
          prompts: 0,
          resources: 0,
          error: { code: 'INPUT_INVALID', message: 'MCP server broken exited (code 1) before answering' },
        },
      ],
      runtime: { observed: false, events: 0, confirmed: 0, demoted: 0 },
    };
    const text = renderScanText(result);
    expect(text).toContain('1 artifact scanned (120 bytes)');
    expect(text).toContain(
      'MCP server memory (.mcp.json): connected as memory-server 0.6.3; listed 9 tools, 0 prompts, 1 resource',
    );
    expect(text).toContain(
      'MCP server broken (.mcp.json): not listed: MCP server broken exited (code 1) before answering',
    );
  });
});
