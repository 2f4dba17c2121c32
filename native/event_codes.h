// The codes event_js.cc packs for JS and the names they stand for, once: event_json.cc writes
// the names, and src/events/packed.ts reads the codes (its switch on the type, FORK_CODE,
// EXIT_CODE and LOST_CODE, ARGV_SOURCES and LOST_SOURCES in this order; test/helpers/packed.ts
// packs them as this file does).
#pragma once

#include <cstring>

#include "event.h"

namespace forktop {

// By EventType, whose order is the code.
inline constexpr const char* kTypeNames[] = {"fork", "exec", "exit", "comm", "uid", "gid", "sid", "ptrace", "coredump", "lost", "snapshot"};
static_assert(sizeof(kTypeNames) / sizeof(kTypeNames[0]) == size_t(EventType::Snapshot) + 1, "a name for every event type");

// argv_source: 0 is none (null).
inline constexpr const char* kArgvSources[] = {nullptr, "kernel", "proc", "comm"};
// A lost event's source: "kernel" (ENOBUFS, a sequence gap), "ebpf" (the ring buffer was
// full) or "queue" (JS fell behind).
inline constexpr const char* kLostSources[] = {"kernel", "ebpf", "queue"};

inline int typeCode(EventType t) { return int(t); }
inline const char* typeName(EventType t) {
  return size_t(t) < sizeof(kTypeNames) / sizeof(kTypeNames[0]) ? kTypeNames[size_t(t)] : "?";
}

// A reader's argvSource: nullptr, "kernel", "proc" or "comm" (anything else counts as "comm").
inline int argvSourceCode(const char* source) {
  if (!source) return 0;
  if (std::strcmp(source, "kernel") == 0) return 1;
  if (std::strcmp(source, "proc") == 0) return 2;
  return 3;
}

// A reader's lostSource: nullptr or "kernel", "ebpf", else "queue".
inline int lostSourceCode(const char* source) {
  if (!source || std::strcmp(source, "kernel") == 0) return 0;
  if (std::strcmp(source, "ebpf") == 0) return 1;
  return 2;
}

}  // namespace forktop
