import type { CaptureHeader } from '../capture/format.js';
import type { CaptureSummary } from '../capture/summary.js';
import type { AiBom } from './document.js';

/**
 * What a report saw that payload capture would have named: peers reached over TCP whose protocol
 * nothing showed, and AI SDKs or agent frameworks loaded with no model endpoint known. Input of
 * {@link describePayloadHint}.
 *
 * @example
 * ```ts
 * import { describePayloadHint, type PayloadHintFacts } from '@vigil/core';
 *
 * const facts: PayloadHintFacts = { payloadsCaptured: false, unnamedPeers: ['127.0.0.1:8080'], sdksWithoutEndpoint: ['openai'] };
 * describePayloadHint(facts);
 * ```
 */
export interface PayloadHintFacts {
  /** Whether payload capture was on, or a model, tool or retrieval call was decoded (then no hint is given). */
  readonly payloadsCaptured: boolean;
  /** Peers (`ADDR:PORT`) an agent or process reached whose protocol and purpose are unknown. */
  readonly unnamedPeers: readonly string[];
  /** AI SDKs and agent frameworks that ran while no model endpoint is known. */
  readonly sdksWithoutEndpoint: readonly string[];
  /** Rules that start from a model or tool call (the injection chains) and had none to read. Default: none. */
  readonly rulesWithoutCalls?: readonly string[];
}

/** True when a capture header says payload capture was on. */
function payloadsRecorded(headers: readonly CaptureHeader[]): boolean {
  return headers.some((h) => h.payloads !== undefined && h.payloads.mode !== 'off');
}

const DECODED = new Set(['model-call', 'tool-call', 'tool-list', 'retrieval']);

/**
 * The event kinds of the calls payload capture decodes (or OTel spans carry): model calls, tool
 * calls, tool lists and retrievals. A capture recorded without payloads and without spans has none.
 *
 * @example
 * ```ts
 * import { CALL_EVENT_KINDS } from '@vigil/core';
 *
 * CALL_EVENT_KINDS.includes('tool.call'); // true
 * ```
 */
export const CALL_EVENT_KINDS: readonly string[] = ['model.call', 'tool.call', 'tool.list', 'retrieval'];

/**
 * The facts of {@link PayloadHintFacts} in an AI-BOM: `api` nodes of the flow graph no component
 * names (a bare `ADDR:PORT`), and frameworks used while the AI-BOM has no LLM API, inference server
 * or model called. Payloads count as captured when the captures' drop counters include payload ones
 * (a recorder with payloads on writes them) or a component was seen through a decoded model, tool or
 * retrieval call (not from OpenTelemetry spans alone).
 *
 * @example
 * ```ts
 * import { aiBomPayloadHintFacts, buildAiBom, describePayloadHint } from '@vigil/core';
 *
 * const hint = describePayloadHint(aiBomPayloadHintFacts(await buildAiBom({ captures: ['run.vcap'] })));
 * if (hint) console.error(hint);
 * ```
 */
export function aiBomPayloadHintFacts(bom: AiBom): PayloadHintFacts {
  // A recorder with payloads on writes its payload drop counters (`payload-ringbuf-full`, even at 0).
  const payloadsCaptured =
    Object.keys(bom.inputs.drops).some((k) => k.startsWith('payload')) ||
    bom.components.some((c) =>
      c.observed?.evidence.some((e) => DECODED.has(e.method) && e.source !== 'otel'),
    );
  const unnamedPeers = [
    ...new Set(
      bom.flow.nodes
        .filter((n) => n.type === 'api' && n.componentId === undefined && n.properties['endpoint'])
        .map((n) => n.properties['endpoint']!),
    ),
  ];
  const endpointKnown = bom.components.some(
    (c) =>
      c.observed !== undefined &&
      (c.type === 'llm-api' ||
        c.type === 'inference-server' ||
        (c.type === 'model' && c.properties['provider'])),
  );
  const sdksWithoutEndpoint = endpointKnown
    ? []
    : bom.components.filter((c) => c.type === 'framework' && c.observed !== undefined).map((c) => c.name);
  return { payloadsCaptured, unnamedPeers, sdksWithoutEndpoint };
}

