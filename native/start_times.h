// Gives exit events their duration where the same reader sees the processes start (the eBPF
// ring's forks), as src/sources/start-times.ts does in JS for the proc connector: the time each
// live process started (its fork, or the start time an exec seen first carries) until it exits.
// Done before the JSON lines are written, which carry it (event_json.h).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "event.h"

namespace forktop {

class StartTimes {
 public:
  void annotate(std::vector<Event>& events) {
    for (Event& ev : events) {
      switch (ev.type) {
        case EventType::Fork:
          startByPid_[ev.pid] = ev.ts;
          break;
        case EventType::Exec:
        case EventType::Snapshot:
          if (ev.info.startNs) startByPid_.try_emplace(ev.pid, *ev.info.startNs);
          break;
        case EventType::Exit: {
          auto found = startByPid_.find(ev.pid);
          if (found == startByPid_.end()) break;
          // In doubles, as start-times.ts computes it (the same result past 2^53 ns of uptime too).
          ev.durationMs = (double(ev.ts) - double(found->second)) / 1e6;
          startByPid_.erase(found);
          break;
        }
        default:
          break;
      }
    }
  }

 private:
  // At most one entry per pid (a reused pid's fork replaces it): bounded by pid_max.
  std::unordered_map<int32_t, uint64_t> startByPid_;
};

}  // namespace forktop
