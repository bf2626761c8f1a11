import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Holdout } from './holdout.js';
import { HOLDOUT_ATTACKS, type HoldoutAttack } from './tasks.js';

// Usage: serve.ts --env FILE [--attack SEED=NAME]… [--http]
// Starts the held-out agent's services (the scripted Anthropic endpoint, the ticket service, the drop
// server) and keeps them up until interrupted. Writes to FILE the variables a shell needs to run the
// agent (`set -a; . FILE; set +a`) and prints the agent's command line. Each --attack plants an
// injected instruction in ticket SEED (cred-exfil, download-exec, download-exec-file).
const { values } = parseArgs({
  options: {
    env: { type: 'string' },
    attack: { type: 'string', multiple: true },
    http: { type: 'boolean' },
  },
});
if (values.env === undefined) {
  process.stderr.write('usage: serve.ts --env FILE [--attack SEED=NAME]… [--http]\n');
  process.exit(2);
}
const attacks: [number, HoldoutAttack][] = [];
for (const a of values.attack ?? []) {
  const m = /^(\d+)=(.+)$/.exec(a);
  if (!m || !(HOLDOUT_ATTACKS as readonly string[]).includes(m[2]!)) {
    process.stderr.write(`--attack ${a}: expected SEED=${HOLDOUT_ATTACKS.join('|')}\n`);
    process.exit(2);
  }
  attacks.push([Number(m[1]), m[2] as HoldoutAttack]);
}
const holdout = await Holdout.start({ tls: values.http !== true });
const run = holdout.prepare(0);
for (const [seed, attack] of attacks) holdout.prepare(seed, attack);
writeFileSync(
  values.env,
  Object.entries(run.env)
    .map(([k, v]) => `${k}='${v}'\n`)
    .join(''),
);
process.stdout.write(`${run.argv.slice(0, -1).join(' ')} N\n`);
const stop = () => {
  process.stdout.write(
    `drop server received ${holdout.received} bytes, served ${holdout.downloads} downloads\n`,
  );
  void holdout.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
