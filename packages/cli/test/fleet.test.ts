import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultBaselineKey, ObservedUseAccumulator } from '@vigil/core';
import { FleetPublisher, FleetView } from '@vigil/fleet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finding, learnReplica, replica } from '../../fleet/test/helpers/fixtures.js';
import { NatsCluster, natsUnavailable } from '../../fleet/test/helpers/nats.js';
import { OtlpCollector } from '../../reporters/test/helpers/otlp-collector.js';
import { runCli } from './helpers.js';

const why = natsUnavailable();
if (why) console.warn(`skipping vigil hub and vigil fleet: ${why}`);

describe.skipIf(why !== undefined)('vigil hub and vigil fleet', () => {
  let nats: NatsCluster;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cli-fleet-'));
    nats = await NatsCluster.start(1);
  }, 120_000);
  afterAll(async () => {
    await nats?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a hub until SIGTERM and serves the fleet through vigil fleet in each format', async () => {
    const url = nats.urls[0]!;
    const collector = await OtlpCollector.start();
    const hub = runCli(['hub', '--nats', url, '--partitions', '4', '--json', '--otlp', collector.url]);
    const wa = replica('node-a', 0);
    const wb = replica('node-b', 1);
    const key = defaultBaselineKey(wa);
    const pa = await FleetPublisher.open({
      servers: url,
      spoolDir: join(dir, 'a'),
      node: 'node-a',
      partitions: 4,
    });
    const pb = await FleetPublisher.open({
      servers: url,
      spoolDir: join(dir, 'b'),
      node: 'node-b',
      partitions: 4,
    });
    try {
      pa.publishFinding(finding('f-exfil', wa));
      pb.publishFinding(finding('f-exfil', wb));
      pa.publishBaseline(key.subject, learnReplica('node-a', wa, 100, 0));
      pb.publishBaseline(key.subject, learnReplica('node-b', wb, 100, 1));
      const use = new ObservedUseAccumulator();
      use.add({
        ts: 1,
        workload: wa,
        pid: 7,
        ppid: 1,
        comm: 'node',
        exe: '/usr/bin/node',
        source: 'synthetic',
        kind: 'tool.call',
        server: 'files',
        tool: 'read_file',
        status: 'ok',
      });
      pa.publishGap({ workloadKey: key.subject, observed: use.result() });
      await Promise.all([pa.flush({ timeoutMs: 60_000 }), pb.flush({ timeoutMs: 60_000 })]);
    } finally {
      await Promise.all([pa.close(), pb.close()]);
    }
    // The hub made its buckets when it started; wait until it has handled all four messages.
    const deadline = Date.now() + 60_000;
    for (;;) {
      let done = false;
      try {
        const view = await FleetView.open({ servers: url });
        try {
          const records = await view.baselineRecords();
          done =
            (await view.findings()).length === 1 && records.length === 1 && records[0]!.nodes.length === 2;
        } finally {
          await view.close();
        }
      } catch {
        // The hub has not made its buckets yet.
      }
      if (done) break;
      if (Date.now() > deadline) throw new Error('the hub did not handle the messages');
      await new Promise((r) => setTimeout(r, 200));
    }
    process.emit('SIGTERM', 'SIGTERM');
    const stopped = await hub;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('consuming partitions 0,1,2,3 of 4');
    expect(JSON.parse(stopped.stdout).messages).toBeGreaterThanOrEqual(5);
    // --otlp: the fleet finding went out once, as one log record, though two nodes reported it.
    expect(collector.logRecords().map((r) => r.attributes['vigil.finding.id'])).toEqual(['f-exfil']);
    await collector.close();

    const sarif = await runCli(['fleet', 'findings', '--nats', url, '--format', 'sarif']);
    expect(sarif.code).toBe(0);
    const results = JSON.parse(sarif.stdout).runs[0].results;
    expect(results).toHaveLength(1);
    expect(JSON.stringify(results[0])).toMatch(/node-a.*node-b/);

    const json = await runCli(['fleet', 'findings', '--nats', url]);
    const [f] = JSON.parse(json.stdout).findings;
    expect(f.sightings.map((s: { node: string }) => s.node)).toEqual(['node-a', 'node-b']);

    const ocsf = await runCli(['fleet', 'findings', '--nats', url, '--format', 'ocsf']);
    expect(ocsf.stdout.trim().split('\n')).toHaveLength(1);
    const md = await runCli(['fleet', 'findings', '--nats', url, '--format', 'markdown']);
    expect(md.stdout).toContain('Credential file read by the agent');

    const baselines = await runCli(['fleet', 'baselines', '--nats', url]);
    const set = JSON.parse(baselines.stdout);
    expect(set.kind).toBe('vigil.baseline-set');
    expect(set.baselines).toHaveLength(1);
    expect(Object.keys(set.baselines[0].learning).sort()).toEqual(['node-a', 'node-b']);

    const mcp = join(dir, 'claude_desktop_config.json');
    writeFileSync(
      mcp,
      JSON.stringify({ mcpServers: { files: { command: 'npx', args: ['-y', 'server-fs', '/data'] } } }),
    );
    const gapArgs = [
      'fleet',
      'gap',
      '--nats',
      url,
      '--declared',
      mcp,
      '--bind',
      '*=mcp:claude_desktop_config',
    ];
    const gap = await runCli(gapArgs);
    expect(gap.code, gap.stderr).toBe(0);
    const gapDoc = JSON.parse(gap.stdout);
    expect(gapDoc.kind).toBe('vigil.gap');
    expect(gapDoc.report.totals.granted).toBeGreaterThan(0);
    const gapText = await runCli([...gapArgs, '--format', 'text']);
    expect(gapText.code).toBe(0);
    expect(gapText.stdout.length).toBeGreaterThan(0);

    const posture = await runCli(['fleet', 'posture', '--nats', url, '--format', 'text']);
    expect(posture.code).toBe(0);
    expect(posture.stdout).toContain('fleet: 2 nodes, 1 workload');
    expect(posture.stdout).toContain('findings: 1 (1 high)');
  }, 240_000);

  it('says what is wrong in one line and exits 2', async () => {
    const url = nats.urls[0]!;
    const cases: [string[], RegExp][] = [
      [['fleet', 'bogus', '--nats', url], /fleet needs one of findings, incidents/],
      [['fleet', 'baselines', '--nats', url, '--format', 'sarif'], /fleet baselines writes json, not sarif/],
      [['fleet', 'findings'], /give the NATS servers with --nats URL/],
      [['fleet', 'gap', '--nats', url], /fleet gap needs --declared PATH/],
      [['fleet', 'findings', '--nats', url, '--declared', 'x.yaml'], /--declared is for fleet gap/],
      [['hub', '--nats', url, '--otlp', 'nope'], /not a URL/],
      [['hub', '--nats', url, '--partitions', '0'], /--partitions takes a whole number from 1 to 1000/],
      [['hub', '--nats', url, '--partitions', '4', '--own', '3-5'], /--own takes partitions from 0 to 3/],
      [['fleet', 'findings', '--nats', 'nats://127.0.0.1:1'], /cannot connect to NATS/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  }, 120_000);
});
