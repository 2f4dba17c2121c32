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
    case ExecRecordStatus::BadEnv: return "the environment out of bounds";
    case ExecRecordStatus::BadFilename: return "filenameLen out of bounds";
    case ExecRecordStatus::BadKind: return "an unknown kind";
    case ExecRecordStatus::BadSize: return "a fork or exit of the wrong size";
    case ExecRecordStatus::BadPid: return "a pid out of range";
  }
  return "?";
}

ExecRecordStatus decodeExecRecord(const uint8_t* data, size_t length, const EnvAllowlist& allow, Event& ev) {
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
  // The environment's bytes follow argv: [argsLen, envEnd). Then each walked path's names
  // follow the last's: cwd in [envEnd (or argsLen), cwdEnd), exe in [cwdEnd, exeEnd),
  // cgroup in [exeEnd, cgroupEnd). Only a flagged one is read.
  auto fits = [&](uint32_t from, uint32_t to) { return from <= to && to <= stored; };
  bool hasEnv = (r.flags & kHasEnv) != 0;
  if (hasEnv && (!fits(r.argsLen, r.envEnd) || r.envEnd - r.argsLen > kEnvCap)) return ExecRecordStatus::BadEnv;
  uint32_t pathsStart = hasEnv ? r.envEnd : r.argsLen;
  // (No path may start inside argv or the environment: their bytes must never show as one.)
  auto pathFits = [&](uint32_t from, uint32_t to) { return from >= pathsStart && fits(from, to); };
  if ((r.flags & kHasCwd) && !pathFits(pathsStart, r.cwdEnd)) return ExecRecordStatus::BadPath;
  if ((r.flags & kHasExePath) && !pathFits(r.cwdEnd, r.exeEnd)) return ExecRecordStatus::BadPath;
  if ((r.flags & kHasCgroup) && !pathFits(r.exeEnd, r.cgroupEnd)) return ExecRecordStatus::BadPath;

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
  if (r.flags & kHasCwd) info.cwd = pathFromNames(args, pathsStart, r.cwdEnd);
  if (r.flags & kHasExePath) info.exe = pathFromNames(args, r.cwdEnd, r.exeEnd);
  if (r.flags & kHasCgroup) info.cgroup = pathFromNames(args, r.exeEnd, r.cgroupEnd);
  info.uid = (r.flags & kHasEuid) ? r.euid : uint32_t(r.uidGid);
  if (r.flags & kHasPpid) info.ppid = r.ppid;
  if (r.startNs) info.startNs = r.startNs;
  if (r.flags & kHasAuid) info.auid = r.auid;
  if (r.flags & kHasSession) info.session = r.session;
  // PID_MAX_LIMIT bounds every pid; a number past it is not one (and is left out).
  auto isPid = [](int32_t n) { return n >= 0 && n <= (1 << 22); };
  if ((r.flags & kHasSidPgid) && isPid(r.sid) && isPid(r.pgid)) info.sid = r.sid, info.pgid = r.pgid;
  if (r.flags & kHasTty) {
    info.ttyRead = true;
    info.tty = ttyName(r.ttyMajor, r.ttyMinor);
  }
  if (hasEnv) {
    info.envRead = true;
    filterEnvironment(args + r.argsLen, r.envEnd - r.argsLen, allow, info.env);
  }
  // The path execve() was given, beside the interpreter that runs it (exe).
  if ((r.flags & kInterpreted) && r.filenameLen > 1) info.filename = std::string(r.filename, strnlen(r.filename, sizeof r.filename));
  return ExecRecordStatus::Ok;
}

ExecRecordStatus decodeRingRecord(const uint8_t* data, size_t length, const EnvAllowlist& allow, Event& ev) {
  uint32_t kind;
  if (length < sizeof kind) return ExecRecordStatus::TooShort;
  memcpy(&kind, data, sizeof kind);
  if (kind == kRecordExec) return decodeExecRecord(data, length, allow, ev);
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
