#include "proc_info.h"

#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "clock.h"
#include "fd.h"

namespace forktop {

namespace {

constexpr size_t kMaxCmdline = 256 * 1024;

// Reads up to max bytes; nullopt when the file can't be opened or read.
std::optional<std::string> readFile(const char* path, size_t max) {
  Fd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::string out;
  char buf[4096];
  while (out.size() < max) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    out.append(buf, size_t(n));
  }
  if (out.size() > max) out.resize(max);
  return out;
}

std::optional<std::string> readLink(const char* path) {
  char buf[4096];
  ssize_t n = readlink(path, buf, sizeof buf);
  if (n < 0) return std::nullopt;
  return std::string(buf, size_t(n));
}

std::vector<std::string> splitNul(const std::string& s) {
  std::vector<std::string> args;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\0', start);
    if (end == std::string::npos) end = s.size();
    args.emplace_back(s, start, end - start);
    start = end + 1;
  }
  return args;
}

// /proc/PID/stat: "pid (comm) state ppid ... starttime(22) ...". comm may hold ')' and spaces.
void parseStat(const std::string& stat, ProcInfo& info, const StartClock& clock) {
  size_t open = stat.find('(');
  size_t close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return;
  info.comm = stat.substr(open + 1, close - open - 1);
  const char* p = stat.c_str() + close + 1;
  // Fields after comm start at number 3.
  for (int field = 3; *p && field <= 22; field++) {
    while (*p == ' ') p++;
    if (field == 4) info.ppid = int32_t(strtol(p, nullptr, 10));
    if (field == 22) info.startNs = clock.ticksToMonotonicNs(strtoull(p, nullptr, 10));
    while (*p && *p != ' ') p++;
  }
}

std::optional<uint32_t> parseEffectiveUid(const std::string& status) {
  size_t at = status.find("\nUid:");
  if (at == std::string::npos) return std::nullopt;
  char* end = nullptr;
  strtoul(status.c_str() + at + 5, &end, 10);  // real
  return uint32_t(strtoul(end, nullptr, 10));  // effective
}

// cgroup v2 ("0::/path"); on v1-only systems, the first hierarchy's path.
std::optional<std::string> parseCgroup(const std::string& text) {
  size_t at = text.rfind("0::", 0) == 0 ? 0 : text.find("\n0::");
  if (at != std::string::npos) {
    size_t start = text.find("::", at) + 2;
    size_t end = text.find('\n', start);
    return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  size_t colon = text.find(':', text.find(':') + 1);
  if (colon == std::string::npos) return std::nullopt;
  size_t end = text.find('\n', colon);
  return text.substr(colon + 1, end == std::string::npos ? std::string::npos : end - colon - 1);
}

// Who started it, as /proc shows it now (the caller marks it late where that matters).
void readOrigin(pid_t pid, const std::optional<std::string>& stat, const EnvAllowlist& allow, ProcInfo& info) {
  char path[64];
  StatOrigin origin;
  if (stat && parseStatOrigin(*stat, &origin)) {
    info.sid = origin.session;
    info.pgid = origin.pgrp;
    uint32_t major, minor;
    decodeTtyNr(origin.ttyNr, &major, &minor);
    info.ttyRead = true;
    info.tty = ttyName(major, minor);
  }
  snprintf(path, sizeof path, "/proc/%d/loginuid", pid);
  if (auto text = readFile(path, 64)) info.auid = parseAuditId(*text);
  snprintf(path, sizeof path, "/proc/%d/sessionid", pid);
  if (auto text = readFile(path, 64)) info.session = parseAuditId(*text);
  if (allow.empty()) return;
  // The whole environment is read (as argv is), and only the allowlist kept of it.
  snprintf(path, sizeof path, "/proc/%d/environ", pid);
  if (auto envText = readFile(path, kMaxCmdline)) {
    info.envRead = true;
    filterEnvironment(envText->data(), envText->size(), allow, info.env);
  }
}

}  // namespace

StartClock::StartClock() {
  long hz = sysconf(_SC_CLK_TCK);
  nsPerTick_ = uint64_t(1000000000 / (hz > 0 ? hz : 100));
  bootMinusMonoNs_ = clockNs(CLOCK_BOOTTIME) - clockNs(CLOCK_MONOTONIC);
}

uint64_t StartClock::ticksToMonotonicNs(uint64_t ticks) const {
  int64_t ns = int64_t(ticks * nsPerTick_) - bootMinusMonoNs_;
  return ns > 0 ? uint64_t(ns) : 0;
}

std::optional<StatInfo> readStat(pid_t pid, const StartClock& clock) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  auto stat = readFile(path, 4096);
  if (!stat) return std::nullopt;
  size_t close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  StatInfo info;
  const char* p = stat->c_str() + close + 1;
  for (int field = 3; *p && field <= 22; field++) {
    while (*p == ' ') p++;
    if (field == 3) info.state = *p;
    if (field == 4) info.ppid = int32_t(strtol(p, nullptr, 10));
    if (field == 5) info.pgrp = int32_t(strtol(p, nullptr, 10));
    if (field == 6) info.session = int32_t(strtol(p, nullptr, 10));
    if (field == 22) info.startNs = clock.ticksToMonotonicNs(strtoull(p, nullptr, 10));
    while (*p && *p != ' ') p++;
  }
  return info;
}

ProcInfo readProcInfo(pid_t pid, const StartClock& clock, const EnvAllowlist& allow) {
  ProcInfo info;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
  auto cmdline = readFile(path, kMaxCmdline);
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  auto stat = readFile(path, 4096);
  if (stat) parseStat(*stat, info, clock);
  if (cmdline && !cmdline->empty()) {
    info.argv = splitNul(*cmdline);
    info.argvSource = "proc";
  } else if (info.comm) {
    // A zombie (or kernel thread) has no argv left, but its comm is still there.
    info.argv = std::vector<std::string>{*info.comm};
    info.argvSource = "comm";
  }
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  info.exe = readLink(path);
  snprintf(path, sizeof path, "/proc/%d/cwd", pid);
  info.cwd = readLink(path);
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  if (auto status = readFile(path, 16384)) info.uid = parseEffectiveUid(*status);
  snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
  if (auto cgroup = readFile(path, 16384)) info.cgroup = parseCgroup(*cgroup);
  readOrigin(pid, stat, allow, info);
  return info;
}

std::vector<Event> scanProcesses(const StartClock& clock, const EnvAllowlist& allow) {
  std::vector<Event> events;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir("/proc"), closedir);
  if (!dir) return events;
  while (dirent* entry = readdir(dir.get())) {
    char* end = nullptr;
    long pid = strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    // A zombie has exited (its exit event came, or came before we listened): listing it
    // would make a process that never ends.
    auto stat = readStat(pid_t(pid), clock);
    if (!stat || stat->state == 'Z' || stat->state == 'X') continue;
    Event ev;
    ev.type = EventType::Snapshot;
    ev.pid = int32_t(pid);
    ev.info = readProcInfo(pid_t(pid), clock, allow);
    if (!ev.info.startNs) continue;  // gone between readdir and read
    ev.ppid = ev.info.ppid.value_or(0);
    ev.ts = uint64_t(monotonicNs());
    events.push_back(std::move(ev));
  }
  return events;
}

}  // namespace forktop
