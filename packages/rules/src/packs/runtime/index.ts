import { RULE_ENGINE_VERSION, type RulePack } from '../../api/pack.js';
import {
  credentialThenEgress,
  downloadPipeShell,
  downloadWriteExec,
  tokenThenApiServer,
} from './chain-rules.js';
import { cgroupReleaseAgent, sensitiveFileRead, unexpectedTokenRead } from './file-rules.js';
import { bpfProgramLoad, kernelModuleLoad, namespaceEscape, ptraceAttach } from './kernel-rules.js';
import { mcpRugPull } from './mcp-rules.js';
import { cryptoMiner, unexpectedEgress, unexpectedK8sApi } from './network-rules.js';
import {
  droppedBinaryExec,
  execFromTemp,
  ldPreload,
  reverseShell,
  unexpectedProcess,
} from './process-rules.js';

/**
 * The runtime pack: the behaviours the field agrees on (Falco, Tracee,
 * Kubescape), with Vigil ids. Rules marked `requiresBaseline` run only when
 * the engine has a baseline.
 *
 * @example
 * ```ts
 * import { RuleEngine, runtimePack } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: [runtimePack] });
 * ```
 */
export const runtimePack: RulePack = {
  name: '@vigil/rules/runtime',
  version: '1.2.0',
  engine: `^${RULE_ENGINE_VERSION}`,
  description:
    'Runtime threat detection for Linux workloads: execution, credentials, escape, kernel, network.',
  rules: [
    unexpectedProcess,
    unexpectedTokenRead,
    unexpectedK8sApi,
    sensitiveFileRead,
    execFromTemp,
    droppedBinaryExec,
    ldPreload,
    ptraceAttach,
    namespaceEscape,
    cgroupReleaseAgent,
    kernelModuleLoad,
    bpfProgramLoad,
    cryptoMiner,
    reverseShell,
    unexpectedEgress,
    credentialThenEgress,
    tokenThenApiServer,
    downloadWriteExec,
    downloadPipeShell,
    mcpRugPull,
  ],
  exceptions: [
    {
      name: 'sshd and login read shadow',
      rules: ['vigil.runtime.sensitive-file-read'],
      when: {
        exe: ['/usr/sbin/sshd', '/usr/bin/login', '/usr/bin/sudo', '/usr/bin/su', '/usr/sbin/unix_chkpwd'],
      },
      reason: 'Authentication programs read shadow and sudoers by design.',
    },
  ],
};
