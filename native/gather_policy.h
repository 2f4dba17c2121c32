// When a reader thread should let events gather before reading again. Sleeping a few ms
// after each read turns a storm's wakeup per event into one per few hundred events, but at
// a person's pace it only delays each event. So: gather only when this read came soon
// after the previous one that found events (a storm is on).
#pragma once

#include <cstdint>

#include "clock.h"

namespace forktop {

class GatherPolicy {
 public:
  // After a read: true when the reader should sleep its gather time now.
  bool shouldGather(bool foundEvents) {
    if (!foundEvents) return false;
    int64_t now = monotonicNs();
    bool storm = now - lastFoundNs_ < kStormGapNs;
    lastFoundNs_ = now;
    return storm;
  }

 private:
  static constexpr int64_t kStormGapNs = 20 * 1000 * 1000;
  int64_t lastFoundNs_ = -kStormGapNs;
};

}  // namespace forktop
