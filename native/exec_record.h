// What forktop's BPF programs write to the ring buffer: for each exec, successful or failed,
// an ExecRecord (a fixed header and then the argument strings, NUL-separated, as the kernel
// copied them, the environment's first bytes, and the walked paths' names); for each new process and each process that ended, a TaskRecord. Both start
// with their kind. The programs (exec_programs.cc) and the reader (ebpf_exec_reader.cc)
// share these layouts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace forktop {

constexpr uint32_t kArgsCap = 16384;     // argument bytes kept per exec; more is truncated
constexpr uint32_t kArgReadCap = 4096;   // per argument, when argv is read pointer by pointer
constexpr uint32_t kMaxArgPointers = 64; // arguments read pointer by pointer
constexpr uint32_t kFilenameCap = 256;
constexpr uint32_t kEnvCap = 7168;       // after argv: of the environment's first bytes, the variables
                                         // whose names start as an allowlisted one's (the reader then
                                         // keeps whole allowlisted names only); one past them is not seen
constexpr uint32_t kPathsCap = 8192;     // after the environment: the cwd's and the exe's names, leaf first
constexpr uint32_t kVarCap = kArgsCap + kEnvCap + kPathsCap;  // the record's variable part
constexpr uint32_t kNameCap = 256;       // one path component (NAME_MAX) and its NUL
constexpr uint32_t kMaxPathSteps = 48;   // names and mount crossings walked per path

enum ExecRecordFlags : uint32_t {
  kTruncated = 1,           // argv went past the cap: the last argument may be cut
  kArgvUnreadable = 2,      // not one argument could be read
  kArgvPartial = 4,         // some arguments could be read, then one could not
  kReadAtEnter = 8,         // read at execve() entry, from the old program (no BTF)
  kHasEuid = 16,
  kHasPpid = 32,
  kHasCwd = 64,             // the cwd's names are in args[argsLen, cwdEnd)
  kHasExePath = 128,        // mm->exe_file's names are in args[cwdEnd, exeEnd)
  kHasCgroup = 256,         // the cgroup v2 path's names are in args[exeEnd, cgroupEnd)
  kHasEnv = 512,            // the environment's bytes are in args[argsLen, envEnd); the paths follow
  kEnvTruncated = 1024,     // it went past kEnvCap, or had more variables than were looked at
  kHasAuid = 2048,          // task->loginuid
  kHasSession = 4096,       // task->sessionid
  kHasTty = 8192,           // signal->tty was read: ttyMajor/ttyMinor, both 0 for none
  kHasSidPgid = 16384,      // the POSIX session and process group (init namespace numbers)
  kInterpreted = 32768,     // bprm->interp is not bprm->filename: an interpreter runs the file
};

enum RecordKind : uint32_t {
  kRecordExec = 1,
  kRecordFork = 2,  // a new process (never a thread): sched_process_fork
  kRecordExit = 3,  // a process's last thread ended: sched_process_exit
};

struct ExecRecord {
  uint32_t kind;         // kRecordExec
  uint32_t reserved0;
  uint64_t ts;           // bpf_ktime_get_ns: CLOCK_MONOTONIC, as the proc connector stamps
  uint64_t pidTgid;      // tgid << 32 | tid
  uint64_t uidGid;       // real gid << 32 | real uid
  uint64_t startNs;      // task start, CLOCK_MONOTONIC (0: unknown)
  uint64_t filenamePtr;  // execve's arguments, kept from entry to exit
  uint64_t argvPtr;
  int32_t ret;           // 0, or -errno
  uint32_t flags;        // ExecRecordFlags
  uint32_t argsLen;
  int32_t filenameLen;   // with its NUL; <= 0: unreadable
  uint32_t euid;
  int32_t ppid;
  uint32_t cwdEnd;       // with kHasCwd / kHasExePath / kHasCgroup: where each path's
  uint32_t exeEnd;       // names end in args
  uint32_t cgroupEnd;
  uint32_t envEnd;       // with kHasEnv
  uint32_t auid;         // kHasAuid: the audit login uid ((u32)-1: unset)
  uint32_t session;      // kHasSession: the audit session id ((u32)-1: none)
  uint32_t ttyMajor;     // kHasTty: the controlling terminal's device, as tty_devnum() makes it
  uint32_t ttyMinor;
  int32_t sid;           // kHasSidPgid
  int32_t pgid;
  char comm[16];
  char filename[kFilenameCap];
  char args[kVarCap];
};

// A fork or an exit. ts: bpf_ktime_get_ns. Fork: pid is the child (a tgid), ppid its
// real_parent's tgid (the proc connector's parent too). Exit: pid is the tgid, ppid its
// parent now, exitCode the task's exit_code (a wait status: code << 8 | core 0x80 | signal).
struct TaskRecord {
  uint32_t kind;
  uint32_t reserved0;
  uint64_t ts;
  int32_t pid;
  int32_t ppid;
  int32_t exitCode;
  uint32_t reserved1;
};
static_assert(sizeof(TaskRecord) == 32, "the BPF programs build it on their stack at this size");

// What sys_enter keeps for sys_exit when argv is read at exit: the header up to here.
constexpr uint32_t kAttemptBytes = offsetof(ExecRecord, ret);
constexpr uint32_t kHeaderBytes = offsetof(ExecRecord, args);
static_assert(kHeaderBytes % 8 == 0, "args must start 8-aligned");
static_assert(sizeof(ExecRecord) <= 32768, "per-CPU map values are at most 32 KiB");
static_assert(offsetof(ExecRecord, auid) % 8 == 0 && offsetof(ExecRecord, ttyMajor) % 8 == 0 &&
                  offsetof(ExecRecord, sid) % 8 == 0 && offsetof(ExecRecord, cgroupEnd) % 8 == 0,
              "the programs zero these in pairs, 8 bytes at a time");
static_assert(kVarCap <= 0x7fff, "the programs mask offsets with 0x7fff");

}  // namespace forktop
