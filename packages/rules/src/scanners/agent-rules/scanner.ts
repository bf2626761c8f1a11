import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { countOf, type Severity, severityRank, VigilError } from '@vigil/core';
import type { RuleMeta } from '../../api/rule.js';
import type { ArtifactRef, ArtifactScanner, ScanContext } from '../scanner.js';
import { findHiddenInstructions, instructionSeverity } from '../text/hidden-instructions.js';
import { findInvisible, INVISIBLE_SEVERITY, revealInvisible } from '../text/invisible-unicode.js';
import { findFetchExec } from './fetch-exec.js';

/** Hidden instructions in an agent rules or instruction file, or a skill. */
export const AGENT_RULES_HIDDEN_INSTRUCTIONS: RuleMeta = {
  id: 'vigil.scan.agent-rules-hidden-instructions',
  title: 'Agent rules file or skill carries hidden instructions',
  description:
    'An agent rules or instruction file (`.cursorrules`, `.cursor/rules/*.mdc`, `AGENTS.md`, `CLAUDE.md`, `GEMINI.md`, `.github/copilot-instructions.md`, `.windsurfrules`, …) or a skill\'s `SKILL.md` tells the agent to hide what it does from the user, to ignore earlier instructions, or to read credentials or the agent\'s MCP configuration (the "rules file backdoor" class). The same detectors as MCP tool poisoning.',
  severity: 'high',
  version: '1.0.0',
  tags: { owaspLlm: ['LLM01'], owaspAgentic: ['ASI01', 'ASI04'], atlas: ['AML.T0051.001'] },
  areas: ['supply-chain', 'agent-tool-misuse'],
  equivalents: ['Pillar Security: Rules File Backdoor'],
};

/** Invisible Unicode in an agent rules file or a skill. */
export const AGENT_RULES_INVISIBLE_UNICODE: RuleMeta = {
  id: 'vigil.scan.agent-rules-invisible-unicode',
  title: 'Agent rules file or skill hides text in invisible or bidirectional Unicode',
  description:
    "Unicode tag characters, bidirectional controls, zero-width characters, stray variation selectors or soft hyphens in an agent rules file, a skill or a skill's script: text the agent reads and a reviewer does not see.",
  severity: 'high',
  version: '1.0.0',
  tags: { owaspLlm: ['LLM01'], owaspAgentic: ['ASI04'], atlas: ['AML.T0051.001'], attack: ['T1027'] },
  areas: ['supply-chain', 'defense-evasion'],
};

/** A skill that fetches code and runs it. */
export const SKILL_FETCH_EXEC: RuleMeta = {
  id: 'vigil.scan.skill-fetch-exec',
  title: 'Skill fetches code from the network and runs it',
  description:
    'A script an agent skill ships (or its `SKILL.md`, or a rules file) downloads code and runs it (`curl … | sh`, `wget … && chmod +x`, `python -c "$(curl …)"`) or decodes an embedded payload and pipes it to a shell: whatever the remote serves runs with the agent\'s rights.',
  severity: 'high',
  version: '1.0.0',
  tags: { owaspLlm: ['LLM03'], owaspAgentic: ['ASI04', 'ASI05'], attack: ['T1105', 'T1059.004'] },
  areas: ['supply-chain', 'execution'],
};

const RULE_FILE =
  /(?:^|[\\/])(?:\.cursorrules|\.windsurfrules|\.clinerules|AGENTS\.md|AGENT\.md|CLAUDE\.md|CLAUDE\.local\.md|GEMINI\.md|codex\.md|copilot-instructions\.md|SKILL\.md|[^\\/]+\.instructions\.md)$|(?:^|[\\/])\.cursor[\\/]rules[\\/][^\\/]+\.mdc?$|(?:^|[\\/])\.windsurf[\\/]rules[\\/][^\\/]+\.md$|(?:^|[\\/])\.clinerules[\\/][^\\/]+\.md$/i;
const SCRIPT = /\.(?:sh|bash|zsh|py|js|mjs|cjs|ts|rb|pl|ps1|bat|cmd)$/i;

