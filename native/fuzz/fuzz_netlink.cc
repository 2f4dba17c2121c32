// libFuzzer entry point: one proc connector datagram, as recvmmsg hands it to the reader.
// The first byte picks MSG_TRUNC and the CPU limit, the rest is the datagram.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../netlink_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool truncated = (data[0] & 0x80) != 0;
  uint32_t cpuLimit = (data[0] & 0x7f) + 1u;
  std::vector<forktop::ProcMessage> messages;
  forktop::decodeDatagram(data + 1, size - 1, truncated, cpuLimit, messages);
  for (const auto& msg : messages) {
    if (msg.event.cpu >= cpuLimit) __builtin_trap();  // the decoder's promise to the reader
    forktop::Event ev;
    forktop::toEvent(msg.event, ev);
  }
  return 0;
}
