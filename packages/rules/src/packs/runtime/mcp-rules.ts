import { countOf } from '@vigil/core';
import { defineRule } from '../../api/rule.js';
import { diffPins, type McpServerPin, pinServer, renderPinDiff } from '../../scanners/mcp/pins.js';
import { MCP_RUG_PULL } from '../../scanners/mcp/rules.js';
import { capturedDefinitions } from '../../scanners/mcp/scanner.js';

// Pins carry a date; a rule compares hashes and definitions only, so every pin gets the same one.
const EPOCH = new Date(0);

/**
 * An MCP server whose tool list changes while the workload runs: the rug pull
 * `vigil scan --capture` reports, found live in the event stream with the
 * scanner's own pins and diff.
 */
export const mcpRugPull = defineRule({
  meta: {
    id: 'vigil.runtime.mcp-rug-pull',
    title: 'MCP server changed its tools during a session (rug pull)',
    description:
      "An MCP server's tool list (names, descriptions and input schemas, as `tool.list` events record them from its `tools/list` answers) changed while the workload ran: the first list of a server is its pin, and a later list whose pin differs is reported with the diff. Pages of a paginated listing are left out. The same pins and diff as the MCP scanner's vigil.scan.mcp-rug-pull, which compares against pins kept between scans. Equivalents: none in Falco, Tracee or Kubescape; mcp-scan pins tool descriptions between scans.",
    severity: MCP_RUG_PULL.severity,
    version: '1.0.0',
    areas: MCP_RUG_PULL.areas ?? ['supply-chain'],
    tags: { ...MCP_RUG_PULL.tags, owaspAgentic: ['ASI04'], atlas: ['AML.T0010'] },
    equivalents: ['mcp-scan: tool pinning (md5 of descriptions)'],
    rationale:
      'Clients approve a server once; a server that changes its descriptions afterwards can put instructions in front of the model that nobody reviewed.',
    falsePositives: 'A server upgraded between two sessions of a long-running agent.',
    tuning:
      'Add an exception on `server` for servers you upgrade in place, or review and re-pin with `vigil scan --pins FILE --repin`.',
  },
  kinds: ['tool.list'],
  onEvent(ev, ctx) {
    if (ev.kind !== 'tool.list') return;
    // A paginated listing is partial: its pages (the one with a next cursor, then the last) are no pin.
    const paging = `paging:${ev.server}:${ev.listKind ?? 'tools'}`;
    if (ev.paginated === true) {
      ctx.state.set(paging, true);
      return;
    }
    if (ctx.state.delete(paging)) return;
    const pin = pinServer(
      capturedDefinitions({
        server: ev.server,
        tools: ev.tools,
        ts: ev.ts,
        workload: ev.workload.id,
        uri: '',
      }),
      EPOCH,
    );
    const key = `pin:${ev.server}:${ev.listKind ?? 'tools'}`;
    const before = ctx.state.get<McpServerPin>(key);
    ctx.state.set(key, pin);
    if (before === undefined || before.hash === pin.hash) return;
    const changes = diffPins(before, pin, 'capture');
    if (changes.length === 0) return;
    ctx.report({
      subject: `server:${ev.server}:${pin.hash}`,
      summary: `${ev.server} changed its tools during the session: ${countOf(changes.length, 'change')} (${changes
        .slice(0, 3)
        .map((c) => `${c.change} ${c.kind} ${c.name}`)
        .join('; ')})`,
      evidence: [{ type: 'note', description: renderPinDiff(changes) }],
    });
  },
});
