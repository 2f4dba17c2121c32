// The addon's JS surface, kept thin: construct a source, start it with a batch callback,
// stop it, read its counters. Decisions belong to TypeScript.
#include <napi.h>

#include <time.h>

#include <cstring>
#include <memory>

#include "batch_channel.h"
#include "event_js.h"
#include "hangup_watch.h"
#include "netlink_reader.h"
#include "proc_info.h"

namespace forktop {

namespace {

constexpr size_t kMaxPendingEvents = 1 << 20;

Napi::Error toJsError(Napi::Env env, const SysError& e) {
  Napi::Error err = Napi::Error::New(env, e.what());
  const char* name = strerrorname_np(e.err);
  err.Set("code", name ? name : "EUNKNOWN");
  err.Set("errno", Napi::Number::New(env, e.err));
  return err;
}

class NetlinkSource : public Napi::ObjectWrap<NetlinkSource> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NetlinkSource",
                       {InstanceMethod("start", &NetlinkSource::Start),
                        InstanceMethod("stop", &NetlinkSource::Stop),
                        InstanceMethod("stats", &NetlinkSource::Stats)});
  }

  // new NetlinkSource({ receiveBufferBytes?, snapshot? }): subscribes, or throws with .code.
  explicit NetlinkSource(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetlinkSource>(info) {
    NetlinkOptions options;
    if (info.Length() > 0 && info[0].IsObject()) {
      Napi::Object o = info[0].As<Napi::Object>();
      if (o.Has("receiveBufferBytes") && o.Get("receiveBufferBytes").IsNumber())
        options.receiveBufferBytes = o.Get("receiveBufferBytes").As<Napi::Number>().Int32Value();
      if (o.Has("snapshot") && o.Get("snapshot").IsBoolean())
        options.snapshot = o.Get("snapshot").As<Napi::Boolean>().Value();
      if (o.Has("realtime") && o.Get("realtime").IsBoolean())
        options.realtime = o.Get("realtime").As<Napi::Boolean>().Value();
      if (o.Has("maxPendingEvents") && o.Get("maxPendingEvents").IsNumber())
        maxPending_ = size_t(o.Get("maxPendingEvents").As<Napi::Number>().Int64Value());
    }
    try {
      reader_ = std::make_unique<NetlinkReader>(options);
    } catch (const SysError& e) {
      throw toJsError(info.Env(), e);
    }
  }

 private:
  // start(onBatch(events | null, error?), onDone())
  Napi::Value Start(const Napi::CallbackInfo& info) {
    if (!reader_ || started_) throw Napi::Error::New(info.Env(), "NetlinkSource: already started");
    started_ = true;
    reader_->start(std::make_unique<BatchChannel>(info.Env(), info[0].As<Napi::Function>(),
                                                  info[1].As<Napi::Function>(),
                                                  maxPending_));
    return info.Env().Undefined();
  }

  // Unsubscribes and joins the reader; onDone fires once the last batch was delivered.
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (reader_) reader_->stop();
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    if (!reader_) return o;
    const NetlinkStats& s = reader_->stats();
    o.Set("messages", double(s.messages));
    o.Set("threadForks", double(s.threadForks));
    o.Set("threadExits", double(s.threadExits));
    o.Set("enobufs", double(s.enobufs));
    o.Set("seqGaps", double(s.seqGaps));
    o.Set("receiveBufferBytes", s.receiveBufferBytes);
    o.Set("realtime", Napi::Boolean::New(env, s.realtime));
    return o;
  }

  std::unique_ptr<NetlinkReader> reader_;
  bool started_ = false;
  size_t maxPending_ = kMaxPendingEvents;  // events waiting for JS before drops are counted
};

// scanProcesses(): one snapshot event per process in /proc now.
Napi::Value ScanProcesses(const Napi::CallbackInfo& info) {
  StartClock clock;
  return eventsToJs(info.Env(), scanProcesses(clock), wallClockOffsetNs());
}

// readProcess(pid): one snapshot event for that process now, or null when it is gone.
Napi::Value ReadProcess(const Napi::CallbackInfo& info) {
  StartClock clock;
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  Event ev;
  ev.type = EventType::Snapshot;
  ev.pid = pid;
  ev.info = readProcInfo(pid, clock);
  if (!ev.info.startNs) return info.Env().Null();
  ev.ppid = ev.info.ppid.value_or(0);
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  ev.ts = uint64_t(now.tv_sec) * 1000000000ull + uint64_t(now.tv_nsec);
  return eventsToJs(info.Env(), std::vector<Event>{std::move(ev)}, wallClockOffsetNs()).Get(0u);
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NetlinkSource", NetlinkSource::Define(env));
  exports.Set("scanProcesses", Napi::Function::New(env, ScanProcesses));
  exports.Set("readProcess", Napi::Function::New(env, ReadProcess));
  exports.Set("HangupWatch", HangupWatch::Define(env));
  return exports;
}

NODE_API_MODULE(forktop, Init)

}  // namespace forktop
