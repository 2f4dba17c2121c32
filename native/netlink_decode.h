// Decoding one proc connector datagram (nlmsghdr → cn_msg → proc_event) from bytes, with
// every length the kernel states checked against the bytes actually received. Pure: no
// globals, no syscalls, so a fuzzer can call it directly (native/fuzz/fuzz_netlink.cc).
#pragma once

#include <linux/cn_proc.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "event.h"

namespace forktop {

// CONFIG_NR_CPUS is at most 8192: a cpu number past it (or past the machine's possible
// CPUs, when the reader knows them) is a corrupt message, not a CPU.
constexpr uint32_t kMaxCpus = 8192;

// One proc connector message that passed every check. `event` holds the bytes the kernel
// sent, zero-filled past them (older kernels send shorter event structs).
struct ProcMessage {
  uint32_t seq;  // cn_msg.seq: counts per CPU
  uint32_t ack;  // cn_msg.ack: our nonce + 1 on the answer to our subscription
  proc_event event;
};

struct DatagramCounts {
  uint32_t messages = 0;   // proc connector messages decoded
  uint32_t malformed = 0;  // messages (or the datagram's rest) failing a length check
  uint32_t ignored = 0;    // well-formed, but not a proc event (NOOP, ERROR, another connector)
};

// Appends each valid message in [data, data + length) to `out`. `truncated`: recvmsg said
// MSG_TRUNC, so the datagram was cut and none of it is trusted. Messages whose cpu is
// >= cpuLimit are malformed. Never reads outside the span.
DatagramCounts decodeDatagram(const uint8_t* data, size_t length, bool truncated, uint32_t cpuLimit,
                              std::vector<ProcMessage>& out);

enum class ProcEventKind {
  Event,       // `ev` is filled in
  Ack,         // PROC_EVENT_NONE: the answer to a subscription
  ThreadFork,  // a thread, not a process: counted, not reported
  ThreadExit,
  Skip,        // a thread's comm/ids/sid, or an event type forktop doesn't report
};

// What a proc_event says, as an Event (exec events without their /proc details: the reader
// reads them, since that is a syscall).
ProcEventKind toEvent(const proc_event& pe, Event& ev);

}  // namespace forktop
