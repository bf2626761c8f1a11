import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
  vi.resetModules();
  vi.doUnmock('node:fs');
});

describe('assertCapturePrerequisites', () => {
  it('raises UNSUPPORTED_PLATFORM off Linux, saying what still works', async () => {
    const desc = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    try {
      const { assertCapturePrerequisites } = await import('../src/preflight.js');
      expect(() => assertCapturePrerequisites()).toThrow(
        expect.objectContaining({
          code: 'UNSUPPORTED_PLATFORM',
          message: expect.stringMatching(/needs Linux with eBPF; this is darwin.*ReplaySource/),
        }),
      );
    } finally {
      Object.defineProperty(process, 'platform', desc);
    }
  });

  it.skipIf(process.platform !== 'linux')(
    'raises KERNEL_FEATURE_MISSING without BTF, naming the kernel option',
    async () => {
      vi.doMock('node:fs', async (orig) => {
        const real = await orig<typeof import('node:fs')>();
        return {
          ...real,
          existsSync: (p: string) => (p === '/sys/kernel/btf/vmlinux' ? false : real.existsSync(p)),
        };
      });
      const { assertCapturePrerequisites } = await import('../src/preflight.js');
      expect(() => assertCapturePrerequisites()).toThrow(
        expect.objectContaining({
          code: 'KERNEL_FEATURE_MISSING',
          message: expect.stringMatching(/CONFIG_DEBUG_INFO_BTF/),
        }),
      );
    },
  );

  it.skipIf(process.platform !== 'linux')(
    'raises PRIVILEGE_REQUIRED when the process has no BPF capabilities',
    async () => {
      vi.doMock('node:fs', async (orig) => {
        const real = await orig<typeof import('node:fs')>();
        return {
          ...real,
          existsSync: (p: string) => (p === '/sys/kernel/btf/vmlinux' ? true : real.existsSync(p)),
          readFileSync: ((p: unknown, ...rest: unknown[]) =>
            p === '/proc/self/status'
              ? 'Name:\tnode\nCapEff:\t0000000000000000\n'
              : (real.readFileSync as (...a: unknown[]) => unknown)(p, ...rest)) as typeof real.readFileSync,
        };
      });
      const { assertCapturePrerequisites, capturePrivileges } = await import('../src/preflight.js');
      expect(capturePrivileges()).toMatchObject({
        capSysAdmin: false,
        capBpf: false,
        capPerfmon: false,
        sufficient: false,
      });
      expect(() => assertCapturePrerequisites()).toThrow(
        expect.objectContaining({ code: 'PRIVILEGE_REQUIRED' }),
      );
    },
  );

  it.skipIf(process.platform !== 'linux')('accepts CAP_BPF + CAP_PERFMON without CAP_SYS_ADMIN', async () => {
    vi.doMock('node:fs', async (orig) => {
      const real = await orig<typeof import('node:fs')>();
      const caps = ((1n << 38n) | (1n << 39n)).toString(16).padStart(16, '0');
      return {
        ...real,
        readFileSync: ((p: unknown, ...rest: unknown[]) =>
          p === '/proc/self/status'
            ? `CapEff:\t${caps}\n`
            : (real.readFileSync as (...a: unknown[]) => unknown)(p, ...rest)) as typeof real.readFileSync,
      };
    });
    const { capturePrivileges } = await import('../src/preflight.js');
    expect(capturePrivileges()).toMatchObject({
      capSysAdmin: false,
      capBpf: true,
      capPerfmon: true,
      sufficient: true,
    });
  });
});
