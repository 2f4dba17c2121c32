// Turning decoded events into plain JS objects (JS thread only).
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "event.h"

namespace forktop {

// Bytes to a JS string without losing any: valid UTF-8 is decoded, and each byte that is
// not is kept as a lone surrogate U+DC00+byte (Python's "surrogateescape"). JSON.stringify
// writes those as "\udcXX", so argv with non-UTF-8 bytes survives --json and --replay exactly.
Napi::Value bytesToJs(Napi::Env env, const std::string& bytes);

// Kernel timestamps are CLOCK_MONOTONIC ns; wallOffsetNs (CLOCK_REALTIME - CLOCK_MONOTONIC,
// taken once when a source starts) maps them to the ISO-8601 `time` field, with µs.
int64_t wallClockOffsetNs();
Napi::Array eventsToJs(Napi::Env env, const std::vector<Event>& events, int64_t wallOffsetNs);

}  // namespace forktop
