// SPDX-License-Identifier: Apache-2.0
#include "libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace vigil {

namespace {

thread_local LibbpfLog* current = nullptr;

int Print(enum libbpf_print_level level, const char* fmt, va_list args) {
  static const bool debug = std::getenv("VIGIL_LIBBPF_DEBUG") != nullptr;
  char line[1024];
  va_list copy;
  va_copy(copy, args);
  vsnprintf(line, sizeof(line), fmt, copy);
  va_end(copy);
  if (debug) std::fputs(line, stderr);
  if (current && level <= LIBBPF_WARN) current->Append(line);
  return 0;
}

struct Installer {
  Installer() { libbpf_set_print(Print); }
} installer;

}  // namespace

LibbpfLog::LibbpfLog() : prev_(current) { current = this; }
LibbpfLog::~LibbpfLog() { current = prev_; }

void LibbpfLog::Append(const char* line) {
  if (text_.size() < 64 * 1024) text_ += line;
}

std::string LibbpfLog::Tail(size_t max_lines) const {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text_.size()) {
    size_t end = text_.find('\n', start);
    if (end == std::string::npos) end = text_.size();
    std::string l = text_.substr(start, end - start);
    // Generic follow-up lines repeat what the caller already says.
    bool generic = l.find("failed to load object") != std::string::npos ||
                   l.find("failed to load BPF skeleton") != std::string::npos ||
                   l.find("failed to load: -") != std::string::npos || l.find("ulimit -l") != std::string::npos;
    if (!l.empty() && !generic) lines.push_back(l);
    start = end + 1;
  }
  std::string out;
  size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (size_t i = from; i < lines.size(); i++) out += "; " + lines[i];
  return out;
}

}  // namespace vigil
