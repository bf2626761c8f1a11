// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <napi.h>

namespace vigil {

// The NativeEnforcer class: egress and exec allowlists enforced in the kernel.
Napi::Function InitEnforcer(Napi::Env env);

}  // namespace vigil
