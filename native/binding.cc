// The addon's JS surface, kept thin: construct a source, start it with a batch callback,
// stop it, read its counters. Decisions belong to TypeScript.
#include <napi.h>

#include <malloc.h>
#include <time.h>

#include <cstring>
#include <memory>

#include "batch_channel.h"
#include "bpf_syscall.h"
#include "clock.h"
#include "ebpf_exec_reader.h"
#include "event_js.h"
#include "hangup_watch.h"
#include "netlink_reader.h"
#include "pidfd_signal.h"
#include "terminal.h"
#include "proc_info.h"

namespace forktop {

namespace {

constexpr size_t kMaxPendingEvents = 1 << 20;

Napi::Error toJsError(Napi::Env env, const SysError& e) {
  Napi::Error err = Napi::Error::New(env, e.what());
  err.Set("code", errnoName(e.err));
  err.Set("errno", Napi::Number::New(env, e.err));
  return err;
}

// options.envAllowlist: the environment variable names to keep (validated in TypeScript;
// bounded here again, as anything from outside the addon).
EnvAllowlist readEnvAllowlist(const Napi::Object& o) {
  EnvAllowlist names;
  Napi::Value v = o.Get("envAllowlist");
  if (!v.IsArray()) return names;
  Napi::Array list = v.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length() && i < 64; i++) {
    Napi::Value name = list.Get(i);
    if (name.IsString()) names.push_back(name.As<Napi::String>().Utf8Value());
  }
  return names;
}

// What the two kernel sources' JS objects share: a reader made from the options (its
// error thrown to JS with .code), started with the batch callbacks, stopped, its counters.
// Derived supplies the options, the reader, its counters (and anything more it shows).
template <typename Derived, typename Reader>
class ReaderWrap : public Napi::ObjectWrap<Derived> {
 public:
  explicit ReaderWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Derived>(info) {}

 protected:
  using Methods = std::vector<typename Napi::ObjectWrap<Derived>::PropertyDescriptor>;
  static Methods methods() {
    return {Napi::ObjectWrap<Derived>::InstanceMethod("start", &ReaderWrap::Start),
            Napi::ObjectWrap<Derived>::InstanceMethod("stop", &ReaderWrap::Stop),
            Napi::ObjectWrap<Derived>::InstanceMethod("stats", &ReaderWrap::Stats),
            Napi::ObjectWrap<Derived>::InstanceMethod("setStormBatchMs", &ReaderWrap::SetStormBatchMs)};
  }

  static bool validStormBatchMs(const Napi::Value& v) {
    if (!v.IsNumber()) return false;
    double ms = v.As<Napi::Number>().DoubleValue();
    return ms >= 1 && ms <= kMaxStormBatchMs;
  }

  // maxPendingEvents?, stormBatchMs? (1–1000: in a storm, the least time between batches),
  // quietGatherMs? (0–100: at a person's pace, how long the first event waits for others).
  void readChannelOptions(const Napi::Object& o) {
    if (o.Get("maxPendingEvents").IsNumber())
      channel_.maxPending = size_t(o.Get("maxPendingEvents").As<Napi::Number>().Int64Value());
    Napi::Value stormBatchMs = o.Get("stormBatchMs");
    if (validStormBatchMs(stormBatchMs)) channel_.stormIntervalNs = stormBatchMs.As<Napi::Number>().Int64Value() * 1000 * 1000;
    if (o.Get("quietGatherMs").IsNumber()) {
      int64_t ms = o.Get("quietGatherMs").As<Napi::Number>().Int64Value();
      if (ms >= 0 && ms <= 100) channel_.quietGatherNs = ms * 1000 * 1000;
    }
  }

  std::unique_ptr<Reader> reader_;
  BatchOptions channel_{kMaxPendingEvents};

 private:
  // start(onMessage(kind, payload?, message?), onDone())
  Napi::Value Start(const Napi::CallbackInfo& info) {
    if (!reader_ || started_) throw Napi::Error::New(info.Env(), std::string(Derived::kName) + ": already started");
    started_ = true;
    channel_.sortByTime = Derived::kSortByTime;
    static_cast<Derived*>(this)->finishChannelOptions(channel_);
    auto channel = std::make_unique<BatchChannel>(info.Env(), info[0].As<Napi::Function>(),
                                                  info[1].As<Napi::Function>(), channel_);
    // The reader owns it, and keeps it until the reader itself goes, with this object.
    channelInUse_ = channel.get();
    reader_->start(std::move(channel));
    return info.Env().Undefined();
  }

