import { parseArgs } from 'node:util';
import { startScriptedLlm } from './scripted-llm.js';

// Usage: tsx src/llm-server.ts [--port N]
// Serves the scripted OpenAI-compatible endpoint on 127.0.0.1 until SIGTERM or
// SIGINT; prints {"url": …} on the first line of stdout once it listens.
const { values } = parseArgs({ options: { port: { type: 'string' } } });
const llm = await startScriptedLlm({ ...(values.port ? { port: Number(values.port) } : {}) });
process.stdout.write(`${JSON.stringify({ url: llm.url, port: llm.port })}\n`);
const stop = () => void llm.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
