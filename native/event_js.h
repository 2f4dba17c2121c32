// Handing decoded events to JS in one piece (JS thread only): numbers in a Float64Array,
// strings in one NUL-separated string. src/events/packed.ts builds the event objects:
// one N-API call per property was a fifth of forktop's CPU in a storm.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "event.h"

namespace forktop {

// Kernel timestamps are CLOCK_MONOTONIC ns; wallOffsetNs (CLOCK_REALTIME - CLOCK_MONOTONIC,
// taken once when a source starts) maps them to the ISO-8601 `time` field, with µs.
int64_t wallClockOffsetNs();

// Numbers per event in the Float64Array (src/events/packed.ts reads the same layout, and the
// AlertModel a fork's and an exit's type, ts, pid and ppid in place).
constexpr size_t kEventSlots = 16;

// [Float64Array, string]: the packed batch. Strings keep every byte (see appendBytes).
// With jsonLines, [Float64Array, string, Buffer, Uint32Array]: then also each event as a
// --json line (event_json.h), all in the Buffer, each ending where the Uint32Array says.
Napi::Value packEvents(Napi::Env env, const std::vector<Event>& events, int64_t wallOffsetNs,
                       bool jsonLines = false);

}  // namespace forktop
