import type { RuleMeta } from '../../api/rule.js';

const poisoningTags = {
  owaspLlm: ['LLM01'],
  owaspAgentic: ['ASI01', 'ASI04'],
  atlas: ['AML.T0051.001'],
} as const;

/** Hidden instructions in an MCP tool, prompt or resource definition (tool poisoning). */
export const MCP_HIDDEN_INSTRUCTIONS: RuleMeta = {
  id: 'vigil.scan.mcp-hidden-instructions',
  title: 'MCP definition carries hidden instructions (tool poisoning)',
  description:
    'A tool, prompt or resource description (or a description inside its input schema) addresses the model rather than the user: `<IMPORTANT>`-style directive blocks, "do not tell the user", overrides of earlier instructions, coercion ("before using any tool you must…"), or a request to read credentials, `.env` files or the agent\'s own MCP configuration. The model reads the full description; the user usually sees only the tool name.',
  severity: 'high',
  version: '1.0.0',
  tags: poisoningTags,
  areas: ['supply-chain', 'agent-tool-misuse', 'credential-access'],
  equivalents: ['mcp-scan: tool poisoning', 'Cisco mcp-scanner: YARA prompt injection / tool poisoning'],
  rationale: "Tool poisoning turns any agent that connects to the server into the attacker's agent.",
  falsePositives: 'A description that quotes an attack as an example (security tooling) matches.',
  tuning: 'Add an exception for the server and tool after review; pin the reviewed definitions.',
};

/** Invisible or bidirectional Unicode in an MCP definition. */
export const MCP_INVISIBLE_UNICODE: RuleMeta = {
  id: 'vigil.scan.mcp-invisible-unicode',
  title: 'MCP definition hides text in invisible or bidirectional Unicode',
  description:
    'A name or description contains Unicode tag characters (U+E0000–E007F, which spell ASCII text the user cannot see), bidirectional controls, zero-width characters, stray variation selectors or soft hyphens.',
  severity: 'high',
  version: '1.0.0',
  tags: { ...poisoningTags, attack: ['T1027'] },
  areas: ['supply-chain', 'defense-evasion'],
  equivalents: ['mcp-scan: hidden unicode (partial)'],
};

/** A tool name that imitates another. */
export const MCP_LOOKALIKE_TOOL_NAME: RuleMeta = {
  id: 'vigil.scan.mcp-lookalike-tool-name',
  title: 'MCP tool name imitates another tool',
  description:
    'A tool name reads the same as another tool of the same or another server, or as a well-known tool, once look-alike letters (Cyrillic, Greek), digits standing for letters (`read_fi1e`) and invisible characters are folded; or it mixes non-Latin letters into a Latin name.',
  severity: 'high',
  version: '1.0.0',
  tags: { owaspAgentic: ['ASI04'], atlas: ['AML.T0051.001'], attack: ['T1036'] },
  areas: ['supply-chain', 'defense-evasion'],
};

/** A description that instructs about another server's tools. */
export const MCP_CROSS_SERVER_SHADOWING: RuleMeta = {
  id: 'vigil.scan.mcp-cross-server-shadowing',
  title: "MCP tool description instructs about another server's tools (shadowing)",
  description:
    "A description of one server's tool names a tool of another server configured for the same agent and tells the model how to use it — to redirect, copy or change its calls — without the other tool ever being called through the poisoned server.",
  severity: 'high',
  version: '1.0.0',
  tags: { owaspLlm: ['LLM01'], owaspAgentic: ['ASI01', 'ASI02', 'ASI04'], atlas: ['AML.T0051.001'] },
  areas: ['supply-chain', 'agent-tool-misuse'],
  equivalents: ['mcp-scan: cross-origin escalation / tool shadowing'],
};

