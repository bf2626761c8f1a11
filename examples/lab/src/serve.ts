import { createInterface } from 'node:readline';
import { Lab, type PreparedRun } from './lab.js';
import { AGENTS, type AgentName, ATTACKS, type AttackName } from './tasks.js';

// Usage: tsx src/serve.ts [--tls]   (--tls: the model over HTTPS, see LabStartOptions.tls)
// The lab's services (the scripted model, the drop server, the fake API server, PostgreSQL) in a
// process of their own, for a caller that spawns the agents itself (`vigil demo`). It prints one
// JSON line when ready, then answers one JSON line per request read on stdin:
//   {"prepare": {"agent": "openai-agents", "seed": 3, "attack": "cred-exfil"}}
//       → {"argv": […], "env": {…}, "topic": "billing", "work": "/tmp/…/work"}
//   {"cleanup": true}  → {"ok": true}   (undoes what the last prepared attack planted)
//   {"status": true}   → {"received": BYTES, "apiBearers": N}
// It stops and removes its workspaces when stdin closes.
const lab = await Lab.start({ tls: process.argv.includes('--tls') });
const reply = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
reply({
  ready: true,
  model: lab.model.url,
  drop: lab.peers.drop,
  apiServer: lab.peers.apiServer,
  ...(lab.postgresSkipped ? { postgresSkipped: lab.postgresSkipped } : {}),
});

let last: PreparedRun | undefined;
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  try {
    const req = JSON.parse(line) as {
      prepare?: { agent: string; seed: number; attack?: string };
      cleanup?: boolean;
      status?: boolean;
    };
    if (req.prepare) {
      const { agent, seed, attack } = req.prepare;
      if (!(AGENTS as readonly string[]).includes(agent)) throw new Error(`no agent ${agent}`);
      if (attack !== undefined && !(ATTACKS as readonly string[]).includes(attack))
        throw new Error(`no attack ${attack}`);
      last?.cleanup();
      last = lab.prepare(agent as AgentName, seed, attack as AttackName | undefined);
      reply({
        argv: last.argv,
        env: last.env,
        topic: last.task.topic,
        work: lab.paths(agent as AgentName).work,
      });
    } else if (req.cleanup) {
      last?.cleanup();
      last = undefined;
      reply({ ok: true });
    } else if (req.status) reply({ received: lab.received, apiBearers: lab.apiBearers.length });
    else throw new Error(`unknown request: ${line}`);
  } catch (err) {
    reply({ error: (err as Error).message });
  }
}
last?.cleanup();
await lab.close();
