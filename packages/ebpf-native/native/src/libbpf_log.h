// SPDX-License-Identifier: Apache-2.0
// Captures libbpf's messages for the current thread so errors can carry them.
#pragma once

#include <string>

namespace vigil {

class LibbpfLog {
 public:
  LibbpfLog();
  ~LibbpfLog();
  LibbpfLog(const LibbpfLog&) = delete;
  LibbpfLog& operator=(const LibbpfLog&) = delete;

  // The last warning lines libbpf printed while this object was alive, as "; libbpf: …", or "".
  std::string Tail(size_t max_lines = 3) const;
  const std::string& Text() const { return text_; }
  void Append(const char* line);

 private:
  std::string text_;
  LibbpfLog* prev_;
};

}  // namespace vigil
