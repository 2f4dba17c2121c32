// One decoded kernel event, as the reader threads build it and event_js.cc hands it to JS.
// Plain data: no N-API types here, because these are built off the JS thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace forktop {

enum class EventType : uint8_t {
  Fork, Exec, Exit, Comm, Uid, Gid, Sid, Ptrace, Coredump, Lost, Snapshot,
};

// What /proc told us about a process at one moment. Every field may be missing:
// the process can be gone (or a zombie) by the time we look.
struct ProcInfo {
  std::optional<std::vector<std::string>> argv;  // raw bytes of each argument
  const char* argvSource = nullptr;              // "kernel", "proc", "comm" or nullptr
  std::optional<std::string> comm;
  std::optional<std::string> exe;
  std::optional<std::string> cwd;
  std::optional<std::string> cgroup;
  std::optional<uint32_t> uid;                   // effective uid, as ps shows it
  std::optional<int32_t> ppid;                   // current parent (not the parent at fork)
  std::optional<uint64_t> startNs;               // process start, CLOCK_MONOTONIC ns
  // Who started it, each absent when not read: the audit login uid and session, the POSIX
  // session and process group, the controlling terminal (read: a name, or none), and the
  // allowlisted environment variables (read: those present, maybe none).
  std::optional<uint32_t> auid, session;
  std::optional<int32_t> sid, pgid;
  bool ttyRead = false;
  std::optional<std::string> tty;
  bool envRead = false;
  std::vector<std::pair<std::string, std::string>> env;
  bool originLate = false;               // read from /proc after the exec, not at it
  std::optional<std::string> filename;   // exec: the path execve() was given, when an interpreter runs it
};

struct Event {
  EventType type;
  uint64_t ts = 0;      // CLOCK_MONOTONIC ns (the kernel's timestamp_ns)
  int32_t pid = 0;      // always a tgid: threads never become events
  int32_t ppid = 0;     // fork: parent at fork; exit/coredump: parent now; snapshot: from stat
  uint32_t cpu = 0;
  // exit
  int32_t code = 0;
  int32_t signal = 0;
  bool core = false;
  std::optional<double> durationMs;  // since its start, where known (start_times.h)
  // uid/gid: real and effective ids
  uint32_t rid = 0, eid = 0;
  // ptrace: tracer tgid (0 when detached)
  int32_t tracer = 0;
  // comm event
  std::string comm;
  // lost
  uint64_t count = 0;
  const char* lostSource = nullptr;  // "kernel" (ENOBUFS / seq gap), "ebpf" (ring
                                     // buffer full) or "queue" (JS fell behind)
  // exec: 0 or -errno; truncated when argv was cut at the cap or only partly readable
  int32_t ret = 0;
  bool truncated = false;
  // exec and snapshot
  ProcInfo info;
};

}  // namespace forktop
