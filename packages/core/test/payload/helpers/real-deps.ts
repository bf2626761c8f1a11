import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// The OpenAI client, the MCP SDK and the filesystem MCP server come from the lockfile through
// examples/lab (the agents these tests stand in for), not from a second copy.
const root = resolve(import.meta.dirname, '../../../../..');
const lab = join(root, 'examples/lab/node_modules');

export const filesystemServerDir = realpathSync(join(lab, '@modelcontextprotocol/server-filesystem'));
export const filesystemServerEntry = join(filesystemServerDir, 'dist/index.js');
const sdkDir = realpathSync(join(lab, '@modelcontextprotocol/sdk'));
const openAiDir = realpathSync(join(lab, 'openai'));

export async function importSdk<T>(subpath: string): Promise<T> {
  return (await import(pathToFileURL(join(sdkDir, 'dist/esm', subpath)).href)) as T;
}

export async function importOpenAi<T>(): Promise<T> {
  return (await import(pathToFileURL(join(openAiDir, 'index.mjs')).href)) as T;
}
