// forktop's BPF programs, assembled at load time (see bpf_asm.h):
//  - execProgram, at sched:sched_process_exec: the exec succeeded and the new program's
//    argv sits on its fresh stack between mm->arg_start and mm->arg_end, resident because
//    the kernel just wrote it; one bounded read takes every argument, another the start of
//    the environment (env_start..env_end, just above it). Who started it is read there too.
//  - enterProgram, at sys_enter_execve(at): remembers the attempt (and, without BTF, reads
//    argv pointer by pointer from the old program, the best it can do).
//  - exitProgram, at sys_exit_execve(at): reports a failed exec once, with its errno (and,
//    without BTF, reports successful ones too).
//  - forkProgram, at the raw tracepoint sched_process_fork: a new process (a new thread is
//    left out there), with its parent.
//  - processExitProgram, at sched:sched_process_exit: a process whose last thread ended,
//    with its exit status and parent.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bpf_asm.h"

namespace forktop {

// Byte offsets of kernel struct fields, from BTF.
struct KernelLayout {
  int32_t taskMm, taskCred, taskRealParent, taskTgid, taskStartTime;
  // Forks and exits: task->pid (the thread id) and task->exit_code.
  int32_t taskPid, taskExitCode;
  int32_t mmArgStart, mmArgEnd, credEuid;
  // Where a path's names are: task->fs->pwd, mm->exe_file->f_path, and the dentry and
  // mount links walked from them to the root.
  int32_t taskFs, fsPwd, mmExeFile, fileFPath, pathMnt, pathDentry;
  int32_t dentryParent, dentryName, qstrName, vfsmountMntRoot, mountMnt, mountParent, mountMountpoint;
  // The cgroup v2 path: task->cgroups->dfl_cgrp->kn, and kernfs parents up to the root.
  int32_t taskCgroups, cssSetDfl, cgroupKn, kernfsName, kernfsParent;
  bool paths = false, cgroupPaths = false;  // all of each group's fields were found
  bool tasks = false;
  // Who started it, read at the exec; each group is dropped alone where BTF lacks a field.
  // task->loginuid and ->sessionid (CONFIG_AUDIT); the controlling terminal, task->signal->tty
  // (its driver's major and minor_start, and its index); the POSIX session and group,
  // signal->pids[PIDTYPE_SID / PIDTYPE_PGID]->numbers[0].nr; the environment,
  // mm->env_start..env_end; and linux_binprm's filename and interp (then the program is a
  // raw tracepoint's, whose third argument is the linux_binprm).
  int32_t taskLoginuid, taskSessionid, taskSignal;
  int32_t signalTty, ttyIndex, ttyDriver, driverMajor, driverMinorStart;
  int32_t signalPids, pidNumbers, upidNr, pidtypeSid, pidtypePgid;
  int32_t mmEnvStart, mmEnvEnd, bprmFilename, bprmInterp;
  bool auid = false, session = false, tty = false, sidPgid = false, env = false, interp = false;
  // The kernel runs bpf_loop() (5.17): the environment's scan and the path walks (and argv
  // read pointer by pointer) are its callbacks, which the verifier checks in a few passes,
  // not once per step.
  bool loops = false;
};

struct ExecMaps {
  int ring;      // BPF_MAP_TYPE_RINGBUF: records to user space
  int scratch;   // per-CPU array, one ExecRecord: too big for the 512-byte BPF stack
  int attempts;  // LRU hash, pid_tgid -> the attempt, from sys_enter to sys_exit
  int drops;     // array, one u64: records the ring buffer had no room for
};

// filenameLocOffset: the sched_process_exec tracepoint's filename (a __data_loc); ignored
// when kernel.interp: the program is then a BPF_PROG_TYPE_RAW_TRACEPOINT one, and reads the
// filename and the interpreter from its linux_binprm.
// How many of an exec's environment variables the program looks at, with this many names.
uint32_t envEntriesScanned(size_t names);

// envNames: the environment variables the reader keeps; the program sends only variables
// whose first bytes match one (the reader then compares whole names).
BpfProgram execProgram(const KernelLayout& kernel, int16_t filenameLocOffset, const std::vector<std::string>& envNames,
                       const ExecMaps& maps);
// loops: read argv pointer by pointer in bpf_loop's callback (see KernelLayout::loops).
BpfProgram enterProgram(int16_t filenameOffset, int16_t argvOffset, bool readArgv, bool loops, const ExecMaps& maps);
BpfProgram exitProgram(int16_t retOffset, bool argvReadAtEnter, bool loops, const ExecMaps& maps);
// A BPF_PROG_TYPE_RAW_TRACEPOINT program: its context is the tracepoint's arguments,
// (struct task_struct *parent, struct task_struct *child).
BpfProgram forkProgram(const KernelLayout& kernel, const ExecMaps& maps);
// groupDeadOffset: the tracepoint's group_dead field (since 6.16), or -1: then the exit of
// the thread group's leader is taken for the process's, as the proc connector does.
BpfProgram processExitProgram(const KernelLayout& kernel, int16_t groupDeadOffset, const ExecMaps& maps);

}  // namespace forktop
