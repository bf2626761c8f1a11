import {
  Agent,
  MCPServerStdio,
  OpenAIProvider,
  Runner,
  setTraceProcessors,
  setTracingDisabled,
  tool,
} from '@openai/agents';
import { z } from 'zod';
import { runCommand, searchDocs } from '../tools.js';
import { GenAiSpanRecorder } from './genai-span-recorder.js';
import type { AgentRun } from './run.js';
import { filesystemServer, memoryServer, notesServer } from './servers.js';

/**
 * The OpenAI Agents SDK with three MCP servers (filesystem, memory, notes) and a shell and a RAG tool.
 * With `run.spans`, its traces are written there as OpenTelemetry GenAI spans (and sent nowhere else).
 */
export async function runOpenAiAgents(run: AgentRun): Promise<string> {
  const recorder = run.spans
    ? new GenAiSpanRecorder({ serviceName: 'vigil-lab-openai-agents', endpoint: new URL(run.llmUrl) })
    : undefined;
  setTracingDisabled(recorder === undefined);
  if (recorder) setTraceProcessors([recorder]);
  const servers = [filesystemServer(run.work), memoryServer(run.work), notesServer(run.work)].map(
    (s) =>
      new MCPServerStdio({
        name: s.name,
        command: s.command,
        args: s.args,
        ...(s.env ? { env: s.env } : {}),
        clientSessionTimeoutSeconds: 60,
      }),
  );
  for (const s of servers) await s.connect();
  try {
    const agent = new Agent({
      name: 'Ops assistant',
      instructions: 'You work through the team inbox with your tools.',
      model: 'gpt-4o-mini',
      mcpServers: servers,
      tools: [
        tool({
          name: 'run_command',
          description: 'Run a shell command and return its output.',
          parameters: z.object({ command: z.string() }),
          execute: ({ command }) => runCommand(command),
        }),
        tool({
          name: 'search_docs',
          description: 'Search the team documentation store.',
          parameters: z.object({ query: z.string() }),
          execute: ({ query }) => searchDocs(query),
        }),
      ],
    });
    const runner = new Runner({
      modelProvider: new OpenAIProvider({
        baseURL: run.llmUrl,
        apiKey: 'lab-key-not-secret',
        useResponses: false,
      }),
    });
    const result = await runner.run(agent, run.prompt, { maxTurns: 30 });
    return String(result.finalOutput ?? '');
  } finally {
    for (const s of servers) await s.close();
    if (recorder && run.spans) await recorder.write(run.spans);
  }
}
