// Who started a process, from the bytes the kernel gives: the environment (an eBPF record's
// copy or /proc/PID/environ) filtered to the allowlist, a terminal's device number named as
// ps names it, and the origin fields of /proc/PID/stat and /proc/PID/{loginuid,sessionid}.
// Pure: no globals, no syscalls; every length is checked against the span (fuzzed by
// native/fuzz/fuzz_proc_text.cc and, through the exec record, fuzz_exec_record.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forktop {

// The environment variables kept: the schema's ENV_ALLOWLIST and --env. Nothing else of an
// environment leaves native code (environments hold secrets).
using EnvAllowlist = std::vector<std::string>;
using EnvVars = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kEnvValueCap = 4096;  // bytes of a value kept (the schema's limit)

// Appends to `out` the allowlisted NAME=value entries of NUL-separated [data, data+length):
// the first of each name; a last entry without its NUL (cut at a cap) is left out; a value
// longer than kEnvValueCap bytes is cut there.
void filterEnvironment(const char* data, size_t length, const EnvAllowlist& allow, EnvVars& out);

// ps's name for a terminal (major, minor as tty_devnum() or stat's tty_nr give them):
// "pts/3", "tty1", "ttyS0", "console"; nullopt for 0:0, no terminal. A device this table
// does not know is named by its numbers, "tty(188:0)".
std::optional<std::string> ttyName(uint32_t major, uint32_t minor);

// /proc/PID/stat's tty_nr (the kernel's new_encode_dev()) as major and minor.
void decodeTtyNr(uint32_t ttyNr, uint32_t* major, uint32_t* minor);

// The origin fields of /proc/PID/stat: pgrp (5), session (6), tty_nr (7), after the comm's
// last ')'. False when the text is not a stat line that has them.
struct StatOrigin {
  int32_t pgrp = 0, session = 0;
  uint32_t ttyNr = 0;
};
bool parseStatOrigin(std::string_view stat, StatOrigin* out);

// /proc/PID/loginuid or sessionid: one unsigned 32-bit decimal number and maybe a newline.
std::optional<uint32_t> parseAuditId(std::string_view text);

}  // namespace forktop
