// libFuzzer entry point: the /proc text forktop reads for who started a process. The first
// byte picks the parser: a stat line, a loginuid/sessionid file, or an environ file (filtered
// to the allowlist); the rest is the file's bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "../origin_decode.h"
#include "samples.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t which = data[0] % 3;
  size_t n = size - 1;
  // A copy of exactly the file's bytes: ASan then flags any read past them.
  char* text = static_cast<char*>(malloc(n ? n : 1));
  if (n) memcpy(text, data + 1, n);
  std::string_view view(text, n);
  if (which == 0) {
    forktop::StatOrigin o;
    if (forktop::parseStatOrigin(view, &o)) {
      uint32_t major, minor;
      forktop::decodeTtyNr(o.ttyNr, &major, &minor);
      forktop::ttyName(major, minor);
    }
  } else if (which == 1) {
    forktop::parseAuditId(view);
  } else {
    forktop::EnvVars out;
    forktop::filterEnvironment(text, n, forktop::samples::sampleAllowlist(), out);
    for (const auto& [name, value] : out)
      if (value.size() > forktop::kEnvValueCap) abort();
  }
  free(text);
  return 0;
}
