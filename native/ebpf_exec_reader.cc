#include "ebpf_exec_reader.h"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <utility>
#include <stdexcept>

#include "btf.h"
#include "clock.h"
#include "exec_programs.h"
#include "exec_record_decode.h"
#include "sys_error.h"
#include "tracefs.h"

namespace forktop {

namespace {

// How often an idle reader looks for counted drops. A drop needs a full ring, which wakes the
// reader anyway (and it looks after every read): this is only the backstop.
constexpr int kIdleWakeMs = 1000;
// In a storm, let records gather after a read (see GatherPolicy): the ring buffer holds
// seconds of a storm, and a wakeup per exec would cost more CPU than the exec it reports.
// At least kGatherMs, and up to when the batch channel may call JS again (once per storm
// interval in a storm: reading more often only wakes this thread for nothing), at most
// kMaxGatherMs.
constexpr int kGatherMs = 5;
constexpr int kMaxGatherMs = 50;

// Fields argv needs are required (without them the programs read argv at entry); the path
// walks are each dropped alone when a field is missing, and the header says so.
KernelLayout readLayout(const std::string& btfPath) {
  Btf btf(btfPath);
  auto at = [&](const char* type, const char* member) { return int32_t(btf.offsetOf(type, member)); };
  KernelLayout k;
  k.taskMm = at("task_struct", "mm");
  k.taskCred = at("task_struct", "cred");
  k.taskRealParent = at("task_struct", "real_parent");
  k.taskTgid = at("task_struct", "tgid");
  k.taskStartTime = at("task_struct", "start_time");
  k.mmArgStart = at("mm_struct", "arg_start");
  k.mmArgEnd = at("mm_struct", "arg_end");
  k.credEuid = at("cred", "euid");
  try {
    k.taskPid = at("task_struct", "pid");
    k.taskExitCode = at("task_struct", "exit_code");
    k.tasks = true;
  } catch (const std::runtime_error&) {
  }
  try {
    k.taskFs = at("task_struct", "fs");
    k.fsPwd = at("fs_struct", "pwd");
    k.mmExeFile = at("mm_struct", "exe_file");
    k.fileFPath = at("file", "f_path");
    k.pathMnt = at("path", "mnt");
    k.pathDentry = at("path", "dentry");
    k.dentryParent = at("dentry", "d_parent");
    k.dentryName = at("dentry", "d_name");
    k.qstrName = at("qstr", "name");
    k.vfsmountMntRoot = at("vfsmount", "mnt_root");
    k.mountMnt = at("mount", "mnt");
    k.mountParent = at("mount", "mnt_parent");
    k.mountMountpoint = at("mount", "mnt_mountpoint");
    k.paths = true;
  } catch (const std::runtime_error&) {
  }
  try {
    k.taskCgroups = at("task_struct", "cgroups");
    k.cssSetDfl = at("css_set", "dfl_cgrp");
    k.cgroupKn = at("cgroup", "kn");
    k.kernfsName = at("kernfs_node", "name");
    try {
      k.kernfsParent = at("kernfs_node", "__parent");  // since 6.15
    } catch (const std::runtime_error&) {
      k.kernfsParent = at("kernfs_node", "parent");
    }
    k.cgroupPaths = true;
  } catch (const std::runtime_error&) {
  }
  // Who started it: each group alone (an audit-less kernel still has the tty, say).
  auto group = [](bool& has, const std::function<void()>& read) {
    try {
      read();
      has = true;
    } catch (const std::runtime_error&) {
    }
  };
  group(k.auid, [&] { k.taskLoginuid = at("task_struct", "loginuid"); });
  group(k.session, [&] { k.taskSessionid = at("task_struct", "sessionid"); });
  bool signal = false;
  group(signal, [&] { k.taskSignal = at("task_struct", "signal"); });
  group(k.tty, [&] {
    k.signalTty = at("signal_struct", "tty");
    k.ttyIndex = at("tty_struct", "index");
    k.ttyDriver = at("tty_struct", "driver");
    k.driverMajor = at("tty_driver", "major");
    k.driverMinorStart = at("tty_driver", "minor_start");
  });
  group(k.sidPgid, [&] {
    k.signalPids = at("signal_struct", "pids");
    k.pidNumbers = at("pid", "numbers");
    k.upidNr = at("upid", "nr");
    k.pidtypeSid = int32_t(btf.enumValue("pid_type", "PIDTYPE_SID"));
    k.pidtypePgid = int32_t(btf.enumValue("pid_type", "PIDTYPE_PGID"));
    // signal->pids[] holds PIDTYPE_MAX pointers; a value past a few is not that array.
    if (k.pidtypeSid < 0 || k.pidtypeSid > 8 || k.pidtypePgid < 0 || k.pidtypePgid > 8)
      throw std::runtime_error("enum pid_type out of range");
  });
  k.tty = k.tty && signal;
  k.sidPgid = k.sidPgid && signal;
  group(k.env, [&] {
    k.mmEnvStart = at("mm_struct", "env_start");
    k.mmEnvEnd = at("mm_struct", "env_end");
  });
  group(k.interp, [&] {
    k.bprmFilename = at("linux_binprm", "filename");
    k.bprmInterp = at("linux_binprm", "interp");
  });
  return k;
}

// Whether this system uses cgroup v2 for processes: /proc/self/cgroup then has a "0::" line.
bool cgroupV2InUse() {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("0::", 0) == 0) return true;
  return false;
}

}  // namespace