/** Parameters that ask the model for secrets or the conversation. */
export const MCP_CREDENTIAL_PARAMETER: RuleMeta = {
  id: 'vigil.scan.mcp-credential-parameter',
  title: 'MCP tool asks the model for credentials or the conversation',
  description:
    'A tool parameter is named like a credential (`api_key`, `token`, `password`, `ssh_key`, …) so the model fills it from whatever secrets are in its context, or a free-form side field (`context`, `notes`, `metadata`, …) is described as wanting secrets, the system prompt or the conversation history — an exfiltration channel.',
  severity: 'medium',
  version: '1.0.0',
  tags: { owaspLlm: ['LLM02', 'LLM07'], owaspAgentic: ['ASI03'], atlas: ['AML.T0057'] },
  areas: ['supply-chain', 'credential-access', 'exfiltration'],
};

/** Definitions changed since they were pinned. */
export const MCP_RUG_PULL: RuleMeta = {
  id: 'vigil.scan.mcp-rug-pull',
  title: 'MCP server definitions changed since pinned (rug pull)',
  description:
    "The SHA-256 of a server's normalised tool, prompt and resource definitions differs from its pin, or a server's tool list changed during a captured session. The finding carries a diff of what was added, removed and changed.",
  severity: 'high',
  version: '1.0.0',
  tags: { owaspAgentic: ['ASI04'], owaspLlm: ['LLM03'], atlas: ['AML.T0010'] },
  areas: ['supply-chain', 'behaviour-drift'],
  equivalents: ['mcp-scan: tool pinning (md5 of descriptions)'],
  tuning: 'After review, re-pin with `vigil scan --pins FILE --repin`.',
};

/** An agent that can read untrusted content and private data and write to a public sink. */
export const MCP_TOXIC_FLOW: RuleMeta = {
  id: 'vigil.scan.mcp-toxic-flow',
  title: 'Agent configuration combines untrusted content, private data and a public sink (toxic flow)',
  description:
    'One client configuration gives the agent tools that bring in untrusted content (web, email, issues), tools that read private data (files, databases, secrets) and tools that send data out (HTTP, email, git push). One injected instruction in the untrusted content can chain the other two.',
  severity: 'high',
  version: '1.0.0',
  tags: {
    owaspLlm: ['LLM01', 'LLM02', 'LLM06'],
    owaspAgentic: ['ASI01', 'ASI02'],
    atlas: ['AML.T0051.001', 'AML.T0025'],
  },
  areas: ['agent-tool-misuse', 'exfiltration'],
  equivalents: ['mcp-scan: toxic flows (lethal trifecta)'],
  tuning: 'Split the tools across agents, or disable the sink or the untrusted source for this client.',
};

/** A configured stdio server that `--connect` could not start or list: its definitions went unscanned. */
export const MCP_SERVER_NOT_LISTED: RuleMeta = {
  id: 'vigil.scan.mcp-server-not-listed',
  title: 'MCP server could not be started or listed; its definitions were not scanned',
  description:
    'With `connect`, the scanner starts each stdio server a configuration declares and asks it for its tools, prompts and resources. This server exited, did not answer within its time limit, or answered with something that is not an MCP listing, so none of its definitions were checked for poisoning, shadowing, credential parameters or changes since they were pinned. The finding carries the error. A server that cannot be looked at is not a clean server.',
  severity: 'medium',
  version: '1.0.0',
  tags: { owaspAgentic: ['ASI04'], owaspLlm: ['LLM03'] },
  areas: ['supply-chain'],
  rationale: 'A scan that could not look must not pass as a scan that found nothing.',
  falsePositives:
    'A server that needs credentials, network access or a folder the clean environment of the scan does not give it.',
  tuning:
    'Fix the configuration (command, arguments, folders), or scan the definitions another way: save a `tools/list` answer to a JSON file and scan that, or give `--capture` with a recording of the server in use.',
};

/** Every rule the MCP scanner reports. */
export const MCP_SCANNER_RULES: readonly RuleMeta[] = [
  MCP_HIDDEN_INSTRUCTIONS,
  MCP_INVISIBLE_UNICODE,
  MCP_LOOKALIKE_TOOL_NAME,
  MCP_CROSS_SERVER_SHADOWING,
  MCP_CREDENTIAL_PARAMETER,
  MCP_RUG_PULL,
  MCP_TOXIC_FLOW,
  MCP_SERVER_NOT_LISTED,
];
