import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runLangGraph } from './agents/langgraph.js';
import { runOpenAiAgents } from './agents/openai-agents.js';
import { runOpenAiSdk } from './agents/openai-sdk.js';
import type { AgentRun } from './agents/run.js';

// Usage: tsx src/main.ts --agent langgraph|openai-agents|openai-sdk --llm-url URL --work DIR --prompt FILE
//                        [--spans FILE]
// Runs one Node agent of the lab once; prints {"output": …}. The Python agent is python/agent.py.
// --spans (openai-agents only) writes the run's OpenTelemetry GenAI spans there as OTLP/JSON.
const { values } = parseArgs({
  options: {
    agent: { type: 'string' },
    'llm-url': { type: 'string' },
    work: { type: 'string' },
    prompt: { type: 'string' },
    spans: { type: 'string' },
  },
});
const runners: Record<string, (run: AgentRun) => Promise<string>> = {
  langgraph: runLangGraph,
  'openai-agents': runOpenAiAgents,
  'openai-sdk': runOpenAiSdk,
};
const runner = runners[values.agent ?? ''];
if (
  !runner ||
  !values['llm-url'] ||
  !values.work ||
  !values.prompt ||
  (values.spans !== undefined && values.agent !== 'openai-agents')
) {
  process.stderr.write(
    'usage: main.ts --agent langgraph|openai-agents|openai-sdk --llm-url URL --work DIR --prompt FILE [--spans FILE (openai-agents)]\n',
  );
  process.exit(2);
}
const output = await runner({
  llmUrl: values['llm-url'],
  work: values.work,
  prompt: readFileSync(values.prompt, 'utf8'),
  ...(values.spans ? { spans: values.spans } : {}),
});
process.stdout.write(`${JSON.stringify({ output })}\n`);
