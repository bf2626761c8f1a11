import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@vigil/cli';
import { AiBomSchema, buildAiBom } from '@vigil/core';
import { probe } from '@vigil/ebpf-native';
import { describe, expect, it } from 'vitest';

const LAB = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('an MCP server launched the way client configurations launch it, captured live', async () => {
  const report = await probe();
  const reason = report.captureReady
    ? undefined
    : `live capture not ready here (addon available: ${report.addon.available}, privileges sufficient: ${report.privileges.sufficient})`;
  if (reason) console.warn(`skipping the live npx launch test: ${reason}`);

  it.skipIf(reason !== undefined)(
    'recognises `npx -y @modelcontextprotocol/server-filesystem` behind a shell, as declared in deploy/mcp.json',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-npx-'));
      const capture = join(dir, 'npx.vcap');
      // --offline: the package is installed in this workspace, so npx runs it without the registry.
      const line = `cd ${LAB} && npx --offline -y @modelcontextprotocol/server-filesystem ${dir} < /dev/null`;
      let err = '';
      const code = await main(['record', '--out', capture, '--', '/bin/bash', '-c', line], {
        stdout: () => {},
        stderr: (l) => {
          err += l;
        },
      });
      expect(code, err).toBe(0);
      const bom = AiBomSchema.parse(
        await buildAiBom({ captures: [capture], manifests: [join(LAB, 'deploy', 'mcp.json')] }),
      );
      const server = bom.components.find(
        (c) => c.id === 'mcp-server:npm/@modelcontextprotocol/server-filesystem',
      );
      expect(server?.status).toBe('declared-used');
      const execs =
        server?.observed?.evidence.filter((e) => e.kind === 'process.exec').map((e) => e.detail) ?? [];
      expect(
        execs.some(
          (d) => /npx --offline -y @modelcontextprotocol\/server-filesystem/.test(d) || /npm exec/.test(d),
        ),
      ).toBe(true);
      expect(execs.some((d) => d.includes('server-filesystem/dist/index.js'))).toBe(true);
      expect(server?.declared?.[0]).toMatchObject({ input: 'mcp-config', path: 'mcpServers.filesystem' });
    },
  );
});