EbpfExecReader::EbpfExecReader(const EbpfOptions& options) : options_(options) {
  pageSize_ = size_t(sysconf(_SC_PAGESIZE));
  load(options.useBtf, options.btfPath);
}

void EbpfExecReader::load(bool useBtf, const std::string& btfPath) {
  KernelLayout layout{};
  if (useBtf) {
    try {
      layout = readLayout(btfPath);
    } catch (const std::runtime_error& e) {
      useBtf = false;
      fallbackReason_ = e.what();
    }
  } else {
    fallbackReason_ = "BTF not used (option)";
  }
  mode_ = useBtf ? "exec" : "entry";
  paths_ = useBtf && layout.paths;
  // The walk names the cgroup v2 path; where only v1 hierarchies are in use, /proc names a
  // v1 path instead, and a v2 "/" for everything would say nothing: then leave it to /proc.
  if (!cgroupV2InUse()) layout.cgroupPaths = false;
  cgroupPaths_ = useBtf && layout.cgroupPaths;

  ring_ = createMap(BPF_MAP_TYPE_RINGBUF, "forktop_ring", 0, 0, options_.ringBytes);
  scratch_ = createMap(BPF_MAP_TYPE_PERCPU_ARRAY, "forktop_scratch", 4, sizeof(ExecRecord), 1);
  attempts_ = createMap(BPF_MAP_TYPE_LRU_HASH, "forktop_tries", 8, useBtf ? kAttemptBytes : sizeof(ExecRecord),
                        useBtf ? 4096 : 256);
  drops_ = createMap(BPF_MAP_TYPE_ARRAY, "forktop_drops", 4, 8, 1);
  ExecMaps maps{ring_.get(), scratch_.get(), attempts_.get(), drops_.get()};

  Tracefs tracefs;  // unmounted again (if we mounted it) when this scope ends
  auto loadProgram = [&](const char* name, const BpfProgram& code,
                         bpf_prog_type type = BPF_PROG_TYPE_TRACEPOINT) {
    std::string log;
    bool debug = options_.debug && options_.debugLog;
    try {
      programs_.push_back(loadTracepointProgram(name, code, debug ? &log : nullptr, type));
    } catch (...) {
      if (debug) *options_.debugLog += std::string("; ") + name + "\n" + log;
      throw;
    }
    if (debug) *options_.debugLog += std::string("; ") + name + "\n" + log;
    return programs_.back().get();
  };
  const char* enter = "syscalls/sys_enter_execve";
  const char* enterAt = "syscalls/sys_enter_execveat";
  const char* exitEv = "syscalls/sys_exit_execve";
  const char* exitAt = "syscalls/sys_exit_execveat";
  // Loops as bpf_loop's callbacks where the kernel has it: each verified in a few passes.
  layout.loops = options_.loops && bpfLoopWorks();
  bool loops = layout.loops;
  int enterProg = loadProgram("forktop_enter", enterProgram(tracefs.fieldOffset(enter, "filename"),
                                                            tracefs.fieldOffset(enter, "argv"), !useBtf, loops, maps));
  int enterAtProg = loadProgram("forktop_enterat",
                                enterProgram(tracefs.fieldOffset(enterAt, "filename"),
                                             tracefs.fieldOffset(enterAt, "argv"), !useBtf, loops, maps));
  int16_t retOffset = tracefs.fieldOffset(exitEv, "ret");
  if (tracefs.fieldOffset(exitAt, "ret") != retOffset) throw std::runtime_error("execve and execveat exits differ");
  int exitProg = loadProgram("forktop_exit", exitProgram(retOffset, !useBtf, loops, maps));
  int execProg = -1;
  if (useBtf) {
    int16_t filenameLoc = tracefs.fieldOffset("sched/sched_process_exec", "filename");
    // A verifier that refuses the program (an older kernel's limits, its raw tracepoint)
    // still gets argv at the exec: with the loops unrolled or bounded (no bpf_loop), then
    // with a plain tracepoint (no interpreter), then without the path walks, then without
    // the environment's loop, then without who started it. The header says which.
    std::vector<std::function<bool(KernelLayout&)>> simpler = {
        [](KernelLayout& k) { return std::exchange(k.loops, false); },  // unrolled and bounded loops instead
        [](KernelLayout& k) { return std::exchange(k.interp, false); },
        [](KernelLayout& k) { return std::exchange(k.paths, false) | std::exchange(k.cgroupPaths, false); },
        [](KernelLayout& k) { return std::exchange(k.env, false); },  // its loop (bounded loops: 5.3)
        [](KernelLayout& k) {
          bool any = k.auid || k.session || k.tty || k.sidPgid || k.env;
          k.auid = k.session = k.tty = k.sidPgid = k.env = false;
          return any;
        },
    };
    for (size_t step = 0;; step++) {
      try {
        execProg = loadProgram("forktop_exec", execProgram(layout, filenameLoc, options_.envAllowlist, maps),
                               layout.interp ? BPF_PROG_TYPE_RAW_TRACEPOINT : BPF_PROG_TYPE_TRACEPOINT);
        break;
      } catch (const SysError&) {
        while (step < simpler.size() && !simpler[step](layout)) step++;
        if (step >= simpler.size()) throw;
      }
    }
    paths_ = paths_ && layout.paths;
    cgroupPaths_ = cgroupPaths_ && layout.cgroupPaths;
    loops_ = layout.loops;
    origin_ = {layout.auid, layout.session, layout.tty, layout.sidPgid, layout.env, layout.interp,
               envEntriesScanned(options_.envAllowlist.size())};
  }
  // Forks and exits in the same ring as the execs: one stream, in the order the kernel
  // wrote it. Without them (no BTF, a field missing, a refusal) the proc connector has them.
  int forkProg = -1, processExitProg = -1;
  if (useBtf && layout.tasks) {
    int16_t groupDead = -1;
    try {
      groupDead = tracefs.fieldOffset("sched/sched_process_exit", "group_dead");
    } catch (const std::exception&) {
      // before 6.16: the leader's exit stands for the process's, as for the proc connector
    }
    try {
      std::string log;
      bool debug = options_.debug && options_.debugLog;
      auto code = forkProgram(layout, maps);
      try {
        programs_.push_back(loadTracepointProgram("forktop_fork", code, debug ? &log : nullptr,
                                                  BPF_PROG_TYPE_RAW_TRACEPOINT));
      } catch (...) {
        if (debug) *options_.debugLog += "; forktop_fork\n" + log;
        throw;
      }
      if (debug) *options_.debugLog += "; forktop_fork\n" + log;
      forkProg = programs_.back().get();
      processExitProg = loadProgram("forktop_pexit", processExitProgram(layout, groupDead, maps));
      tasks_ = true;
    } catch (const SysError& e) {
      tasksFallbackReason_ = e.what();
    }
  } else {
    tasksFallbackReason_ = useBtf ? "task_struct's pid or exit_code not in BTF" : fallbackReason_;
  }
  // Exits before entries, and the exec program last: an entry is then always followed by
  // a program that consumes it.
  attachments_.push_back(attachTracepoint(tracefs.eventId(exitEv), exitProg));
  attachments_.push_back(attachTracepoint(tracefs.eventId(exitAt), exitProg));
  attachments_.push_back(attachTracepoint(tracefs.eventId(enter), enterProg));
  attachments_.push_back(attachTracepoint(tracefs.eventId(enterAt), enterAtProg));
  if (execProg >= 0 && origin_.filename)
    attachments_.push_back(attachRawTracepoint("sched_process_exec", execProg));
  else if (execProg >= 0)
    attachments_.push_back(attachTracepoint(tracefs.eventId("sched/sched_process_exec"), execProg));
  if (tasks_) {
    // The exit first: a process forked meanwhile then always has its exit seen too.
    attachments_.push_back(attachTracepoint(tracefs.eventId("sched/sched_process_exit"), processExitProg));
    attachments_.push_back(attachRawTracepoint("sched_process_fork", forkProg));
  }

  consumerPage_ = Mapping::map("ring buffer consumer", pageSize_, PROT_READ | PROT_WRITE, ring_.get(), 0);
  // The data pages are mapped twice in a row, so a record that wraps reads contiguously.
  producerArea_ = Mapping::map("ring buffer data", pageSize_ + 2 * size_t(options_.ringBytes), PROT_READ,
                               ring_.get(), long(pageSize_));
  epoll_ = Fd(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) throw SysError("epoll_create1", errno);
  for (int fd : {ring_.get(), thread_.wakeFd()}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) throw SysError("epoll_ctl", errno);
  }
}

