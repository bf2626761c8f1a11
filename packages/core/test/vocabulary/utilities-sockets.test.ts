import { describe, expect, it } from 'vitest';
import {
  isOrdinaryUtility,
  isRuntimeControlSocket,
  isSystemServiceSocket,
  SYSTEM_SERVICE_SOCKETS,
} from '../../src/index.js';

describe('ordinary utilities and runtime sockets', () => {
  it('counts read-only text and file utilities, never programs that run others or reach out', () => {
    for (const p of ['/usr/bin/tail', 'ls', '/bin/cat', 'wc', 'sha256sum'])
      expect([p, isOrdinaryUtility(p)]).toEqual([p, true]);
    for (const p of ['/usr/bin/curl', 'env', 'xargs', 'find', 'awk', 'sed', 'id', 'whoami', 'python3', 'sh'])
      expect([p, isOrdinaryUtility(p)]).toEqual([p, false]);
  });
  it('knows container runtime and kubelet control sockets, and nothing else', () => {
    for (const p of [
      '/var/run/docker.sock',
      '/run/containerd/containerd.sock',
      '/var/run/crio/crio.sock',
      '/run/podman/podman.sock',
      '/var/lib/kubelet/pod-resources/kubelet.sock',
    ])
      expect([p, isRuntimeControlSocket(p)]).toEqual([p, true]);
    for (const p of [
      '/var/run/nscd/socket',
      '/run/dbus/system_bus_socket',
      '/tmp/.s.PGSQL.5432',
      '/tmp/mydocker.sock.bak',
    ])
      expect([p, isRuntimeControlSocket(p)]).toEqual([p, false]);
  });
  it('knows the name-service and logging sockets programs reach on their own, under /run and /var/run', () => {
    for (const p of [
      '/var/run/nscd/socket',
      '/run/nscd/socket',
      '/run/systemd/resolve/io.systemd.Resolve',
      '/run/systemd/userdb/io.systemd.DynamicUser',
      '/var/lib/sss/pipes/nss',
      '/dev/log',
      '/run/systemd/journal/socket',
    ])
      expect([p, isSystemServiceSocket(p)]).toEqual([p, true]);
    // The system bus reaches systemd and polkit; sssd's PAM pipe authenticates; runtimes run containers.
    for (const p of [
      '/run/dbus/system_bus_socket',
      '/var/run/dbus/system_bus_socket',
      '/var/lib/sss/pipes/pam',
      '/var/run/docker.sock',
      '/tmp/nscd/socket',
      '/run/nscd/socket.bak',
      '',
    ])
      expect([p, isSystemServiceSocket(p)]).toEqual([p, false]);
    for (const p of SYSTEM_SERVICE_SOCKETS) expect(isRuntimeControlSocket(p)).toBe(false);
  });
});
