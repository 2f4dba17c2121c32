// A failed system call: which call, and errno, so JS can tell EPERM from the rest.
#pragma once

#include <cstring>
#include <stdexcept>
#include <string>

namespace forktop {

struct SysError : std::runtime_error {
  SysError(const std::string& call, int e) : std::runtime_error(call + ": " + strerror(e)), err(e) {}
  SysError(const std::string& call, int e, const std::string& detail)
      : std::runtime_error(call + ": " + detail), err(e) {}
  int err;
};

// errno's symbolic name ("EPERM"); strerrorname_np returns NULL for a number it doesn't know.
inline const char* errnoName(int e) {
  const char* name = strerrorname_np(e);
  return name ? name : "EUNKNOWN";
}

}  // namespace forktop
