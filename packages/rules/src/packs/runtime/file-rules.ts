import { secretClass } from '@vigil/core';
import { defineRule } from '../../api/rule.js';

function isRead(access: string): boolean {
  return access === 'read' || access === 'readwrite';
}

/** A service-account token read the baseline never saw. */
export const unexpectedTokenRead = defineRule({
  meta: {
    id: 'vigil.runtime.unexpected-sa-token-read',
    title: 'Unexpected service-account token read',
    description:
      'A process read a Kubernetes (or EKS/Azure workload identity) service-account token although the workload never read it while learning. For a baseline view without a drift detector; where drift checks the same baselines (`vigil check --baseline`, `rulesCheckDetector`), the drift rules report the read once (`vigil.drift.file.credential-read`), provisional and capped against a baseline still learning, and this rule stays silent. Equivalent: Kubescape R0006 "Unexpected service account token access".',
    severity: 'high',
    version: '1.1.0',
    requiresBaseline: true,
    areas: ['credential-access', 'kubernetes-api'],
    tags: {
      owaspAgentic: ['ASI03'],
      owaspLlm: ['LLM06'],
      attack: ['T1528', 'T1552.001'],
      atlas: ['AML.T0055'],
    },
    equivalents: ['Kubescape: R0006 Unexpected service account token access'],
    rationale:
      'A token is the workload’s identity towards the API server and cloud; an agent that never needed it reading it is the first step of privilege traversal.',
    falsePositives: 'Token refresh by client libraries on a schedule the learning window did not cover.',
    tuning:
      'Learn over a full token rotation (about an hour) or add an exception on `exe` for the client that refreshes it.',
  },
  kinds: ['file.open'],
  facts: { 'file.open': ['succeeded', 'read', 'credential'] },
  onEvent(ev, ctx) {
    if (ev.result < 0 || !isRead(ev.access)) return;
    if (secretClass(ev.path) !== 'service-account-token') return;
    // One detection per behaviour: where drift checks the same baselines, a new credential read is its finding.
    if (ctx.baseline!.driftReports === true || ctx.baseline!.seen(ev)) return;
    ctx.report({
      subject: ev.path,
      summary: `${ev.exe || ev.comm} read the service-account token ${ev.path}, which the workload never read while learning`,
    });
  },
});

/** Reads of credentials, keys and cloud configuration. */
export const sensitiveFileRead = defineRule({
  meta: {
    id: 'vigil.runtime.sensitive-file-read',
    title: 'Sensitive file read',
    description:
      'A process read credentials, private keys or cloud configuration (shadow and sudoers, SSH keys, ~/.aws, gcloud and Azure credentials, kubeconfig, Kubernetes PKI keys, .netrc, .git-credentials, .pgpass, registry auth). With a baseline, files the workload read while learning are not reported. Equivalents: Falco "Read sensitive file untrusted", Kubescape R0010 "Unexpected sensitive file access".',
    severity: 'high',
    version: '1.0.0',
    areas: ['credential-access'],
    tags: {
      owaspLlm: ['LLM02', 'LLM06'],
      owaspAgentic: ['ASI02', 'ASI03'],
      attack: ['T1552.001', 'T1552.004'],
      atlas: ['AML.T0055'],
    },
    equivalents: [
      'Falco: Read sensitive file untrusted',
      'Kubescape: R0010 Unexpected sensitive file access',
    ],
    rationale: 'Credentials in files are what an attacker (or a hijacked agent) reads first to move on.',
    falsePositives: 'sshd, sudo, login and cloud SDKs read these files as part of their work; backup agents.',
    tuning:
      'Use a baseline, or add exceptions on `exe` (e.g. `/usr/sbin/sshd`) and on `path` for the workload.',
  },
  kinds: ['file.open'],
  facts: { 'file.open': ['succeeded', 'read', 'credential'] },
  onEvent(ev, ctx) {
    if (ev.result < 0 || !isRead(ev.access)) return;
    const cls = secretClass(ev.path);
    if (cls === undefined || cls === 'service-account-token') return;
    const b = ctx.baseline;
    if (b?.covers(ev.workload) && b.seen(ev)) return;
    ctx.report({ subject: ev.path, summary: `${ev.exe || ev.comm} read ${ev.path} (${cls})` });
  },
});

/** Writes to cgroup v1 release_agent, the classic container escape. */
export const cgroupReleaseAgent = defineRule({
  meta: {
    id: 'vigil.runtime.cgroup-release-agent',
    title: 'cgroup release_agent written',
    description:
      'A process wrote a cgroup v1 release_agent or notify_on_release file, or mounted a cgroup v1 hierarchy: the release_agent container escape (CVE-2022-0492). Equivalents: Falco "Detect release_agent File Container Escapes", Tracee "Cgroups release agent file modification" and "Cgroups notify_on_release file modification".',
    severity: 'critical',
    version: '1.0.0',
    areas: ['container-escape', 'privilege-escalation'],
    tags: { attack: ['T1611'], owaspAgentic: ['ASI05'] },
    equivalents: [
      'Falco: Detect release_agent File Container Escapes',
      'Tracee: Cgroups release agent file modification',
    ],
    rationale:
      'release_agent runs a program as root on the host when a cgroup empties: code execution outside the container.',
    falsePositives: 'Host-level cgroup managers (systemd on cgroup v1 hosts) configuring release agents.',
    tuning: 'Scope it to workloads, not host services, with an exception on `workload.kind`.',
  },
  kinds: ['file.open', 'ns.change'],
  facts: { 'file.open': ['write'] },
  onEvent(ev, ctx) {
    if (ev.kind === 'ns.change') {
      if (ev.syscall !== 'mount' || ev.fstype !== 'cgroup') return;
      ctx.report({
        subject: `mount:${ev.target ?? ''}`,
        summary: `${ev.exe || ev.comm} mounted a cgroup v1 hierarchy at ${ev.target ?? '(unknown)'}`,
        severity: 'high',
      });
      return;
    }
    if (ev.access !== 'write' && ev.access !== 'readwrite') return;
    if (!ev.path.endsWith('/release_agent') && !ev.path.endsWith('/notify_on_release')) return;
    ctx.report({ subject: ev.path, summary: `${ev.exe || ev.comm} opened ${ev.path} for writing` });
  },
});
