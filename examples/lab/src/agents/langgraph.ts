import { tool } from '@langchain/core/tools';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import { runCommand, searchDocs } from '../tools.js';
import type { AgentRun } from './run.js';
import { filesystemServer, notesServer, thinkingServer } from './servers.js';

/** LangGraph's ReAct agent with MCP tools through `@langchain/mcp-adapters` (filesystem, sequential thinking, notes). */
export async function runLangGraph(run: AgentRun): Promise<string> {
  const servers = [filesystemServer(run.work), thinkingServer(), notesServer(run.work)];
  const client = new MultiServerMCPClient({
    mcpServers: Object.fromEntries(
      servers.map((s) => [
        s.name,
        { transport: 'stdio' as const, command: s.command, args: s.args, ...(s.env ? { env: s.env } : {}) },
      ]),
    ),
    prefixToolNameWithServerName: false,
  });
  try {
    const mcpTools = await client.getTools();
    const local = [
      tool(({ command }: { command: string }) => runCommand(command), {
        name: 'run_command',
        description: 'Run a shell command and return its output.',
        schema: z.object({ command: z.string() }),
      }),
      tool(({ query }: { query: string }) => searchDocs(query), {
        name: 'search_docs',
        description: 'Search the team documentation store.',
        schema: z.object({ query: z.string() }),
      }),
    ];
    const agent = createReactAgent({
      llm: new ChatOpenAI({
        model: 'gpt-4o-mini',
        apiKey: 'lab-key-not-secret',
        configuration: { baseURL: run.llmUrl },
      }),
      tools: [...mcpTools, ...local],
    });
    const out = await agent.invoke(
      { messages: [{ role: 'user', content: run.prompt }] },
      { recursionLimit: 60 },
    );
    const last = out.messages.at(-1);
    return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
  } finally {
    await client.close();
  }
}
