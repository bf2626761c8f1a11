import {
  basename,
  connectSucceeded,
  isFilelessPath,
  isInterpreter,
  isLocalPeer,
  isOrdinaryUtility,
  isShell,
  isWritableTempPath,
} from '@vigil/core';
import { defineRule } from '../../api/rule.js';

/** A process the workload never ran while learning. */
export const unexpectedProcess = defineRule({
  meta: {
    id: 'vigil.runtime.unexpected-process',
    title: 'Unexpected process',
    description:
      'A workload executed a binary it never executed while its baseline was learned: medium, or low for an ordinary read-only utility from the vocabulary (ls, cat, tail, wc, grep, …). For a baseline view without a drift detector (a `MemoryBaselineView` or your own store); where drift checks the same baselines (`vigil check --baseline`, `rulesCheckDetector`), the drift rules report a new process once (`vigil.drift.process.new-binary`, `-new-arguments`, `-new-shell`), provisional and capped against a baseline still learning, and this rule stays silent. Equivalent: Kubescape R0001 "Unexpected process launched".',
    severity: 'medium',
    version: '1.1.0',
    requiresBaseline: true,
    areas: ['behaviour-drift', 'execution'],
    tags: { owaspAgentic: ['ASI05'], attack: ['T1059'], atlas: ['AML.T0050'] },
    equivalents: ['Kubescape: R0001 Unexpected process launched'],
    rationale:
      'AI workloads run a small, stable set of binaries. A new one is how tool misuse, injected commands and implants show up first.',
    falsePositives:
      'Code paths the learning period did not exercise (rare maintenance jobs, error handlers that shell out), and image upgrades that move binaries.',
    tuning:
      'Learn for longer or over the rare jobs; add an exception on `filename` for the workload, e.g. `{ "workload.name": ["etl"], "filename": ["/usr/bin/pg_dump"] }`.',
  },
  kinds: ['process.exec'],
  facts: { 'process.exec': ['succeeded'] },
  onEvent(ev, ctx) {
    if (ev.result !== undefined && ev.result < 0) return;
    const baseline = ctx.baseline!;
    // One detection per behaviour: where drift checks the same baselines, a new process is its finding.
    if (baseline.driftReports === true || baseline.seen(ev)) return;
    const where = ev.workload.name ?? ev.workload.id;
    if (baseline.programSeen?.(ev)) {
      // The program is known; only its arguments are new: worth a look, not an alarm.
      ctx.report({
        subject: ev.filename,
        severity: 'low',
        summary: `${ev.filename} ran in ${where} with arguments it never used while learning: ${ev.argv.slice(1).join(' ').slice(0, 200)}`,
        evidence: [
          {
            type: 'baseline',
            description: `${ev.filename} is among the processes learned for ${ev.workload.id}, but not with arguments like these`,
          },
        ],
      });
      return;
    }
    // An ordinary read-only utility (`tail` where learning saw `cat`) is a new program, not a new
    // capability: low here; the drift pack says whether it ran under a shell the baseline knows.
    const ordinary = isOrdinaryUtility(ev.filename);
    ctx.report({
      subject: ev.filename,
      ...(ordinary ? { severity: 'low' as const } : {}),
      summary: `${ev.filename} ran in ${where}, which never ran it while learning${ordinary ? ' (an ordinary read-only utility)' : ''}`,
      evidence: [
        {
          type: 'baseline',
          description: `${ev.filename} is not among the processes learned for ${ev.workload.id}`,
        },
      ],
    });
  },
});

/** Execution from world-writable temporary directories or from memory. */
export const execFromTemp = defineRule({
  meta: {
    id: 'vigil.runtime.exec-from-temp',
    title: 'Execution from /tmp, /dev/shm or a memfd',
    description:
      'A binary was executed from a world-writable temporary directory (/tmp, /var/tmp, /dev/shm) or from memory (memfd or a deleted file). Equivalents: Falco "Execution from /dev/shm" and "Fileless execution via memfd_create", Tracee "Fileless execution", Kubescape R1000 "Exec from malicious source" and R1005 "Fileless execution".',
    severity: 'high',
    version: '1.0.0',
    areas: ['execution', 'defense-evasion'],
    tags: { owaspAgentic: ['ASI05'], owaspLlm: ['LLM05'], attack: ['T1620', 'T1059'], atlas: ['AML.T0050'] },
    equivalents: [
      'Falco: Execution from /dev/shm',
      'Falco: Fileless execution via memfd_create',
      'Tracee: Fileless execution',
      'Kubescape: R1000 Exec from malicious source',
      'Kubescape: R1005 Fileless execution',
    ],
    rationale:
      'Downloaded payloads and stagers run from writable scratch space or straight from memory; installed software does not.',
    falsePositives:
      'Build tools and test runners that compile into /tmp and run the result; some installers.',
    tuning:
      'Add an exception on `filename` globs (e.g. `/tmp/go-build*`) or on the parent `exe` for build workloads.',
  },
  kinds: ['process.exec'],
  facts: { 'process.exec': ['succeeded'] },
  onEvent(ev, ctx) {
    if (ev.result !== undefined && ev.result < 0) return;
    const fileless = ev.fileless === true || isFilelessPath(ev.filename);
    if (!fileless && !isWritableTempPath(ev.filename)) return;
    ctx.report({
      subject: fileless ? 'fileless' : ev.filename,
      summary: fileless
        ? `${ev.comm} executed a program from memory (${ev.filename})`
        : `${ev.filename} was executed from a world-writable directory`,
      ...(fileless ? { severity: 'critical' as const } : {}),
    });
  },
});