/**
 * The facts of {@link PayloadHintFacts} in a capture summary (`inspectCaptures`): TCP peers of
 * the captured workloads; payloads count as captured when a header says payload capture was on or
 * a model, tool or retrieval call is in the summary. The summary does not know which SDKs ran, so
 * `sdksWithoutEndpoint` is empty.
 *
 * @example
 * ```ts
 * import { describePayloadHint, inspectCaptures, summaryPayloadHintFacts } from '@vigil/core';
 *
 * const i = await inspectCaptures({ captures: ['run.vcap'] });
 * const hint = describePayloadHint(summaryPayloadHintFacts(i.summary, i.headers));
 * ```
 */
export function summaryPayloadHintFacts(
  summary: CaptureSummary,
  headers: readonly CaptureHeader[] = [],
): PayloadHintFacts {
  const payloadsCaptured =
    payloadsRecorded(headers) ||
    summary.workloads.some((w) => CALL_EVENT_KINDS.some((k) => (w.byKind[k] ?? 0) > 0));
  const unnamedPeers = summary.workloads.flatMap((w) =>
    Object.keys(w.peers)
      .filter((p) => p.endsWith('/tcp'))
      .map((p) => p.slice(0, -'/tcp'.length)),
  );
  return { payloadsCaptured, unnamedPeers: [...new Set(unnamedPeers)], sdksWithoutEndpoint: [] };
}

/**
 * The facts of {@link PayloadHintFacts} in a check (`checkCaptures`): the rules given that start
 * from a model or tool call (`chainsStartingFromCalls` of `@vigil/rules` lists them) could not run when
 * no header says payload capture was on and no call reached the detectors (from payloads or OTel
 * spans).
 *
 * @example
 * ```ts
 * import { checkCaptures, checkPayloadHintFacts, describePayloadHint } from '@vigil/core';
 * import { builtinPacks, chainsStartingFromCalls, rulesCheckDetector } from '@vigil/rules';
 *
 * const packs = builtinPacks();
 * const result = await checkCaptures({ captures: ['run.vcap'], detectors: [rulesCheckDetector({ packs })] });
 * const hint = describePayloadHint(checkPayloadHintFacts(result, chainsStartingFromCalls(packs)));
 * if (hint) console.error(hint);
 * ```
 */
export function checkPayloadHintFacts(
  result: { readonly headers: readonly CaptureHeader[]; readonly calls: number },
  rules: readonly string[],
): PayloadHintFacts {
  return {
    payloadsCaptured: payloadsRecorded(result.headers) || result.calls > 0,
    unnamedPeers: [],
    sdksWithoutEndpoint: [],
    rulesWithoutCalls: rules,
  };
}

/**
 * One line pointing to `vigil record --payloads` when a report shows what payload capture would
 * have named (an anonymous peer, an SDK with no endpoint) or rules that could not run without it,
 * and no call was decoded; `undefined` otherwise. It names at most three peers, SDKs and rules.
 *
 * @example
 * ```ts
 * import { describePayloadHint } from '@vigil/core';
 *
 * describePayloadHint({ payloadsCaptured: false, unnamedPeers: ['127.0.0.1:8080'], sdksWithoutEndpoint: ['openai'] });
 * // 'hint: what 127.0.0.1:8080 serves is unknown, and openai ran with no model endpoint known; record with
 * //  `vigil record --payloads …` to name the model endpoint, provider, models and tool calls, and PostgreSQL …'
 * ```
 */
export function describePayloadHint(facts: PayloadHintFacts): string | undefined {
  if (facts.payloadsCaptured) return undefined;
  const some = (xs: readonly string[]) =>
    `${xs.slice(0, 3).join(', ')}${xs.length > 3 ? ` and ${xs.length - 3} more` : ''}`;
  const seen: string[] = [];
  if (facts.unnamedPeers.length > 0)
    seen.push(
      `what ${some(facts.unnamedPeers)} ${facts.unnamedPeers.length === 1 ? 'serves' : 'serve'} is unknown`,
    );
  if (facts.sdksWithoutEndpoint.length > 0)
    seen.push(`${some(facts.sdksWithoutEndpoint)} ran with no model endpoint known`);
  const rules = facts.rulesWithoutCalls ?? [];
  if (rules.length > 0)
    seen.push(
      `no model or tool call was captured, so ${some(rules)} (${rules.length === 1 ? 'a rule that starts' : 'rules that start'} from one) could not run`,
    );
  if (seen.length === 0) return undefined;
  return `hint: ${seen.join(', and ')}; record with \`vigil record --payloads --out FILE -- CMD\` to name the model endpoint, provider, models and tool calls, and PostgreSQL and other data services${rules.length === 0 ? '' : rules.length === 1 ? ', and to run that rule' : ', and to run those rules'}`;
}
