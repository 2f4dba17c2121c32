// The clocks the native side reads: CLOCK_MONOTONIC is the kernel's event clock (the proc
// connector's timestamp_ns, bpf_ktime_get_ns), so every timestamp forktop makes uses it too.
#pragma once

#include <time.h>

#include <cstdint>

namespace forktop {

inline int64_t clockNs(clockid_t id) {
  timespec t{};
  clock_gettime(id, &t);
  return int64_t(t.tv_sec) * 1000000000 + t.tv_nsec;
}

inline int64_t monotonicNs() { return clockNs(CLOCK_MONOTONIC); }

}  // namespace forktop
