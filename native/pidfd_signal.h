// Signals processes through pidfds, so a pid the kernel reused is never signalled by
// mistake: the pidfd pins one process, and its start time (and parent, when given) is
// checked before the signal goes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace forktop {

struct SignalTarget {
  pid_t pid;
  std::optional<uint64_t> startNs;  // CLOCK_MONOTONIC; matched within a few clock ticks
  std::optional<pid_t> ppid;        // the parent it must have now
};

enum class SignalResult : uint8_t {
  Sent,     // delivered
  Gone,     // no such process (or only its zombie)
  Other,    // the pid belongs to another process now (start time or parent differ)
  Denied,   // EPERM
  Failed,   // any other error
};

const char* signalResultName(SignalResult r);

struct SignalOutcome {
  SignalResult result;
  uint64_t startNs;  // the start time of the process signalled (0 when none was)
};

// Blocking: one pidfd_open + /proc read + pidfd_send_signal per target.
std::vector<SignalOutcome> signalProcesses(const std::vector<SignalTarget>& targets, int signal);

}  // namespace forktop
