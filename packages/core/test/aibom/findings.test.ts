import { AIBOM_RULES, AiBomBuilder, aiBomFindings, FindingSchema } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import { AGENT_WL, ev } from './events.js';

function bom(declare: boolean) {
  const b = new AiBomBuilder();
  b.onBatch([
    ev({
      kind: 'file.open',
      path: '/a/node_modules/@langchain/core/dist/index.js',
      flags: 0,
      access: 'read',
      result: 3,
    }),
    ev({
      kind: 'process.exec',
      pid: 9,
      ppid: 100,
      filename: '/usr/bin/npx',
      argv: ['npx', '-y', '@modelcontextprotocol/server-everything'],
    }),
    ev({
      kind: 'net.connect',
      family: 'inet',
      protocol: 'tcp',
      daddr: '1.2.3.4',
      dport: 443,
      dnsName: 'api.openai.com',
      result: 0,
    }),
  ]);
  if (declare) {
    b.declare([
      {
        kind: 'package',
        ecosystem: 'npm',
        name: '@langchain/core',
        declaration: { file: 'package.json', input: 'package.json', line: 3 },
      },
      {
        kind: 'package',
        ecosystem: 'npm',
        name: 'llamaindex',
        declaration: {
          file: 'package.json',
          input: 'package.json',
          line: 4,
          path: 'dependencies.llamaindex',
          specifier: '^0.9.0',
        },
      },
    ]);
  }
  return b.result();
}

describe('aiBomFindings', () => {
  it('reports shadow AI per workload (high for MCP servers) and declared-but-unused components (low), as valid findings', () => {
    const findings = aiBomFindings(bom(true));
    for (const f of findings) FindingSchema.parse(f);
    const byTitle = Object.fromEntries(findings.map((f) => [f.title, f]));
    const mcp =
      byTitle['Shadow AI: mcp-server @modelcontextprotocol/server-everything ran but is not declared'];
    expect(mcp).toMatchObject({
      ruleId: AIBOM_RULES.shadowAi,
      severity: 'high',
      category: 'supply-chain',
      workload: { id: AGENT_WL.id },
    });
    expect(mcp?.tags.owaspAgentic).toEqual(['ASI04']);
    expect(mcp?.evidence[0]?.description).toContain('npx -y @modelcontextprotocol/server-everything');
    const unused = byTitle['Declared but never used: framework llamaindex'];
    expect(unused).toMatchObject({ ruleId: AIBOM_RULES.declaredUnused, severity: 'low', category: 'gap' });
    expect(unused?.evidence[0]).toMatchObject({
      type: 'artifact',
      uri: 'package.json',
      line: 4,
      path: 'dependencies.llamaindex',
    });
    // Declared and used, and hosted APIs (which nothing declares), are not findings.
    expect(findings.some((f) => f.title.includes('@langchain/core'))).toBe(false);
    expect(findings.some((f) => f.title.includes('OpenAI'))).toBe(false);
  });

  it('reports nothing without declared inputs (nothing to compare with), and ids are stable', () => {
    expect(aiBomFindings(bom(false))).toEqual([]);
    expect(aiBomFindings(bom(true)).map((f) => f.id)).toEqual(aiBomFindings(bom(true)).map((f) => f.id));
  });
});

describe('aiBomFindings: likely transitive dependencies', () => {
  it('rates an undeclared sibling of a declared framework low, and says to pass the lockfile', () => {
    const b = new AiBomBuilder();
    b.onBatch([
      ev({
        kind: 'file.open',
        path: '/a/node_modules/@openai/agents/dist/index.mjs',
        flags: 0,
        access: 'read',
        result: 3,
      }),
      ev({
        kind: 'file.open',
        path: '/a/node_modules/@openai/agents-core/dist/index.mjs',
        flags: 0,
        access: 'read',
        result: 3,
      }),
    ]);
    b.declare([
      {
        kind: 'package',
        ecosystem: 'npm',
        name: '@openai/agents',
        declaration: { file: 'package.json', input: 'package.json' },
      },
    ]);
    const [f] = aiBomFindings(b.result());
    expect(f).toMatchObject({
      severity: 'low',
      title: 'Shadow AI: framework @openai/agents-core ran but is not declared',
    });
    expect(f?.summary).toMatch(/most likely a transitive dependency: pass the lockfile to confirm\.$/);
  });
});
