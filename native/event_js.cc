#include "event_js.h"

#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "clock.h"
#include "event_codes.h"
#include "event_json.h"
#include "iso_time.h"
#include "utf8.h"

namespace forktop {

namespace {

// The batch's strings, NUL-separated (no argv, comm or path holds a NUL), in the order
// packed.ts reads them. Bytes are kept without losing any: valid UTF-8 is decoded, and each
// byte that is not becomes a lone surrogate U+DC00+byte (Python's "surrogateescape"), which
// JSON.stringify writes as "\udcXX", so argv with non-UTF-8 bytes survives --json and
// --replay exactly. While every character is below U+0100 the text is Latin-1, one byte
// each (V8 keeps such a string, and every string split from it, at half the size); the
// first one above turns it to UTF-16.
class Text {
 public:
  void add(const std::string& bytes) {
    separate();
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    size_t n = bytes.size();
    for (size_t i = 0; i < n;) {
      if (s[i] < 0x80) {
        push(char16_t(s[i++]));
        continue;
      }
      char32_t cp;
      size_t len = utf8SequenceLength(s, i, n, &cp);
      if (len == 0) {
        push(char16_t(0xDC00 + s[i]));
        i++;
        continue;
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        push(char16_t(0xD800 + (cp >> 10)));
        push(char16_t(0xDC00 + (cp & 0x3FF)));
      } else {
        push(char16_t(cp));
      }
      i += len;
    }
  }
  void addAscii(const char* ascii) {
    separate();
    for (; *ascii; ascii++) push(char16_t(*ascii));
  }
  void addTime(IsoTimes& times, uint64_t monotonicNs) {
    char buf[28];
    times.format(monotonicNs, buf);
    addAscii(buf);
  }
  // As a Value: Set() with a Napi::String re-encodes it as UTF-8, losing lone surrogates.
  Napi::Value toJs(Napi::Env env) const {
    if (wide_) return Napi::String::New(env, utf16_);
    napi_value value;
    NAPI_THROW_IF_FAILED(env, napi_create_string_latin1(env, latin1_.data(), latin1_.size(), &value), Napi::Value());
    return Napi::Value(env, value);
  }