  // setStormBatchMs(ms): in a storm, the least time between batches from now on (1–1000).
  Napi::Value SetStormBatchMs(const Napi::CallbackInfo& info) {
    if (!validStormBatchMs(info[0]))
      throw Napi::RangeError::New(info.Env(), std::string(Derived::kName) + ": stormBatchMs must be 1 to " +
                                                  std::to_string(int(kMaxStormBatchMs)));
    int64_t ns = info[0].As<Napi::Number>().Int64Value() * 1000 * 1000;
    if (channelInUse_) channelInUse_->setStormInterval(ns);
    else channel_.stormIntervalNs = ns;
    return info.Env().Undefined();
  }

  // Stops and joins the reader; onDone fires once the last batch was delivered. One never
  // started releases its kernel objects now; one started stays (channelInUse_ points into it).
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (reader_ && started_) reader_->stop();
    if (reader_ && !started_) reader_.reset();
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Object o = Napi::Object::New(info.Env());
    if (reader_) Derived::fillStats(reader_->stats(), o);
    return o;
  }

  static constexpr double kMaxStormBatchMs = 1000;
  bool started_ = false;
  BatchChannel* channelInUse_ = nullptr;
};

class NetlinkSource : public ReaderWrap<NetlinkSource, NetlinkReader> {
 public:
  static constexpr const char* kName = "NetlinkSource";
  static constexpr bool kSortByTime = false;  // the proc connector's order, scan first

  static Napi::Function Define(Napi::Env env) { return DefineClass(env, kName, methods()); }

  // Its exits get their duration in JS (start-times.ts, which also hears the snapshot's start
  // times), so no native lines.
  void finishChannelOptions(BatchOptions&) {}

  // new NetlinkSource({ receiveBufferBytes?, snapshot?, realtime?, gatherMs?, readExecInfo?,
  // eventTypes?, maxPendingEvents? }): subscribes, or throws with .code.
  explicit NetlinkSource(const Napi::CallbackInfo& info) : ReaderWrap(info) {
    NetlinkOptions options;
    if (info.Length() > 0 && info[0].IsObject()) {
      Napi::Object o = info[0].As<Napi::Object>();
      if (o.Get("receiveBufferBytes").IsNumber())
        options.receiveBufferBytes = o.Get("receiveBufferBytes").As<Napi::Number>().Int32Value();
      if (o.Get("snapshot").IsBoolean()) options.snapshot = o.Get("snapshot").As<Napi::Boolean>().Value();
      if (o.Get("realtime").IsBoolean()) options.realtime = o.Get("realtime").As<Napi::Boolean>().Value();
      if (o.Get("gatherMs").IsNumber()) options.gatherMs = o.Get("gatherMs").As<Napi::Number>().Int32Value();
      if (o.Get("readExecInfo").IsBoolean())
        options.readExecInfo = o.Get("readExecInfo").As<Napi::Boolean>().Value();
      if (o.Get("eventTypes").IsNumber()) options.eventTypes = o.Get("eventTypes").As<Napi::Number>().Uint32Value();
      options.envAllowlist = readEnvAllowlist(o);
      readChannelOptions(o);
    }
    try {
      reader_ = std::make_unique<NetlinkReader>(options);
    } catch (const SysError& e) {
      throw toJsError(info.Env(), e);
    }
  }

  static void fillStats(const NetlinkStats& s, Napi::Object& o) {
    Napi::Env env = o.Env();
    o.Set("messages", double(s.messages));
    o.Set("threadForks", double(s.threadForks));
    o.Set("threadExits", double(s.threadExits));
    o.Set("enobufs", double(s.enobufs));
    o.Set("seqGaps", double(s.seqGaps));
    o.Set("socketDrops", double(s.socketDrops));
    o.Set("kernelFilter", Napi::Boolean::New(env, s.kernelFilter));
    o.Set("malformed", double(s.malformed));
    o.Set("receiveBufferBytes", s.receiveBufferBytes);
    o.Set("realtime", Napi::Boolean::New(env, s.realtime));
  }
};

class EbpfExecSource : public ReaderWrap<EbpfExecSource, EbpfExecReader> {
 public:
  static constexpr const char* kName = "EbpfExecSource";
  // Records stamped on several CPUs reach the ring in the order they were reserved.
  static constexpr bool kSortByTime = true;

  static Napi::Function Define(Napi::Env env) {
    Methods all = methods();
    all.push_back(InstanceMethod("describe", &EbpfExecSource::Describe));
    return DefineClass(env, kName, all);
  }

