// SPDX-License-Identifier: Apache-2.0
// Feature probing: loads and attaches one minimal program per attach type.
#include "probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "libbpf_log.h"
#include "probe.skel.h"

namespace vigil {

namespace {

struct Result {
  std::string name;
  bool supported = false;
  std::string reason;
};

std::string ErrText(int err) {
  int e = err < 0 ? -err : err;
  return std::string(strerror(e)) + " (errno " + std::to_string(e) + ")";
}

bpf_program* Find(vigil_probe_bpf* s, const std::string& name) {
  return bpf_object__find_program_by_name(s->obj, name.c_str());
}

// Loads `prog` alone and attaches it with `attach`; returns "" on success, else why not.
template <typename Attach>
std::string TryProgram(const std::string& prog, Attach attach) {
  LibbpfLog log;
  vigil_probe_bpf* s = vigil_probe_bpf__open();
  if (!s) return "cannot open the probe object: " + ErrText(errno);
  bpf_program* p;
  bpf_object__for_each_program(p, s->obj) bpf_program__set_autoload(p, false);
  bpf_program* target = Find(s, prog);
  bpf_program__set_autoload(target, true);
  std::string why;
  int err = vigil_probe_bpf__load(s);
  if (err) {
    why = "load refused: " + ErrText(err) + log.Tail(2);
    if ((err == -EPERM || err == -1) && geteuid() == 0)
      why += " (refused even as root: the kernel does not allow this program type here, e.g. lockdown, a "
             "security module or a sandboxed kernel)";
  } else {
    bpf_link* link = nullptr;
    err = attach(target, &link);
    if (err) {
      why = "attach refused: " + ErrText(err) + log.Tail(2);
      if (err == -ENOENT && prog == "probe_kprobe")
        why += " (no kprobe PMU and no tracefs kprobe_events: the kernel lacks CONFIG_KPROBE_EVENTS or tracefs is not "
               "mounted)";
    }
    if (link) bpf_link__destroy(link);
  }
  vigil_probe_bpf__destroy(s);
  return why;
}

int AttachAuto(bpf_program* p, bpf_link** out) {
  *out = bpf_program__attach(p);
  return *out ? 0 : -errno;
}

int AttachUprobe(bpf_program* p, bpf_link** out) {
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = "getpid");
  *out = bpf_program__attach_uprobe_opts(p, getpid(), "libc.so.6", 0, &opts);
  return *out ? 0 : -errno;
}

int AttachCgroup(bpf_program* p, bpf_link** out) {
  const char* roots[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};
  for (const char* root : roots) {
    std::string dir = std::string(root) + "/vigil-probe-" + std::to_string(getpid());
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) continue;
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    int err = 0;
    if (fd < 0) {
      err = -errno;
    } else {
      bpf_link* link = bpf_program__attach_cgroup(p, fd);
      err = link ? 0 : -errno;
      if (link) bpf_link__destroy(link);
      close(fd);
    }
    rmdir(dir.c_str());
    return err;
  }
  return -ENOENT;
}

class ProbeWorker : public Napi::AsyncWorker {
 public:
  explicit ProbeWorker(Napi::Env env)
      : Napi::AsyncWorker(env, "vigil-probe"), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    {
      Result r{"btf"};
      struct stat st;
      if (stat("/sys/kernel/btf/vmlinux", &st) != 0) {
        r.reason = "/sys/kernel/btf/vmlinux is missing: the kernel was built without CONFIG_DEBUG_INFO_BTF";
      } else {
        btf* b = btf__load_vmlinux_btf();
        if (!b) r.reason = "cannot parse /sys/kernel/btf/vmlinux: " + ErrText(errno);
        else {
          r.supported = true;
          btf__free(b);
        }
      }
      results_.push_back(r);
    }
    {
      Result r{"ringbuf"};
      int ok = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr);
      if (ok == 1) {
        r.reason = TryProgram("probe_ringbuf", AttachAuto);
        r.supported = r.reason.empty();
      } else {
        r.reason = ok == 0 ? "BPF_MAP_TYPE_RINGBUF is not supported (needs Linux 5.8)"
                           : "cannot probe map types: " + ErrText(ok);
      }
      results_.push_back(r);
    }
    Add("tp_btf", "probe_tp_btf", AttachAuto);
    Add("raw_tp", "probe_raw_tp", AttachAuto);
    Add("cgroup_sock_addr", "probe_sock_addr", AttachCgroup);
    Add("send_signal", "probe_send_signal", AttachAuto);
    Add("kprobe", "probe_kprobe", AttachAuto);
    Add("fentry", "probe_fentry", AttachAuto);
    Add("lsm", "probe_lsm", AttachAuto);
    Add("uprobe", "probe_uprobe", AttachUprobe);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object o = Napi::Object::New(env);
    for (auto& r : results_) {
      Napi::Object f = Napi::Object::New(env);
      f.Set("supported", Napi::Boolean::New(env, r.supported));
      if (!r.supported) f.Set("reason", Napi::String::New(env, r.reason));
      o.Set(r.name, f);
    }
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  template <typename Attach>
  void Add(const char* name, const char* prog, Attach attach) {
    Result r{name};
    r.reason = TryProgram(prog, attach);
    r.supported = r.reason.empty();
    results_.push_back(r);
  }

  Napi::Promise::Deferred deferred_;
  std::vector<Result> results_;
};

}  // namespace

Napi::Value Probe(const Napi::CallbackInfo& info) {
  auto* w = new ProbeWorker(info.Env());
  auto p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace vigil
