#include "exec_record_decode.h"

#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exec_record.h"

namespace forktop {

namespace {

// The names a BPF program walked from a dentry up to the root (leaf first, each ending in
// NUL) in args[from, to), as an absolute path. The caller checked from <= to <= stored.
std::string pathFromNames(const char* args, uint32_t from, uint32_t to) {
  std::vector<std::string_view> names;
  for (uint32_t start = from, i = from; i < to; i++) {
    if (args[i] != '\0') continue;
    names.emplace_back(args + start, i - start);
    start = i + 1;
  }
  std::string path;
  for (auto name = names.rbegin(); name != names.rend(); ++name) {
    path += '/';
    path += *name;
  }
  return path.empty() ? "/" : path;
}

// argv as NUL-separated strings in args[0, argsLen); a last one without its NUL was cut at the cap.
std::vector<std::string> splitArgs(const char* args, uint32_t argsLen) {
  std::vector<std::string> argv;
  size_t start = 0;
  for (size_t i = 0; i < argsLen; i++) {
    if (args[i] != '\0') continue;
    argv.emplace_back(args + start, i - start);
    start = i + 1;
  }
  if (start < argsLen) argv.emplace_back(args + start, argsLen - start);
  return argv;
}

}  // namespace

const char* execRecordStatusName(ExecRecordStatus s) {
  switch (s) {
    case ExecRecordStatus::Ok: return "ok";
    case ExecRecordStatus::TooShort: return "shorter than its header";
    case ExecRecordStatus::TooLong: return "longer than a record";
    case ExecRecordStatus::BadArgsLen: return "argsLen out of bounds";
    case ExecRecordStatus::BadPath: return "a path out of bounds";
    case ExecRecordStatus::BadFilename: return "filenameLen out of bounds";
    case ExecRecordStatus::BadKind: return "an unknown kind";
    case ExecRecordStatus::BadSize: return "a fork or exit of the wrong size";
    case ExecRecordStatus::BadPid: return "a pid out of range";
  }
  return "?";
}

ExecRecordStatus decodeExecRecord(const uint8_t* data, size_t length, Event& ev) {
  if (length < kHeaderBytes) return ExecRecordStatus::TooShort;
  if (length > sizeof(ExecRecord)) return ExecRecordStatus::TooLong;
  uint32_t kind;
  memcpy(&kind, data, sizeof kind);
  if (kind != kRecordExec) return ExecRecordStatus::BadKind;
  // The header is copied (it is small); the variable part is read in place as bytes.
  ExecRecord r;
  memcpy(&r, data, kHeaderBytes);
  const char* args = reinterpret_cast<const char*>(data) + kHeaderBytes;
  uint32_t stored = uint32_t(length - kHeaderBytes);

  if (r.argsLen > kArgsCap || r.argsLen > stored) return ExecRecordStatus::BadArgsLen;
  if (r.filenameLen > int32_t(kFilenameCap)) return ExecRecordStatus::BadFilename;
  // Each walked path's names follow the last's: cwd in [argsLen, cwdEnd), exe in
  // [cwdEnd, exeEnd), cgroup in [exeEnd, cgroupEnd). Only a flagged one is read.
  auto fits = [&](uint32_t from, uint32_t to) { return from <= to && to <= stored; };
  if ((r.flags & kHasCwd) && !fits(r.argsLen, r.cwdEnd)) return ExecRecordStatus::BadPath;
  if ((r.flags & kHasExePath) && !fits(r.cwdEnd, r.exeEnd)) return ExecRecordStatus::BadPath;
  if ((r.flags & kHasCgroup) && !fits(r.exeEnd, r.cgroupEnd)) return ExecRecordStatus::BadPath;

  ev.type = EventType::Exec;
  ev.ts = r.ts;
  ev.pid = int32_t(r.pidTgid >> 32);
  ev.ret = r.ret;
  ProcInfo& info = ev.info;
  if (!(r.flags & kArgvUnreadable)) {
    info.argv = splitArgs(args, r.argsLen);
    info.argvSource = "kernel";
  }
  ev.truncated = (r.flags & (kTruncated | kArgvPartial)) != 0;
  info.comm = std::string(r.comm, strnlen(r.comm, sizeof r.comm));
  if (r.filenameLen > 1) info.exe = std::string(r.filename, strnlen(r.filename, sizeof r.filename));
  if (r.flags & kHasCwd) info.cwd = pathFromNames(args, r.argsLen, r.cwdEnd);
  if (r.flags & kHasExePath) info.exe = pathFromNames(args, r.cwdEnd, r.exeEnd);
  if (r.flags & kHasCgroup) info.cgroup = pathFromNames(args, r.exeEnd, r.cgroupEnd);
  info.uid = (r.flags & kHasEuid) ? r.euid : uint32_t(r.uidGid);
  if (r.flags & kHasPpid) info.ppid = r.ppid;
  if (r.startNs) info.startNs = r.startNs;
  return ExecRecordStatus::Ok;
}

ExecRecordStatus decodeRingRecord(const uint8_t* data, size_t length, Event& ev) {
  uint32_t kind;
  if (length < sizeof kind) return ExecRecordStatus::TooShort;
  memcpy(&kind, data, sizeof kind);
  if (kind == kRecordExec) return decodeExecRecord(data, length, ev);
  if (kind != kRecordFork && kind != kRecordExit) return ExecRecordStatus::BadKind;
  if (length != sizeof(TaskRecord)) return ExecRecordStatus::BadSize;
  TaskRecord r;
  memcpy(&r, data, sizeof r);
  if (r.pid <= 0 || r.ppid < 0) return ExecRecordStatus::BadPid;
  ev.ts = r.ts;
  ev.pid = r.pid;
  ev.ppid = r.ppid;
  if (kind == kRecordFork) {
    ev.type = EventType::Fork;
  } else {
    ev.type = EventType::Exit;
    // A wait status, as the proc connector's exit_code.
    ev.code = (r.exitCode >> 8) & 0xff;
    ev.signal = r.exitCode & 0x7f;
    ev.core = (r.exitCode & 0x80) != 0;
  }
  return ExecRecordStatus::Ok;
}

}  // namespace forktop
