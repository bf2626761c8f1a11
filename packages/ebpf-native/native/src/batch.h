// SPDX-License-Identifier: Apache-2.0
// What the capture sensor and the enforcer share: batches of ring-buffer
// records handed to JavaScript through a thread-safe function, and helpers.
#pragma once

#include <napi.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace vigil {

struct Batch {
  std::vector<uint8_t> bytes;
  uint32_t records = 0;
};

constexpr size_t kCopyBatchBytes = 64 * 1024;

inline void CallJs(Napi::Env env, Napi::Function callback, std::nullptr_t*, Batch* batch) {
  if (env == nullptr || callback.IsEmpty()) {
    delete batch;
    return;
  }
  uint32_t records = batch->records;
  size_t size = batch->bytes.size();
  // A small batch is copied into a buffer V8 owns: cheaper than an external buffer,
  // whose finalizer costs the garbage collector a weak reference per batch.
  if (size <= kCopyBatchBytes) {
    auto buf = Napi::Buffer<uint8_t>::Copy(env, batch->bytes.data(), size);
    delete batch;
    callback.Call({buf, Napi::Number::New(env, records)});
    return;
  }
  auto buf = Napi::Buffer<uint8_t>::New(env, batch->bytes.data(), size,
                                         [](Napi::Env, uint8_t*, Batch* b) { delete b; }, batch);
  callback.Call({buf, Napi::Number::New(env, records)});
}

using BatchTsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, Batch, CallJs>;

inline uint64_t ToU64(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless = false;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return static_cast<uint64_t>(v.As<Napi::Number>().Int64Value());
}

inline std::string ErrText(int err) {
  int e = err < 0 ? -err : err;
  return std::string(strerror(e)) + " (errno " + std::to_string(e) + ")";
}


}  // namespace vigil
