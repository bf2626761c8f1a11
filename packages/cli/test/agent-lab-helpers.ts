import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { VigilError } from '@vigil/core';

// The single agent of examples/agent-lab (the OpenAI Agents SDK with the filesystem MCP server) and
// its scripted endpoint, for the enforcement test written against it (vigil demo runs examples/lab).

/** The scripted OpenAI-compatible endpoint, running in a process of its own (outside any captured cgroup). */
export interface LlmServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts `examples/agent-lab/src/llm-server.ts` and waits for its URL. */
export async function startLlmServer(root: string, logFd: number): Promise<LlmServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'examples/agent-lab/src/llm-server.ts'],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', logFd],
    },
  );
  const url = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => reject(new VigilError('INTERNAL', 'the scripted LLM endpoint did not start in 60 s')),
      60_000,
    );
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolveUrl((JSON.parse(line) as { url: string }).url);
      } catch (cause) {
        reject(
          new VigilError('INTERNAL', `unexpected output from the scripted LLM endpoint: ${line}`, { cause }),
        );
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new VigilError('INTERNAL', `the scripted LLM endpoint exited with ${code} (see the demo log)`));
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** A TCP listener standing in for an attacker's collection server: it counts what it receives. */
export interface Collector {
  readonly port: number;
  received(): number;
  stop(): Promise<void>;
}

/** Listens on 127.0.0.1 (any free port). */
export async function startCollector(): Promise<Collector> {
  let bytes = 0;
  const server: Server = createServer((socket) => {
    socket.on('data', (d) => {
      bytes += d.length;
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    received: () => bytes,
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** The command line that runs the agent lab once. */
export function labCommand(options: {
  readonly llmUrl: string;
  readonly dataDir: string;
  readonly spans: string;
  readonly notes?: string;
}): string[] {
  return [
    process.execPath,
    '--import',
    'tsx',
    'examples/agent-lab/src/main.ts',
    '--llm-url',
    options.llmUrl,
    '--data',
    options.dataDir,
    '--spans',
    options.spans,
    '--shell-tool',
    ...(options.notes ? ['--notes', options.notes] : []),
  ];
}
