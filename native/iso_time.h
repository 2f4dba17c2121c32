// ISO-8601 times of kernel timestamps, for the `time` and `start` fields (event_js.cc packs
// them for JS, event_json.cc writes them into lines).
#pragma once

#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace forktop {

// "2026-11-23T15:22:57.101234Z". The date and time to the second are formatted once per
// second (gmtime_r and snprintf per event were a tenth of the packing); the microseconds by hand.
class IsoTimes {
 public:
  explicit IsoTimes(int64_t wallOffsetNs) : wallOffsetNs_(wallOffsetNs) {}

  // Writes the 27 characters into out.
  void format(uint64_t monotonicNs, char (&out)[28]) {
    // In unsigned arithmetic, which wraps: a malformed record's time may be anything.
    int64_t wall = int64_t(monotonicNs + uint64_t(wallOffsetNs_));
    int64_t secs = wall / 1000000000;
    int64_t ns = wall % 1000000000;
    if (ns < 0) {  // before 1970: a clock gone wrong; said as the C library says it
      secs -= 1;
      ns += 1000000000;
    }
    int64_t micros = ns / 1000;
    if (secs != cachedSecs_) {
      time_t t = time_t(secs);
      tm parts{};
      gmtime_r(&t, &parts);
      snprintf(prefix_, sizeof prefix_, "%04d-%02d-%02dT%02d:%02d:%02d.", parts.tm_year + 1900, parts.tm_mon + 1,
               parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
      cachedSecs_ = secs;
    }
    memcpy(out, prefix_, 20);
    for (int i = 25; i >= 20; i--) {
      out[i] = char('0' + micros % 10);
      micros /= 10;
    }
    out[26] = 'Z';
    out[27] = '\0';
  }

 private:
  int64_t wallOffsetNs_;
  int64_t cachedSecs_ = INT64_MIN;
  char prefix_[64] = {};
};

}  // namespace forktop
