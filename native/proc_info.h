// Reading /proc for one process, and listing all of them. Called on the reader
// thread right when an exec is decoded, so argv is read before the process can vanish.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "event.h"
#include "origin_decode.h"

namespace forktop {

// Maps /proc/PID/stat start times (ticks since boot, CLOCK_BOOTTIME) to CLOCK_MONOTONIC ns.
class StartClock {
 public:
  StartClock();
  uint64_t ticksToMonotonicNs(uint64_t ticks) const;

 private:
  uint64_t nsPerTick_;
  int64_t bootMinusMonoNs_;
};

// The fields of /proc/PID/stat that say which process this is and what it is doing.
struct StatInfo {
  char state = '?';      // R, S, D, Z, T...
  int32_t ppid = 0;      // current parent
  int32_t pgrp = 0;      // process group: forks stay in their parent's
  int32_t session = 0;   // session id: a terminal's shell leads its session
  uint64_t startNs = 0;  // CLOCK_MONOTONIC
};
std::optional<StatInfo> readStat(pid_t pid, const StartClock& clock);

// argv first (it vanishes first), then the rest. Fields that can't be read stay empty.
// Who started it too: loginuid, sessionid, stat's pgrp, session and tty_nr, and of
// /proc/PID/environ (root, or the process's own user) only the variables `allow` names.
ProcInfo readProcInfo(pid_t pid, const StartClock& clock, const EnvAllowlist& allow);

// Every process (tgid) in /proc right now, as snapshot events.
std::vector<Event> scanProcesses(const StartClock& clock, const EnvAllowlist& allow);

}  // namespace forktop
