// Decoding one ring buffer record (exec_record.h: an exec, a fork or an exit) from the bytes
// the ring buffer gave, with its kind, its size and every length in it (argv, the environment,
// the cwd, exe and cgroup names, the filename) checked against the record's size. Pure: no globals, no syscalls, so a fuzzer can call it directly
// (native/fuzz/fuzz_exec_record.cc).
#pragma once

#include <cstddef>
#include <cstdint>

#include "event.h"
#include "origin_decode.h"

namespace forktop {

enum class ExecRecordStatus {
  Ok,
  TooShort,     // not even the fixed header
  TooLong,      // more than an ExecRecord holds
  BadArgsLen,   // argsLen past the bytes stored or the cap
  BadPath,      // a path's names (cwd, exe, cgroup) out of order or past the bytes stored
  BadEnv,       // the environment's bytes out of order or past the bytes stored or its cap
  BadFilename,  // filenameLen past the filename's room
  BadKind,      // not a kind our programs write
  BadSize,      // a fork or exit record of another size than a TaskRecord
  BadPid,       // a fork or exit of pid <= 0, or a parent < 0
};

const char* execRecordStatusName(ExecRecordStatus s);

// Fills `ev` (an exec event) from [data, data + length) when the record is well formed;
// otherwise leaves `ev` unspecified and says what was wrong. Never reads outside the span;
// `data` needs no alignment. Of the environment only the variables `allow` names are kept.
ExecRecordStatus decodeExecRecord(const uint8_t* data, size_t length, const EnvAllowlist& allow, Event& ev);

// Any record: an exec (as decodeExecRecord), a fork or an exit event, by its kind.
ExecRecordStatus decodeRingRecord(const uint8_t* data, size_t length, const EnvAllowlist& allow, Event& ev);

}  // namespace forktop
