#include "netlink_decode.h"

#include <linux/connector.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cstring>

namespace forktop {

namespace {

constexpr size_t kNlHeader = NLMSG_HDRLEN;
// proc_event up to its union: what, cpu, timestamp_ns.
constexpr size_t kEventHeader = offsetof(proc_event, event_data);

// The bytes of event_data each type needs: a shorter message would leave fields unread.
size_t eventDataBytes(uint32_t what) {
  switch (what) {
    case proc_event::PROC_EVENT_NONE: return sizeof(proc_event::event_data.ack);
    case proc_event::PROC_EVENT_FORK: return sizeof(proc_event::event_data.fork);
    case proc_event::PROC_EVENT_EXEC: return sizeof(proc_event::event_data.exec);
    case proc_event::PROC_EVENT_UID:
    case proc_event::PROC_EVENT_GID: return sizeof(proc_event::event_data.id);
    case proc_event::PROC_EVENT_SID: return sizeof(proc_event::event_data.sid);
    case proc_event::PROC_EVENT_PTRACE: return sizeof(proc_event::event_data.ptrace);
    case proc_event::PROC_EVENT_COMM: return sizeof(proc_event::event_data.comm);
    case proc_event::PROC_EVENT_COREDUMP: return sizeof(proc_event::event_data.coredump);
    case proc_event::PROC_EVENT_EXIT: return sizeof(proc_event::event_data.exit);
    default: return 0;  // unknown to us: toEvent skips it, its header still counts
  }
}

enum class Verdict { Ok, Malformed, Ignored };

// One netlink message's payload: cn_msg, then cn_msg.len bytes of proc_event.
Verdict decodeMessage(const uint8_t* payload, size_t payloadLen, uint32_t cpuLimit, ProcMessage& msg) {
  cn_msg cn;
  if (payloadLen < sizeof cn) return Verdict::Malformed;
  memcpy(&cn, payload, sizeof cn);
  if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC) return Verdict::Ignored;
  if (cn.len > payloadLen - sizeof cn || cn.len < kEventHeader) return Verdict::Malformed;
  // Copied, not cast: the event follows a 20-byte cn_msg, so its u64 is misaligned in place.
  memset(&msg.event, 0, sizeof msg.event);
  memcpy(&msg.event, payload + sizeof cn, cn.len < sizeof msg.event ? cn.len : sizeof msg.event);
  if (cn.len < kEventHeader + eventDataBytes(msg.event.what)) return Verdict::Malformed;
  if (msg.event.cpu >= cpuLimit || msg.event.cpu >= kMaxCpus) return Verdict::Malformed;
  msg.seq = cn.seq;
  msg.ack = cn.ack;
  return Verdict::Ok;
}

}  // namespace

DatagramCounts decodeDatagram(const uint8_t* data, size_t length, bool truncated, uint32_t cpuLimit,
                              std::vector<ProcMessage>& out) {
  DatagramCounts counts;
  if (truncated) {
    counts.malformed++;
    return counts;
  }
  size_t at = 0;
  while (at < length) {
    nlmsghdr nl;
    if (length - at < sizeof nl) {
      counts.malformed++;  // bytes after the last message that can't even hold a header
      return counts;
    }
    memcpy(&nl, data + at, sizeof nl);
    if (nl.nlmsg_len < kNlHeader || nl.nlmsg_len > length - at) {
      counts.malformed++;  // the rest can't be framed
      return counts;
    }
    if (nl.nlmsg_type == NLMSG_ERROR || nl.nlmsg_type == NLMSG_NOOP) {
      counts.ignored++;
    } else {
      ProcMessage msg;
      switch (decodeMessage(data + at + kNlHeader, nl.nlmsg_len - kNlHeader, cpuLimit, msg)) {
        case Verdict::Ok:
          counts.messages++;
          out.push_back(msg);
          break;
        case Verdict::Malformed: counts.malformed++; break;
        case Verdict::Ignored: counts.ignored++; break;
      }
    }
    // The last message's alignment padding may be left out of the datagram.
    at += std::min(NLMSG_ALIGN(size_t(nl.nlmsg_len)), length - at);
  }
  return counts;
}

ProcEventKind toEvent(const proc_event& pe, Event& ev) {
  ev.ts = pe.timestamp_ns;
  ev.cpu = pe.cpu;
  const auto& d = pe.event_data;
  switch (pe.what) {
    case proc_event::PROC_EVENT_NONE:
      return ProcEventKind::Ack;
    case proc_event::PROC_EVENT_FORK:
      if (d.fork.child_pid != d.fork.child_tgid) return ProcEventKind::ThreadFork;
      ev.type = EventType::Fork;
      ev.pid = d.fork.child_tgid;
      ev.ppid = d.fork.parent_tgid;  // the parent at fork time: /proc would show a later one
      return ProcEventKind::Event;
    case proc_event::PROC_EVENT_EXEC:
      ev.type = EventType::Exec;
      ev.pid = d.exec.process_tgid;
      return ProcEventKind::Event;
    case proc_event::PROC_EVENT_EXIT:
      if (d.exit.process_pid != d.exit.process_tgid) return ProcEventKind::ThreadExit;
      ev.type = EventType::Exit;
      ev.pid = d.exit.process_tgid;
      ev.ppid = d.exit.parent_tgid;
      ev.code = (d.exit.exit_code >> 8) & 0xff;
      ev.signal = d.exit.exit_code & 0x7f;
      ev.core = (d.exit.exit_code & 0x80) != 0;
      return ProcEventKind::Event;
    case proc_event::PROC_EVENT_COMM:
      if (d.comm.process_pid != d.comm.process_tgid) return ProcEventKind::Skip;  // a thread's name
      ev.type = EventType::Comm;
      ev.pid = d.comm.process_tgid;
      ev.comm.assign(d.comm.comm, strnlen(d.comm.comm, sizeof d.comm.comm));
      return ProcEventKind::Event;
    case proc_event::PROC_EVENT_UID:
    case proc_event::PROC_EVENT_GID:
      if (d.id.process_pid != d.id.process_tgid) return ProcEventKind::Skip;  // per-thread credentials
      ev.type = pe.what == proc_event::PROC_EVENT_UID ? EventType::Uid : EventType::Gid;
      ev.pid = d.id.process_tgid;
      ev.rid = d.id.r.ruid;
      ev.eid = d.id.e.euid;
      return ProcEventKind::Event;
    case proc_event::PROC_EVENT_SID:
      if (d.sid.process_pid != d.sid.process_tgid) return ProcEventKind::Skip;
      ev.type = EventType::Sid;
      ev.pid = d.sid.process_tgid;
      return ProcEventKind::Event;
    case proc_event::PROC_EVENT_PTRACE:
      ev.type = EventType::Ptrace;
      ev.pid = d.ptrace.process_tgid;
      ev.tracer = d.ptrace.tracer_tgid;
      return ProcEventKind::Event;
    case proc_event::PROC_EVENT_COREDUMP:
      ev.type = EventType::Coredump;
      ev.pid = d.coredump.process_tgid;
      ev.ppid = d.coredump.parent_tgid;
      return ProcEventKind::Event;
    default:
      return ProcEventKind::Skip;
  }
}

}  // namespace forktop
