/**
 * Records the payload chunks of one run of a lab agent (examples/lab) as the kernel delivers
 * them to the decoder, for `decode-exchange.ts` to replay: the lab's scripted model (over
 * plain HTTP or HTTPS, read by the socket or TLS probes), `vigil record --payloads` options
 * (`meta`, default byte cap, the agent's program and the system's OpenSSL attached at open).
 *
 *   npx tsx bench/payload/record-agent-chunks.ts [AGENT=python] [SCHEME=http] [SEED=4100]
 *
 * Writes bench/payload/fixtures/<agent>-<scheme>.json: the chunks in arrival order, bytes in
 * base64, and the model and tool calls the sensor decoded from them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureSourceConditions } from '../capture/common.js';

ensureSourceConditions();
const { PayloadDecoder } = await import('../../packages/core/src/index.js');
const { Sensor, WorkloadCgroup, DEFAULT_PAYLOAD_BYTES } = await import(
  '../../packages/ebpf-native/src/index.js'
);

if (process.getuid?.() !== 0) {
  console.error('record-agent-chunks: live capture needs root; nothing recorded');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const agent = process.argv[2] ?? 'python';
const scheme = (process.argv[3] ?? 'http') as 'http' | 'https';
const seed = Number(process.argv[4] ?? 4100);

const serve = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    join(root, 'examples', 'lab', 'src', 'serve.ts'),
    ...(scheme === 'https' ? ['--tls'] : []),
  ],
  { cwd: join(root, 'examples', 'lab'), stdio: ['pipe', 'pipe', 'inherit'] },
);
process.on('exit', () => serve.kill('SIGKILL'));
const replies = createInterface({ input: serve.stdout! })[Symbol.asyncIterator]();
const ask = async <T>(req: unknown): Promise<T> => {
  if (req !== undefined) serve.stdin!.write(`${JSON.stringify(req)}\n`);
  const { value, done } = await replies.next();
  if (done) throw new Error('the lab service stopped');
  const r = JSON.parse(value as string) as T & { error?: string };
  if (r.error) throw new Error(`lab: ${r.error}`);
  return r;
};
await ask(undefined);
const run = await ask<{ argv: string[]; env: Record<string, string> }>({ prepare: { agent, seed } });
const [cmd, ...args] = run.argv as [string, ...string[]];
const program = cmd.includes('/')
  ? cmd
  : spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || cmd;

const cg = WorkloadCgroup.create();
const sensor = await Sensor.open({
  cgroups: [cg.dir],
  dnsPorts: [53],
  descendants: true,
  payloads: 'meta',
  payloadBytes: DEFAULT_PAYLOAD_BYTES,
  tlsBinaries: [program],
});
// The sensor's decoder is the one PayloadDecoder class: every chunk it is given from now on (after
// the warm-up of Sensor.open) is kept here.
const recorded: Record<string, unknown>[] = [];
const push = PayloadDecoder.prototype.push;
PayloadDecoder.prototype.push = function (this: InstanceType<typeof PayloadDecoder>, chunk) {
  recorded.push({ ...chunk, bytes: Buffer.from(chunk.bytes).toString('base64') });
  return push.call(this, chunk);
};

let modelCalls = 0;
let toolCalls = 0;
const drain = (async () => {
  for await (const batch of sensor)
    for (const e of batch) {
      if (e.kind === 'model.call') modelCalls++;
      else if (e.kind === 'tool.call') toolCalls++;
    }
})();
const child = cg.spawn(cmd, args, {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, ...run.env },
});
const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
for (let waited = 0; cg.populated() && waited < 10_000; waited += 50)
  await new Promise((r) => setTimeout(r, 50));
await sensor.flush();
await sensor.close();
await drain;
await cg.remove();
await ask({ cleanup: true });
serve.stdin!.end();
if (code !== 0) throw new Error(`${agent} exited with ${code}`);

const out = join(root, 'bench', 'payload', 'fixtures', `${agent}-${scheme}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ agent, scheme, seed, modelCalls, toolCalls, chunks: recorded })}\n`);
console.log(`${out}: ${recorded.length} chunks, ${modelCalls} model calls, ${toolCalls} tool calls decoded`);
process.exit(0);
