/**
 * True for a call of one of the agent's own tools (a function tool run in the agent's process,
 * `transport: 'in-process'`, whether attribution derived it from a model response or an OTel span
 * reported it), false for a call to an MCP server. A local tool is a tool of its agent, never an
 * MCP server: drift, the AI-BOM and the gap analysis tell the two apart with this one test.
 *
 * @example
 * ```ts
 * import { isLocalToolCall } from '@vigil/core';
 *
 * isLocalToolCall({ transport: 'in-process' }); // true
 * isLocalToolCall({ transport: 'stdio' }); // false
 * ```
 */
export function isLocalToolCall(ev: { readonly transport?: string | undefined }): boolean {
  return ev.transport === 'in-process';
}
