#include "event_js.h"

#include <time.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "clock.h"

namespace forktop {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t utf8SequenceLength(const unsigned char* s, size_t i, size_t n, char32_t* cp) {
  unsigned char c = s[i];
  size_t len;
  char32_t min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, min = 0x80, *cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, min = 0x800, *cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, *cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > n) return 0;
  for (size_t k = 1; k < len; k++) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (s[i + k] & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

const char* typeName(EventType t) {
  switch (t) {
    case EventType::Fork: return "fork";
    case EventType::Exec: return "exec";
    case EventType::Exit: return "exit";
    case EventType::Comm: return "comm";
    case EventType::Uid: return "uid";
    case EventType::Gid: return "gid";
    case EventType::Sid: return "sid";
    case EventType::Ptrace: return "ptrace";
    case EventType::Coredump: return "coredump";
    case EventType::Lost: return "lost";
    case EventType::Snapshot: return "snapshot";
  }
  return "unknown";
}

// Property names made once per batch, not per property: napi_set_named_property makes
// (and V8 looks up) a new name string on every call, a fifth of forktop's CPU in a storm.
#define FORKTOP_EVENT_KEYS(X)                                                                \
  X(argv) X(argv_source) X(cgroup) X(code) X(comm) X(core) X(count) X(cwd) X(egid) X(euid) \
  X(exe) X(pid) X(ppid) X(ret) X(rgid) X(ruid) X(signal) X(source) X(start) X(start_ts)    \
  X(time) X(tracer) X(truncated) X(ts) X(type) X(uid)

struct Keys {
#define FORKTOP_DECLARE_KEY(name) Napi::Value name;
  FORKTOP_EVENT_KEYS(FORKTOP_DECLARE_KEY)
#undef FORKTOP_DECLARE_KEY

  explicit Keys(Napi::Env env) {
#define FORKTOP_MAKE_KEY(name) name = Napi::String::New(env, #name);
    FORKTOP_EVENT_KEYS(FORKTOP_MAKE_KEY)
#undef FORKTOP_MAKE_KEY
  }
};

// String values from a small fixed set (event types, argv sources, loss sources), also
// made once per batch. They are string literals, so the pointer is the identity.
class Constants {
 public:
  explicit Constants(Napi::Env env) : env_(env) {}
  Napi::Value get(const char* literal) {
    for (auto& [ptr, value] : made_) {
      if (ptr == literal) return value;
    }
    made_.emplace_back(literal, Napi::String::New(env_, literal));
    return made_.back().second;
  }

 private:
  Napi::Env env_;
  std::vector<std::pair<const char*, Napi::Value>> made_;
};

struct Batch {
  Napi::Env env;
  Keys keys;
  Constants constants;
  int64_t wallOffsetNs;
};

template <typename T>
Napi::Value optionalNumber(Napi::Env env, const std::optional<T>& v) {
  return v ? Napi::Value(Napi::Number::New(env, double(*v))) : env.Null();
}

Napi::Value optionalString(Napi::Env env, const std::optional<std::string>& v) {
  return v ? Napi::Value(bytesToJs(env, *v)) : env.Null();
}

// "2026-11-23T15:22:57.101234Z"
std::string isoTime(uint64_t monotonicNs, int64_t wallOffsetNs) {
  int64_t wall = int64_t(monotonicNs) + wallOffsetNs;
  time_t secs = time_t(wall / 1000000000);
  long micros = long((wall % 1000000000) / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", t.tm_year + 1900, t.tm_mon + 1,
           t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, micros);
  return buf;
}

void setProcInfo(Batch& b, Napi::Object o, const ProcInfo& info) {
  Napi::Env env = b.env;
  const Keys& k = b.keys;
  if (info.argv) {
    Napi::Array argv = Napi::Array::New(env, info.argv->size());
    for (uint32_t i = 0; i < info.argv->size(); i++) argv.Set(i, bytesToJs(env, (*info.argv)[i]));
    o.Set(k.argv, argv);
  } else {
    o.Set(k.argv, env.Null());
  }
  o.Set(k.argv_source, info.argvSource ? b.constants.get(info.argvSource) : env.Null());
  o.Set(k.comm, optionalString(env, info.comm));
  o.Set(k.exe, optionalString(env, info.exe));
  o.Set(k.cwd, optionalString(env, info.cwd));
  o.Set(k.uid, optionalNumber(env, info.uid));
  o.Set(k.cgroup, optionalString(env, info.cgroup));
  o.Set(k.start_ts, optionalNumber(env, info.startNs));
  o.Set(k.start, info.startNs ? Napi::Value(Napi::String::New(env, isoTime(*info.startNs, b.wallOffsetNs)))
                              : env.Null());
}

Napi::Object eventToJs(Batch& b, const Event& ev) {
  Napi::Env env = b.env;
  const Keys& k = b.keys;
  Napi::Object o = Napi::Object::New(env);
  o.Set(k.type, b.constants.get(typeName(ev.type)));
  o.Set(k.time, Napi::String::New(env, isoTime(ev.ts, b.wallOffsetNs)));
  o.Set(k.ts, Napi::Number::New(env, double(ev.ts)));
  if (ev.type != EventType::Lost) o.Set(k.pid, ev.pid);
  switch (ev.type) {
    case EventType::Fork:
      o.Set(k.ppid, ev.ppid);
      break;
    case EventType::Exec:
      o.Set(k.ppid, optionalNumber(env, ev.info.ppid));
      setProcInfo(b, o, ev.info);
      o.Set(k.ret, ev.ret);
      if (ev.truncated) o.Set(k.truncated, true);
      break;
    case EventType::Snapshot:
      o.Set(k.ppid, ev.ppid);
      setProcInfo(b, o, ev.info);
      break;
    case EventType::Exit:
      o.Set(k.ppid, ev.ppid);
      o.Set(k.code, ev.code);
      o.Set(k.signal, ev.signal);
      o.Set(k.core, ev.core);
      break;
    case EventType::Comm:
      o.Set(k.comm, bytesToJs(env, ev.comm));
      break;
    case EventType::Uid:
      o.Set(k.ruid, ev.rid);
      o.Set(k.euid, ev.eid);
      break;
    case EventType::Gid:
      o.Set(k.rgid, ev.rid);
      o.Set(k.egid, ev.eid);
      break;
    case EventType::Ptrace:
      o.Set(k.tracer, ev.tracer);
      break;
    case EventType::Coredump:
      o.Set(k.ppid, ev.ppid);
      break;
    case EventType::Lost:
      o.Set(k.count, Napi::Number::New(env, double(ev.count)));
      o.Set(k.source, b.constants.get(ev.lostSource ? ev.lostSource : "kernel"));
      break;
    case EventType::Sid:
      break;
  }
  return o;
}

}  // namespace

Napi::Value bytesToJs(Napi::Env env, const std::string& bytes) {
  std::u16string out;
  out.reserve(bytes.size());
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  for (size_t i = 0; i < n;) {
    char32_t cp;
    size_t len = utf8SequenceLength(s, i, n, &cp);
    if (len == 0) {
      out.push_back(char16_t(0xDC00 + s[i]));
      i++;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(char16_t(0xD800 + (cp >> 10)));
      out.push_back(char16_t(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(char16_t(cp));
    }
    i += len;
  }
  return Napi::String::New(env, out);  // as a Value: Set() would re-encode a String as UTF-8
}

int64_t wallClockOffsetNs() { return clockNs(CLOCK_REALTIME) - monotonicNs(); }

Napi::Array eventsToJs(Napi::Env env, const std::vector<Event>& events, int64_t wallOffsetNs) {
  Batch batch{env, Keys(env), Constants(env), wallOffsetNs};
  Napi::Array arr = Napi::Array::New(env, events.size());
  for (uint32_t i = 0; i < events.size(); i++) arr.Set(i, eventToJs(batch, events[i]));
  return arr;
}

}  // namespace forktop
