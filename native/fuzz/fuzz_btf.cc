// libFuzzer entry point: BTF bytes (as read from /sys/kernel/btf/vmlinux), parsed, then the
// lookups forktop makes. Malformed input must throw std::runtime_error, nothing else.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "../btf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    forktop::Btf btf(data, size);
    const char* lookups[][2] = {{"task_struct", "mm"}, {"task_struct", "cred"}, {"task_struct", "pid"},
                                {"mm_struct", "arg_end"}, {"mm_t", "arg_start"}};
    for (auto& l : lookups) {
      try {
        btf.offsetOf(l[0], l[1]);
      } catch (const std::runtime_error&) {
      }
    }
    try {
      btf.enumValue("pid_type", "PIDTYPE_SID");
    } catch (const std::runtime_error&) {
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}
