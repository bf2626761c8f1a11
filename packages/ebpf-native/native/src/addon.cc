// SPDX-License-Identifier: Apache-2.0
// The Vigil capture addon: loads the CO-RE programs, drains the ring buffer on
// a poll thread and hands whole batches to JavaScript.
#include <napi.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "batch.h"
#include "enforcer.h"
#include "libbpf_log.h"
#include "probe.h"
#include "vigil.skel.h"  // struct vigil_capture_bpf
extern "C" {
#include "vigil_record.h"
}

namespace vigil {


class NativeSensor : public Napi::ObjectWrap<NativeSensor> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NativeSensor",
                       {
                           InstanceMethod<&NativeSensor::Load>("load"),
                           InstanceMethod<&NativeSensor::Start>("start"),
                           InstanceMethod<&NativeSensor::Watch>("watch"),
                           InstanceMethod<&NativeSensor::Unwatch>("unwatch"),
                           InstanceMethod<&NativeSensor::SetWatchAll>("setWatchAll"),
                           InstanceMethod<&NativeSensor::SetDnsPorts>("setDnsPorts"),
                           InstanceMethod<&NativeSensor::AttachTls>("attachTls"),
                           InstanceMethod<&NativeSensor::Counters>("counters"),
                           InstanceMethod<&NativeSensor::ProgramIds>("programIds"),
                           InstanceMethod<&NativeSensor::Close>("close"),
                       });
  }

  explicit NativeSensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeSensor>(info) {
    Napi::Object opts = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>()
                                                                 : Napi::Object::New(info.Env());
    if (opts.Has("ringBufferBytes")) ring_bytes_ = opts.Get("ringBufferBytes").As<Napi::Number>().Uint32Value();
    if (opts.Has("dedup")) dedup_ = opts.Get("dedup").ToBoolean();
    if (opts.Has("selfTgid")) self_tgid_ = opts.Get("selfTgid").As<Napi::Number>().Uint32Value();
    if (opts.Has("batchBytes")) batch_bytes_ = opts.Get("batchBytes").As<Napi::Number>().Uint32Value();
    if (opts.Has("flushMs")) flush_ms_ = opts.Get("flushMs").As<Napi::Number>().Uint32Value();
    if (opts.Has("payloadBytes")) payload_bytes_ = opts.Get("payloadBytes").As<Napi::Number>().Uint32Value();
    if (opts.Has("payloadSockets")) payload_sockets_ = opts.Get("payloadSockets").ToBoolean();
    if (opts.Has("maxQueuedBatches"))
      max_queue_ = opts.Get("maxQueuedBatches").As<Napi::Number>().Uint32Value();
  }

  ~NativeSensor() override { Shutdown(); }

 private:
  class LoadWorker : public Napi::AsyncWorker {
   public:
    LoadWorker(Napi::Env env, NativeSensor* s)
        : Napi::AsyncWorker(env, "vigil-load"), sensor_(s), deferred_(Napi::Promise::Deferred::New(env)) {}
    Napi::Promise Promise() { return deferred_.Promise(); }
    void Execute() override {
      std::string err = sensor_->DoLoad();
      if (!err.empty()) SetError(err);
    }
    void OnOK() override { deferred_.Resolve(Env().Undefined()); }
    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

   private:
    NativeSensor* sensor_;
    Napi::Promise::Deferred deferred_;
  };

  // Runs off the JS thread: open, configure, load (verifier) and attach.
  std::string DoLoad() {
    LibbpfLog log;
    skel_ = vigil_capture_bpf__open();
    if (!skel_) return "open of the BPF object failed: " + ErrText(errno) + log.Tail();
    skel_->rodata->self_tgid = self_tgid_;
    skel_->rodata->dedup_enabled = dedup_ ? 1 : 0;
    skel_->rodata->payload_max = payload_bytes_ > VIGIL_PAYLOAD_TOTAL_MAX ? VIGIL_PAYLOAD_TOTAL_MAX : payload_bytes_;
    skel_->rodata->payload_sockets = payload_bytes_ > 0 && payload_sockets_ ? 1 : 0;
    // The TLS uprobes are attached per file by attachTls(), never by the skeleton; without
    // payload capture they are not even loaded.
    for (bpf_program* p : TlsPrograms()) {
      bpf_program__set_autoattach(p, false);
      if (payload_bytes_ == 0) bpf_program__set_autoload(p, false);
    }
    // The payload path is entered by a tail call from the sys_exit program, never attached itself.
    bpf_program__set_autoattach(skel_->progs.vigil_payload_exit, false);
    // A backlog of an eighth of the ring buffer wakes the poll thread early (see PollLoop).
    skel_->rodata->wakeup_bytes = (ring_bytes_ > 0 ? ring_bytes_ : 8u * 1024 * 1024) / 8;
    if (ring_bytes_ > 0) {
      int err = bpf_map__set_max_entries(skel_->maps.events, ring_bytes_);
      if (err) return "ring buffer size " + std::to_string(ring_bytes_) + " rejected: " + ErrText(err);
    }
    int err = vigil_capture_bpf__load(skel_);
    if (err) return "BPF_LOAD: loading the capture programs failed: " + ErrText(err) + log.Tail();
    err = vigil_capture_bpf__attach(skel_);
    if (err) return "BPF_ATTACH: attaching the capture programs failed: " + ErrText(err) + log.Tail();
    uint16_t dns = 53;
    uint8_t one = 1;
    bpf_map__update_elem(skel_->maps.dns_ports, &dns, sizeof(dns), &one, sizeof(one), BPF_ANY);
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

  std::vector<bpf_program*> TlsPrograms() {
    return {skel_->progs.vigil_ssl_write, skel_->progs.vigil_ssl_write_ex, skel_->progs.vigil_ssl_read,
            skel_->progs.vigil_ssl_read_ex, skel_->progs.vigil_ssl_ret, skel_->progs.vigil_ssl_free};
  }

  // Attaches the SSL_* uprobes to one file (every process that maps it; the programs
  // filter by cgroup). Off the JS thread: libbpf reads the file's symbol tables.
  class AttachTlsWorker : public Napi::AsyncWorker {
   public:
    AttachTlsWorker(Napi::Env env, NativeSensor* s, std::string path, std::vector<std::pair<std::string, size_t>> offsets)
        : Napi::AsyncWorker(env, "vigil-attach-tls"),
          sensor_(s),
          path_(std::move(path)),
          offsets_(std::move(offsets)),
          deferred_(Napi::Promise::Deferred::New(env)) {}
    Napi::Promise Promise() { return deferred_.Promise(); }
    void Execute() override {
      std::string err = sensor_->DoAttachTls(path_, offsets_, attached_);
      if (!err.empty()) SetError(err);
    }
    void OnOK() override {
      Napi::Array out = Napi::Array::New(Env(), attached_.size());
      for (uint32_t i = 0; i < attached_.size(); i++) out.Set(i, Napi::String::New(Env(), attached_[i]));
      deferred_.Resolve(out);
    }
    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

   private:
    NativeSensor* sensor_;
    std::string path_;
    std::vector<std::pair<std::string, size_t>> offsets_;
    std::vector<std::string> attached_;
    Napi::Promise::Deferred deferred_;
  };

  // `offsets`: file offsets of the functions (resolved from the ELF by the caller), by name;
  // a function not listed is not attached.
  std::string DoAttachTls(const std::string& path, const std::vector<std::pair<std::string, size_t>>& offsets,
                          std::vector<std::string>& attached) {
    std::lock_guard<std::mutex> lock(links_mu_);
    if (!skel_) return "sensor closed";
    LibbpfLog log;
    struct Target {
      const char* func;
      bpf_program* entry;
    };
    const Target targets[] = {{"SSL_write", skel_->progs.vigil_ssl_write},
                              {"SSL_write_ex", skel_->progs.vigil_ssl_write_ex},
                              {"SSL_read", skel_->progs.vigil_ssl_read},
                              {"SSL_read_ex", skel_->progs.vigil_ssl_read_ex},
                              {"SSL_free", skel_->progs.vigil_ssl_free}};
    std::string first_err;
    for (const Target& t : targets) {
      size_t offset = 0;
      bool listed = false;
      for (auto& [name, off] : offsets)
        if (name == t.func) {
          offset = off;
          listed = true;
        }
      if (!listed) continue;
      LIBBPF_OPTS(bpf_uprobe_opts, entry_opts, .retprobe = false);
      bpf_link* in = bpf_program__attach_uprobe_opts(t.entry, -1, path.c_str(), offset, &entry_opts);
      if (!in) {
        if (first_err.empty()) first_err = std::string(t.func) + ": " + ErrText(errno);
        continue;
      }
      bpf_link* out = nullptr;
      if (t.entry != skel_->progs.vigil_ssl_free) {
        LIBBPF_OPTS(bpf_uprobe_opts, ret_opts, .retprobe = true);
        out = bpf_program__attach_uprobe_opts(skel_->progs.vigil_ssl_ret, -1, path.c_str(), offset, &ret_opts);
        if (!out) {
          if (first_err.empty()) first_err = std::string(t.func) + " (return): " + ErrText(errno);
          bpf_link__destroy(in);
          continue;
        }
      }
      links_.push_back(in);
      if (out) links_.push_back(out);
      attached.push_back(t.func);
    }
    if (attached.empty()) return "BPF_ATTACH: no SSL_* uprobe attached to " + path + ": " + first_err + log.Tail();
    return "";
  }

  Napi::Value AttachTls(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireLoaded(env);
    if (payload_bytes_ == 0) throw Napi::Error::New(env, "attachTls: payload capture is off");
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject())
      throw Napi::TypeError::New(env, "attachTls(path, { SSL_write: offset, ... })");
    std::vector<std::pair<std::string, size_t>> offsets;
    Napi::Object o = info[1].As<Napi::Object>();
    Napi::Array names = o.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); i++) {
      std::string name = names.Get(i).As<Napi::String>().Utf8Value();
      offsets.emplace_back(name, static_cast<size_t>(o.Get(name).As<Napi::Number>().Int64Value()));
    }
    auto* w = new AttachTlsWorker(env, this, info[0].As<Napi::String>().Utf8Value(), std::move(offsets));
    auto p = w->Promise();
    w->Queue();
    return p;
  }

  static int OnRecord(void* ctx, void* data, size_t size) {
    auto* self = static_cast<NativeSensor*>(ctx);
    Batch* b = self->cur_;
    const auto* p = static_cast<const uint8_t*>(data);
    b->bytes.insert(b->bytes.end(), p, p + size);
    b->records++;
    if (b->bytes.size() >= self->batch_bytes_) self->Flush();
    return 0;
  }

  void Flush() {
    Batch* b = cur_;
    if (b->records == 0) return;
    batches_sent_++;
    records_sent_ += b->records;
    napi_status st = tsfn_.NonBlockingCall(b);
    if (st != napi_ok) {
      refused_records_ += b->records;
      refused_batches_++;
      b->bytes.clear();
      b->records = 0;
      return;  // reuse the refused batch's storage
    }
    cur_ = new Batch();
    cur_->bytes.reserve(kBatchReserve);
  }

  // Adaptive batching. The kernel side wakes this thread only for the first record after
  // a drain (the ring buffer's own rule for a consumer that has caught up) or when a
  // backlog of wakeup_bytes builds up; the thread then lets the batch fill for `interval`
  // and hands everything to JavaScript at once. Every wake-up of either thread has a
  // fixed cost that dwarfs decoding a record, so a busy stream gets longer intervals
  // (doubling up to flush_ms_, the bound on the added delay) and a quiet one short ones.
  //
  // Once the interval has reached flush_ms_ (records keep coming), the thread drains on a
  // timer instead and tells the kernel side so (consumer_timed): records stop waking it,
  // which halves its wake-ups. The first interval that brings nothing ends that mode; a
  // record that the kernel side sent without a wake-up just before it noticed is caught by
  // one more timed look, so no record waits longer than flush_ms_ plus an interval.
  void PollLoop() {
    using clock = std::chrono::steady_clock;
    // Named, so that its CPU shows apart from the JavaScript thread's in top, perf and /proc.
    pthread_setname_np(pthread_self(), "vigil-poll");
    const uint32_t min_ms = flush_ms_ >= 8 ? flush_ms_ / 8 : 1;
    uint32_t interval = min_ms;
    auto last_flush = clock::now() - std::chrono::hours(1);
    bool timed = false;
    bool settle = false;  // just left timed mode: one timed look before sleeping for good
    epoll_event evs[2];
    while (!stop_.load(std::memory_order_relaxed)) {
      if (!timed) {
        int n = epoll_wait(epfd_, evs, 2, settle ? static_cast<int>(flush_ms_) : -1);
        if (n < 0) {
          if (errno != EINTR) {
            poll_errors_++;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
          continue;
        }
        if (stop_.load(std::memory_order_relaxed)) break;
        if (n == 0) {
          // The settling look found the ring quiet (or drains what raced the mode change).
          settle = false;
          if (ring_buffer__consume(rb_) < 0) poll_errors_++;
          Flush();
          continue;
        }
        settle = false;
        auto since = clock::now() - last_flush;
        interval = since < std::chrono::milliseconds(flush_ms_) ? std::min(interval * 2, flush_ms_) : min_ms;
      }
      // Returns early only for close() or a backlog wake-up (edge-triggered: records that
      // arrive meanwhile do not wake it).
      epoll_wait(epfd_, evs, 2, static_cast<int>(interval));
      int got = ring_buffer__consume(rb_);
      if (got < 0) poll_errors_++;
      Flush();
      last_flush = clock::now();
      bool busy = got > 0 && interval >= flush_ms_;
      if (busy != timed) {
        timed = busy;
        SetConsumerTimed(timed);
        if (!timed) {
          // Records sent without a wake-up before the kernel side saw the change.
          if (ring_buffer__consume(rb_) < 0) poll_errors_++;
          Flush();
          settle = true;
          interval = min_ms;
        }
      }
    }
    SetConsumerTimed(false);
    // Drain what is left so close() loses nothing that was already submitted.
    ring_buffer__consume(rb_);
    Flush();
  }

  void SetConsumerTimed(bool on) {
    if (skel_ && skel_->bss) __atomic_store_n(&skel_->bss->consumer_timed, on ? 1u : 0u, __ATOMIC_SEQ_CST);
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!skel_) throw Napi::Error::New(env, "start() before load()");
    if (running_) throw Napi::Error::New(env, "already started");
    if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "start(callback)");
    rb_ = ring_buffer__new(bpf_map__fd(skel_->maps.events), &NativeSensor::OnRecord, this, nullptr);
    if (!rb_) throw Napi::Error::New(env, "ring_buffer__new failed: " + ErrText(errno));
    // The poll thread's own edge-triggered epoll set: the ring buffer and a close() signal.
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    stopfd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event ring_ev{};
    ring_ev.events = EPOLLIN | EPOLLET;
    ring_ev.data.u32 = 0;
    epoll_event stop_ev{};
    stop_ev.events = EPOLLIN;
    stop_ev.data.u32 = 1;
    if (epfd_ < 0 || stopfd_ < 0 ||
        epoll_ctl(epfd_, EPOLL_CTL_ADD, bpf_map__fd(skel_->maps.events), &ring_ev) != 0 ||
        epoll_ctl(epfd_, EPOLL_CTL_ADD, stopfd_, &stop_ev) != 0) {
      int e = errno;
      CloseFds();
      ring_buffer__free(rb_);
      rb_ = nullptr;
      throw Napi::Error::New(env, "epoll set-up failed: " + ErrText(e));
    }
    tsfn_ = BatchTsfn::New(env, info[0].As<Napi::Function>(), "vigil-ring-buffer", max_queue_, 1);
    cur_ = new Batch();
    cur_->bytes.reserve(kBatchReserve);
    stop_ = false;
    running_ = true;
    thread_ = std::thread([this] { PollLoop(); });
    return env.Undefined();
  }

  // watch(id, subtree): subtree also watches every cgroup below it.
  Napi::Value Watch(const Napi::CallbackInfo& info) {
    RequireLoaded(info.Env());
    uint64_t id = ToU64(info[0]);
    bool subtree = info.Length() > 1 && info[1].ToBoolean();
    uint8_t value = subtree ? VIGIL_WATCH_SUBTREE : VIGIL_WATCH_EXACT;
    int err = bpf_map__update_elem(skel_->maps.watched, &id, sizeof(id), &value, sizeof(value), BPF_ANY);
    if (err) throw Napi::Error::New(info.Env(), "watch: map update failed: " + ErrText(err));
    if (subtree && !subtrees_) {
      subtrees_ = true;
      WriteConfig(info.Env());
    }
    return info.Env().Undefined();
  }

  void WriteConfig(Napi::Env env) {
    uint32_t zero = 0;
    vigil_config cfg{};
    cfg.watch_all = watch_all_ ? 1 : 0;
    cfg.subtrees = subtrees_ ? 1 : 0;
    int err = bpf_map__update_elem(skel_->maps.run_config, &zero, sizeof(zero), &cfg, sizeof(cfg), BPF_ANY);
    if (err) throw Napi::Error::New(env, "config map update failed: " + ErrText(err));
  }

  Napi::Value Unwatch(const Napi::CallbackInfo& info) {
    RequireLoaded(info.Env());
    uint64_t id = ToU64(info[0]);
    bpf_map__delete_elem(skel_->maps.watched, &id, sizeof(id), 0);
    return info.Env().Undefined();
  }

  Napi::Value SetWatchAll(const Napi::CallbackInfo& info) {
    RequireLoaded(info.Env());
    watch_all_ = info[0].ToBoolean();
    WriteConfig(info.Env());
    return info.Env().Undefined();
  }

  Napi::Value SetDnsPorts(const Napi::CallbackInfo& info) {
    RequireLoaded(info.Env());
    auto arr = info[0].As<Napi::Array>();
    // Clear, then insert.
    uint16_t key = 0, next = 0;
    std::vector<uint16_t> old;
    const void* prev = nullptr;
    while (bpf_map__get_next_key(skel_->maps.dns_ports, prev, &next, sizeof(next)) == 0) {
      old.push_back(next);
      key = next;
      prev = &key;
    }
    for (uint16_t k : old) bpf_map__delete_elem(skel_->maps.dns_ports, &k, sizeof(k), 0);
    uint8_t one = 1;
    for (uint32_t i = 0; i < arr.Length(); i++) {
      uint16_t port = static_cast<uint16_t>(arr.Get(i).As<Napi::Number>().Uint32Value());
      bpf_map__update_elem(skel_->maps.dns_ports, &port, sizeof(port), &one, sizeof(one), BPF_ANY);
    }
    return info.Env().Undefined();
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    uint64_t sums[VIGIL_CNT_MAX] = {};
    if (skel_) {
      int ncpu = libbpf_num_possible_cpus();
      std::vector<uint64_t> vals(ncpu > 0 ? ncpu : 1);
      for (uint32_t i = 0; i < VIGIL_CNT_MAX; i++) {
        if (bpf_map__lookup_elem(skel_->maps.counters, &i, sizeof(i), vals.data(),
                                 vals.size() * sizeof(uint64_t), 0) == 0) {
          for (auto v : vals) sums[i] += v;
        }
      }
    } else {
      for (uint32_t i = 0; i < VIGIL_CNT_MAX; i++) sums[i] = final_counters_[i];
    }
    o.Set("submitted", Napi::Number::New(env, static_cast<double>(sums[VIGIL_CNT_SUBMITTED])));
    o.Set("ringbufFull", Napi::Number::New(env, static_cast<double>(sums[VIGIL_CNT_RINGBUF_FULL])));
    o.Set("dedup", Napi::Number::New(env, static_cast<double>(sums[VIGIL_CNT_DEDUP])));
    o.Set("payloadFull", Napi::Number::New(env, static_cast<double>(sums[VIGIL_CNT_PAYLOAD_FULL])));
    o.Set("batchesSent", Napi::Number::New(env, static_cast<double>(batches_sent_.load())));
    o.Set("recordsSent", Napi::Number::New(env, static_cast<double>(records_sent_.load())));
    o.Set("refusedRecords", Napi::Number::New(env, static_cast<double>(refused_records_.load())));
    o.Set("refusedBatches", Napi::Number::New(env, static_cast<double>(refused_batches_.load())));
    o.Set("pollErrors", Napi::Number::New(env, static_cast<double>(poll_errors_.load())));
    return o;
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
      uint64_t one = 1;
      if (stopfd_ >= 0 && write(stopfd_, &one, sizeof(one)) < 0) {
        // the counter is already non-zero: the thread is being woken anyway
      }
      if (thread_.joinable()) thread_.join();
      running_ = false;
      tsfn_.Release();
      delete cur_;
      cur_ = nullptr;
    }
    CloseFds();
    if (rb_) {
      ring_buffer__free(rb_);
      rb_ = nullptr;
    }
    {
      std::lock_guard<std::mutex> lock(links_mu_);
      for (bpf_link* l : links_) bpf_link__destroy(l);
      links_.clear();
    }
    if (skel_) {
      // Keep the final counters readable after close.
      int ncpu = libbpf_num_possible_cpus();
      std::vector<uint64_t> vals(ncpu > 0 ? ncpu : 1);
      for (uint32_t i = 0; i < VIGIL_CNT_MAX; i++) {
        final_counters_[i] = 0;
        if (bpf_map__lookup_elem(skel_->maps.counters, &i, sizeof(i), vals.data(),
                                 vals.size() * sizeof(uint64_t), 0) == 0)
          for (auto v : vals) final_counters_[i] += v;
      }
      std::lock_guard<std::mutex> lock(links_mu_);
      vigil_capture_bpf__destroy(skel_);
      skel_ = nullptr;
    }
  }

  void CloseFds() {
    if (epfd_ >= 0) close(epfd_);
    if (stopfd_ >= 0) close(stopfd_);
    epfd_ = -1;
    stopfd_ = -1;
  }

  void RequireLoaded(Napi::Env env) {
    if (!skel_) throw Napi::Error::New(env, "sensor is not loaded or already closed");
  }

  vigil_capture_bpf* skel_ = nullptr;
  ring_buffer* rb_ = nullptr;
  int epfd_ = -1;
  int stopfd_ = -1;
  BatchTsfn tsfn_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  bool running_ = false;
  bool loading_ = false;
  Batch* cur_ = nullptr;
  uint32_t ring_bytes_ = 0;
  bool dedup_ = false;
  bool watch_all_ = false;
  bool subtrees_ = false;
  uint32_t self_tgid_ = 0;
  uint32_t payload_bytes_ = 0;
  bool payload_sockets_ = true;
  std::mutex links_mu_;
  std::vector<bpf_link*> links_;
  uint32_t batch_bytes_ = 256 * 1024;
  // What a new batch starts with: most batches are a few records, and a full-size
  // reservation would be a fresh mmap (and page faults) per batch.
  static constexpr size_t kBatchReserve = 16 * 1024;
  uint32_t max_queue_ = 256;
  uint32_t flush_ms_ = 100;
  std::atomic<uint64_t> batches_sent_{0}, records_sent_{0}, refused_records_{0}, refused_batches_{0},
      poll_errors_{0};
  uint64_t final_counters_[VIGIL_CNT_MAX] = {};
};

