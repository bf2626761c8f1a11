// The command list `vigil --help` prints without loading any command, and the commands it loads.
import { describe, expect, it } from 'vitest';
import { SEVERITY_CHOICES } from '../src/fail-on.js';
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

  it('every option of every command has a line of help, and the renderer alone says (repeatable)', async () => {
    const undocumented: string[] = [];
    const saysRepeatable: string[] = [];
    for (const c of await loadCommands())
      for (const name of Object.keys(c.options)) {
        const help = c.optionHelp?.[name];
        if (help === undefined || help.trim() === '') undocumented.push(`${c.name} --${name}`);
        else if (/repeatable/i.test(help)) saysRepeatable.push(`${c.name} --${name}`);
      }
    expect(undocumented).toEqual([]);
    expect(saysRepeatable).toEqual([]);
    const learn = await runCli(['learn', '--help']);
    expect(learn.stdout).toMatch(/--min-duration VALUE\s+time of observation a baseline needs .*default 15m/);
    expect(learn.stdout).toMatch(
      /--admit VALUE\s+admit the quarantined item .*\(needs --by and --reason\) \(repeatable\)\n/,
    );
  });

  it('every option that takes a severity lists the severities in its help', async () => {
    const silent: string[] = [];
    for (const c of await loadCommands())
      for (const [name, help] of Object.entries(c.optionHelp ?? {}))
        if (/this severity/.test(help) && !help.includes(SEVERITY_CHOICES))
          silent.push(`${c.name} --${name}`);
    expect(silent).toEqual([]);
    expect((await runCli(['gap', '--help'])).stdout).toMatch(
      /--fail-on VALUE .*\(info, low, medium, high, critical\)/,
    );
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
