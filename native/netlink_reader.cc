#include "netlink_reader.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "clock.h"

namespace forktop {

namespace {
constexpr int kAckTimeoutMs = 2000;
constexpr int kIdleWakeMs = 500;  // how often an idle reader looks at the clock

// The highest possible CPU number + 1, from the kernel's list ("0-3,8-11"; the last number
// is the highest). kMaxCpus when it can't be read.
uint32_t possibleCpus() {
  std::ifstream in("/sys/devices/system/cpu/possible");
  std::string list;
  if (!std::getline(in, list)) return kMaxCpus;
  size_t end = list.find_last_of("0123456789");
  if (end == std::string::npos) return kMaxCpus;
  size_t start = list.find_last_not_of("0123456789", end);
  start = start == std::string::npos ? 0 : start + 1;
  unsigned long highest = std::strtoul(list.c_str() + start, nullptr, 10);
  return highest < kMaxCpus ? uint32_t(highest) + 1 : kMaxCpus;
}
// Since Linux 6.6 a listener may say which event types it wants (struct proc_input; older
// kernels ignore a subscription of that size and never answer it).
bool kernelFiltersEvents() {
  utsname u{};
  if (uname(&u) != 0) return false;
  int major = 0, minor = 0;
  if (sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
  return major > 6 || (major == 6 && minor >= 6);
}

// Not in every installed <linux/cn_proc.h> yet.
struct ProcInput {
  uint32_t mcastOp;
  uint32_t eventTypes;
};

// The kernel's count of messages it dropped for the netlink socket with this port id
// (sk_drops: one per proc event it had no room for), from /proc/net/netlink; -1 if not found.
int64_t socketDrops(uint32_t portId) {
  std::ifstream in("/proc/net/netlink");
  std::string line;
  std::getline(in, line);  // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string sk;
    long long eth, pid, drops;
    std::string groups, rmem, wmem, dump, locks;
    if (!(fields >> sk >> eth >> pid >> groups >> rmem >> wmem >> dump >> locks >> drops)) continue;
    if (eth == NETLINK_CONNECTOR && pid == portId) return drops;
  }
  return -1;
}

}  // namespace

NetlinkReader::NetlinkReader(const NetlinkOptions& options)
    : options_(options), listenNonce_(uint32_t(getpid()) << 8) {
  sock_ = Fd(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR));
  if (!sock_.valid()) throw SysError("socket(NETLINK_CONNECTOR)", errno);
  cpuLimit_ = possibleCpus();

