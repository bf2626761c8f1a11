import { realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// The OpenAI client, the MCP SDK and the filesystem MCP server come from the lockfile through
// examples/agent-lab (the agent these tests stand in for), not from a second copy.
const root = resolve(import.meta.dirname, '../../../../..');
const lab = join(root, 'examples/agent-lab/node_modules');

function sibling(pkgDir: string, name: string): string {
  // pnpm puts a package's dependencies beside it in its own node_modules folder.
  const scoped = /[\\/]@[^\\/]+[\\/][^\\/]+$/.test(pkgDir);
  return join(scoped ? dirname(dirname(pkgDir)) : dirname(pkgDir), name);
}

export const filesystemServerDir = realpathSync(join(lab, '@modelcontextprotocol/server-filesystem'));
export const filesystemServerEntry = join(filesystemServerDir, 'dist/index.js');
const sdkDir = realpathSync(sibling(filesystemServerDir, '@modelcontextprotocol/sdk'));
const agentsOpenAiDir = realpathSync(
  sibling(realpathSync(join(lab, '@openai/agents')), '@openai/agents-openai'),
);
const openAiDir = realpathSync(sibling(agentsOpenAiDir, 'openai'));

export async function importSdk<T>(subpath: string): Promise<T> {
  return (await import(pathToFileURL(join(sdkDir, 'dist/esm', subpath)).href)) as T;
}

export async function importOpenAi<T>(): Promise<T> {
  return (await import(pathToFileURL(join(openAiDir, 'index.mjs')).href)) as T;
}
