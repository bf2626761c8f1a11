// SPDX-License-Identifier: Apache-2.0
/*
 * Debian's libbpf.a is compiled without -fPIC. Its code is position-independent
 * except for one absolute reference to a glibc data object: `stderr` (used by
 * libbpf's default print callback). A hidden definition inside this module
 * satisfies that reference at link time; it is bound to the process's real
 * stream when the module is loaded. This keeps libbpf linked statically, so the
 * module needs only libelf and zlib at run time.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

__attribute__((visibility("hidden"))) void *stderr = NULL;

__attribute__((constructor)) static void vigil_bind_stderr(void)
{
	void **real = (void **)dlsym(RTLD_DEFAULT, "stderr");
	if (real && real != &stderr)
		stderr = *real;
}