  // new EbpfExecSource({ ringBytes?, useBtf?, debug?, btfPath?, maxPendingEvents?, loops?,
  // jsonLines? (each batch also as --json lines) }): loads
  // and attaches the programs, or throws with .code (and the verifier's last word in the message).
  explicit EbpfExecSource(const Napi::CallbackInfo& info) : ReaderWrap(info) {
    EbpfOptions options;
    if (info.Length() > 0 && info[0].IsObject()) {
      Napi::Object o = info[0].As<Napi::Object>();
      if (o.Get("ringBytes").IsNumber()) options.ringBytes = o.Get("ringBytes").As<Napi::Number>().Uint32Value();
      if (o.Get("useBtf").IsBoolean()) options.useBtf = o.Get("useBtf").As<Napi::Boolean>().Value();
      if (o.Get("debug").IsBoolean()) options.debug = o.Get("debug").As<Napi::Boolean>().Value();
      if (o.Get("btfPath").IsString()) options.btfPath = o.Get("btfPath").As<Napi::String>().Utf8Value();
      if (o.Get("loops").IsBoolean()) options.loops = o.Get("loops").As<Napi::Boolean>().Value();
      if (o.Get("realtime").IsBoolean()) options.realtime = o.Get("realtime").As<Napi::Boolean>().Value();
      options.envAllowlist = readEnvAllowlist(o);
      readChannelOptions(o);
      if (o.Get("jsonLines").IsBoolean()) channel_.jsonLines = o.Get("jsonLines").As<Napi::Boolean>().Value();
    }
    options.debugLog = &verifierLog_;
    try {
      reader_ = std::make_unique<EbpfExecReader>(options);
    } catch (const SysError& e) {
      Napi::Error err = toJsError(info.Env(), e);
      err.Set("verifierLog", verifierLog_);
      throw err;
    } catch (const std::exception& e) {
      Napi::Error err = Napi::Error::New(info.Env(), e.what());
      err.Set("code", "EINVAL");
      throw err;
    }
  }

  // With forks and exits in the ring, their durations are made here, and nothing in JS
  // changes an event after: the lines asked for are right.
  void finishChannelOptions(BatchOptions& channel) { channel.durations = reader_->tasks(); }

  static void fillStats(const EbpfStats& s, Napi::Object& o) {
    o.Set("records", double(s.records));
    o.Set("forks", double(s.forks));
    o.Set("exits", double(s.exits));
    o.Set("failedExecs", double(s.failedExecs));
    o.Set("drops", double(s.drops));
    o.Set("truncated", double(s.truncated));
    o.Set("malformed", double(s.malformed));
    o.Set("realtime", Napi::Boolean::New(o.Env(), s.realtime));
  }

 private:
  // { mode: "exec" | "entry", fallbackReason, paths, cgroupPaths, loops, origin, tasks, tasksFallbackReason, verifierLog }
  Napi::Value Describe(const Napi::CallbackInfo& info) {
    Napi::Object o = Napi::Object::New(info.Env());
    if (!reader_) return o;
    o.Set("mode", reader_->mode());
    o.Set("fallbackReason", reader_->fallbackReason());
    o.Set("paths", reader_->paths());
    o.Set("cgroupPaths", reader_->cgroupPaths());
    o.Set("loops", reader_->loops());
    const OriginFields& origin = reader_->origin();
    Napi::Object fields = Napi::Object::New(info.Env());
    fields.Set("auid", origin.auid);
    fields.Set("session", origin.session);
    fields.Set("tty", origin.tty);
    fields.Set("sidPgid", origin.sidPgid);
    fields.Set("env", origin.env);
    fields.Set("filename", origin.filename);
    fields.Set("envEntries", origin.envEntries);
    o.Set("origin", fields);
    o.Set("tasks", reader_->tasks());
    o.Set("tasksFallbackReason", reader_->tasksFallbackReason());
    o.Set("verifierLog", verifierLog_);
    return o;
  }

  std::string verifierLog_;  // written while the reader loads
};

// bpfObjects(): [{ kind: "prog" | "map", id, name }] for every BPF object in the kernel.
Napi::Value BpfObjects(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<BpfObject> objects = listBpfObjects();
  Napi::Array out = Napi::Array::New(env, objects.size());
  for (uint32_t i = 0; i < objects.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("kind", objects[i].kind);
    o.Set("id", objects[i].id);
    o.Set("name", objects[i].name);
    out.Set(i, o);
  }
  return out;
}