interface Dropped {
  readonly pid: number;
  readonly exe: string;
}

/** A binary written by the workload and then executed. */
export const droppedBinaryExec = defineRule({
  meta: {
    id: 'vigil.runtime.dropped-binary-exec',
    title: 'Dropped binary executed',
    description:
      'A workload created or wrote a file and then executed it: the drop-and-run pattern of downloaded payloads. Equivalents: Falco "Drop and execute new binary in container", Kubescape R1001 "Exec binary not in base image", Tracee "Dropped executable".',
    severity: 'high',
    version: '1.0.0',
    areas: ['execution', 'defense-evasion'],
    tags: { owaspAgentic: ['ASI05'], attack: ['T1105', 'T1204'], atlas: ['AML.T0050'] },
    equivalents: [
      'Falco: Drop and execute new binary in container',
      'Kubescape: R1001 Exec binary not in base image',
      'Tracee: Dropped executable',
    ],
    rationale:
      'Containers and agent sandboxes run what their image holds; a binary written at run time and executed is an implant or a stage.',
    falsePositives: 'Package managers, JIT toolchains, `pip install` of packages with compiled entry points.',
    tuning: 'Add an exception on the writer or on `filename` globs for build directories.',
  },
  kinds: ['file.open', 'process.exec'],
  facts: { 'file.open': ['succeeded', 'modify'], 'process.exec': ['succeeded'] },
  onEvent(ev, ctx) {
    if (ev.kind === 'file.open') {
      if (ev.result < 0) return;
      if (ev.access !== 'write' && ev.access !== 'readwrite' && ev.created !== true) return;
      ctx.state.set(`w:${ev.path}`, { pid: ev.pid, exe: ev.exe } satisfies Dropped);
      return;
    }
    if (ev.result !== undefined && ev.result < 0) return;
    const dropped = ctx.state.get<Dropped>(`w:${ev.filename}`);
    if (dropped === undefined) return;
    ctx.report({
      subject: ev.filename,
      summary: `${ev.filename} was written by ${dropped.exe || `pid ${dropped.pid}`} and then executed`,
    });
  },
});

