#include "origin_decode.h"

#include <cstring>

namespace forktop {

namespace {

bool allowed(std::string_view name, const EnvAllowlist& allow) {
  for (const std::string& a : allow)
    if (a.size() == name.size() && memcmp(a.data(), name.data(), name.size()) == 0) return true;
  return false;
}

bool seen(std::string_view name, const EnvVars& out, size_t from) {
  for (size_t i = from; i < out.size(); i++)
    if (out[i].first == name) return true;
  return false;
}

// A decimal number at the start of s (after spaces), as an unsigned 64-bit value; advances s.
// nullopt when there is no digit or it overflows.
std::optional<uint64_t> number(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') i++;
  bool negative = i < s.size() && s[i] == '-';
  if (negative) i++;
  size_t digits = i;
  uint64_t v = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; i++) {
    if (v > (UINT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + uint64_t(s[i] - '0');
  }
  if (i == digits) return std::nullopt;
  s.remove_prefix(i);
  if (negative) return std::nullopt;  // none of the fields read here can be negative
  return v;
}

}  // namespace

void filterEnvironment(const char* data, size_t length, const EnvAllowlist& allow, EnvVars& out) {
  size_t first = out.size();
  for (size_t start = 0; start < length;) {
    const void* nul = memchr(data + start, '\0', length - start);
    if (!nul) break;  // cut at a cap: not the whole variable
    size_t end = size_t(static_cast<const char*>(nul) - data);
    std::string_view entry(data + start, end - start);
    start = end + 1;
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string_view name = entry.substr(0, eq);
    if (!allowed(name, allow) || seen(name, out, first)) continue;  // getenv() takes the first
    std::string_view value = entry.substr(eq + 1);
    if (value.size() > kEnvValueCap) value = value.substr(0, kEnvValueCap);
    out.emplace_back(std::string(name), std::string(value));
  }
}

std::optional<std::string> ttyName(uint32_t major, uint32_t minor) {
  if (major == 0 && minor == 0) return std::nullopt;
  auto named = [](const char* prefix, uint64_t n) { return std::string(prefix) + std::to_string(n); };
  // Documentation/admin-guide/devices.txt; what ps shows for each.
  if (major >= 136 && major <= 143) return named("pts/", uint64_t(major - 136) * 256 + minor);
  if (major == 4 && minor < 64) return named("tty", minor);
  if (major == 4 && minor < 256) return named("ttyS", minor - 64);
  if (major == 5 && minor == 0) return std::string("tty");
  if (major == 5 && minor == 1) return std::string("console");
  if (major == 188) return named("ttyUSB", minor);
  if (major == 166) return named("ttyACM", minor);
  if (major == 204 && minor >= 64) return named("ttyAMA", minor - 64);
  if (major == 229) return named("hvc", minor);
  return "tty(" + std::to_string(major) + ":" + std::to_string(minor) + ")";
}

void decodeTtyNr(uint32_t ttyNr, uint32_t* major, uint32_t* minor) {
  *major = (ttyNr >> 8) & 0xfff;
  *minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
}

bool parseStatOrigin(std::string_view stat, StatOrigin* out) {
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return false;
  std::string_view rest = stat.substr(close + 1);
  // Fields 3 (state) and 4 (ppid), then pgrp, session, tty_nr.
  size_t i = 0;
  while (i < rest.size() && rest[i] == ' ') i++;
  if (i >= rest.size()) return false;
  rest.remove_prefix(i + 1);  // the state letter
  auto ppid = number(rest);
  auto pgrp = number(rest);
  auto session = number(rest);
  auto ttyNr = number(rest);
  if (!ppid || !pgrp || !session || !ttyNr) return false;
  if (*pgrp > INT32_MAX || *session > INT32_MAX || *ttyNr > UINT32_MAX) return false;
  out->pgrp = int32_t(*pgrp);
  out->session = int32_t(*session);
  out->ttyNr = uint32_t(*ttyNr);
  return true;
}

std::optional<uint32_t> parseAuditId(std::string_view text) {
  auto v = number(text);
  if (!v || *v > UINT32_MAX) return std::nullopt;
  if (!text.empty() && text != "\n") return std::nullopt;
  return uint32_t(*v);
}

}  // namespace forktop
