#include "netlink_reader.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

namespace forktop {

namespace {
constexpr int kAckTimeoutMs = 2000;
constexpr int kIdleWakeMs = 500;  // how often an idle reader looks at the clock
}  // namespace

NetlinkReader::NetlinkReader(const NetlinkOptions& options)
    : options_(options), listenNonce_(uint32_t(getpid()) << 8) {
  sock_ = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (sock_ < 0) throw SysError("socket(NETLINK_CONNECTOR)", errno);

  // FORCE ignores rmem_max but needs CAP_NET_ADMIN; fall back to the capped size.
  int size = options_.receiveBufferBytes;
  if (setsockopt(sock_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    setsockopt(sock_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  socklen_t len = sizeof stats_.receiveBufferBytes;
  getsockopt(sock_, SOL_SOCKET, SO_RCVBUF, &stats_.receiveBufferBytes, &len);

  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = CN_IDX_PROC;
  addr.nl_pid = 0;  // let the kernel pick a unique port id
  if (bind(sock_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    int e = errno;
    close(sock_);
    throw SysError("bind(CN_IDX_PROC)", e);
  }
  socklen_t addrLen = sizeof addr;
  getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &addrLen);
  portId_ = addr.nl_pid;
  buffer_.resize(size_t(kDatagramsPerRead) * kDatagramBytes);
  try {
    sendControl(PROC_CN_MCAST_LISTEN);
  } catch (...) {
    close(sock_);
    throw;
  }
}

NetlinkReader::~NetlinkReader() {
  stop();
  if (sock_ >= 0) close(sock_);
}

void NetlinkReader::sendControl(int op) {
  // nlmsghdr | cn_msg | proc_cn_mcast_op, laid out by hand: cn_msg ends in a flexible array.
  alignas(nlmsghdr) char buf[NLMSG_SPACE(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
  auto* nl = reinterpret_cast<nlmsghdr*>(buf);
  nl->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op));
  nl->nlmsg_type = NLMSG_DONE;
  nl->nlmsg_pid = 0;
  auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
  cn->id.idx = CN_IDX_PROC;
  cn->id.val = CN_VAL_PROC;
  cn->len = sizeof(proc_cn_mcast_op);
  cn->ack = listenNonce_;  // the ack carries it + 1, so we know the ack is ours
  auto mcast = static_cast<proc_cn_mcast_op>(op);
  memcpy(cn->data, &mcast, sizeof mcast);
  if (send(sock_, buf, nl->nlmsg_len, 0) < 0) throw SysError("send(PROC_CN_MCAST)", errno);
}

void NetlinkReader::start(std::unique_ptr<BatchChannel> channel) {
  channel_ = std::move(channel);
  thread_ = std::thread([this] { run(); });
}

void NetlinkReader::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  // Wake the blocked recvmmsg: a datagram to our own port (ignored: it is not the kernel's).
  // Should that fail, the receive timeout wakes the thread within kIdleWakeMs anyway.
  sockaddr_nl self{};
  self.nl_family = AF_NETLINK;
  self.nl_pid = portId_;
  nlmsghdr wake{};
  wake.nlmsg_len = sizeof wake;
  wake.nlmsg_type = NLMSG_NOOP;
  sendto(sock_, &wake, sizeof wake, 0, reinterpret_cast<sockaddr*>(&self), sizeof self);
  thread_.join();
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
  while (!failed_ && !stopping_) {
    int due = channel_->delayUntilDueMs();
    int waitMs = !subscribed_ ? 100 : due >= 0 ? std::min(due, kIdleWakeMs) : kIdleWakeMs;
    int received = receive(waitMs);
    flushWithGaps();
    if (gather_.shouldGather(received > 0) && options_.gatherMs > 0 && subscribed_ && !stopping_)
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
    flushWithGaps();
  }
  channel_->release();
}

void NetlinkReader::fail(const SysError& e) {
  const char* name = strerrorname_np(e.err);
  channel_->fail(name ? name : "EIO", e.what());
  failed_ = true;
}

// The kernel answers PROC_CN_MCAST_LISTEN with an ack carrying our sequence number.
void NetlinkReader::acknowledged(uint32_t err) {
  if (err != 0) {
    fail(SysError("PROC_CN_MCAST_LISTEN", int(err)));
    return;
  }
  subscribed_ = true;
  if (options_.snapshot) {
    for (Event& ev : scanProcesses(clock_)) channel_->push(std::move(ev));
  }
  channel_->ready();
}

// Receives what is queued, waiting up to waitMs for the first datagram (0: don't wait).
// Returns the number of datagrams handled.
int NetlinkReader::receive(int waitMs) {
  if (waitMs != currentWaitMs_ && waitMs > 0) {
    timeval tv{waitMs / 1000, (waitMs % 1000) * 1000};
    setsockopt(sock_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
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
  int n = recvmmsg(sock_, msgs, kDatagramsPerRead, waitMs > 0 ? MSG_WAITFORONE : MSG_DONTWAIT,
                   nullptr);
  if (n < 0) {
    if (errno == ENOBUFS) {
      // The kernel dropped messages; the per-CPU sequence gaps tell exactly how many.
      stats_.enobufs++;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      fail(SysError("recvmmsg", errno));
    }
    return 0;
  }
  for (int i = 0; i < n; i++) {
    if (from[i].nl_pid != 0) continue;  // only the kernel speaks here (or stop() waking us)
    handleDatagram(&buffer_[size_t(i) * kDatagramBytes], msgs[i].msg_len);
  }
  return n;
}

void NetlinkReader::handleDatagram(char* data, size_t length) {
  ssize_t len = ssize_t(length);
  for (auto* nl = reinterpret_cast<nlmsghdr*>(data); NLMSG_OK(nl, size_t(len));
       nl = NLMSG_NEXT(nl, len)) {
    if (nl->nlmsg_type == NLMSG_ERROR || nl->nlmsg_type == NLMSG_NOOP) continue;
    auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
    if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC) continue;
    if (cn->len < sizeof(proc_event) - sizeof(proc_event::event_data)) continue;
    stats_.messages++;
    const auto& pe = *reinterpret_cast<const proc_event*>(cn->data);
    if (pe.what == proc_event::PROC_EVENT_NONE) {
      // An ack (ours or another listener's) is not an event, but it does take a sequence
      // number on its CPU: skipping it would look like a loss.
      trackSequence(pe.cpu, cn->seq);
      if (!subscribed_ && cn->ack == listenNonce_ + 1) acknowledged(pe.event_data.ack.err);
      continue;
    }
    if (!subscribed_) {
      // Before our acknowledgement (or in a namespace where none comes): the scan that
      // follows the ack covers it, and a failed subscription must emit nothing.
      trackSequence(pe.cpu, cn->seq);
      continue;
    }
    decode(pe, cn->seq);
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
void NetlinkReader::trackSequence(uint32_t cpu, uint32_t seq) {
  if (cpu >= lastSeq_.size()) lastSeq_.resize(cpu + 1, -1);
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

void NetlinkReader::decode(const proc_event& pe, uint32_t seq) {
  trackSequence(pe.cpu, seq);
  lastTs_ = pe.timestamp_ns;

  Event ev;
  ev.ts = pe.timestamp_ns;
  ev.cpu = pe.cpu;
  const auto& d = pe.event_data;
  switch (pe.what) {
    case proc_event::PROC_EVENT_FORK:
      if (d.fork.child_pid != d.fork.child_tgid) {
        stats_.threadForks++;
        return;
      }
      ev.type = EventType::Fork;
      ev.pid = d.fork.child_tgid;
      ev.ppid = d.fork.parent_tgid;  // the parent at fork time: /proc would show a later one
      break;
    case proc_event::PROC_EVENT_EXEC:
      ev.type = EventType::Exec;
      ev.pid = d.exec.process_tgid;
      if (options_.readExecInfo) ev.info = readProcInfo(ev.pid, clock_);
      break;
    case proc_event::PROC_EVENT_EXIT:
      if (d.exit.process_pid != d.exit.process_tgid) {
        stats_.threadExits++;
        return;
      }
      ev.type = EventType::Exit;
      ev.pid = d.exit.process_tgid;
      ev.ppid = d.exit.parent_tgid;
      ev.code = (d.exit.exit_code >> 8) & 0xff;
      ev.signal = d.exit.exit_code & 0x7f;
      ev.core = (d.exit.exit_code & 0x80) != 0;
      break;
    case proc_event::PROC_EVENT_COMM:
      if (d.comm.process_pid != d.comm.process_tgid) return;  // a thread's name
      ev.type = EventType::Comm;
      ev.pid = d.comm.process_tgid;
      ev.comm.assign(d.comm.comm, strnlen(d.comm.comm, sizeof d.comm.comm));
      break;
    case proc_event::PROC_EVENT_UID:
    case proc_event::PROC_EVENT_GID:
      if (d.id.process_pid != d.id.process_tgid) return;  // per-thread credentials
      ev.type = pe.what == proc_event::PROC_EVENT_UID ? EventType::Uid : EventType::Gid;
      ev.pid = d.id.process_tgid;
      ev.rid = d.id.r.ruid;
      ev.eid = d.id.e.euid;
      break;
    case proc_event::PROC_EVENT_SID:
      if (d.sid.process_pid != d.sid.process_tgid) return;
      ev.type = EventType::Sid;
      ev.pid = d.sid.process_tgid;
      break;
    case proc_event::PROC_EVENT_PTRACE:
      ev.type = EventType::Ptrace;
      ev.pid = d.ptrace.process_tgid;
      ev.tracer = d.ptrace.tracer_tgid;
      break;
    case proc_event::PROC_EVENT_COREDUMP:
      ev.type = EventType::Coredump;
      ev.pid = d.coredump.process_tgid;
      ev.ppid = d.coredump.parent_tgid;
      break;
    default:
      return;
  }
  channel_->push(std::move(ev));
}

}  // namespace forktop
