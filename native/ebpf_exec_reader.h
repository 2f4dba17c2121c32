// The eBPF exec source: loads forktop's programs (exec_programs.cc) at the exec
// tracepoints and reads their records from a BPF ring buffer on its own thread
// (epoll + mmap), decoding each into an exec event for the BatchChannel.
//
// Threads: the constructor (load, attach) and stop() run on the JS thread; run() on the
// reader thread. Every kernel object is an Fd or Mapping member: however this object ends, closing
// them detaches the programs and frees the maps.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "batch_channel.h"
#include "bpf_syscall.h"
#include "exec_record.h"
#include "gather_policy.h"
#include "origin_decode.h"
#include "stoppable_thread.h"

namespace forktop {

struct EbpfOptions {
  // The reader drains it into the native queue every few ms (at most ~100 ms in a storm): 4 MiB
  // holds that for ~8,000 typical records or 200 with 16 KiB command lines. Its pages are
  // resident once written and the data area is mapped twice, so each MiB costs two of RSS.
  uint32_t ringBytes = 4 << 20;
  bool useBtf = true;  // false: read argv at execve() entry, as without BTF (tests use it)
  bool debug = false;  // keep the verifier's log, in *debugLog (also when loading fails)
  std::string* debugLog = nullptr;
  std::string btfPath = "/sys/kernel/btf/vmlinux";
  // Run the reader thread SCHED_FIFO (priority 1) when allowed: on a loaded machine a reader
  // waiting its turn delivers late, and the merge with the proc connector's events (a name
  // set just before a storm) must not see one stream far behind the other.
  bool realtime = true;
  // The environment variables each exec's record keeps (the rest never leaves the reader).
  EnvAllowlist envAllowlist;
  // false: loops unrolled or bounded, as on a kernel without bpf_loop (tests compare the two).
  bool loops = true;
};

// Which of who-started-it each exec carries (each dropped alone where BTF lacks a field or
// the verifier refused the program with it).
struct OriginFields {
  bool auid = false, session = false, tty = false, sidPgid = false, env = false, filename = false;
  uint32_t envEntries = 0;  // how many of an environment's variables are looked at
};

struct EbpfStats {
  std::atomic<uint64_t> records{0};  // exec records
  std::atomic<uint64_t> forks{0};
  std::atomic<uint64_t> exits{0};
  std::atomic<uint64_t> failedExecs{0};
  std::atomic<uint64_t> drops{0};  // records the ring buffer had no room for
  std::atomic<uint64_t> truncated{0};
  std::atomic<uint64_t> malformed{0};  // records failing a length check: reported as lost
  std::atomic<bool> realtime{false};
};

class EbpfExecReader {
 public:
  explicit EbpfExecReader(const EbpfOptions& options);  // throws SysError / std::runtime_error
  ~EbpfExecReader();

  void start(std::unique_ptr<BatchChannel> channel);
  void stop();  // detaches, drains what is left, joins, frees every kernel object
  const EbpfStats& stats() const { return stats_; }
  // How argv is read: "exec" (at the new program's start) or "entry" (no BTF), and why.
  const std::string& mode() const { return mode_; }
  const std::string& fallbackReason() const { return fallbackReason_; }
  // Whether each exec's exe and cwd (and its cgroup) are walked in the kernel.
  bool paths() const { return paths_; }
  // Whether the programs' loops run as bpf_loop callbacks (see KernelLayout::loops).
  bool loops() const { return loops_; }
  bool cgroupPaths() const { return cgroupPaths_; }
  const OriginFields& origin() const { return origin_; }
  // Whether forks and exits come from the ring too (sched_process_fork/exit), and if not, why.
  bool tasks() const { return tasks_; }
  const std::string& tasksFallbackReason() const { return tasksFallbackReason_; }

 private:
  void load(bool useBtf, const std::string& btfPath);
  void run();
  void release();
  void consume();
  void checkDrops();
  void decode(const uint8_t* record, uint32_t length);
  void malformed(uint64_t ts);

  EbpfOptions options_;
  std::string mode_, fallbackReason_;
  bool paths_ = false, cgroupPaths_ = false, tasks_ = false, loops_ = false;
  OriginFields origin_;
  std::string tasksFallbackReason_;
  Fd ring_, scratch_, attempts_, drops_;
  std::vector<Fd> programs_;
  std::vector<Fd> attachments_;
  Fd epoll_;
  Mapping consumerPage_, producerArea_;
  size_t pageSize_ = 0;
  uint64_t dropsSeen_ = 0;
  std::unique_ptr<BatchChannel> channel_;
  EbpfStats stats_;
  GatherPolicy gather_;
  StoppableThread thread_;  // polled beside the ring buffer: its wakeFd() ends the wait
};

}  // namespace forktop
