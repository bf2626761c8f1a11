// SPDX-License-Identifier: Apache-2.0
// The enforcement object: loads native/bpf/enforce.bpf.c, attaches its
// sock_addr programs to the cgroups it is given (as BPF links, so nothing
// outlives the process), keeps the allowlist maps and drains its ring buffer
// of decisions on a poll thread, like the capture sensor.
#include "enforcer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "batch.h"
#include "enforce.skel.h"  // struct vigil_enforce_bpf
#include "libbpf_log.h"
extern "C" {
#include "vigil_record.h"
}

namespace vigil {

namespace {

struct CgroupLinks {
  int fd = -1;
  std::vector<bpf_link*> links;
};

}  // namespace

class NativeEnforcer : public Napi::ObjectWrap<NativeEnforcer> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NativeEnforcer",
                       {
                           InstanceMethod<&NativeEnforcer::Load>("load"),
                           InstanceMethod<&NativeEnforcer::Start>("start"),
                           InstanceMethod<&NativeEnforcer::AttachCgroup>("attachCgroup"),
                           InstanceMethod<&NativeEnforcer::DetachCgroup>("detachCgroup"),
                           InstanceMethod<&NativeEnforcer::SetTarget>("setTarget"),
                           InstanceMethod<&NativeEnforcer::RemoveTarget>("removeTarget"),
                           InstanceMethod<&NativeEnforcer::AllowEgress>("allowEgress"),
                           InstanceMethod<&NativeEnforcer::AllowExec>("allowExec"),
                           InstanceMethod<&NativeEnforcer::ClearPolicy>("clearPolicy"),
                           InstanceMethod<&NativeEnforcer::Counters>("counters"),
                           InstanceMethod<&NativeEnforcer::ProgramIds>("programIds"),
                           InstanceMethod<&NativeEnforcer::Close>("close"),
                       });
  }

  explicit NativeEnforcer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeEnforcer>(info) {
    Napi::Object opts = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>()
                                                                 : Napi::Object::New(info.Env());
    if (opts.Has("ringBufferBytes")) ring_bytes_ = opts.Get("ringBufferBytes").As<Napi::Number>().Uint32Value();
    if (opts.Has("flushMs")) flush_ms_ = opts.Get("flushMs").As<Napi::Number>().Uint32Value();
    if (opts.Has("lsmExec")) lsm_exec_ = opts.Get("lsmExec").ToBoolean().Value();
  }

  ~NativeEnforcer() override { Shutdown(); }

 private:
  class LoadWorker : public Napi::AsyncWorker {
   public:
    LoadWorker(Napi::Env env, NativeEnforcer* e)
        : Napi::AsyncWorker(env, "vigil-enforce-load"), self_(e), deferred_(Napi::Promise::Deferred::New(env)) {}
    Napi::Promise Promise() { return deferred_.Promise(); }
    void Execute() override {
      std::string err = self_->DoLoad();
      if (!err.empty()) SetError(err);
    }
    void OnOK() override { deferred_.Resolve(Env().Undefined()); }
    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

   private:
    NativeEnforcer* self_;
    Napi::Promise::Deferred deferred_;
  };

  std::string DoLoad() {
    LibbpfLog log;
    skel_ = vigil_enforce_bpf__open();
    if (!skel_) return "open of the enforcement object failed: " + ErrText(errno) + log.Tail();
    if (ring_bytes_ > 0) {
      int err = bpf_map__set_max_entries(skel_->maps.enf_events, ring_bytes_);
      if (err) return "ring buffer size " + std::to_string(ring_bytes_) + " rejected: " + ErrText(err);
    }
    // The LSM program loads only when asked (a kernel that runs the bpf LSM); the tracepoint then defers to it.
    bpf_program__set_autoload(skel_->progs.vigil_enf_bprm, lsm_exec_);
    skel_->rodata->lsm_exec = lsm_exec_;
    // The sock_addr programs are attached per cgroup (attachCgroup); only the exec hooks are global.
    int err = vigil_enforce_bpf__load(skel_);
    if (err) return "BPF_LOAD: loading the enforcement programs failed: " + ErrText(err) + log.Tail();
    skel_->links.vigil_enf_exec = bpf_program__attach(skel_->progs.vigil_enf_exec);
    if (!skel_->links.vigil_enf_exec)
      return "BPF_ATTACH: attaching the exec enforcement program failed: " + ErrText(errno) + log.Tail();
    if (lsm_exec_) {
      skel_->links.vigil_enf_bprm = bpf_program__attach_lsm(skel_->progs.vigil_enf_bprm);
      if (!skel_->links.vigil_enf_bprm)
        return "BPF_ATTACH: attaching lsm/bprm_check_security failed: " + ErrText(errno) + log.Tail();
    }
    return "";
  }

  Napi::Value Load(const Napi::CallbackInfo& info) {
    if (skel_ || loading_) {
      auto d = Napi::Promise::Deferred::New(info.Env());
      d.Reject(Napi::Error::New(info.Env(), "already loaded").Value());
      return d.Promise();
    }
    loading_ = true;
    auto* w = new LoadWorker(info.Env(), this);
    auto p = w->Promise();
    w->Queue();
    return p;
  }

  static int OnRecord(void* ctx, void* data, size_t size) {
    auto* self = static_cast<NativeEnforcer*>(ctx);
    const auto* p = static_cast<const uint8_t*>(data);
    self->cur_->bytes.insert(self->cur_->bytes.end(), p, p + size);
    self->cur_->records++;
    return 0;
  }

  void Flush() {
    Batch* b = cur_;
    if (b->records == 0) return;
    napi_status st = tsfn_.NonBlockingCall(b);
    if (st != napi_ok) {
      refused_records_ += b->records;
      b->bytes.clear();
      b->records = 0;
      return;
    }
    records_sent_ += b->records;
    cur_ = new Batch();
  }

  void PollLoop() {
    while (!stop_.load(std::memory_order_relaxed)) {
      int n = ring_buffer__poll(rb_, static_cast<int>(flush_ms_));
      if (n < 0 && n != -EINTR) poll_errors_++;
      Flush();
    }
    ring_buffer__consume(rb_);
    Flush();
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireLoaded(env);
    if (running_) throw Napi::Error::New(env, "already started");
    if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "start(callback)");
    rb_ = ring_buffer__new(bpf_map__fd(skel_->maps.enf_events), &NativeEnforcer::OnRecord, this, nullptr);
    if (!rb_) throw Napi::Error::New(env, "ring_buffer__new failed: " + ErrText(errno));
    tsfn_ = BatchTsfn::New(env, info[0].As<Napi::Function>(), "vigil-enforce-ring-buffer", 256, 1);
    cur_ = new Batch();
    stop_ = false;
    running_ = true;
    thread_ = std::thread([this] { PollLoop(); });
    return env.Undefined();
  }

  // attachCgroup(dir): the four sock_addr programs on that cgroup (and so its subtree).
  Napi::Value AttachCgroup(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireLoaded(env);
    std::string dir = info[0].As<Napi::String>().Utf8Value();
    if (cgroups_.count(dir)) return env.Undefined();
    CgroupLinks c;
    c.fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c.fd < 0) throw Napi::Error::New(env, "CGROUP: cannot open " + dir + ": " + ErrText(errno));
    bpf_program* progs[] = {skel_->progs.vigil_enf_connect4, skel_->progs.vigil_enf_connect6,
                            skel_->progs.vigil_enf_sendmsg4, skel_->progs.vigil_enf_sendmsg6};
    for (bpf_program* p : progs) {
      bpf_link* l = bpf_program__attach_cgroup(p, c.fd);
      if (!l) {
        int e = errno;
        for (bpf_link* done : c.links) bpf_link__destroy(done);
        close(c.fd);
        std::string hint = e == EPERM ? " (attaching cgroup programs needs CAP_NET_ADMIN and CAP_BPF, or root)" : "";
        throw Napi::Error::New(env, std::string("BPF_ATTACH: attaching ") + bpf_program__name(p) + " to " + dir +
                                        " failed: " + ErrText(e) + hint);
      }
      c.links.push_back(l);
    }
    cgroups_[dir] = c;
    return env.Undefined();
  }

  Napi::Value DetachCgroup(const Napi::CallbackInfo& info) {
    std::string dir = info[0].As<Napi::String>().Utf8Value();
    auto it = cgroups_.find(dir);
    if (it != cgroups_.end()) {
      for (bpf_link* l : it->second.links) bpf_link__destroy(l);
      close(it->second.fd);
      cgroups_.erase(it);
    }
    return info.Env().Undefined();
  }

  // setTarget(cgroupId, policy, mode, flags)
  Napi::Value SetTarget(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireLoaded(env);
    uint64_t id = ToU64(info[0]);
    vigil_enf_target t{};
    t.policy = info[1].As<Napi::Number>().Uint32Value();
    t.mode = info[2].As<Napi::Number>().Uint32Value();
    t.flags = info[3].As<Napi::Number>().Uint32Value();
    int err = bpf_map__update_elem(skel_->maps.enf_targets, &id, sizeof(id), &t, sizeof(t), BPF_ANY);
    if (err) throw Napi::Error::New(env, "setTarget: map update failed: " + ErrText(err));
    return env.Undefined();
  }

  Napi::Value RemoveTarget(const Napi::CallbackInfo& info) {
    RequireLoaded(info.Env());
    uint64_t id = ToU64(info[0]);
    bpf_map__delete_elem(skel_->maps.enf_targets, &id, sizeof(id), 0);
    return info.Env().Undefined();
  }

  // allowEgress(policy, family, addr: Buffer(4|16), prefixBits, port, rule)
  Napi::Value AllowEgress(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireLoaded(env);
    uint32_t policy = info[0].As<Napi::Number>().Uint32Value();
    uint32_t family = info[1].As<Napi::Number>().Uint32Value();
    auto addr = info[2].As<Napi::Buffer<uint8_t>>();
    uint32_t bits = info[3].As<Napi::Number>().Uint32Value();
    uint16_t port = static_cast<uint16_t>(info[4].As<Napi::Number>().Uint32Value());
    uint32_t rule = info[5].As<Napi::Number>().Uint32Value();
    int err;
    if (family == 4) {
      if (addr.Length() != 4 || bits > 32) throw Napi::RangeError::New(env, "allowEgress: an IPv4 address is 4 bytes, /0–/32");
      vigil_enf_v4_key k{};
      k.prefixlen = 64 + bits;
      k.policy = policy;
      k.port = port;
      memcpy(k.addr, addr.Data(), 4);
      err = bpf_map__update_elem(skel_->maps.enf_egress4, &k, sizeof(k), &rule, sizeof(rule), BPF_ANY);
    } else {
      if (addr.Length() != 16 || bits > 128)
        throw Napi::RangeError::New(env, "allowEgress: an IPv6 address is 16 bytes, /0–/128");
      vigil_enf_v6_key k{};
      k.prefixlen = 64 + bits;
      k.policy = policy;
      k.port = port;
      memcpy(k.addr, addr.Data(), 16);
      err = bpf_map__update_elem(skel_->maps.enf_egress6, &k, sizeof(k), &rule, sizeof(rule), BPF_ANY);
    }
    if (err) throw Napi::Error::New(env, "allowEgress: map update failed: " + ErrText(err) + MapFullHint(err));
    return env.Undefined();
  }

  // allowExec(policy, dev, ino, rule)
  Napi::Value AllowExec(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireLoaded(env);
    vigil_enf_exec_key k{};
    k.policy = info[0].As<Napi::Number>().Uint32Value();
    k.dev = ToU64(info[1]);
    k.ino = ToU64(info[2]);
    uint32_t rule = info[3].As<Napi::Number>().Uint32Value();
    int err = bpf_map__update_elem(skel_->maps.enf_exec, &k, sizeof(k), &rule, sizeof(rule), BPF_ANY);
    if (err) throw Napi::Error::New(env, "allowExec: map update failed: " + ErrText(err) + MapFullHint(err));
    return env.Undefined();
  }

  static std::string MapFullHint(int err) {
    return (err == -E2BIG || err == -ENOMEM || err == -ENOSPC) ? " (the allowlist maps hold 65,536 entries each)" : "";
  }

  template <typename K>
  static uint32_t DeletePolicyKeys(bpf_map* map, uint32_t policy, uint32_t K::*field) {
    std::vector<K> doomed;
    K key{}, next{};
    const void* prev = nullptr;
    while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0) {
      if (next.*field == policy) doomed.push_back(next);
      key = next;
      prev = &key;
    }
    for (auto& k : doomed) bpf_map__delete_elem(map, &k, sizeof(k), 0);
    return static_cast<uint32_t>(doomed.size());
  }

  // clearPolicy(policy): removes every allowlist entry of that policy; returns how many.
  Napi::Value ClearPolicy(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireLoaded(env);
    uint32_t policy = info[0].As<Napi::Number>().Uint32Value();
    uint32_t n = DeletePolicyKeys<vigil_enf_v4_key>(skel_->maps.enf_egress4, policy, &vigil_enf_v4_key::policy);
    n += DeletePolicyKeys<vigil_enf_v6_key>(skel_->maps.enf_egress6, policy, &vigil_enf_v6_key::policy);
    n += DeletePolicyKeys<vigil_enf_exec_key>(skel_->maps.enf_exec, policy, &vigil_enf_exec_key::policy);
    return Napi::Number::New(env, n);
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint64_t sums[VIGIL_ENF_CNT_MAX] = {};
    if (skel_) {
      ReadCounters(sums);
    } else {
      for (uint32_t i = 0; i < VIGIL_ENF_CNT_MAX; i++) sums[i] = final_counters_[i];
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("checked", Napi::Number::New(env, static_cast<double>(sums[VIGIL_ENF_CNT_CHECKED])));
    o.Set("allowed", Napi::Number::New(env, static_cast<double>(sums[VIGIL_ENF_CNT_ALLOWED])));
    o.Set("wouldBlock", Napi::Number::New(env, static_cast<double>(sums[VIGIL_ENF_CNT_WOULD_BLOCK])));
    o.Set("blocked", Napi::Number::New(env, static_cast<double>(sums[VIGIL_ENF_CNT_BLOCKED])));
    o.Set("killed", Napi::Number::New(env, static_cast<double>(sums[VIGIL_ENF_CNT_KILLED])));
    o.Set("ringbufFull", Napi::Number::New(env, static_cast<double>(sums[VIGIL_ENF_CNT_RINGBUF_FULL])));
    o.Set("recordsSent", Napi::Number::New(env, static_cast<double>(records_sent_.load())));
    o.Set("refusedRecords", Napi::Number::New(env, static_cast<double>(refused_records_.load())));
    o.Set("pollErrors", Napi::Number::New(env, static_cast<double>(poll_errors_.load())));
    return o;
  }

  void ReadCounters(uint64_t* sums) {
    int ncpu = libbpf_num_possible_cpus();
    std::vector<uint64_t> vals(ncpu > 0 ? ncpu : 1);
    for (uint32_t i = 0; i < VIGIL_ENF_CNT_MAX; i++) {
      sums[i] = 0;
      if (bpf_map__lookup_elem(skel_->maps.enf_counters, &i, sizeof(i), vals.data(), vals.size() * sizeof(uint64_t),
                               0) == 0)
        for (auto v : vals) sums[i] += v;
    }
  }

  Napi::Value ProgramIds(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    if (!skel_) return out;
    uint32_t i = 0;
    bpf_program* prog;
    bpf_object__for_each_program(prog, skel_->obj) {
      bpf_prog_info pinfo{};
      uint32_t len = sizeof(pinfo);
      int fd = bpf_program__fd(prog);
      if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &pinfo, &len) == 0) out.Set(i++, Napi::Number::New(env, pinfo.id));
    }
    return out;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  void Shutdown() {
    if (running_) {
      stop_ = true;
      if (thread_.joinable()) thread_.join();
      running_ = false;
      tsfn_.Release();
      delete cur_;
      cur_ = nullptr;
    }
    if (rb_) {
      ring_buffer__free(rb_);
      rb_ = nullptr;
    }
    for (auto& [dir, c] : cgroups_) {
      for (bpf_link* l : c.links) bpf_link__destroy(l);
      close(c.fd);
    }
    cgroups_.clear();
    if (skel_) {
      ReadCounters(final_counters_);
      vigil_enforce_bpf__destroy(skel_);
      skel_ = nullptr;
    }
  }

  void RequireLoaded(Napi::Env env) {
    if (!skel_) throw Napi::Error::New(env, "enforcer is not loaded or already closed");
  }

  vigil_enforce_bpf* skel_ = nullptr;
  ring_buffer* rb_ = nullptr;
  BatchTsfn tsfn_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  bool running_ = false;
  bool loading_ = false;
  Batch* cur_ = nullptr;
  uint32_t ring_bytes_ = 0;
  uint32_t flush_ms_ = 20;
  bool lsm_exec_ = false;
  std::map<std::string, CgroupLinks> cgroups_;
  std::atomic<uint64_t> records_sent_{0}, refused_records_{0}, poll_errors_{0};
  uint64_t final_counters_[VIGIL_ENF_CNT_MAX] = {};
};

Napi::Function InitEnforcer(Napi::Env env) { return NativeEnforcer::Init(env); }

}  // namespace vigil
