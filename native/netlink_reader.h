// The kernel's proc connector: a NETLINK_CONNECTOR socket in the CN_IDX_PROC group.
//
// Threads: the constructor and stop() run on the JS thread; everything else on the
// reader thread, which blocks in recvmmsg, decodes each message, reads /proc for execs on
// the spot, and hands batches to the BatchChannel. stop() wakes it with a datagram to
// its own port.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "batch_channel.h"
#include "fd.h"
#include "gather_policy.h"
#include "netlink_decode.h"
#include "proc_info.h"
#include "stoppable_thread.h"
#include "sys_error.h"

namespace forktop {

struct NetlinkOptions {
  int receiveBufferBytes = 64 * 1024 * 1024;
  bool snapshot = true;  // emit one snapshot event per existing process first
  bool realtime = true;  // run the reader thread SCHED_FIFO when allowed
  bool readExecInfo = true;  // read argv & co from /proc at each exec (off: the eBPF source has it)
  // After a wakeup, let events gather this long before reading again (0: read at once).
  // Only worth it when nothing has to be read from /proc before the process is gone.
  int gatherMs = 0;
  // The proc_event types to report (PROC_EVENT_* bits; 0: all). Since Linux 6.6 the kernel
  // filters them (proc_input), so a storm's forks, execs and exits never wake the reader;
  // before, the others are read and left out here.
  uint32_t eventTypes = 0;
  // The environment variables read from /proc with each exec's and snapshot's facts.
  EnvAllowlist envAllowlist;
};

struct NetlinkStats {
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> threadForks{0};
  std::atomic<uint64_t> threadExits{0};
  std::atomic<uint64_t> enobufs{0};
  std::atomic<uint64_t> seqGaps{0};
  std::atomic<uint64_t> malformed{0};  // messages failing a length check (skipped)
  std::atomic<uint64_t> socketDrops{0};  // with the kernel's filter: its count of drops (sk_drops)
  std::atomic<bool> kernelFilter{false};  // the kernel filters eventTypes (sequence numbers then have gaps)
  int receiveBufferBytes = 0;  // what the kernel granted
  std::atomic<bool> realtime{false};
};

class NetlinkReader {
 public:
  explicit NetlinkReader(const NetlinkOptions& options);  // opens and subscribes; throws SysError
  ~NetlinkReader();

  void start(std::unique_ptr<BatchChannel> channel);
  void stop();  // unsubscribes, joins the thread; the channel delivers what is left
  const NetlinkStats& stats() const { return stats_; }

 private:
  void run();
  int receive(int waitMs);
  void handleDatagram(const uint8_t* data, size_t length, bool truncated);
  void flushWithGaps();
  void decode(const proc_event& ev);
  void acknowledged(uint32_t err);
  void fail(const SysError& e);
  void trackSequence(uint32_t cpu, uint32_t seq);
  void sendControl(int op, bool filtered = false);
  void wakeReader();  // filtered: with options_.eventTypes
  void countSocketDrops();

  NetlinkOptions options_;
  Fd sock_;
  uint32_t cpuLimit_ = kMaxCpus;
  uint32_t portId_ = 0;
  int currentWaitMs_ = -1;
  static constexpr int kDatagramsPerRead = 64;
  static constexpr size_t kDatagramBytes = 1024;  // one proc event is about 100 bytes
  std::vector<char> buffer_;
  std::unique_ptr<BatchChannel> channel_;
  StartClock clock_;
  std::vector<ProcMessage> messages_;  // one datagram's, reused
  std::vector<int64_t> lastSeq_;  // per CPU; -1 until the first message
  uint64_t gapSinceFlush_ = 0;
  uint64_t lastTs_ = 0;
  uint64_t socketDropsSeen_ = 0;
  int64_t checkDropsUntilNs_ = 0;  // after an overrun: drops may go on being counted a while
  uint32_t listenNonce_;
  bool subscribed_ = false;  // the kernel acknowledged PROC_CN_MCAST_LISTEN
  bool failed_ = false;
  NetlinkStats stats_;
  GatherPolicy gather_;
  // It blocks in recvmmsg (one syscall per wakeup, not poll and then recv), so stop() wakes
  // it with a datagram to its own port.
  StoppableThread thread_{[this] { wakeReader(); }};
};

}  // namespace forktop