 private:
  void push(char16_t c) {
    if (!wide_ && c < 0x100) {
      latin1_.push_back(char(c));
      return;
    }
    if (!wide_) widen();
    utf16_.push_back(c);
  }
  void widen() {
    wide_ = true;
    utf16_.reserve(latin1_.size() * 2);
    for (unsigned char c : latin1_) utf16_.push_back(char16_t(c));
    latin1_.clear();
  }
  void separate() {
    if (count_++ > 0) push(u'\0');
  }
  bool wide_ = false;
  std::string latin1_;
  std::u16string utf16_;
  size_t count_ = 0;
};

constexpr double kNull = std::numeric_limits<double>::quiet_NaN();
constexpr size_t kMaxLinesBytes = size_t(UINT32_MAX) - (1 << 20);

template <typename T>
double orNull(const std::optional<T>& v) {
  return v ? double(*v) : kNull;
}

// exec and snapshot: slots 4..15 and their strings. Slot 10's bits say which strings
// follow (and which origin fields were read: NaN in a number slot is "not read" there).
void packProcInfo(double* slot, Text& text, const ProcInfo& info, IsoTimes& times) {
  slot[6] = orNull(info.uid);
  slot[7] = orNull(info.startNs);
  slot[8] = info.argv ? double(info.argv->size()) : -1;
  slot[9] = argvSourceCode(info.argvSource);
  int present = 0;
  if (info.comm) present |= 1, text.add(*info.comm);
  if (info.exe) present |= 2, text.add(*info.exe);
  if (info.cwd) present |= 4, text.add(*info.cwd);
  if (info.cgroup) present |= 8, text.add(*info.cgroup);
  if (info.ttyRead) present |= 16;
  if (info.ttyRead && info.tty) present |= 32, text.add(*info.tty);
  if (info.envRead) present |= 64;
  if (info.originLate) present |= 128;
  if (info.filename) present |= 256, text.add(*info.filename);
  slot[10] = present;
  slot[11] = orNull(info.auid);
  slot[12] = orNull(info.session);
  slot[13] = orNull(info.sid);
  slot[14] = orNull(info.pgid);
  slot[15] = info.envRead ? double(info.env.size()) : 0;
  if (info.startNs) text.addTime(times, *info.startNs);
  if (info.argv) {
    for (const auto& arg : *info.argv) text.add(arg);
  }
  if (info.envRead) {
    for (const auto& [name, value] : info.env) {
      text.add(name);
      text.add(value);
    }
  }
}

void packEvent(double* slot, Text& text, const Event& ev, IsoTimes& times) {
  for (size_t i = 0; i < kEventSlots; i++) slot[i] = 0;
  slot[0] = typeCode(ev.type);
  slot[1] = double(ev.ts);
  slot[2] = ev.pid;
  slot[3] = ev.ppid;
  text.addTime(times, ev.ts);
  switch (ev.type) {
    case EventType::Exec:
      slot[3] = orNull(ev.info.ppid);
      slot[4] = ev.ret;
      slot[5] = ev.truncated ? 1 : 0;
      packProcInfo(slot, text, ev.info, times);
      break;
    case EventType::Snapshot:
      packProcInfo(slot, text, ev.info, times);
      break;
    case EventType::Exit:
      slot[4] = ev.code;
      slot[5] = ev.signal;
      slot[6] = ev.core ? 1 : 0;
      slot[7] = ev.durationMs ? *ev.durationMs : kNull;
      break;
    case EventType::Comm:
      text.add(ev.comm);
      break;
    case EventType::Uid:
    case EventType::Gid:
      slot[4] = ev.rid;
      slot[5] = ev.eid;
      break;
    case EventType::Ptrace:
      slot[4] = ev.tracer;
      break;
    case EventType::Lost:
      slot[4] = double(ev.count);
      slot[5] = lostSourceCode(ev.lostSource);
      break;
    case EventType::Fork:
    case EventType::Coredump:
    case EventType::Sid:
      break;
  }
}

}  // namespace

int64_t wallClockOffsetNs() { return clockNs(CLOCK_REALTIME) - monotonicNs(); }

Napi::Value packEvents(Napi::Env env, const std::vector<Event>& events, int64_t wallOffsetNs, bool jsonLines) {
  auto numbers = Napi::Float64Array::New(env, events.size() * kEventSlots);
  Text text;
  IsoTimes times(wallOffsetNs);
  for (size_t i = 0; i < events.size(); i++) packEvent(numbers.Data() + i * kEventSlots, text, events[i], times);
  Napi::Array packed = Napi::Array::New(env, jsonLines ? 4 : 2);
  packed.Set(0u, numbers);
  packed.Set(1u, text.toJs(env));
  if (jsonLines) {
    // The Buffer takes the lines where they were written, not a copy of them.
    auto lines = std::make_unique<std::string>();
    auto ends = Napi::Uint32Array::New(env, events.size());
    for (size_t i = 0; i < events.size(); i++) {
      // Offsets are 32 bits: past 4 GiB of lines in one batch, the rest get none (an empty
      // line: JS writes them). One line is far shorter than the margin left.
      if (lines->size() < kMaxLinesBytes) appendJsonLine(*lines, events[i], times);
      ends[i] = uint32_t(lines->size());
    }
    auto buffer = Napi::Buffer<char>::New(env, lines->data(), lines->size(), [](Napi::Env, char*, std::string* owned) { delete owned; }, lines.get());
    lines.release();
    packed.Set(2u, buffer);
    packed.Set(3u, ends);
  }
  return packed;
}

}  // namespace forktop
