// A vendor integration consuming Vigil's OCSF output. Reads OCSF Detection Findings (class 2004)
// as JSON lines, which is what `vigil check --format ocsf` writes, checks each one, maps it to a
// vendor's alert shape and posts the alerts in batches (or prints them). It needs Node.js alone:
// OCSF is the contract, so no Vigil package is imported.
//
//   vigil check --baseline baseline.json run.vcap --format ocsf > findings.ndjson
//   node forward-ocsf.mjs findings.ndjson                     # prints one alert per line
//   vigil check … --format ocsf | node forward-ocsf.mjs -     # reads standard input
//   VENDOR_ENDPOINT=https://siem.example/api/alerts node forward-ocsf.mjs findings.ndjson
//
// A line that is not a Detection Finding is reported on stderr with its file, line and what was
// expected, and skipped; every other line is still forwarded. The exit code is 1 when any line was
// skipped, 2 on a usage error.
import { readFileSync } from 'node:fs';

const SEVERITY = ['unknown', 'info', 'low', 'medium', 'high', 'critical', 'fatal'];
const BATCH = 100;

const file = process.argv[2];
if (!file) {
  console.error('usage: node forward-ocsf.mjs FILE.ndjson|-');
  process.exit(2);
}
const name = file === '-' ? '<stdin>' : file;
const text = readFileSync(file === '-' ? 0 : file, 'utf8');

/** Why a parsed line is not a Detection Finding this integration can map, or undefined. */
function problem(o) {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return 'a JSON object';
  if (o.class_uid !== 2004) return `class_uid 2004 (Detection Finding), got ${JSON.stringify(o.class_uid)}`;
  if (!Number.isInteger(o.severity_id) || o.severity_id < 0 || o.severity_id > 6)
    return `severity_id 0–6, got ${JSON.stringify(o.severity_id)}`;
  if (typeof o.time !== 'number') return 'time in milliseconds';
  if (typeof o.metadata?.uid !== 'string') return 'metadata.uid (the finding id)';
  if (typeof o.finding_info?.title !== 'string') return 'finding_info.title';
  if (!Array.isArray(o.resources) || o.resources.length === 0) return 'resources[0] (the workload)';
  return undefined;
}

/** One OCSF Detection Finding as the vendor's alert. */
function toAlert(o) {
  const info = o.finding_info;
  const labels = o.metadata.labels ?? [];
  const asset = o.resources[0];
  const iso = (ms) => (typeof ms === 'number' ? new Date(ms).toISOString() : undefined);
  return {
    source: 'vigil',
    id: o.metadata.uid,
    // The same rule on the same workload is one alert in the vendor's console.
    dedup_key: `${info.analytic?.uid ?? 'unknown'}@${asset.uid}`,
    severity: SEVERITY[o.severity_id],
    risk: o.risk_score,
    title: info.title,
    description: o.message,
    rule: info.analytic?.uid,
    mitre_attack: (info.attacks ?? []).map((a) => a.technique.uid),
    frameworks: labels.filter((l) => !l.startsWith('vigil:')),
    asset: { id: asset.uid, name: asset.name, type: asset.type },
    first_seen: iso(info.first_seen_time ?? o.time),
    last_seen: iso(info.last_seen_time ?? info.first_seen_time ?? o.time),
    occurrences: o.unmapped?.occurrences ?? 1,
    // Vigil marks findings from a capture that was cut short; the vendor should know.
    incomplete_input: labels.includes('vigil:input:incomplete'),
  };
}

const alerts = [];
let skipped = 0;
text.split('\n').forEach((raw, i) => {
  const line = raw.trim();
  if (line === '') return;
  let o;
  try {
    o = JSON.parse(line);
  } catch (e) {
    skipped++;
    console.error(`${name}:${i + 1}: expected a JSON object (${e.message})`);
    return;
  }
  const why = problem(o);
  if (why) {
    skipped++;
    console.error(`${name}:${i + 1}: expected ${why}`);
    return;
  }
  alerts.push(toAlert(o));
});

const endpoint = process.env.VENDOR_ENDPOINT;
if (endpoint) {
  for (let i = 0; i < alerts.length; i += BATCH) {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.slice(i, i + BATCH)),
    });
    if (!res.ok) {
      console.error(
        `${endpoint} answered ${res.status} to alerts ${i + 1}–${Math.min(i + BATCH, alerts.length)}`,
      );
      process.exit(1);
    }
  }
} else {
  for (const a of alerts) process.stdout.write(`${JSON.stringify(a)}\n`);
}
console.error(
  `${alerts.length} alert${alerts.length === 1 ? '' : 's'}${endpoint ? ` sent to ${endpoint}` : ''}${skipped > 0 ? `; ${skipped} line${skipped === 1 ? '' : 's'} skipped` : ''}`,
);
process.exitCode = skipped > 0 ? 1 : 0;
