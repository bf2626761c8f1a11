/**
 * An example Vigil rule pack: what a security team or vendor writes to add
 * their own detections to Vigil. Install it next to Vigil and run
 * `vigil check --rules @acme/vigil-rules-example CAPTURE…`, or load it with
 * `loadRulePack('@acme/vigil-rules-example')`.
 *
 * @packageDocumentation
 */
import {
  defineRule,
  defineSequenceRule,
  RULE_ENGINE_VERSION,
  type Rule,
  type RulePack,
  step,
} from '@vigil/rules';

/** What the pack can be configured with. */
export interface AcmePackOptions {
  /** Model providers the organisation has approved. Default: openai and anthropic. */
  readonly approvedProviders?: readonly string[];
  /** Documents in one retrieval that count as a bulk read. Default 50. */
  readonly bulkDocuments?: number;
}

/** Calls to model providers the organisation has not approved (shadow AI). */
export function unapprovedProvider(approved: readonly string[]): Rule {
  const allowed = new Set(approved);
  return defineRule({
    meta: {
      id: 'acme.llm.unapproved-provider',
      title: 'Model provider not approved',
      description: 'A workload called a model provider that is not on the approved list (shadow AI).',
      severity: 'medium',
      version: '1.0.0',
      tags: { owaspLlm: ['LLM02'], owaspAgentic: ['ASI04'] },
      areas: ['supply-chain', 'exfiltration'],
      rationale: 'Data sent to unapproved providers leaves the organisation’s contracts and controls.',
      falsePositives: 'Providers approved after the pack was configured.',
      tuning:
        'Pass `approvedProviders` to `createAcmePack`, or add an exception on `provider` for one workload.',
    },
    kinds: ['model.call'],
    onEvent(ev, ctx) {
      if (allowed.has(ev.provider)) return;
      ctx.report({
        subject: ev.provider,
        summary: `${ev.agent ?? ev.comm} called ${ev.provider} (${ev.model}), which is not approved`,
      });
    },
  });
}

/** A bulk read from a RAG store followed by an upload to object storage. */
export function bulkRetrievalThenUpload(bulkDocuments: number): Rule {
  return defineSequenceRule({
    meta: {
      id: 'acme.rag.bulk-retrieval-then-upload',
      title: 'Bulk retrieval, then upload to object storage',
      description: `A workload retrieved at least ${bulkDocuments} documents in one call and then wrote to object storage within five minutes.`,
      severity: 'high',
      version: '1.0.0',
      tags: { owaspLlm: ['LLM02', 'LLM08'], owaspAgentic: ['ASI02'], atlas: ['AML.T0025'] },
      areas: ['exfiltration'],
      rationale: 'Copying a knowledge base out is the quiet way to exfiltrate through an agent.',
      falsePositives: 'Scheduled re-indexing jobs that export embeddings.',
      tuning: 'Raise `bulkDocuments`, or add an exception on `workload.name` for the indexer.',
    },
    keyBy: 'workload',
    windowMs: 5 * 60_000,
    steps: [
      step({
        name: 'bulk-read',
        description: 'a bulk retrieval',
        kinds: ['retrieval'],
        match: (ev) => (ev.documents ?? 0) >= bulkDocuments,
      }),
      step({
        name: 'upload',
        description: 'then a write to object storage',
        kinds: ['cloud.api'],
        match: (ev) => /^(PutObject|UploadPart|CompleteMultipartUpload)$/.test(ev.action),
      }),
    ],
    subject: (events) => {
      const upload = events[1];
      return upload?.kind === 'cloud.api' ? upload.resources.join(',') : '';
    },
  });
}

/**
 * Builds the pack with options.
 *
 * @example
 * ```ts
 * import { createAcmePack } from '@acme/vigil-rules-example';
 * import { builtinPacks, RuleEngine } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: [...builtinPacks(), createAcmePack({ approvedProviders: ['openai'] })] });
 * ```
 */
export function createAcmePack(options: AcmePackOptions = {}): RulePack {
  return {
    name: '@acme/vigil-rules-example',
    version: '1.0.0',
    engine: `^${RULE_ENGINE_VERSION.split('.')[0]}.0.0`,
    description: 'Acme detections: shadow model providers and bulk knowledge-base exfiltration.',
    rules: [
      unapprovedProvider(options.approvedProviders ?? ['openai', 'anthropic']),
      bulkRetrievalThenUpload(options.bulkDocuments ?? 50),
    ],
    exceptions: [
      {
        name: 'the nightly indexer exports embeddings',
        rules: ['acme.rag.bulk-retrieval-then-upload'],
        when: { 'workload.name': ['rag-indexer'] },
        reason: 'Scheduled export of the embeddings to the backup bucket.',
      },
    ],
  };
}

/** The pack with its default options; `loadRulePack` and `vigil check --rules` use this export. */
const pack: RulePack = createAcmePack();
export default pack;