/** The nearest folder at or above `path`'s folder holding a `SKILL.md` (at most 4 levels up). */
export function skillRootOf(path: string): string | undefined {
  let dir = dirname(resolve(path));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'SKILL.md'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function lineAt(text: string, index: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The agent rules and skills scanner: agent rule and instruction files of
 * Cursor, Claude Code, Codex, Gemini CLI, GitHub Copilot, Windsurf and Cline,
 * and agent skills (a folder with a `SKILL.md`, and the scripts in it). It
 * reports hidden instructions and invisible Unicode (the detectors the MCP
 * scanner uses) and scripts that fetch code and run it.
 *
 * @example
 * ```ts
 * import { agentRulesScanner, scanPaths } from '@vigil/rules';
 *
 * const result = await scanPaths(['.'], { scanners: [agentRulesScanner] });
 * ```
 */
export const agentRulesScanner: ArtifactScanner = {
  id: 'vigil.scan.agent-rules',
  title: 'Agent rules, instruction files and skills',
  version: '1.0.0',
  rules: [AGENT_RULES_HIDDEN_INSTRUCTIONS, AGENT_RULES_INVISIBLE_UNICODE, SKILL_FETCH_EXEC],
  accepts(a: ArtifactRef): boolean {
    if (RULE_FILE.test(a.path)) return true;
    const script = SCRIPT.test(a.path) || (a.head[0] === 0x23 && a.head[1] === 0x21);
    return script && skillRootOf(a.path) !== undefined;
  },
  async scan(a: ArtifactRef, ctx: ScanContext): Promise<void> {
    const max = Math.min(ctx.limits.maxBytes, 16 << 20);
    if (a.size > max)
      throw new VigilError(
        'INPUT_INVALID',
        `agent rules file is ${a.size} bytes, over the ${max}-byte limit`,
        {
          location: { file: a.path },
        },
      );
    let text: string;
    try {
      text = (await readFile(a.path)).toString('utf8');
    } catch (cause) {
      throw new VigilError('IO', `cannot read agent rules file: ${(cause as Error).message}`, {
        cause,
        location: { file: a.path },
      });
    }
    const isRules = RULE_FILE.test(a.path);
    const what = isRules ? 'rules file' : 'skill script';
    const at = (index: number) => ({
      uri: a.path,
      line: lineAt(text, index),
      byteOffset: Buffer.byteLength(text.slice(0, index)),
    });

    const runs = findInvisible(text);
    if (runs.length > 0) {
      let severity: Severity = 'info';
      for (const r of runs)
        if (severityRank(INVISIBLE_SEVERITY[r.class]) > severityRank(severity))
          severity = INVISIBLE_SEVERITY[r.class];
      const decoded = runs.map((r) => r.decoded).filter((d): d is string => d !== undefined);
      const first = runs[0]!;
      const lineText = text.split('\n')[lineAt(text, first.index) - 1] ?? '';
      ctx.report({
        ruleId: AGENT_RULES_INVISIBLE_UNICODE.id,
        subject: 'invisible',
        summary: `${what} hides ${countOf(
          runs.reduce((n, r) => n + r.count, 0),
          'invisible character',
        )} (${[...new Set(runs.map((r) => r.class))].join(', ')})${decoded.length > 0 ? ` spelling "${decoded.join(' ').slice(0, 200)}"` : ''}`,
        location: at(first.index),
        severity,
        evidence: runs.slice(0, 10).map((r) => ({
          type: 'artifact' as const,
          description: `${countOf(r.count, `${r.class} character`)}${r.decoded ? ` spelling "${r.decoded.slice(0, 200)}"` : ''}`,
          uri: a.path,
          line: lineAt(text, r.index),
          offset: Buffer.byteLength(text.slice(0, r.index)),
        })),
        riskReasons: [
          `line ${lineAt(text, first.index)} revealed: ${revealInvisible(lineText).slice(0, 200)}`,
        ],
      });
    }

    if (isRules) {
      // Tag characters decode to ASCII the model reads: run the instruction detectors over that too.
      const hidden = runs
        .map((r) => r.decoded)
        .filter((d): d is string => d !== undefined)
        .join('\n');
      const matches = [
        ...findHiddenInstructions(text),
        ...(hidden ? findHiddenInstructions(hidden).map((m) => ({ ...m, index: runs[0]!.index })) : []),
      ];
      const severity = instructionSeverity(matches);
      if (severity !== undefined) {
        const first = matches[0]!;
        ctx.report({
          ruleId: AGENT_RULES_HIDDEN_INSTRUCTIONS.id,
          subject: 'instructions',
          summary: `${what} carries instructions aimed at the agent (${[...new Set(matches.map((m) => m.kind))].join(', ')}): "${first.excerpt}"`,
          location: at(first.index),
          severity,
          evidence: matches.slice(0, 10).map((m) => ({
            type: 'artifact' as const,
            description: `${m.kind}: "${m.excerpt}"`,
            uri: a.path,
            line: lineAt(text, m.index),
            offset: Buffer.byteLength(text.slice(0, m.index)),
          })),
        });
      }
    }

    const execs = findFetchExec(text);
    if (execs.length > 0) {
      const first = execs[0]!;
      const index =
        text
          .split('\n')
          .slice(0, first.line - 1)
          .join('\n').length + (first.line > 1 ? 1 : 0);
      ctx.report({
        ruleId: SKILL_FETCH_EXEC.id,
        subject: 'fetch-exec',
        summary: `${what} fetches code and runs it (${[...new Set(execs.map((e) => e.kind))].join(', ')}): ${first.excerpt}`,
        location: { uri: a.path, line: first.line, byteOffset: Buffer.byteLength(text.slice(0, index)) },
        evidence: execs.slice(0, 10).map((e) => ({
          type: 'artifact' as const,
          description: `${e.kind}: ${e.excerpt}`,
          uri: a.path,
          line: e.line,
        })),
      });
    }
  },
};