const PRELOAD_ENV = /^(LD_PRELOAD|LD_AUDIT)=./;
const PRELOAD_ARG = /(^|[\s;&|'"])(LD_PRELOAD|LD_AUDIT)=\S/;

/** Dynamic-linker hijacking through LD_PRELOAD, LD_AUDIT or /etc/ld.so.preload. */
export const ldPreload = defineRule({
  meta: {
    id: 'vigil.runtime.ld-preload',
    title: 'Dynamic linker hijacking (LD_PRELOAD)',
    description:
      'A program was started with LD_PRELOAD or LD_AUDIT set (from the captured environment or on the command line), or /etc/ld.so.preload was written. Equivalents: Tracee "LD_PRELOAD code injection", Kubescape R1011 "LD_PRELOAD hook".',
    severity: 'high',
    version: '1.0.0',
    areas: ['persistence', 'defense-evasion'],
    tags: { attack: ['T1574.006'], owaspAgentic: ['ASI05'] },
    equivalents: ['Tracee: LD_PRELOAD code injection', 'Kubescape: R1011 LD_PRELOAD hook'],
    rationale:
      'Preloading a library injects code into every dynamically linked program: credential theft, hiding, persistence.',
    falsePositives:
      'Profilers and memory allocators (jemalloc, libfaketime, sanitizers) configured through LD_PRELOAD.',
    tuning: 'Add an exception on `env` or `argv` globs naming the library you preload on purpose.',
  },
  kinds: ['process.exec', 'file.open'],
  facts: { 'file.open': ['succeeded', 'write'], 'process.exec': ['succeeded'] },
  onEvent(ev, ctx) {
    if (ev.kind === 'file.open') {
      if (ev.path !== '/etc/ld.so.preload' || ev.result < 0) return;
      if (ev.access !== 'write' && ev.access !== 'readwrite') return;
      ctx.report({
        subject: ev.path,
        summary: `${ev.exe || ev.comm} wrote /etc/ld.so.preload`,
        severity: 'critical',
      });
      return;
    }
    if (ev.result !== undefined && ev.result < 0) return;
    const env = ev.env?.find((e) => PRELOAD_ENV.test(e));
    const arg = env === undefined ? ev.argv.find((a) => PRELOAD_ARG.test(a)) : undefined;
    if (env === undefined && arg === undefined) return;
    ctx.report({
      subject: ev.filename,
      summary: `${ev.filename} started with ${env ?? arg!.match(/(LD_PRELOAD|LD_AUDIT)=\S+/)?.[0] ?? arg}`,
    });
  },
});

const NET_TOOLS = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'socat', 'telnet']);
const REVERSE_ARGV = [
  /\/dev\/(tcp|udp)\/[^/\s]+\/\d+/,
  /\b(exec|system):[^\s]*\b(sh|bash)\b/i,
  /socket\..*(dup2|pty\.spawn|subprocess)|(dup2|pty\.spawn).*socket/s,
  /fsockopen\(.*(exec|system|proc_open|popen)/s,
  /TCPSocket\.(new|open).*(exec|spawn|system)/s,
];

const DUP2_EXEC =
  /^(python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|lua[0-9.]*|nc|ncat|netcat|nc\.traditional|nc\.openbsd|socat|telnet|busybox|awk|gawk)$/;

interface Connected {
  readonly ts: number;
  readonly daddr: string;
  readonly dport: number;
}

/** A shell whose input and output are a network socket. */
export const reverseShell = defineRule({
  meta: {
    id: 'vigil.runtime.reverse-shell',
    title: 'Reverse shell',
    description:
      'A shell runs with a network socket on its standard input or output: seen directly (captured stdio), as a shell or netcat command line that redirects to a socket, as a shell making an outbound TCP connection itself, or as a process that connected out and then turned into a shell. Equivalents: Falco "Redirect STDOUT/STDIN to Network Connection in Container", Tracee "Standard input/output over socket".',
    severity: 'critical',
    version: '1.1.0',
    areas: ['execution', 'network-egress'],
    tags: { owaspAgentic: ['ASI05'], attack: ['T1059.004', 'T1071'], atlas: ['AML.T0050'] },
    equivalents: [
      'Falco: Redirect STDOUT/STDIN to Network Connection in Container',
      'Tracee: Standard input/output over socket',
    ],
    rationale: 'An interactive shell wired to a remote peer is hands-on-keyboard access to the workload.',
    falsePositives:
      'Remote debugging sessions set up on purpose (socat to a bastion), inetd-style services that spawn shells.',
    tuning: 'Add an exception on `daddr`/`dnsName` of the bastion or on the parent `exe`.',
  },
  kinds: ['process.exec', 'net.connect'],
  facts: { 'net.connect': ['succeeded', 'remote'], 'process.exec': ['succeeded'] },
  onEvent(ev, ctx) {
    if (ev.kind === 'net.connect') {
      if (ev.family === 'unix' || !connectSucceeded(ev.result) || isLocalPeer(ev.daddr, ev.dport)) return;
      if (isShell(ev.comm) || isShell(ev.exe)) {
        ctx.report({
          subject: `${ev.daddr}:${ev.dport}`,
          summary: `shell ${ev.exe || ev.comm} (pid ${ev.pid}) opened a TCP connection to ${ev.dnsName ?? ev.daddr}:${ev.dport}`,
        });
        return;
      }
      // Only programs used for dup2-and-exec one-liners are remembered (the agent runtime itself is not).
      if (DUP2_EXEC.test(ev.comm))
        ctx.state.set(`c:${ev.pid}`, { ts: ev.ts, daddr: ev.daddr, dport: ev.dport } satisfies Connected);
      return;
    }
    if (ev.result !== undefined && ev.result < 0) return;
    const shellLike = isShell(ev.filename) || isInterpreter(ev.filename);
    if (shellLike && ev.stdio?.includes('socket')) {
      ctx.report({
        subject: ev.filename,
        summary: `${ev.filename} started with a socket on its standard input or output`,
      });
      return;
    }
    const line = ev.argv.join(' ');
    const tool = basename(ev.filename);
    if (
      (NET_TOOLS.has(tool) && /\s-(e|c)\s*\S*(sh|bash)\b/.test(line)) ||
      ((shellLike || NET_TOOLS.has(tool)) && REVERSE_ARGV.some((re) => re.test(line)))
    ) {
      ctx.report({ subject: ev.filename, summary: `reverse-shell command line: ${line.slice(0, 200)}` });
      return;
    }
    if (!isShell(ev.filename)) return;
    // dup2(socket, 0..2) followed by exec keeps the pid: the process that connected becomes the shell.
    const own = ctx.state.get<Connected>(`c:${ev.pid}`);
    const parent = ctx.processes.get(ev.ppid);
    const viaTool =
      parent !== undefined && NET_TOOLS.has(basename(parent.exe))
        ? ctx.state.get<Connected>(`c:${ev.ppid}`)
        : undefined;
    const c = own ?? viaTool;
    if (c === undefined || ev.ts - c.ts > 60e9) return;
    ctx.report({
      subject: ev.filename,
      summary: `${ev.filename} started in ${own ? 'the process' : 'a child of the netcat process'} that connected to ${c.daddr}:${c.dport}`,
    });
  },
});
