// Embedding Vigil in a service: learn a baseline from a capture of normal runs, check a new capture
// against it with the built-in rule packs, and send the findings to a webhook (or print them).
// Runs as it is with the packages from npm: npm install @vigil/core @vigil/rules
//
//   node check-and-notify.mjs LEARN.vcap CHECK.vcap            # prints the result as JSON
//   VIGIL_WEBHOOK=https://hooks.example/vigil node check-and-notify.mjs LEARN.vcap CHECK.vcap
import { checkCaptures, learnBaselines } from '@vigil/core';
import { builtinPacks, criticalBehaviours, rulesCheckDetector } from '@vigil/rules';

const [learnCapture, checkCapture] = process.argv.slice(2);
if (!learnCapture || !checkCapture) {
  console.error('usage: node check-and-notify.mjs LEARN.vcap CHECK.vcap');
  process.exit(2);
}

const learned = await learnBaselines({
  captures: [learnCapture],
  critical: criticalBehaviours(builtinPacks()),
});
const baselines = learned.set;
const result = await checkCaptures({
  captures: [checkCapture],
  baselines,
  detectors: [rulesCheckDetector({ packs: builtinPacks(), baselines })],
});

const message = {
  baselines: baselines.size,
  events: result.events,
  complete: result.integrity.complete,
  findings: result.findings.map((f) => ({
    severity: f.severity,
    risk: f.risk.score,
    rule: f.ruleId,
    title: f.title,
  })),
  incidents: result.incidents.length,
};
const webhook = process.env.VIGIL_WEBHOOK;
if (webhook) {
  const res = await fetch(webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  if (!res.ok) throw new Error(`the webhook answered ${res.status}`);
  console.log(`sent ${message.findings.length} finding(s) to ${webhook}`);
} else {
  console.log(JSON.stringify(message, null, 2));
}
