import { RULE_ENGINE_VERSION, type RulePack } from '../../api/pack.js';
import {
  cloudNewAction,
  cloudNewService,
  cloudSensitiveCall,
  dnsNewDomain,
  dnsNewSubdomain,
  k8sNewResource,
  k8sNewVerb,
  k8sSensitiveCall,
  newCapability,
  newLocalTool,
  newModel,
  newProvider,
  newRetrievalAccess,
  newRetrievalSource,
  newServer,
  newSyscall,
  newTool,
  otherDrift,
} from './call-drift.js';
import {
  credentialRead,
  execFromTemp,
  kernelModuleLoad,
  namespaceChange,
  ptraceAttach,
  shellFromInterpreter,
  tokenThenEgress,
} from './critical-rules.js';
import {
  credentialRead as newCredentialRead,
  newExec,
  newRead,
  newWrite,
  systemWrite,
} from './file-drift.js';
import {
  newAddressInKnownRange,
  newClient,
  newEgressAddress,
  newEgressDomain,
  newIngressPort,
  newListener,
  newLocalSocket,
  newPort,
  newSubdomain,
} from './peer-drift.js';
import { newArguments, newBinary, newShell } from './process-drift.js';
import { newUnderShell } from './shell-drift.js';
import { toolCredentialRead, toolNewActivity, toolNewPeer, toolNewProgram } from './tool-drift.js';

/**
 * The drift pack: what behaviour a baseline does not cover means (drift
 * rules, run in this order, each claiming the observations it reports on, so
 * specific rules come before general ones) and the critical behaviours that
 * are never admitted into a baseline silently (quarantined while learning,
 * lifting drift while checking). Disable, override or extend it like any
 * other pack; a `DriftDetector` finds the uncovered behaviour and aggregates
 * the findings.
 *
 * @example
 * ```ts
 * import { driftPack, RuleEngine } from '@vigil/rules';
 *
 * const engine = new RuleEngine({ packs: [driftPack], overrides: [{ rule: 'vigil.drift.peer.new-port', severity: 'high' }] });
 * ```
 */
export const driftPack: RulePack = {
  name: '@vigil/rules/drift',
  version: '1.1.0',
  engine: `^${RULE_ENGINE_VERSION}`,
  description:
    'Behavioural drift against learned baselines, and the critical behaviours a baseline never admits silently.',
  rules: [
    shellFromInterpreter,
    execFromTemp,
    credentialRead,
    tokenThenEgress,
    kernelModuleLoad,
    ptraceAttach,
    namespaceChange,
    newShell,
    toolCredentialRead,
    toolNewProgram,
    toolNewPeer,
    toolNewActivity,
    newArguments,
    newBinary,
    newCredentialRead,
    newExec,
    systemWrite,
    newRead,
    newWrite,
    newPort,
    newSubdomain,
    newAddressInKnownRange,
    newEgressDomain,
    newLocalSocket,
    newEgressAddress,
    newClient,
    newIngressPort,
    newListener,
    dnsNewSubdomain,
    dnsNewDomain,
    newCapability,
    newSyscall,
    newLocalTool,
    newTool,
    newServer,
    newModel,
    newProvider,
    newRetrievalSource,
    newRetrievalAccess,
    k8sSensitiveCall,
    k8sNewVerb,
    k8sNewResource,
    cloudSensitiveCall,
    cloudNewAction,
    cloudNewService,
    newUnderShell,
    otherDrift,
  ],
};
