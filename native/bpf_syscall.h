// Thin wrappers over the bpf() and perf_event_open() system calls, with file descriptors
// that close themselves: closing the last fd is what releases a program or map, so no
// exit path can leave one behind.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bpf_asm.h"
#include "fd.h"

namespace forktop {

// Throw SysError.
Fd createMap(bpf_map_type type, const char* name, uint32_t keySize, uint32_t valueSize, uint32_t maxEntries);
// A tracepoint program. The verifier's log goes to *log when log is given (and into the
// error when loading fails). A program with functions (bpf_loop's callbacks) goes with a
// small BTF of its own that describes them, as the verifier requires.
Fd loadTracepointProgram(const char* name, const BpfProgram& program, std::string* log,
                         bpf_prog_type type = BPF_PROG_TYPE_TRACEPOINT);
// Whether this kernel runs bpf_loop() (5.17) with a callback described by our BTF: a
// tiny program is loaded to find out.
bool bpfLoopWorks();
// Attaches the program to a tracepoint by its tracefs id; the returned fd holds it there.
Fd attachTracepoint(int tracepointId, int programFd);
// Attaches a BPF_PROG_TYPE_RAW_TRACEPOINT program to the tracepoint of that name.
Fd attachRawTracepoint(const char* name, int programFd);
bool lookupMap(int mapFd, const void* key, void* value);

struct BpfObject {
  const char* kind;  // "prog" or "map"
  uint32_t id;
  std::string name;
};
// Every BPF program and map loaded in the kernel now, by id and name.
std::vector<BpfObject> listBpfObjects();

}  // namespace forktop
