#include "event_json.h"

#include <charconv>
#include <cstdio>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "event_codes.h"
#include "utf8.h"

namespace forktop {

namespace {

const char kHex[] = "0123456789abcdef";

void appendEscape(std::string& out, uint32_t unit) {
  char e[6] = {'\\', 'u', kHex[(unit >> 12) & 15], kHex[(unit >> 8) & 15], kHex[(unit >> 4) & 15], kHex[unit & 15]};
  out.append(e, 6);
}

// What json.ts's RAW_IN_JSON escapes after JSON.stringify.
bool escapedAfterStringify(char32_t cp) {
  return (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f || cp == 0x2028 ||
         cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void appendInt(std::string& out, int64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

template <typename T>
void appendOptional(std::string& out, const std::optional<T>& v) {
  if (v) appendJsNumber(out, double(*v));
  else out += "null";
}

void appendOptionalString(std::string& out, const std::optional<std::string>& v) {
  if (v) appendJsonString(out, *v);
  else out += "null";
}

class Line {
 public:
  Line(std::string& out, const char* type) : out_(out) {
    out_ += "{\"type\":\"";
    out_ += type;
    out_ += '"';
  }
  ~Line() { out_ += "}\n"; }
  std::string& key(const char* name) {
    out_ += ",\"";
    out_ += name;
    out_ += "\":";
    return out_;
  }
  void number(const char* name, double v) { appendJsNumber(key(name), v); }
  void integer(const char* name, int64_t v) { appendInt(key(name), v); }
  void string(const char* name, const std::string& v) { appendJsonString(key(name), v); }
  void ascii(const char* name, const char* v) {
    key(name) += '"';
    out_ += v;
    out_ += '"';
  }
  void time(const char* name, IsoTimes& times, uint64_t ns) {
    char buf[28];
    times.format(ns, buf);
    ascii(name, buf);
  }

 private:
  std::string& out_;
};

// The environment as packed.ts's object holds it: env[name] = value for each, in order. Names
// are unique (origin_decode.cc keeps a variable's first, as getenv() does); `__proto__` sets
// nothing on a plain object, so it is not there.
bool keptInObject(const std::string& name) { return name != "__proto__"; }

// The fields exec and snapshot share, from argv to start, in packed.ts's order.
void processFacts(Line& line, const ProcInfo& info, IsoTimes& times) {
  std::string& out = line.key("argv");
  if (info.argv) {
    out += '[';
    for (size_t i = 0; i < info.argv->size(); i++) {
      if (i > 0) out += ',';
      appendJsonString(out, (*info.argv)[i]);
    }
    out += ']';
  } else {
    out += "null";
  }
  if (info.argvSource) line.ascii("argv_source", kArgvSources[argvSourceCode(info.argvSource)]);
  else line.key("argv_source") += "null";
  appendOptionalString(line.key("comm"), info.comm);
  appendOptionalString(line.key("exe"), info.exe);
  appendOptionalString(line.key("cwd"), info.cwd);
  appendOptional(line.key("uid"), info.uid);
  appendOptionalString(line.key("cgroup"), info.cgroup);
  appendOptional(line.key("start_ts"), info.startNs);
  if (info.startNs) line.time("start", times, *info.startNs);
  else line.key("start") += "null";
}

// Who started it: each only where it was read.
void originFields(Line& line, const ProcInfo& info) {
  if (info.auid) line.number("auid", *info.auid);
  if (info.session) line.number("session", *info.session);
  if (info.ttyRead) appendOptionalString(line.key("tty"), info.tty);
  if (info.sid) line.number("sid", *info.sid);
  if (info.pgid) line.number("pgid", *info.pgid);
  if (info.envRead) {
    std::string& out = line.key("env");
    if (info.env.empty()) {
      out += "null";
    } else {
      out += '{';
      bool first = true;
      for (const auto& [name, value] : info.env) {
        if (!keptInObject(name)) continue;
        if (!first) out += ',';
        first = false;
        appendJsonString(out, name);
        out += ':';
        appendJsonString(out, value);
      }
      out += '}';
    }
  }
  if (info.originLate) line.key("origin_late") += "true";
}

}  // namespace

namespace {

// A decimal: value = 0.digits * 10^n (ECMAScript's n), digits without trailing zeros.
struct Decimal {
  std::string digits;
  int n = 0;
};

// The integer `mantissa` times 10^scale, if it reads back as `value`.
bool readsBack(uint64_t mantissa, int scale, double value, Decimal& out) {
  char text[48];
  snprintf(text, sizeof text, "%llue%d", static_cast<unsigned long long>(mantissa), scale);
  if (std::strtod(text, nullptr) != value) return false;
  std::string digits = std::to_string(mantissa);
  out.n = int(digits.size()) + scale;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  out.digits = digits;
  return true;
}

// The k-digit decimal nearest `value` (printf rounds exactly), or, when it does not read back
// (next to a power of two the doubles below are twice as dense), its neighbour on the other
// side; false when neither does.
bool shortestOf(double value, int k, Decimal& out) {
  char text[48];
  snprintf(text, sizeof text, "%.*e", k - 1, value);
  uint64_t mantissa = 0;
  const char* p = text;
  for (; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') mantissa = mantissa * 10 + uint64_t(*p - '0');
  int scale = int(std::strtol(p + 1, nullptr, 10)) - (k - 1);
  if (readsBack(mantissa, scale, value, out) || readsBack(mantissa + 1, scale, value, out)) return true;
  // Below 10^(k-1) * 10^scale the next k-digit decimal is 99...9 * 10^(scale-1).
  uint64_t least = 1;
  for (int i = 1; i < k; i++) least *= 10;
  return mantissa == least ? readsBack(mantissa * 10 - 1, scale - 1, value, out)
                           : readsBack(mantissa - 1, scale, value, out);
}

// The shortest digits that read back as `value`, the nearest of them if several, as
// Number::toString picks them. Without std::to_chars for doubles, which would tie the addon to
// GCC 11's libstdc++ (GLIBCXX_3.4.29). Two decimals of 15 digits never read as one double
// (DBL_DIG), so when the 15-digit one reads back, it is the shortest, padded with zeros; else
// 16 digits, else 17 (always enough). Subnormals have fewer digits of precision: tried from 1.
Decimal shortestDigits(double value) {
  Decimal d;
  // Most non-integers written are durations in ms from ns: k / 10^6 for an integer k. When k
  // has at most 15 digits its decimal reads back (value is the double nearest it) and is the
  // shortest (as above): no search, which took five printf and strtod calls per exit.
  double scaled = value * 1e6;
  if (scaled < 1e15) {
    auto k = static_cast<uint64_t>(std::llround(scaled));
    if (k > 0 && double(k) / 1e6 == value) {
      std::string digits = std::to_string(k);
      d.n = int(digits.size()) - 6;
      while (digits.back() == '0') digits.pop_back();
      d.digits = std::move(digits);
      return d;
    }
  }
  if (value < 2.2250738585072014e-308) {
    for (int k = 1; k <= 17; k++)
      if (shortestOf(value, k, d)) return d;
  }
  for (int k = 15; k < 17; k++)
    if (shortestOf(value, k, d)) return d;
  shortestOf(value, 17, d);
  return d;
}

}  // namespace

void appendJsNumber(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  if (value == 0) {  // -0 too
    out += '0';
    return;
  }
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    appendInt(out, int64_t(value));
    return;
  }
  if (value < 0) {
    out += '-';
    value = -value;
  }
  // Laid out as ECMAScript's Number::toString lays the digits out.
  Decimal d = shortestDigits(value);
  const std::string& digits = d.digits;
  int k = int(digits.size());
  int n = d.n;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(size_t(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, size_t(n));
    out += '.';
    out.append(digits, size_t(n), std::string::npos);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(size_t(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    out += 'e';
    out += n - 1 < 0 ? '-' : '+';
    appendInt(out, std::abs(n - 1));
  }
}

void appendJsonString(std::string& out, const std::string& bytes) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  out += '"';
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {  // the common case: plain ASCII
      size_t run = i + 1;
      while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' && s[run] != '\\') run++;
      out.append(bytes, i, run - i);
      i = run;
      continue;
    }
    char32_t cp;
    size_t len = utf8SequenceLength(s, i, n, &cp);
    if (len == 0) {
      appendEscape(out, 0xDC00 + c);
      i++;
      continue;
    }
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (cp < 0x20 || escapedAfterStringify(cp)) appendEscape(out, uint32_t(cp));
        else out.append(bytes, i, len);
    }
    i += len;
  }
  out += '"';
}

void appendJsonLine(std::string& out, const Event& ev, IsoTimes& times) {
  Line line(out, typeName(ev.type));
  line.time("time", times, ev.ts);
  line.number("ts", double(ev.ts));
  switch (ev.type) {
    case EventType::Fork:
    case EventType::Coredump:
      line.integer("pid", ev.pid);
      line.integer("ppid", ev.ppid);
      break;
    case EventType::Exec:
      line.integer("pid", ev.pid);
      appendOptional(line.key("ppid"), ev.info.ppid);
      processFacts(line, ev.info, times);
      line.integer("ret", ev.ret);
      if (ev.truncated) line.key("truncated") += "true";
      if (ev.info.filename) line.string("filename", *ev.info.filename);
      originFields(line, ev.info);
      break;
    case EventType::Snapshot:
      line.integer("pid", ev.pid);
      line.integer("ppid", ev.ppid);
      processFacts(line, ev.info, times);
      originFields(line, ev.info);
      break;
    case EventType::Exit:
      line.integer("pid", ev.pid);
      line.integer("ppid", ev.ppid);
      line.integer("code", ev.code);
      line.integer("signal", ev.signal);
      line.key("core") += ev.core ? "true" : "false";
      appendOptional(line.key("duration_ms"), ev.durationMs);
      break;
    case EventType::Comm:
      line.integer("pid", ev.pid);
      line.string("comm", ev.comm);
      break;
    case EventType::Uid:
    case EventType::Gid:
      line.integer("pid", ev.pid);
      line.integer(ev.type == EventType::Uid ? "ruid" : "rgid", ev.rid);
      line.integer(ev.type == EventType::Uid ? "euid" : "egid", ev.eid);
      break;
    case EventType::Sid:
      line.integer("pid", ev.pid);
      break;
    case EventType::Ptrace:
      line.integer("pid", ev.pid);
      line.integer("tracer", ev.tracer);
      break;
    case EventType::Lost:
      line.number("count", double(ev.count));
      line.ascii("source", kLostSources[lostSourceCode(ev.lostSource)]);
      break;
  }
}

}  // namespace forktop