EbpfExecReader::~EbpfExecReader() {
  stop();
  release();
}

void EbpfExecReader::release() {
  attachments_.clear();
  programs_.clear();
  producerArea_.reset();
  consumerPage_.reset();
  for (Fd* fd : {&ring_, &scratch_, &attempts_, &drops_, &epoll_}) fd->reset();
}

void EbpfExecReader::start(std::unique_ptr<BatchChannel> channel) {
  channel_ = std::move(channel);
  thread_.start([this] { run(); });
}

void EbpfExecReader::stop() {
  if (thread_.stop()) release();
}

// Reader thread from here on.

void EbpfExecReader::run() {
  if (options_.realtime) {
    sched_param param{};
    param.sched_priority = 1;
    stats_.realtime = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) == 0;
  }
  channel_->ready();
  while (!thread_.stopping()) {
    int due = channel_->delayUntilDueMs();
    int waitMs = due >= 0 ? std::min(due, kIdleWakeMs) : kIdleWakeMs;
    epoll_event events[2];
    int n = epoll_wait(epoll_.get(), events, 2, waitMs);
    if (n < 0 && errno != EINTR) {
      int e = errno;
      channel_->fail(errnoName(e), std::string("epoll_wait: ") + strerror(e));
      break;
    }
    uint64_t before = stats_.records + stats_.forks + stats_.exits;
    consume();
    checkDrops();
    channel_->flush();
    if (gather_.shouldGather(stats_.records + stats_.forks + stats_.exits != before) && !thread_.stopping()) {
      int gatherMs = std::min(std::max(kGatherMs, channel_->msUntilNextCall()), kMaxGatherMs);
      pollfd wake{thread_.wakeFd(), POLLIN, 0};  // a sleep that stop() ends
      poll(&wake, 1, gatherMs);
    }
  }
  // Detach first, so nothing new arrives, then take what the buffer still holds.
  attachments_.clear();
  consume();
  checkDrops();
  channel_->flush();
  channel_->release();
}

