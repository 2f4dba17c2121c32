// libFuzzer entry point: one ring buffer record (an exec, a fork or an exit), as the ring
// buffer hands it to the reader (the bytes after the ring's 8-byte record header).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <string>

#include "../event_json.h"
#include "../exec_record_decode.h"
#include "../utf8.h"
#include "samples.h"

namespace {

// A --json line is one line of valid UTF-8: no control character but its final newline.
bool oneCleanLine(const std::string& line) {
  const auto* s = reinterpret_cast<const unsigned char*>(line.data());
  size_t n = line.size();
  if (n < 3 || line[0] != '{' || line.compare(n - 2, 2, "}\n") != 0) return false;
  for (size_t i = 0; i < n - 1;) {
    char32_t cp;
    size_t len = forktop::utf8SequenceLength(s, i, n - 1, &cp);
    if (len == 0 || cp < 0x20 || cp == 0x7f) return false;
    i += len;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes: ASan then flags any read past the record.
  uint8_t* record = static_cast<uint8_t*>(malloc(size ? size : 1));
  if (size) memcpy(record, data, size);
  forktop::Event ev;
  auto status = forktop::decodeRingRecord(record, size, forktop::samples::sampleAllowlist(), ev);
  free(record);
  if (status == forktop::ExecRecordStatus::Ok) {
    std::string line;
    forktop::IsoTimes times(0);
    forktop::appendJsonLine(line, ev, times);
    if (!oneCleanLine(line)) abort();
  }
  return 0;
}
