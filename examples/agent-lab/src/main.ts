import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runAgentLab } from './lab.js';
import { startScriptedLlm } from './scripted-llm.js';

// Usage: tsx src/main.ts --spans spans.json [--llm-url http://127.0.0.1:PORT/v1] [--data DIR]
//                        [--notes FILE] [--shell-tool]
// Without --llm-url the scripted endpoint runs in this process. --notes replaces the
// default notes.txt (e.g. with an injected instruction); --shell-tool gives the agent
// a run_command tool.
const { values } = parseArgs({
  options: {
    spans: { type: 'string' },
    'llm-url': { type: 'string' },
    data: { type: 'string' },
    notes: { type: 'string' },
    'shell-tool': { type: 'boolean' },
  },
});
const dataDir = values.data ?? mkdtempSync(join(tmpdir(), 'agent-lab-data-'));
const spansPath = values.spans ?? join(dataDir, 'spans.json');
const local = values['llm-url'] ? undefined : await startScriptedLlm({});
try {
  const result = await runAgentLab({
    llmUrl: values['llm-url'] ?? local!.url,
    dataDir,
    spansPath,
    ...(values.notes ? { notes: readFileSync(values.notes, 'utf8') } : {}),
    ...(values['shell-tool'] ? { shellTool: true } : {}),
  });
  process.stdout.write(`${JSON.stringify({ output: result.output, spans: result.spansPath, dataDir })}\n`);
} finally {
  await local?.close();
}
