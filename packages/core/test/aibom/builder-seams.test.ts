import { SignatureCatalogue } from '@vigil/core';
import { describe, expect, it } from 'vitest';
import type { ComponentEvidence, DiscoveryMethod } from '../../src/aibom/document.js';
import { admitSample, evidenceDetail } from '../../src/aibom/internal/evidence.js';
import { PathClassifier } from '../../src/aibom/internal/path-class.js';
import { componentStatus, type DeclaredScope } from '../../src/aibom/internal/shadow-ai.js';

const sample = (method: DiscoveryMethod, workloadId = 'w1'): ComponentEvidence => ({
  method,
  kind: 'file.open',
  ts: 1,
  workloadId,
  pid: 1,
  comm: 'node',
  detail: 'x',
  source: 'replay',
});

describe('shadow-AI classification', () => {
  const npm: DeclaredScope = { any: true, domains: new Set(['npm']) };
  const mcp: DeclaredScope = { any: true, domains: new Set(['mcp']) };
  const none: DeclaredScope = { any: false, domains: new Set() };
  const framework = { id: 'pkg:npm/openai', type: 'framework' as const };
  const server = { id: 'mcp-server:npm/@modelcontextprotocol/server-memory', type: 'mcp-server' as const };

  it.each([
    // component, declared, observed, scope, status
    ['an observed framework no manifest lists', framework, false, true, npm, 'undeclared-used'],
    ['a declared framework seen', framework, true, true, npm, 'declared-used'],
    ['a declared framework never seen', framework, true, false, npm, 'declared-unused'],
    ['an MCP server no configuration lists', server, false, true, mcp, 'undeclared-used'],
    // Must not be called shadow AI: nothing that could list it was given.
    ['a framework judged only against an MCP configuration', framework, false, true, mcp, 'observed'],
    ['a framework with no declared inputs at all', framework, false, true, none, 'observed'],
    [
      'a model (never declarable)',
      { id: 'model:openai/gpt-4o', type: 'model' as const },
      false,
      true,
      npm,
      'observed',
    ],
  ] as const)('%s', (_name, c, declared, observed, scope, status) => {
    expect(componentStatus(c, declared, observed, scope)).toBe(status);
  });
});

describe('evidence sampling', () => {
  it('keeps the first samples, then makes room for a new method and takes a new workload within four times the bound', () => {
    const list: ComponentEvidence[] = [];
    for (let i = 0; i < 2; i++) if (admitSample(list, 'file-open', 'w1', 2)) list.push(sample('file-open'));
    expect(list).toHaveLength(2);
    // A repeat of a known method in a known workload is not kept.
    expect(admitSample(list, 'file-open', 'w1', 2)).toBe(false);
    // A new method replaces a repeat.
    expect(admitSample(list, 'exec', 'w1', 2)).toBe(true);
    expect(list).toHaveLength(1);
    list.push(sample('exec'));
    // A new workload is kept past the bound, up to four times it.
    for (const w of ['w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8']) {
      if (admitSample(list, 'exec', w, 2)) list.push(sample('exec', w));
    }
    expect(list).toHaveLength(8);
    expect(admitSample(list, 'exec', 'w9', 2)).toBe(false);
  });

  it('cuts long details to 512 characters', () => {
    expect(evidenceDetail('a'.repeat(600))).toHaveLength(512);
    expect(evidenceDetail('short')).toBe('short');
  });
});

describe('path classes', () => {
  const paths = new PathClassifier(SignatureCatalogue.builtin());
  it.each([
    ['/srv/app/node_modules/openai/index.js', 'package'],
    ['/models/llama-3.gguf', 'model'],
    ['/home/u/.aws/credentials', 'credential'],
    ['/srv/app/.env', 'credential'],
    ['/data/docs/report.txt', 'data'],
    // Must not count: library code, system files, an ambiguous model extension inside a library tree.
    ['/srv/app/node_modules/left-pad/index.js', 'ignore'],
    ['/usr/lib/x86_64-linux-gnu/libc.so.6', 'ignore'],
    ['/srv/app/node_modules/x/weights.bin', 'ignore'],
  ])('%s is %s', (path, kind) => {
    expect(paths.classify(path).kind).toBe(kind);
    // Memoised answers are the same answers.
    expect(paths.classify(path).kind).toBe(kind);
  });
});