// sizeof/offsetof of every record, for the decoder layout test.
Napi::Value Layout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  auto add = [&](const char* name, size_t size, std::initializer_list<std::pair<const char*, size_t>> fields) {
    Napi::Object s = Napi::Object::New(env);
    s.Set("size", Napi::Number::New(env, static_cast<double>(size)));
    Napi::Object f = Napi::Object::New(env);
    for (auto& [k, v] : fields) f.Set(k, Napi::Number::New(env, static_cast<double>(v)));
    s.Set("fields", f);
    out.Set(name, s);
  };
#define F(T, m) {#m, offsetof(T, m)}
  add("hdr", sizeof(vigil_hdr),
      {F(vigil_hdr, kind), F(vigil_hdr, size), F(vigil_hdr, flags), F(vigil_hdr, ts_mono), F(vigil_hdr, cgroup_id),
       F(vigil_hdr, tgid), F(vigil_hdr, tid), F(vigil_hdr, ppid), F(vigil_hdr, uid), F(vigil_hdr, comm)});
  add("exec", sizeof(vigil_exec),
      {F(vigil_exec, argc), F(vigil_exec, old_tid), F(vigil_exec, filename), F(vigil_exec, exe), F(vigil_exec, cwd),
       F(vigil_exec, argv)});
  add("fork", sizeof(vigil_fork), {F(vigil_fork, child_tgid)});
  add("exit", sizeof(vigil_exit), {F(vigil_exit, code)});
  add("open", sizeof(vigil_open),
      {F(vigil_open, result), F(vigil_open, dirfd), F(vigil_open, flags), F(vigil_open, mode), F(vigil_open, syscall),
       F(vigil_open, path), F(vigil_open, dir)});
  add("net", sizeof(vigil_net),
      {F(vigil_net, result), F(vigil_net, backlog), F(vigil_net, family), F(vigil_net, type), F(vigil_net, protocol),
       F(vigil_net, rport), F(vigil_net, lport), F(vigil_net, raddr), F(vigil_net, laddr), F(vigil_net, path)});
  add("dns", sizeof(vigil_dns),
      {F(vigil_dns, result), F(vigil_dns, family), F(vigil_dns, dport), F(vigil_dns, daddr), F(vigil_dns, payload)});
  add("priv", sizeof(vigil_priv),
      {F(vigil_priv, result), F(vigil_priv, syscall), F(vigil_priv, ids), F(vigil_priv, nids),
       F(vigil_priv, cap_effective), F(vigil_priv, cap_permitted), F(vigil_priv, cap_inheritable)});
  add("ns", sizeof(vigil_ns),
      {F(vigil_ns, result), F(vigil_ns, syscall), F(vigil_ns, flags), F(vigil_ns, source), F(vigil_ns, target),
       F(vigil_ns, fstype)});
  add("ptrace", sizeof(vigil_ptrace), {F(vigil_ptrace, result), F(vigil_ptrace, target), F(vigil_ptrace, request)});
  add("module", sizeof(vigil_module), {F(vigil_module, result), F(vigil_module, syscall), F(vigil_module, name)});
  add("bpf", sizeof(vigil_bpf),
      {F(vigil_bpf, result), F(vigil_bpf, cmd), F(vigil_bpf, prog_type), F(vigil_bpf, prog_name)});
  add("memfd", sizeof(vigil_memfd), {F(vigil_memfd, result), F(vigil_memfd, flags), F(vigil_memfd, name)});
  add("enforce", sizeof(vigil_enforce),
      {F(vigil_enforce, op), F(vigil_enforce, action), F(vigil_enforce, policy), F(vigil_enforce, mode),
       F(vigil_enforce, target_cgroup), F(vigil_enforce, family), F(vigil_enforce, rport), F(vigil_enforce, protocol),
       F(vigil_enforce, raddr), F(vigil_enforce, dev), F(vigil_enforce, ino), F(vigil_enforce, path)});
  add("payload", sizeof(vigil_payload),
      {F(vigil_payload, conn), F(vigil_payload, len), F(vigil_payload, fd), F(vigil_payload, seq),
       F(vigil_payload, direction), F(vigil_payload, transport), F(vigil_payload, family), F(vigil_payload, lport),
       F(vigil_payload, rport), F(vigil_payload, call), F(vigil_payload, laddr), F(vigil_payload, raddr),
       F(vigil_payload, data)});
  add("str", sizeof(vigil_str), {F(vigil_str, off), F(vigil_str, len)});
#undef F
  Napi::Object consts = Napi::Object::New(env);
  consts.Set("recordVersion", VIGIL_RECORD_VERSION);
  consts.Set("pathMax", VIGIL_PATH_MAX);
  consts.Set("argvMax", VIGIL_ARGV_MAX);
  consts.Set("dnsMax", VIGIL_DNS_MAX);
  consts.Set("scratch", VIGIL_SCRATCH);
  consts.Set("payloadMax", VIGIL_PAYLOAD_MAX);
  consts.Set("payloadTotalMax", VIGIL_PAYLOAD_TOTAL_MAX);
  out.Set("constants", consts);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSensor", NativeSensor::Init(env));
  exports.Set("NativeEnforcer", InitEnforcer(env));
  exports.Set("layout", Napi::Function::New(env, Layout, "layout"));
  exports.Set("probe", Napi::Function::New(env, Probe, "probe"));
  exports.Set("libbpfVersion", Napi::String::New(env, std::to_string(libbpf_major_version()) + "." +
                                                          std::to_string(libbpf_minor_version())));
  return exports;
}

}  // namespace vigil

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return vigil::Init(env, exports); }
NODE_API_MODULE(vigil_native, InitModule)