void EbpfExecReader::consume() {
  auto* consumerPos = static_cast<uint64_t*>(consumerPage_.get());
  auto* producerPos = static_cast<uint64_t*>(producerArea_.get());
  auto* data = static_cast<char*>(producerArea_.get()) + pageSize_;
  uint64_t mask = options_.ringBytes - 1;
  uint64_t cons = __atomic_load_n(consumerPos, __ATOMIC_ACQUIRE);
  for (;;) {
    uint64_t prod = __atomic_load_n(producerPos, __ATOMIC_ACQUIRE);
    if (cons >= prod) break;
    while (cons < prod) {
      char* header = data + (cons & mask);
      uint32_t len = __atomic_load_n(reinterpret_cast<uint32_t*>(header), __ATOMIC_ACQUIRE);
      if (len & BPF_RINGBUF_BUSY_BIT) {
        __atomic_store_n(consumerPos, cons, __ATOMIC_RELEASE);
        return;  // still being written; the next wakeup takes it
      }
      uint32_t size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
      if (uint64_t(size) + BPF_RINGBUF_HDR_SZ > options_.ringBytes || uint64_t(size) + BPF_RINGBUF_HDR_SZ > prod - cons) {
        // A length the ring can't hold: the following records can't be framed either, so
        // skip to the producer and count them (at least this one) as lost.
        malformed(uint64_t(monotonicNs()));
        cons = prod;
        break;
      }
      if (!(len & BPF_RINGBUF_DISCARD_BIT))
        decode(reinterpret_cast<const uint8_t*>(header + BPF_RINGBUF_HDR_SZ), size);
      cons += (uint64_t(size) + BPF_RINGBUF_HDR_SZ + 7) & ~uint64_t(7);
    }
    __atomic_store_n(consumerPos, cons, __ATOMIC_RELEASE);
  }
}