// Runs signalProcesses on the libuv pool: a stop pass over thousands of processes must not
// hold up the screen.
class SignalWorker : public Napi::AsyncWorker {
 public:
  SignalWorker(Napi::Env env, std::vector<SignalTarget> targets, int signal)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), targets_(std::move(targets)),
        signal_(signal) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { results_ = signalProcesses(targets_, signal_); }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array out = Napi::Array::New(env, results_.size());
    for (uint32_t i = 0; i < results_.size(); i++) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("result", signalResultName(results_[i].result));
      o.Set("startNs", double(results_[i].startNs));
      out.Set(i, o);
    }
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<SignalTarget> targets_;
  int signal_;
  std::vector<SignalOutcome> results_;
};

// signalProcesses([{ pid, startNs?, ppid? }], signal):
//   Promise<{ result: "sent"|"gone"|"other"|"denied"|"failed", startNs }[]>
Napi::Value SignalProcesses(const Napi::CallbackInfo& info) {
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<SignalTarget> targets;
  targets.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Object o = list.Get(i).As<Napi::Object>();
    SignalTarget t{o.Get("pid").As<Napi::Number>().Int32Value(), std::nullopt, std::nullopt};
    if (o.Get("startNs").IsNumber()) t.startNs = uint64_t(o.Get("startNs").As<Napi::Number>().DoubleValue());
    if (o.Get("ppid").IsNumber()) t.ppid = o.Get("ppid").As<Napi::Number>().Int32Value();
    targets.push_back(t);
  }
  auto* worker = new SignalWorker(info.Env(), std::move(targets), info[1].As<Napi::Number>().Int32Value());
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

// readStat(pid): { state, ppid, pgrp, session, startNs } or null when the process is gone.
Napi::Value ReadStat(const Napi::CallbackInfo& info) {
  StartClock clock;
  auto stat = readStat(info[0].As<Napi::Number>().Int32Value(), clock);
  if (!stat) return info.Env().Null();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("state", std::string(1, stat->state));
  o.Set("ppid", stat->ppid);
  o.Set("pgrp", stat->pgrp);
  o.Set("session", stat->session);
  o.Set("startNs", double(stat->startNs));
  return o;
}

// scanProcesses({ envAllowlist? }): one snapshot event per process in /proc now (packed).
Napi::Value ScanProcesses(const Napi::CallbackInfo& info) {
  StartClock clock;
  EnvAllowlist allow = info.Length() > 0 && info[0].IsObject() ? readEnvAllowlist(info[0].As<Napi::Object>()) : EnvAllowlist{};
  return packEvents(info.Env(), scanProcesses(clock, allow), wallClockOffsetNs());
}

// readProcess(pid, { envAllowlist? }): one snapshot event for that process now (packed), or
// null when it is gone.
Napi::Value ReadProcess(const Napi::CallbackInfo& info) {
  StartClock clock;
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  EnvAllowlist allow = info.Length() > 1 && info[1].IsObject() ? readEnvAllowlist(info[1].As<Napi::Object>()) : EnvAllowlist{};
  Event ev;
  ev.type = EventType::Snapshot;
  ev.pid = pid;
  ev.info = readProcInfo(pid, clock, allow);
  if (!ev.info.startNs) return info.Env().Null();
  ev.ppid = ev.info.ppid.value_or(0);
  ev.ts = uint64_t(monotonicNs());
  return packEvents(info.Env(), std::vector<Event>{std::move(ev)}, wallClockOffsetNs());
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // glibc gives each thread that meets contention its own arena (up to 8 per core), and keeps
  // what they once held: the readers, libuv's and V8's threads held 9–13 MB that way. Two are
  // enough for forktop's few allocating threads.
  mallopt(M_ARENA_MAX, 2);
  exports.Set("NetlinkSource", NetlinkSource::Define(env));
  exports.Set("EbpfExecSource", EbpfExecSource::Define(env));
  exports.Set("bpfObjects", Napi::Function::New(env, BpfObjects));
  exports.Set("signalProcesses", Napi::Function::New(env, SignalProcesses));
  exports.Set("readStat", Napi::Function::New(env, ReadStat));
  exports.Set("detachStdio", Napi::Function::New(env, DetachStdio));
  exports.Set("scanProcesses", Napi::Function::New(env, ScanProcesses));
  exports.Set("readProcess", Napi::Function::New(env, ReadProcess));
  exports.Set("HangupWatch", HangupWatch::Define(env));
  return exports;
}

NODE_API_MODULE(forktop, Init)

}  // namespace forktop
