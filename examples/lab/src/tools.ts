import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';

// The local function tools the Node agents are given. Each returns text for the model, never throws:
// a failing tool is an answer the model reads, as with a hosted model.

/** Runs `command` with `sh -c` (the shell tool many ops and coding agents have). */
export function runCommand(command: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { timeout: 20_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      resolve(`${stdout}${stderr}${err ? `\n(exit ${String(err.code ?? err.signal)})` : ''}`);
    });
  });
}

/** Reads a text file (at most 64 KiB of it). */
export function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(0, 64 << 10);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** Writes a text file, creating its folder. */
export function writeFile(path: string, content: string): string {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return `wrote ${content.length} characters to ${path}`;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** GETs a URL (with a bearer token when given). */
export async function httpGet(url: string, bearer?: string): Promise<string> {
  try {
    const res = await fetch(url, bearer ? { headers: { authorization: `Bearer ${bearer.trim()}` } } : {});
    return `${res.status} ${(await res.text()).slice(0, 4096)}`;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/**
 * The RAG step: the documents of the lab's PostgreSQL store (`LAB_PG_URL`) whose
 * topic or text matches the query.
 */
export async function searchDocs(query: string): Promise<string> {
  const url = process.env['LAB_PG_URL'];
  if (!url) return 'error: no document store configured (LAB_PG_URL)';
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const r = await client.query<{ title: string; body: string }>(
      // Documents on the topic first, newest first; then any that mention it.
      'SELECT title, body FROM docs WHERE topic = $1 OR body ILIKE $2 ORDER BY (topic = $1) DESC, id DESC LIMIT 3',
      [query, `%${query}%`],
    );
    return r.rows.map((d) => `## ${d.title}\n${d.body}`).join('\n\n') || 'no documents';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}