void EbpfExecReader::checkDrops() {
  uint32_t key = 0;
  uint64_t drops = 0;
  if (!lookupMap(drops_.get(), &key, &drops) || drops <= dropsSeen_) return;
  Event lost;
  lost.type = EventType::Lost;
  lost.ts = uint64_t(monotonicNs());  // counted now: the program keeps no time per drop
  lost.count = drops - dropsSeen_;
  lost.lostSource = "ebpf";
  stats_.drops += lost.count;
  dropsSeen_ = drops;
  channel_->push(std::move(lost));
}

void EbpfExecReader::decode(const uint8_t* record, uint32_t length) {
  Event ev;
  ExecRecordStatus status = decodeRingRecord(record, length, options_.envAllowlist, ev);
  if (status != ExecRecordStatus::Ok) {
    // Not a record as our programs write them: an exec lost, said as such. Stamped now,
    // as its own time can't be trusted.
    malformed(uint64_t(monotonicNs()));
    return;
  }
  if (ev.type == EventType::Fork) {
    stats_.forks++;
  } else if (ev.type == EventType::Exit) {
    stats_.exits++;
  } else {
    stats_.records++;
    if (ev.ret != 0) stats_.failedExecs++;
    if (ev.truncated) stats_.truncated++;
  }
  channel_->push(std::move(ev));
}

void EbpfExecReader::malformed(uint64_t ts) {  // ts: CLOCK_MONOTONIC ns
  stats_.malformed++;
  Event lost;
  lost.type = EventType::Lost;
  lost.ts = ts;
  lost.count = 1;
  lost.lostSource = "ebpf";
  channel_->push(std::move(lost));
}

}  // namespace forktop
