// libFuzzer entry point: one ring buffer record (an exec, a fork or an exit), as the ring
// buffer hands it to the reader (the bytes after the ring's 8-byte record header).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "../exec_record_decode.h"
#include "samples.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes: ASan then flags any read past the record.
  uint8_t* record = static_cast<uint8_t*>(malloc(size ? size : 1));
  if (size) memcpy(record, data, size);
  forktop::Event ev;
  forktop::decodeRingRecord(record, size, forktop::samples::sampleAllowlist(), ev);
  free(record);
  return 0;
}
