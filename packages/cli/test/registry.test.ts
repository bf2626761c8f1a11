// The command list `vigil --help` prints without loading any command, and the commands it loads.
import { describe, expect, it } from 'vitest';
import { COMMAND_LIST, loadCommand, loadCommands } from '../src/index.js';
import { runCli } from './helpers.js';

describe('the command registry', () => {
  it("lists each command's own name and summary, in order, and loads it by name", async () => {
    const loaded = await loadCommands();
    expect(loaded.map((c) => [c.name, c.summary])).toEqual(COMMAND_LIST.map((c) => [c.name, c.summary]));
    expect(new Set(COMMAND_LIST.map((c) => c.name)).size).toBe(COMMAND_LIST.length);
    expect((await loadCommand('check'))?.formats).toEqual([
      'text',
      'json',
      'sarif',
      'markdown',
      'html',
      'ocsf',
    ]);
    expect(await loadCommand('no-such-command')).toBeUndefined();
  });

  it('vigil --help lists every command; help COMMAND and an unknown command load what they need', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const c of COMMAND_LIST) expect(help.stdout).toContain(`  ${c.name.padEnd(8)}  ${c.summary}`);
    const topic = await runCli(['help', 'gap']);
    expect(topic.stdout).toMatch(/^Usage: vigil gap --declared PATH/);
    expect(topic.stdout).toContain('Formats: text, json (default text)');
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("vigil: unknown command 'frobnicate' (run 'vigil --help' for the list)\n");
  });
});
