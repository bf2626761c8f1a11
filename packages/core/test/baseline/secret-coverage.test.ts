import { describe, expect, it } from 'vitest';
import { Baseline, type VigilEvent } from '../../src/index.js';
import { agentWorkload } from './helpers/agent-sim.js';

const read = (path: string): VigilEvent => ({
  kind: 'file.open',
  ts: 1e18,
  workload: agentWorkload(),
  pid: 10,
  ppid: 1,
  comm: 'cat',
  exe: '/usr/bin/cat',
  source: 'synthetic',
  path,
  flags: 0,
  access: 'read',
  result: 3,
});

describe('secrets and wildcards', () => {
  const b = Baseline.create({ subject: 'k8s:ai/agent/agent', versionKey: 'v1', workload: agentWorkload() });
  // A folder the baseline collapsed to a wildcard after many distinct children.
  b.record(
    {
      domain: 'files',
      segments: ['home', 'agent', '.aws', '*', '@read'],
      concrete: '/home/agent/.aws/* (read)',
    },
    1e18,
    'n',
  );

  it('a wildcard covers ordinary files in the folder', () => {
    expect(b.isCovered(read('/home/agent/.aws/config.bak'))).toBe(true);
  });

  it('a wildcard never covers a credential: it needs an entry that names it', () => {
    expect(b.isCovered(read('/home/agent/.aws/credentials'))).toBe(false);
    expect(b.covers(read('/home/agent/.aws/credentials')).covered).toBe(false);
    const named = Baseline.create({
      subject: 'k8s:ai/agent/agent',
      versionKey: 'v1',
      workload: agentWorkload(),
    });
    named.record(
      {
        domain: 'files',
        segments: ['home', 'agent', '.aws', 'credentials', '@read'],
        concrete: '/home/agent/.aws/credentials (read)',
      },
      1e18,
      'n',
    );
    expect(named.isCovered(read('/home/agent/.aws/credentials'))).toBe(true);
  });
});
