// UTF-8 as forktop reads a process's bytes: valid sequences decode, anything else is left to
// the caller byte by byte (event_js.cc keeps it as a lone surrogate, event_json.cc writes
// that surrogate's escape), so the packed strings and the native JSON lines agree.
#pragma once

#include <cstddef>

namespace forktop {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
inline size_t utf8SequenceLength(const unsigned char* s, size_t i, size_t n, char32_t* cp) {
  unsigned char c = s[i];
  size_t len;
  char32_t min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, min = 0x80, *cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, min = 0x800, *cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, *cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > n) return 0;
  for (size_t k = 1; k < len; k++) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (s[i + k] & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace forktop