  // FORCE ignores rmem_max but needs CAP_NET_ADMIN; fall back to the capped size.
  int size = options_.receiveBufferBytes;
  if (setsockopt(sock_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    setsockopt(sock_.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  socklen_t len = sizeof stats_.receiveBufferBytes;
  getsockopt(sock_.get(), SOL_SOCKET, SO_RCVBUF, &stats_.receiveBufferBytes, &len);

  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = CN_IDX_PROC;
  addr.nl_pid = 0;  // let the kernel pick a unique port id
  if (bind(sock_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    throw SysError("bind(CN_IDX_PROC)", errno);
  socklen_t addrLen = sizeof addr;
  getsockname(sock_.get(), reinterpret_cast<sockaddr*>(&addr), &addrLen);
  portId_ = addr.nl_pid;
  buffer_.resize(size_t(kDatagramsPerRead) * kDatagramBytes);
  stats_.kernelFilter = options_.eventTypes != 0 && kernelFiltersEvents();
  sendControl(PROC_CN_MCAST_LISTEN);
}

NetlinkReader::~NetlinkReader() { stop(); }

void NetlinkReader::sendControl(int op, bool filtered) {
  // nlmsghdr | cn_msg | proc_cn_mcast_op (or a ProcInput, with the event types), laid out by
  // hand: cn_msg ends in a flexible array.
  size_t payload = filtered ? sizeof(ProcInput) : sizeof(proc_cn_mcast_op);
  alignas(nlmsghdr) char buf[NLMSG_SPACE(sizeof(cn_msg) + sizeof(ProcInput))] = {};
  auto* nl = reinterpret_cast<nlmsghdr*>(buf);
  nl->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + payload);
  nl->nlmsg_type = NLMSG_DONE;
  nl->nlmsg_pid = 0;
  auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
  cn->id.idx = CN_IDX_PROC;
  cn->id.val = CN_VAL_PROC;
  cn->len = uint16_t(payload);
  cn->ack = listenNonce_;  // the ack carries it + 1, so we know the ack is ours
  ProcInput input{uint32_t(op), options_.eventTypes};
  memcpy(cn->data, &input, payload);
  if (send(sock_.get(), buf, nl->nlmsg_len, 0) < 0) throw SysError("send(PROC_CN_MCAST)", errno);
}

void NetlinkReader::start(std::unique_ptr<BatchChannel> channel) {
  channel_ = std::move(channel);
  thread_.start([this] { run(); });
}

void NetlinkReader::stop() { thread_.stop(); }

void NetlinkReader::wakeReader() {
  // Wake the blocked recvmmsg: a datagram to our own port (ignored: it is not the kernel's).
  // Should that fail, the receive timeout wakes the thread within kIdleWakeMs anyway.
  sockaddr_nl self{};
  self.nl_family = AF_NETLINK;
  self.nl_pid = portId_;
  nlmsghdr wake{};
  wake.nlmsg_len = sizeof wake;
  wake.nlmsg_type = NLMSG_NOOP;
  sendto(sock_.get(), &wake, sizeof wake, 0, reinterpret_cast<sockaddr*>(&self), sizeof self);
}

// Reader thread from here on.

void NetlinkReader::run() {
  // argv must be read before a short-lived process exits: a reader that waits its turn
  // behind the storm it watches loses that race. As root, run this thread at the lowest
  // real-time priority so it gets the CPU as soon as an event arrives. (The kernel's
  // real-time throttling still leaves the rest of the machine its share.)
  if (options_.realtime) {
    sched_param param{};
    param.sched_priority = 1;
    stats_.realtime = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) == 0;
  }
  // Subscribed first, then the scan: a process born during the scan is in one or both,
  // never in neither. The scan waits for the kernel's acknowledgement, which says whether
  // we may listen at all (older kernels answer EPERM to non-root; another user or pid
  // namespace gets no answer).
  //
  // One blocking recvmmsg per wakeup (not poll + recv + recv-until-EAGAIN): in a storm the
  // events come one at a time, and syscalls per message are most of this thread's cost.
  auto startedAt = std::chrono::steady_clock::now();
  while (!failed_ && !thread_.stopping()) {
    int due = channel_->delayUntilDueMs();
    int waitMs = !subscribed_ ? 100 : due >= 0 ? std::min(due, kIdleWakeMs) : kIdleWakeMs;
    int received = receive(waitMs);
    if (checkDropsUntilNs_ != 0) countSocketDrops();
    flushWithGaps();
    if (gather_.shouldGather(received > 0) && options_.gatherMs > 0 && subscribed_ && !thread_.stopping())
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.gatherMs));
    if (!subscribed_ && !failed_ && std::chrono::steady_clock::now() - startedAt >
                                        std::chrono::milliseconds(kAckTimeoutMs)) {
      channel_->fail("ETIMEDOUT",
                     "the kernel did not answer the proc connector subscription "
                     "(is forktop in a container, or another user or pid namespace?)");
      failed_ = true;
    }
  }
  if (subscribed_) {
    try {
      sendControl(PROC_CN_MCAST_IGNORE);
    } catch (const SysError&) {
      // Closing the socket unsubscribes anyway.
    }
    while (receive(0) > 0) {
      // what arrived before IGNORE took effect
    }
    if (checkDropsUntilNs_ != 0) countSocketDrops();
    flushWithGaps();
  }
  channel_->release();
}

void NetlinkReader::fail(const SysError& e) {
  channel_->fail(errnoName(e.err), e.what());
  failed_ = true;
}

// The kernel answers PROC_CN_MCAST_LISTEN with an ack carrying our sequence number.
void NetlinkReader::acknowledged(uint32_t err) {
  if (err != 0) {
    fail(SysError("PROC_CN_MCAST_LISTEN", int(err)));
    return;
  }
  subscribed_ = true;
  if (stats_.kernelFilter) {
    // Now narrow it to our event types. Not in the first request: the kernel's answer (an
    // event of type NONE) would be filtered out too, and we would never know we listen.
    try {
      sendControl(PROC_CN_MCAST_LISTEN, true);
    } catch (const SysError&) {
      stats_.kernelFilter = false;  // all events then, the unwanted left out here
    }
  }
  if (options_.snapshot) {
    for (Event& ev : scanProcesses(clock_, options_.envAllowlist)) channel_->push(std::move(ev));
  }
  channel_->ready();
}

// Receives what is queued, waiting up to waitMs for the first datagram (0: don't wait).
// Returns the number of datagrams handled.
int NetlinkReader::receive(int waitMs) {
  if (waitMs != currentWaitMs_ && waitMs > 0) {
    timeval tv{waitMs / 1000, (waitMs % 1000) * 1000};
    setsockopt(sock_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    currentWaitMs_ = waitMs;
  }
  mmsghdr msgs[kDatagramsPerRead];
  iovec iov[kDatagramsPerRead];
  sockaddr_nl from[kDatagramsPerRead];
  for (int i = 0; i < kDatagramsPerRead; i++) {
    iov[i] = {&buffer_[size_t(i) * kDatagramBytes], kDatagramBytes};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  int n = recvmmsg(sock_.get(), msgs, kDatagramsPerRead, waitMs > 0 ? MSG_WAITFORONE : MSG_DONTWAIT,
                   nullptr);
  if (n < 0) {
    if (errno == ENOBUFS) {
      // The kernel dropped messages; the per-CPU sequence gaps tell exactly how many (with
      // the kernel's filter, its drop count does, for a while: the overrun may go on).
      stats_.enobufs++;
      if (stats_.kernelFilter) checkDropsUntilNs_ = monotonicNs() + 2'000'000'000;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      fail(SysError("recvmmsg", errno));
    }
    return 0;
  }
  for (int i = 0; i < n; i++) {
    if (from[i].nl_pid != 0) continue;  // only the kernel speaks here (or stop() waking us)
    handleDatagram(reinterpret_cast<const uint8_t*>(&buffer_[size_t(i) * kDatagramBytes]), msgs[i].msg_len,
                   (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0);
  }
  return n;
}

// A message failing a length check is counted as malformed and skipped; if it was an event,
// the gap it leaves in its CPU's sequence numbers reports it as lost too.
void NetlinkReader::handleDatagram(const uint8_t* data, size_t length, bool truncated) {
  messages_.clear();
  DatagramCounts counts = decodeDatagram(data, length, truncated, cpuLimit_, messages_);
  stats_.malformed += counts.malformed;
  for (const ProcMessage& msg : messages_) {
    stats_.messages++;
    const proc_event& pe = msg.event;
    // Every message takes a sequence number on its CPU, acks included: skipping one would
    // look like a loss. Messages the kernel filtered out for us take one too, so then
    // the numbers say nothing (its drop count does).
    if (!stats_.kernelFilter) trackSequence(pe.cpu, msg.seq);
    if (pe.what == proc_event::PROC_EVENT_NONE) {
      if (!subscribed_ && msg.ack == listenNonce_ + 1) acknowledged(pe.event_data.ack.err);
      continue;
    }
    // Before our acknowledgement (or in a namespace where none comes): the scan that
    // follows the ack covers it, and a failed subscription must emit nothing.
    if (!subscribed_) continue;
    decode(pe);
  }
}

// Loss found in the sequence numbers goes out as one `lost` event per batch.
void NetlinkReader::flushWithGaps() {
  if (gapSinceFlush_) {
    Event lost;
    lost.type = EventType::Lost;
    lost.ts = lastTs_;
    lost.count = gapSinceFlush_;
    lost.lostSource = "kernel";
    channel_->push(std::move(lost));
    gapSinceFlush_ = 0;
  }
  channel_->flush();
}

// cn_msg.seq counts messages per CPU (proc_event.cpu), so a jump is exactly the number lost.
// The decoder bounds cpu (cpuLimit_), so this array can't grow past the machine's CPUs.
void NetlinkReader::trackSequence(uint32_t cpu, uint32_t seq) {
  if (cpu >= lastSeq_.size()) lastSeq_.resize(size_t(cpu) + 1, -1);
  int64_t last = lastSeq_[cpu];
  if (last >= 0) {
    uint32_t gap = seq - uint32_t(last) - 1;  // modulo 2^32
    if (gap != 0 && gap < 0x80000000u) {
      gapSinceFlush_ += gap;
      stats_.seqGaps += gap;
    } else if (gap != 0) {
      return;  // older than what we saw (not expected): keep the high-water mark
    }
  }
  lastSeq_[cpu] = seq;
}

// With the kernel's filter, an overrun's dropped messages, as counted by the kernel.
void NetlinkReader::countSocketDrops() {
  int64_t drops = socketDrops(portId_);
  if (drops > int64_t(socketDropsSeen_)) {
    gapSinceFlush_ += uint64_t(drops) - socketDropsSeen_;
    stats_.socketDrops += uint64_t(drops) - socketDropsSeen_;
    socketDropsSeen_ = uint64_t(drops);
  }
  if (monotonicNs() > checkDropsUntilNs_) checkDropsUntilNs_ = 0;
}

void NetlinkReader::decode(const proc_event& pe) {
  lastTs_ = pe.timestamp_ns;
  if (options_.eventTypes != 0 && !(uint32_t(pe.what) & options_.eventTypes)) return;
  Event ev;
  switch (toEvent(pe, ev)) {
    case ProcEventKind::Event:
      break;
    case ProcEventKind::ThreadFork:
      stats_.threadForks++;
      return;
    case ProcEventKind::ThreadExit:
      stats_.threadExits++;
      return;
    case ProcEventKind::Ack:
    case ProcEventKind::Skip:
      return;
  }
  if (ev.type == EventType::Exec && options_.readExecInfo) {
    ev.info = readProcInfo(ev.pid, clock_, options_.envAllowlist);
    ev.info.originLate = true;  // read after the exec: the process may have changed them since
  }
  channel_->push(std::move(ev));
}

}  // namespace forktop
