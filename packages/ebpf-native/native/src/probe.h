// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <napi.h>

namespace vigil {

// probe(): Promise<Record<feature, { supported: boolean; reason?: string }>>
Napi::Value Probe(const Napi::CallbackInfo& info);

}  // namespace vigil
