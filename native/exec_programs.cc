#include "exec_programs.h"

#include <cstddef>
#include <algorithm>
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>

#include "bpf_asm.h"
#include "exec_record.h"

namespace forktop {

namespace {

#define FIELD(name) int16_t(offsetof(ExecRecord, name))

// Register use throughout: r6 the tracepoint context (or the exit's return value), r7 the
// record being filled, r8 a kernel or user pointer being walked, r9 the argument bytes.
// Stack: fp-8 array keys, fp-16 the attempts key, fp-24..fp-48 values read from memory.

void orFlags(BpfAsm& a, uint32_t bits) {
  a.load(Size::U32, R1, R7, FIELD(flags));
  a.orImm(R1, int32_t(bits));
  a.store(Size::U32, R7, FIELD(flags), R1);
}

// r0 = &map[0] of an array map, or jump to `none`.
void lookupFirst(BpfAsm& a, int mapFd, BpfAsm::Label none) {
  a.store(Size::U32, R10, -8, 0);
  a.loadMap(R1, mapFd);
  a.mov(R2, R10);
  a.add(R2, -8);
  a.call(BPF_FUNC_map_lookup_elem);
  a.jumpIf(Cond::Eq, R0, 0, none);
}

// bpf_loop's callbacks (with KernelLayout::loops): each a function emitted after the main
// program's exit. The verifier checks a callback's body a few times, until what it starts
// from repeats, where it walks an unrolled or bounded loop once per step: the env scan took
// ~42k of the exec program's ~70k instructions to verify that way, the path walks ~27k.
// The loop's state stays in the record (a map value: the verifier assumes nothing of what
// it loads from there, so each call starts from the same state) and in words on the
// caller's stack (kernel pointers, never used as offsets).
struct Functions {
  std::vector<std::pair<BpfAsm::Label, std::function<void(BpfAsm&)>>> bodies;
  void emit(BpfAsm& a) {
    for (auto& [fn, body] : bodies) {
      a.function(fn);
      body(a);
    }
  }
};

// The caller's stack words a loop hands its callback: fp-96 the record (r7), then three
// words for the loop's own state (kLoopWord + 8 * n, n < 3).
constexpr int16_t kLoopCtx = -96;
constexpr int16_t kLoopWord = 8;

// bpf_loop(count, body, fp + kLoopCtx, 0). In `body`, r7 is the record and fp-8 holds the
// ctx pointer (loopWord() reads it); it ends with loopReturn(). r0..r5 clobbered.
void loopCall(BpfAsm& a, Functions& functions, int32_t count, std::function<void(BpfAsm&)> body) {
  BpfAsm::Label fn = a.label();
  functions.bodies.push_back({fn, [body](BpfAsm& f) {
                                f.store(Size::U64, R10, -8, R2);
                                f.load(Size::U64, R7, R2, 0);
                                body(f);
                              }});
  a.store(Size::U64, R10, kLoopCtx, R7);
  a.mov(R1, count);
  a.loadFunction(R2, fn);
  a.mov(R3, R10);
  a.add(R3, kLoopCtx);
  a.mov(R4, 0);
  a.call(BPF_FUNC_loop);
}

// In a loop's body: dst = the loop word n (uses r1 when dst is not r1... any register but r10).
void loadLoopWord(BpfAsm& a, Reg dst, int n) {
  a.load(Size::U64, dst, R10, -8);
  a.load(Size::U64, dst, dst, int16_t(kLoopWord + 8 * n));
}
// In a loop's body: loop word n = src (r1 is clobbered; src is not r1).
void storeLoopWord(BpfAsm& a, int n, Reg src) {
  a.load(Size::U64, R1, R10, -8);
  a.store(Size::U64, R1, int16_t(kLoopWord + 8 * n), src);
}
void storeLoopWord(BpfAsm& a, int n, int32_t value) {
  a.load(Size::U64, R1, R10, -8);
  a.store(Size::U64, R1, int16_t(kLoopWord + 8 * n), value);
}
// The caller's view of loop word n, after the loop.
constexpr int16_t loopWord(int n) { return int16_t(kLoopCtx + kLoopWord + 8 * n); }
// Ends a loop's body: 0 to go on, 1 to stop.
void loopReturn(BpfAsm& a, int32_t stop) {
  a.mov(R0, stop);
  a.exit();
}

// Fills the record header at r7 from the current task: time, ids, comm; zeroes the rest.
void fillHeader(BpfAsm& a) {
  a.store(Size::U64, R7, FIELD(kind), int32_t(kRecordExec));  // and reserved0
  a.call(BPF_FUNC_ktime_get_ns);
  a.store(Size::U64, R7, FIELD(ts), R0);
  a.call(BPF_FUNC_get_current_pid_tgid);
  a.store(Size::U64, R7, FIELD(pidTgid), R0);
  a.call(BPF_FUNC_get_current_uid_gid);
  a.store(Size::U64, R7, FIELD(uidGid), R0);
  for (int16_t off : {FIELD(startNs), FIELD(ret), FIELD(argsLen), FIELD(euid), FIELD(cwdEnd), FIELD(cgroupEnd),
                      FIELD(auid), FIELD(ttyMajor), FIELD(sid)})
    a.store(Size::U64, R7, off, 0);  // each with the field after it
  a.mov(R1, R7);
  a.add(R1, FIELD(comm));
  a.mov(R2, 16);
  a.call(BPF_FUNC_get_current_comm);
}

// The filename execve() was given, read from user memory at r7->filenamePtr.
void readUserFilename(BpfAsm& a) {
  a.mov(R1, R7);
  a.add(R1, FIELD(filename));
  a.mov(R2, int32_t(kFilenameCap));
  a.load(Size::U64, R3, R7, FIELD(filenamePtr));
  a.call(BPF_FUNC_probe_read_user_str);
  a.store(Size::U32, R7, FIELD(filenameLen), R0);
}

// *(size*)(fp+slot) = *(kernel pointer in `base` + offset); jumps to `fail` when unreadable.
void readKernel(BpfAsm& a, int16_t slot, int size, Reg base, int32_t offset, BpfAsm::Label fail) {
  a.mov(R1, R10);
  a.add(R1, slot);
  a.mov(R2, size);
  a.mov(R3, base);
  a.add(R3, offset);
  a.call(BPF_FUNC_probe_read_kernel);
  a.jumpIf(Cond::Ne, R0, 0, fail);
}

// r7->field = (u32) current->pointer->member, and the flag, when both reads work (r8: current).
void readThroughPointer(BpfAsm& a, int32_t pointer, int32_t member, int16_t field, uint32_t flag) {
  BpfAsm::Label skip = a.label();
  readKernel(a, -24, 8, R8, pointer, skip);
  a.load(Size::U64, R6, R10, -24);
  readKernel(a, -32, 4, R6, member, skip);
  a.load(Size::U32, R1, R10, -32);
  a.store(Size::U32, R7, field, R1);
  orFlags(a, flag);
  a.bind(skip);
}

// r7->field = (u32) current->member, and the flag, when the read works (r8: current).
void readTaskField(BpfAsm& a, int32_t member, int16_t field, uint32_t flag) {
  BpfAsm::Label skip = a.label();
  readKernel(a, -32, 4, R8, member, skip);
  a.load(Size::U32, R1, R10, -32);
  a.store(Size::U32, R7, field, R1);
  orFlags(a, flag);
  a.bind(skip);
}

// Who started it (r8: current): the audit login uid and session, the POSIX session and
// process group, and the controlling terminal's device, each group with its flag when read.
// Stack: fp-56 holds current->signal.
void readOrigin(BpfAsm& a, const KernelLayout& k) {
  if (k.auid) readTaskField(a, k.taskLoginuid, FIELD(auid), kHasAuid);
  if (k.session) readTaskField(a, k.taskSessionid, FIELD(session), kHasSession);
  if (!k.sidPgid && !k.tty) return;
  BpfAsm::Label noSignal = a.label();
  readKernel(a, -56, 8, R8, k.taskSignal, noSignal);
  a.load(Size::U64, R6, R10, -56);
  a.jumpIf(Cond::Eq, R6, 0, noSignal);
  if (k.sidPgid) {
    // signal->pids[type] is a struct pid; numbers[0].nr its number in the first namespace.
    BpfAsm::Label noIds = a.label();
    int32_t number = k.pidNumbers + k.upidNr;
    readKernel(a, -24, 8, R6, k.signalPids + 8 * k.pidtypeSid, noIds);
    a.load(Size::U64, R6, R10, -24);
    a.jumpIf(Cond::Eq, R6, 0, noIds);
    readKernel(a, -32, 4, R6, number, noIds);
    a.load(Size::U64, R6, R10, -56);
    readKernel(a, -24, 8, R6, k.signalPids + 8 * k.pidtypePgid, noIds);
    a.load(Size::U64, R6, R10, -24);
    a.jumpIf(Cond::Eq, R6, 0, noIds);
    readKernel(a, -40, 4, R6, number, noIds);
    a.load(Size::U32, R1, R10, -32);
    a.store(Size::U32, R7, FIELD(sid), R1);
    a.load(Size::U32, R1, R10, -40);
    a.store(Size::U32, R7, FIELD(pgid), R1);
    orFlags(a, kHasSidPgid);
    a.bind(noIds);
    a.load(Size::U64, R6, R10, -56);
  }
  if (k.tty) {
    // tty_devnum(): MKDEV(driver->major, driver->minor_start) + index; no tty: 0, 0.
    BpfAsm::Label noTty = a.label(), none = a.label();
    readKernel(a, -24, 8, R6, k.signalTty, noTty);
    a.load(Size::U64, R6, R10, -24);
    a.jumpIf(Cond::Eq, R6, 0, none);
    readKernel(a, -32, 4, R6, k.ttyIndex, noTty);
    readKernel(a, -24, 8, R6, k.ttyDriver, noTty);
    a.load(Size::U64, R6, R10, -24);
    a.jumpIf(Cond::Eq, R6, 0, noTty);
    readKernel(a, -40, 4, R6, k.driverMajor, noTty);
    readKernel(a, -48, 4, R6, k.driverMinorStart, noTty);
    a.load(Size::U32, R1, R10, -40);
    a.store(Size::U32, R7, FIELD(ttyMajor), R1);
    a.load(Size::U32, R1, R10, -48);
    a.load(Size::U32, R2, R10, -32);
    a.add(R1, R2);
    a.store(Size::U32, R7, FIELD(ttyMinor), R1);
    a.bind(none);
    orFlags(a, kHasTty);
    a.bind(noTty);
  }
  a.bind(noSignal);
}

// One variable of the environment scan (see readEnvironment): the loop's state from the
// record (write position envEnd, read position cwdEnd, end exeEnd), the variable copied to
// the write position, and the positions moved past it (the write one only when it is kept).
// Jumps to `next` after it, to `stop` at the end or when a read fails.
// Stack: fp-40 the bytes left, fp-48 keep or not.
void envStep(BpfAsm& a, const std::vector<std::string>& names, const std::vector<uint8_t>& firstBytes,
             BpfAsm::Label stop, BpfAsm::Label next) {
  constexpr int32_t kLimit = int32_t(kArgsCap + kEnvCap);
  BpfAsm::Label done = stop;
  BpfAsm::Label keep = a.label(), compare = a.label(), drop = a.label(), copy = a.label(), whole = a.label(),
                kept = a.label();
  a.load(Size::U32, R9, R7, FIELD(envEnd));
  a.jumpIf(Cond::Gt, R9, kLimit - 1, done);
  a.load(Size::U32, R6, R7, FIELD(cwdEnd));
  a.jumpIf(Cond::Gt, R6, kLimit - 1, done);
  a.load(Size::U32, R8, R7, FIELD(exeEnd));
  a.jumpIf(Cond::Gt, R8, kLimit, done);
  a.jumpIf(Cond::Ge, R6, R8, done);
  a.mov(R2, R8);
  a.sub(R2, R6);
  a.jumpIf(Cond::SLe, R2, 0, done);
  a.jumpIf(Cond::SGt, R2, int32_t(kEnvCap), done);
  a.store(Size::U64, R10, -40, R2);  // bytes left: this variable's room
  // Its first 8 bytes, against each name's.
  a.mov(R1, R7);
  a.add(R1, FIELD(args));
  a.add(R1, R6);
  a.load(Size::U64, R3, R1, 0);
  // Most variables start with a letter no allowlisted name starts with: one compare each.
  a.mov(R4, R3);
  a.andImm(R4, 0xff);
  for (uint8_t first : firstBytes) a.jumpIf(Cond::Eq, R4, int32_t(first), compare);
  a.jump(drop);
  a.bind(compare);
  for (const std::string& name : names) {
    std::string prefix = name.size() >= 8 ? name.substr(0, 8) : name + "=";
    uint64_t want = 0;
    for (size_t b = 0; b < prefix.size(); b++) want |= uint64_t(uint8_t(prefix[b])) << (8 * b);
    int shift = int(64 - 8 * prefix.size());
    a.mov(R4, R3);
    if (shift > 0) {
      a.lsh(R4, shift);
      a.rsh(R4, shift);
    }
    a.loadImm64(R5, want);
    a.jumpIf(Cond::Eq, R4, R5, keep);
  }
  a.bind(drop);
  a.store(Size::U64, R10, -48, 0);
  a.jump(copy);
  a.bind(keep);
  a.store(Size::U64, R10, -48, 1);
  a.bind(copy);
  // Copied to the write position (at or before the read one: a forward copy, so nothing
  // unread is overwritten); its length tells where the next one starts.
  a.mov(R1, R7);
  a.add(R1, FIELD(args));
  a.add(R1, R9);
  a.load(Size::U64, R2, R10, -40);
  a.mov(R3, R7);
  a.add(R3, FIELD(args));
  a.add(R3, R6);
  a.call(BPF_FUNC_probe_read_kernel_str);
  a.jumpIf(Cond::SLe, R0, 0, done);
  a.load(Size::U64, R1, R10, -40);
  a.jumpIf(Cond::Lt, R0, R1, whole);
  // It ran to the end of what was read: when the environment was cut there, so was it.
  a.load(Size::U32, R1, R7, FIELD(flags));
  a.andImm(R1, int32_t(kEnvTruncated));
  a.jumpIf(Cond::Ne, R1, 0, done);
  a.bind(whole);
  a.add(R6, R0);
  a.store(Size::U32, R7, FIELD(cwdEnd), R6);
  a.load(Size::U64, R1, R10, -48);
  a.jumpIf(Cond::Eq, R1, 0, kept);
  a.add(R9, R0);
  a.store(Size::U32, R7, FIELD(envEnd), R9);
  a.bind(kept);
  a.jump(next);
}

// The environment (current->mm->env_start..env_end, on the new stack just above argv): its
// first kEnvCap bytes are read into r7->args at r9 (<= kArgsCap), then each NAME=value there
// is kept only when its first bytes are an allowlisted name's ("NAME=", or the first 8 of a
// longer name): the rest is overwritten, so the ring carries a few variables, not every
// exec's whole environment. The reader compares whole names (exec_record_decode.cc): a
// prefix is only a cheap first cut. Moves r9 past what is kept. The loop's state (write
// position, read position, end) goes through the record between variables, so each
// variable's code starts from the same bounds on every way there (the verifier then checks
// each once, not once per earlier keep or drop).
// Stack: fp-40 the bytes left, fp-48 keep or not, fp-56 the loop counter.
void readEnvironment(BpfAsm& a, Functions& functions, const KernelLayout& k, const std::vector<std::string>& names) {
  constexpr int32_t kLimit = int32_t(kArgsCap + kEnvCap);
  static_assert(kArgsCap + 2 * kEnvCap <= kVarCap, "a copy of up to kEnvCap bytes at any write position fits");
  BpfAsm::Label noEnv = a.label(), init = a.label(), fits = a.label(), done = a.label(), out = a.label();
  readKernel(a, -24, 8, R8, k.taskMm, noEnv);
  a.load(Size::U64, R6, R10, -24);
  a.jumpIf(Cond::Eq, R6, 0, noEnv);
  readKernel(a, -32, 8, R6, k.mmEnvStart, noEnv);
  readKernel(a, -40, 8, R6, k.mmEnvEnd, noEnv);
  a.load(Size::U64, R6, R10, -40);
  a.load(Size::U64, R1, R10, -32);
  a.sub(R6, R1);
  a.jumpIf(Cond::SLt, R6, 0, noEnv);
  a.jumpIf(Cond::Eq, R6, 0, init);  // an empty environment: read, and nothing in it
  a.jumpIf(Cond::SLe, R6, int32_t(kEnvCap), fits);
  a.mov(R6, int32_t(kEnvCap));
  orFlags(a, kEnvTruncated);
  a.bind(fits);
  a.mov(R1, R7);
  a.add(R1, FIELD(args));
  a.add(R1, R9);
  a.mov(R2, R6);
  a.load(Size::U64, R3, R10, -32);
  a.call(BPF_FUNC_probe_read_user);
  a.jumpIf(Cond::Ne, R0, 0, noEnv);
  a.bind(init);
  // Loop state, in fields the path walks set again later: write (envEnd), read (cwdEnd), end (exeEnd).
  a.store(Size::U32, R7, FIELD(envEnd), R9);
  a.store(Size::U32, R7, FIELD(cwdEnd), R9);
  a.mov(R1, R9);
  a.add(R1, R6);
  a.store(Size::U32, R7, FIELD(exeEnd), R1);
  int32_t entries = names.empty() ? 0 : int32_t(envEntriesScanned(names.size()));
  std::vector<uint8_t> firstBytes;
  for (const std::string& name : names)
    if (!name.empty() && std::find(firstBytes.begin(), firstBytes.end(), uint8_t(name[0])) == firstBytes.end())
      firstBytes.push_back(uint8_t(name[0]));
  BpfAsm::Label unscanned = a.label();
  if (entries > 0 && k.loops) {
    // Stopped early or not, what is left unread after the loop is said as a cut environment.
    loopCall(a, functions, entries, [&names, firstBytes](BpfAsm& f) {
      BpfAsm::Label stop = f.label(), next = f.label();
      envStep(f, names, firstBytes, stop, next);
      f.bind(next);
      loopReturn(f, 0);
      f.bind(stop);
      loopReturn(f, 1);
    });
  } else if (entries > 0) {
    // A loop, not unrolled: the exec'ing task then runs a few hundred bytes of JIT code per
    // variable, hot in its cache, rather than cold straight-line code (the unrolled loop cost
    // 3 µs an exec for ~36 variables). The counter on the stack is exact, so the verifier
    // walks the iterations one by one, each from the same bounds (the rest is reloaded).
    BpfAsm::Label top = a.label();
    a.store(Size::U64, R10, -56, 0);
    a.bind(top);
    a.load(Size::U64, R1, R10, -56);
    a.jumpIf(Cond::Ge, R1, int32_t(entries), unscanned);
    a.add(R1, 1);
    a.store(Size::U64, R10, -56, R1);
    envStep(a, names, firstBytes, done, top);
  }
  // Variables past the last one looked at are not seen: said as a cut environment.
  a.bind(unscanned);
  a.load(Size::U32, R6, R7, FIELD(cwdEnd));
  a.load(Size::U32, R8, R7, FIELD(exeEnd));
  a.jumpIf(Cond::Ge, R6, R8, done);
  orFlags(a, kEnvTruncated);
  a.bind(done);
  a.load(Size::U32, R9, R7, FIELD(envEnd));
  BpfAsm::Label bounded = a.label();
  a.jumpIf(Cond::Le, R9, kLimit, bounded);
  a.mov(R9, kLimit);  // never (it was stored within it): for the verifier
  a.bind(bounded);
  a.store(Size::U32, R7, FIELD(envEnd), R9);
  orFlags(a, kHasEnv);
  a.jump(out);
  a.bind(noEnv);
  a.bind(out);
}

// How readArgvPointers' steps end (a loop word with bpf_loop).
enum ArgvEnd : int32_t { kArgvRead = 1, kArgvTooMany, kArgvPartialRead, kArgvNone };

// Step i of readArgvPointers: reads argv[i] (argv at r8) and its string to r7->args at r9,
// and moves r9 past it; jumps to `next` then, or to `end`, `truncated`, `partial` or
// `unreadable` (a failed read of the first argument; of a later one: partial). With
// `index` R0, i is known here (the steps are unrolled); else `index` is a register holding
// it (bpf_loop's), kept across the helper calls (r6..r9), and i is compared at run time.
void argvStep(BpfAsm& a, Reg index, uint32_t i, BpfAsm::Label next, BpfAsm::Label end, BpfAsm::Label truncated,
              BpfAsm::Label partial, BpfAsm::Label unreadable) {
  bool known = index == R0;
  // r0 (a helper's result) is bad: to `unreadable` at step 0, else to `partial`.
  auto failed = [&](Cond bad) {
    if (known) {
      a.jumpIf(bad, R0, 0, i == 0 ? unreadable : partial);
      return;
    }
    BpfAsm::Label ok = a.label();
    a.jumpIf(bad == Cond::Ne ? Cond::Eq : Cond::SGt, R0, 0, ok);
    a.jumpIf(Cond::Eq, index, 0, unreadable);
    a.jump(partial);
    a.bind(ok);
  };
  a.mov(R1, R10);
  a.add(R1, -48);
  a.mov(R2, 8);
  if (known) {
    a.mov(R3, R8);
    a.add(R3, int32_t(8 * i));
  } else {
    a.mov(R3, index);
    a.lsh(R3, 3);
    a.add(R3, R8);
  }
  a.call(BPF_FUNC_probe_read_user);
  failed(Cond::Ne);
  a.load(Size::U64, R3, R10, -48);
  a.jumpIf(Cond::Eq, R3, 0, end);
  if (known && i == kMaxArgPointers) {
    a.jump(truncated);  // more arguments than we read
    return;
  }
  if (!known) a.jumpIf(Cond::Ge, index, int32_t(kMaxArgPointers), truncated);
  a.jumpIf(Cond::Gt, R9, int32_t(kArgsCap - kArgReadCap), truncated);
  a.mov(R1, R7);
  a.add(R1, FIELD(args));
  a.add(R1, R9);
  a.mov(R2, int32_t(kArgReadCap));
  a.call(BPF_FUNC_probe_read_user_str);
  failed(Cond::SLe);
  a.jumpIf(Cond::SGt, R0, int32_t(kArgReadCap), partial);
  BpfAsm::Label whole = a.label();
  a.jumpIf(Cond::SLt, R0, int32_t(kArgReadCap), whole);
  orFlags(a, kTruncated);  // this argument filled its cap: it may be cut
  a.bind(whole);
  a.add(R9, R0);
  a.jump(next);
}

// Reads the argv array at r8 pointer by pointer into r7->args; r9 = bytes read. Used where
// the strings may not be resident (the old program's memory), so it marks what it missed.
// With bpf_loop, each pointer is a callback's step: argv goes through loop word 0, r9
// through r7->argsLen, and how it ended through word 1.
void readArgvPointers(BpfAsm& a, Functions& functions, bool loops) {
  BpfAsm::Label end = a.label(), truncated = a.label(), partial = a.label(), unreadable = a.label();
  a.mov(R9, 0);
  if (loops) {
    a.store(Size::U32, R7, FIELD(argsLen), R9);
    a.store(Size::U64, R10, loopWord(0), R8);
    a.store(Size::U64, R10, loopWord(1), int32_t(kArgvTooMany));  // if every step went on
    loopCall(a, functions, int32_t(kMaxArgPointers + 1), [](BpfAsm& f) {
      BpfAsm::Label next = f.label(), stepEnd = f.label(), stepTruncated = f.label(), stepPartial = f.label(),
                    stepUnreadable = f.label(), stop = f.label();
      f.mov(R6, R1);  // the step's index
      f.load(Size::U32, R9, R7, FIELD(argsLen));
      loadLoopWord(f, R8, 0);
      argvStep(f, R6, 0, next, stepEnd, stepTruncated, stepPartial, stepUnreadable);
      f.bind(next);
      f.store(Size::U32, R7, FIELD(argsLen), R9);
      loopReturn(f, 0);
      for (auto [label, how] : {std::pair{stepEnd, kArgvRead}, std::pair{stepTruncated, kArgvTooMany},
                                std::pair{stepPartial, kArgvPartialRead}, std::pair{stepUnreadable, kArgvNone}}) {
        f.bind(label);
        storeLoopWord(f, 1, how);
        f.jump(stop);
      }
      f.bind(stop);
      loopReturn(f, 1);
    });
    a.load(Size::U32, R9, R7, FIELD(argsLen));
    BpfAsm::Label bounded = a.label();
    a.jumpIf(Cond::Le, R9, int32_t(kArgsCap), bounded);
    a.mov(R9, int32_t(kArgsCap));  // never (each step kept it within): for the verifier
    a.bind(bounded);
    a.load(Size::U64, R1, R10, loopWord(1));
    a.jumpIf(Cond::Eq, R1, kArgvRead, end);
    a.jumpIf(Cond::Eq, R1, kArgvPartialRead, partial);
    a.jumpIf(Cond::Eq, R1, kArgvNone, unreadable);
    a.jump(truncated);
  } else {
    for (uint32_t i = 0; i <= kMaxArgPointers; i++) {
      BpfAsm::Label next = a.label();
      argvStep(a, R0, i, next, end, truncated, partial, unreadable);
      a.bind(next);
    }
  }
  a.bind(truncated);
  orFlags(a, kTruncated);
  a.jump(end);
  a.bind(partial);
  orFlags(a, kArgvPartial);
  a.jump(end);
  a.bind(unreadable);
  orFlags(a, kArgvUnreadable);
  a.mov(R9, 0);
  a.bind(end);
  a.store(Size::U32, R7, FIELD(argsLen), R9);
}

// r9 &= 0x7fff: a no-op on its value (it never passes kVarCap), but it gives
// the verifier one range for r9 on every way here. Without it each step's two ways (a name
// or a mount crossing) leave different ranges, so no state matches an earlier one and the
// verifier walks 2^steps paths.
void forgetRange(BpfAsm& a) {
  static_assert(kVarCap <= 0x7fff, "the mask must keep every offset");
  a.andImm(R9, 0x7fff);
}

// Appends the name at *(r6 + nameOffset) (a kernel string pointer) and its NUL to
// r7->args at r9, and moves r9 past it; jumps to `cut` when it is unreadable or no room is left.
void appendName(BpfAsm& a, int32_t nameOffset, BpfAsm::Label cut) {
  readKernel(a, -40, 8, R6, nameOffset, cut);
  a.jumpIf(Cond::Gt, R9, int32_t(kVarCap - kNameCap), cut);
  a.mov(R1, R7);
  a.add(R1, FIELD(args));
  a.add(R1, R9);
  a.mov(R2, int32_t(kNameCap));
  a.load(Size::U64, R3, R10, -40);
  a.call(BPF_FUNC_probe_read_kernel_str);
  a.jumpIf(Cond::SLe, R0, 0, cut);
  a.jumpIf(Cond::SGt, R0, int32_t(kNameCap), cut);
  a.add(R9, R0);
}

// One step of a path's walk (see walkPath): appends the name of the dentry in r6 (mount in
// r8) and moves to its parent, or crosses to the mount's mountpoint; jumps to `next` then,
// to `whole` at the root, to `cut` when a read fails or the room runs out.
void pathStep(BpfAsm& a, const KernelLayout& k, BpfAsm::Label whole, BpfAsm::Label cut, BpfAsm::Label next) {
  BpfAsm::Label crossMount = a.label();
  forgetRange(a);
  readKernel(a, -24, 8, R8, k.mountMnt + k.vfsmountMntRoot, cut);
  readKernel(a, -32, 8, R6, k.dentryParent, cut);
  a.load(Size::U64, R1, R10, -24);
  a.jumpIf(Cond::Eq, R6, R1, crossMount);  // the root of this mount
  a.load(Size::U64, R1, R10, -32);
  a.jumpIf(Cond::Eq, R6, R1, crossMount);  // the root of its file system
  appendName(a, k.dentryName + k.qstrName, cut);
  a.load(Size::U64, R6, R10, -32);
  a.jump(next);
  a.bind(crossMount);
  readKernel(a, -40, 8, R8, k.mountParent, cut);
  a.load(Size::U64, R1, R10, -40);
  a.jumpIf(Cond::Eq, R1, R8, whole);  // the root mount is its own parent
  readKernel(a, -48, 8, R8, k.mountMountpoint, cut);
  a.load(Size::U64, R6, R10, -48);
  a.load(Size::U64, R8, R10, -40);
  a.jump(next);
}

// One step of a cgroup's walk (see walkKernfs): appends the name of the kernfs node in r6
// and moves to its parent; jumps as pathStep does.
void kernfsStep(BpfAsm& a, const KernelLayout& k, BpfAsm::Label whole, BpfAsm::Label cut, BpfAsm::Label next) {
  forgetRange(a);
  readKernel(a, -32, 8, R6, k.kernfsParent, cut);
  a.load(Size::U64, R1, R10, -32);
  a.jumpIf(Cond::Eq, R1, 0, whole);
  appendName(a, k.kernfsName, cut);
  a.load(Size::U64, R6, R10, -32);
  a.jump(next);
}

using WalkStep = void (*)(BpfAsm&, const KernelLayout&, BpfAsm::Label, BpfAsm::Label, BpfAsm::Label);

// Walks up to kMaxPathSteps steps from r6 (and r8), appending names to r7->args at r9; jumps
// to `whole` at the root, to `cut` when a step fails or the steps run out, with r9 past the
// names written. With bpf_loop, the steps are a callback's: r6 and r8 go through loop words
// 0 and 1, r9 through r7->endField, and word 2 says how it ended (1: at the root).
void walk(BpfAsm& a, Functions& functions, const KernelLayout& k, WalkStep step, int16_t endField,
          BpfAsm::Label whole, BpfAsm::Label cut) {
  if (!k.loops) {
    for (uint32_t i = 0; i < kMaxPathSteps; i++) {
      BpfAsm::Label next = a.label();
      step(a, k, whole, cut, next);
      a.bind(next);
    }
    a.jump(cut);
    return;
  }
  a.store(Size::U32, R7, endField, R9);
  a.store(Size::U64, R10, loopWord(0), R6);
  a.store(Size::U64, R10, loopWord(1), R8);
  a.store(Size::U64, R10, loopWord(2), 0);
  loopCall(a, functions, int32_t(kMaxPathSteps), [&k, step, endField](BpfAsm& f) {
    BpfAsm::Label stepWhole = f.label(), stepCut = f.label(), next = f.label();
    f.load(Size::U32, R9, R7, endField);
    loadLoopWord(f, R6, 0);
    loadLoopWord(f, R8, 1);
    step(f, k, stepWhole, stepCut, next);
    f.bind(next);
    forgetRange(f);
    f.store(Size::U32, R7, endField, R9);
    storeLoopWord(f, 0, R6);
    storeLoopWord(f, 1, R8);
    loopReturn(f, 0);
    f.bind(stepWhole);
    storeLoopWord(f, 2, 1);
    f.bind(stepCut);
    loopReturn(f, 1);
  });
  a.load(Size::U32, R9, R7, endField);
  forgetRange(a);
  a.load(Size::U64, R1, R10, loopWord(2));
  a.jumpIf(Cond::Eq, R1, 1, whole);
  a.jump(cut);
}

// Appends the names of a path, its dentry in r6 and its mount (struct mount *) in r8, to
// r7->args at r9: leaf first, each with its NUL, crossing mounts up to the root, as d_path()
// does without its locks. Jumps to `whole` at the root; to `cut` when a read fails or the
// steps or the room run out (the names written so far are then left unclaimed).
void walkPath(BpfAsm& a, Functions& functions, const KernelLayout& k, int16_t endField, BpfAsm::Label whole,
              BpfAsm::Label cut) {
  walk(a, functions, k, pathStep, endField, whole, cut);
}

// Appends the names of a kernfs node (r6) and its parents, leaf first, to r7->args at r9,
// up to the root (whose name is empty, and not written): a cgroup's path. Jumps to `whole`
// at the root, to `cut` as walkPath does.
void walkKernfs(BpfAsm& a, Functions& functions, const KernelLayout& k, int16_t endField, BpfAsm::Label whole,
                BpfAsm::Label cut) {
  walk(a, functions, k, kernfsStep, endField, whole, cut);
}

// Walks the struct path at (kernel pointer in r6) + offset into r7->args (see walkPath), sets
// `flag` when it reached the root, and stores where its names end in r7->endField.
void appendPath(BpfAsm& a, Functions& functions, const KernelLayout& k, int32_t offset, uint32_t flag,
                int16_t endField) {
  BpfAsm::Label whole = a.label(), cut = a.label();
  readKernel(a, -32, 8, R6, offset + k.pathMnt, cut);
  readKernel(a, -40, 8, R6, offset + k.pathDentry, cut);
  a.load(Size::U64, R6, R10, -40);
  a.load(Size::U64, R8, R10, -32);
  a.add(R8, -k.mountMnt);  // the vfsmount sits inside its struct mount
  walkPath(a, functions, k, endField, whole, cut);
  a.bind(whole);
  orFlags(a, flag);
  a.bind(cut);
  forgetRange(a);
  a.store(Size::U32, R7, endField, R9);
}

// r6 = *(current task + first) [+ then *(r6 + second)], or jump to `none` on a failed read or NULL.
void readTaskPointer(BpfAsm& a, std::initializer_list<int32_t> chain, BpfAsm::Label none) {
  a.call(BPF_FUNC_get_current_task);
  a.mov(R6, R0);
  for (int32_t offset : chain) {
    readKernel(a, -24, 8, R6, offset, none);
    a.load(Size::U64, R6, R10, -24);
    a.jumpIf(Cond::Eq, R6, 0, none);
  }
}

// After bpf_ringbuf_output(): a full ring buffer (r0 not 0) is counted, not silent.
void countIfFull(BpfAsm& a, const ExecMaps& maps, BpfAsm::Label done) {
  a.jumpIf(Cond::Eq, R0, 0, done);
  lookupFirst(a, maps.drops, done);
  a.mov(R1, 1);
  a.atomicAdd64(R0, 0, R1);
}

// Sends the record at r7 with r9 argument bytes.
void output(BpfAsm& a, const ExecMaps& maps, BpfAsm::Label done) {
  a.loadMap(R1, maps.ring);
  a.mov(R2, R7);
  a.mov(R3, R9);
  a.add(R3, int32_t(kHeaderBytes));
  a.mov(R4, 0);
  a.call(BPF_FUNC_ringbuf_output);
  countIfFull(a, maps, done);
}

// The TaskRecord being built on the stack, at fp-64 .. fp-33.
constexpr int16_t kTask = -64;
#define TASK(name) int16_t(kTask + int16_t(offsetof(TaskRecord, name)))

// Fills the TaskRecord on the stack for the process whose task is in r8 (its tgid already
// stored): kind, time, and its parent (task->real_parent->tgid; 0 when unreadable).
void fillTask(BpfAsm& a, const KernelLayout& k, RecordKind kind) {
  a.store(Size::U64, R10, TASK(kind), int32_t(kind));  // and reserved0
  a.store(Size::U64, R10, TASK(exitCode), 0);  // and reserved1
  a.store(Size::U32, R10, TASK(ppid), 0);
  a.call(BPF_FUNC_ktime_get_ns);
  a.store(Size::U64, R10, TASK(ts), R0);
  BpfAsm::Label noParent = a.label();
  readKernel(a, -24, 8, R8, k.taskRealParent, noParent);
  a.load(Size::U64, R6, R10, -24);
  readKernel(a, -32, 4, R6, k.taskTgid, noParent);
  a.load(Size::U32, R1, R10, -32);
  a.store(Size::U32, R10, TASK(ppid), R1);
  a.bind(noParent);
}

// Sends the TaskRecord on the stack.
void outputTask(BpfAsm& a, const ExecMaps& maps, BpfAsm::Label done) {
  a.loadMap(R1, maps.ring);
  a.mov(R2, R10);
  a.add(R2, kTask);
  a.mov(R3, int32_t(sizeof(TaskRecord)));
  a.mov(R4, 0);
  a.call(BPF_FUNC_ringbuf_output);
  countIfFull(a, maps, done);
}

void exitZero(BpfAsm& a, BpfAsm::Label out) {
  a.bind(out);
  a.mov(R0, 0);
  a.exit();
}

}  // namespace

// The verifier walks each iteration of the loop: a bound that keeps it to ~100k instructions
// with the longest --env list. Past them, none is seen.
uint32_t envEntriesScanned(size_t names) {
  return names <= 16 ? 256 : 128;
}

BpfProgram execProgram(const KernelLayout& k, int16_t filenameLocOffset, const std::vector<std::string>& envNames,
                       const ExecMaps& maps) {
  BpfAsm a;
  Functions functions;
  BpfAsm::Label out = a.label(), sent = a.label();
  a.mov(R6, R1);
  lookupFirst(a, maps.scratch, out);
  a.mov(R7, R0);
  fillHeader(a);
  a.store(Size::U32, R7, FIELD(flags), 0);
  a.store(Size::U32, R7, FIELD(filenameLen), 0);

  if (k.interp) {
    // A raw tracepoint: (task, old_pid, bprm). bprm->interp is bprm->filename itself unless
    // binfmt_script or binfmt_misc handed the file to an interpreter (bprm_change_interp).
    BpfAsm::Label noBprm = a.label(), same = a.label();
    a.load(Size::U64, R8, R6, 16);
    readKernel(a, -24, 8, R8, k.bprmFilename, noBprm);
    readKernel(a, -32, 8, R8, k.bprmInterp, noBprm);
    a.load(Size::U64, R1, R10, -24);
    a.load(Size::U64, R2, R10, -32);
    a.jumpIf(Cond::Eq, R1, R2, same);
    orFlags(a, kInterpreted);
    a.bind(same);
    a.mov(R1, R7);
    a.add(R1, FIELD(filename));
    a.mov(R2, int32_t(kFilenameCap));
    a.load(Size::U64, R3, R10, -24);
    a.call(BPF_FUNC_probe_read_kernel_str);
    a.store(Size::U32, R7, FIELD(filenameLen), R0);
    a.bind(noBprm);
  } else {
    // The filename sits in the tracepoint record: __data_loc is (length << 16 | offset).
    a.load(Size::U32, R3, R6, filenameLocOffset);
    a.andImm(R3, 0xffff);
    a.add(R3, R6);
    a.mov(R1, R7);
    a.add(R1, FIELD(filename));
    a.mov(R2, int32_t(kFilenameCap));
    a.call(BPF_FUNC_probe_read_kernel_str);
    a.store(Size::U32, R7, FIELD(filenameLen), R0);
  }

  a.call(BPF_FUNC_get_current_task);
  a.mov(R8, R0);

  // Effective uid (current->cred->euid), parent (current->real_parent->tgid), start time.
  readThroughPointer(a, k.taskCred, k.credEuid, FIELD(euid), kHasEuid);
  readThroughPointer(a, k.taskRealParent, k.taskTgid, FIELD(ppid), kHasPpid);
  BpfAsm::Label noStart = a.label();
  readKernel(a, -24, 8, R8, k.taskStartTime, noStart);
  a.load(Size::U64, R1, R10, -24);
  a.store(Size::U64, R7, FIELD(startNs), R1);
  a.bind(noStart);
  readOrigin(a, k);

  // argv: current->mm->arg_start .. arg_end, on the new stack, one read.
  BpfAsm::Label unreadable = a.label(), fits = a.label(), read = a.label();
  readKernel(a, -24, 8, R8, k.taskMm, unreadable);
  a.load(Size::U64, R6, R10, -24);
  a.jumpIf(Cond::Eq, R6, 0, unreadable);  // a kernel thread has no mm
  readKernel(a, -32, 8, R6, k.mmArgStart, unreadable);
  readKernel(a, -40, 8, R6, k.mmArgEnd, unreadable);
  a.load(Size::U64, R9, R10, -40);
  a.load(Size::U64, R1, R10, -32);
  a.sub(R9, R1);
  a.jumpIf(Cond::SLe, R9, 0, unreadable);
  a.jumpIf(Cond::SLe, R9, int32_t(kArgsCap), fits);
  a.mov(R9, int32_t(kArgsCap));
  orFlags(a, kTruncated);
  a.bind(fits);
  a.mov(R1, R7);
  a.add(R1, FIELD(args));
  a.mov(R2, R9);
  a.load(Size::U64, R3, R10, -32);
  a.call(BPF_FUNC_probe_read_user);
  a.jumpIf(Cond::Eq, R0, 0, read);
  a.bind(unreadable);
  orFlags(a, kArgvUnreadable);
  a.mov(R9, 0);
  a.bind(read);
  a.store(Size::U32, R7, FIELD(argsLen), R9);
  if (k.env) readEnvironment(a, functions, k, envNames);
  a.store(Size::U32, R7, FIELD(cwdEnd), R9);  // each path's names start where the last ended
  a.store(Size::U32, R7, FIELD(exeEnd), R9);

  // The cwd (current->fs->pwd) and the program (current->mm->exe_file), as absolute paths:
  // the filename above is only what execve() was given, and the cwd may have changed since
  // the fork (a shell's `cd`).
  if (k.paths) {
    BpfAsm::Label noFs = a.label(), noExe = a.label();
    readTaskPointer(a, {k.taskFs}, noFs);
    appendPath(a, functions, k, k.fsPwd, kHasCwd, FIELD(cwdEnd));
    a.bind(noFs);
    a.store(Size::U32, R7, FIELD(exeEnd), R9);
    readTaskPointer(a, {k.taskMm, k.mmExeFile}, noExe);
    appendPath(a, functions, k, k.fileFPath, kHasExePath, FIELD(exeEnd));
    a.bind(noExe);
  }
  if (k.cgroupPaths) {
    // The cgroup too: a service manager moves its child into the service's cgroup between
    // the fork and the exec, so the parent's would name the manager's.
    BpfAsm::Label noCgroup = a.label(), cgroupWhole = a.label(), cgroupCut = a.label();
    forgetRange(a);
    a.store(Size::U32, R7, FIELD(cgroupEnd), R9);
    readTaskPointer(a, {k.taskCgroups, k.cssSetDfl, k.cgroupKn}, noCgroup);
    walkKernfs(a, functions, k, FIELD(cgroupEnd), cgroupWhole, cgroupCut);
    a.bind(cgroupWhole);
    orFlags(a, kHasCgroup);
    a.bind(cgroupCut);
    forgetRange(a);
    a.store(Size::U32, R7, FIELD(cgroupEnd), R9);
    a.bind(noCgroup);
  }
  forgetRange(a);
  a.jumpIf(Cond::Gt, R9, int32_t(kVarCap), sent);  // never: for the verifier
  output(a, maps, sent);
  a.bind(sent);
  exitZero(a, out);
  functions.emit(a);
  return a.finish();
}

BpfProgram enterProgram(int16_t filenameOffset, int16_t argvOffset, bool readArgv, bool loops, const ExecMaps& maps) {
  BpfAsm a;
  Functions functions;
  BpfAsm::Label out = a.label();
  a.mov(R6, R1);
  lookupFirst(a, maps.scratch, out);
  a.mov(R7, R0);
  fillHeader(a);
  a.store(Size::U32, R7, FIELD(flags), 0);
  a.load(Size::U64, R1, R6, filenameOffset);
  a.store(Size::U64, R7, FIELD(filenamePtr), R1);
  a.load(Size::U64, R8, R6, argvOffset);
  a.store(Size::U64, R7, FIELD(argvPtr), R8);
  if (readArgv) {
    orFlags(a, kReadAtEnter);
    readUserFilename(a);
    readArgvPointers(a, functions, loops);
  }
  a.load(Size::U64, R1, R7, FIELD(pidTgid));
  a.store(Size::U64, R10, -16, R1);
  a.loadMap(R1, maps.attempts);
  a.mov(R2, R10);
  a.add(R2, -16);
  a.mov(R3, R7);
  a.mov(R4, BPF_ANY);
  a.call(BPF_FUNC_map_update_elem);
  exitZero(a, out);
  functions.emit(a);
  return a.finish();
}

BpfProgram exitProgram(int16_t retOffset, bool argvReadAtEnter, bool loops, const ExecMaps& maps) {
  BpfAsm a;
  Functions functions;
  BpfAsm::Label out = a.label(), forget = a.label();
  a.load(Size::U64, R6, R1, retOffset);
  a.call(BPF_FUNC_get_current_pid_tgid);
  a.store(Size::U64, R10, -16, R0);
  a.loadMap(R1, maps.attempts);
  a.mov(R2, R10);
  a.add(R2, -16);
  a.call(BPF_FUNC_map_lookup_elem);
  a.jumpIf(Cond::Eq, R0, 0, out);
  if (argvReadAtEnter) {
    // The attempt holds the whole record: add the result and send it.
    a.mov(R7, R0);
    a.store(Size::U32, R7, FIELD(ret), R6);
    BpfAsm::Label failed = a.label(), send = a.label();
    a.jumpIf(Cond::SLt, R6, 0, failed);
    a.mov(R1, R7);  // the new program's name
    a.add(R1, FIELD(comm));
    a.mov(R2, 16);
    a.call(BPF_FUNC_get_current_comm);
    a.jump(send);
    a.bind(failed);
    readUserFilename(a);  // execve() has read it by now, so it is resident
    a.bind(send);
    a.load(Size::U32, R9, R7, FIELD(argsLen));
    a.jumpIf(Cond::Gt, R9, int32_t(kArgsCap), forget);
    output(a, maps, forget);
  } else {
    // Success was reported by execProgram; a failure is reported here, read at exit.
    a.jumpIf(Cond::SGe, R6, 0, forget);
    a.mov(R8, R0);
    lookupFirst(a, maps.scratch, forget);
    a.mov(R7, R0);
    a.load(Size::U64, R1, R8, FIELD(filenamePtr));
    a.store(Size::U64, R7, FIELD(filenamePtr), R1);
    a.load(Size::U64, R8, R8, FIELD(argvPtr));
    fillHeader(a);
    a.store(Size::U32, R7, FIELD(flags), 0);
    a.store(Size::U32, R7, FIELD(ret), R6);
    readUserFilename(a);
    readArgvPointers(a, functions, loops);
    output(a, maps, forget);
  }
  a.bind(forget);
  a.loadMap(R1, maps.attempts);
  a.mov(R2, R10);
  a.add(R2, -16);
  a.call(BPF_FUNC_map_delete_elem);
  exitZero(a, out);
  functions.emit(a);
  return a.finish();
}

BpfProgram forkProgram(const KernelLayout& k, const ExecMaps& maps) {
  BpfAsm a;
  BpfAsm::Label out = a.label();
  a.load(Size::U64, R8, R1, 8);  // the child
  // A new thread shares its creator's tgid; only a new process has its own.
  readKernel(a, -8, 4, R8, k.taskTgid, out);
  readKernel(a, -16, 4, R8, k.taskPid, out);
  a.load(Size::U32, R1, R10, -8);
  a.load(Size::U32, R2, R10, -16);
  a.jumpIf(Cond::Ne, R1, R2, out);
  a.store(Size::U32, R10, TASK(pid), R1);
  fillTask(a, k, kRecordFork);
  outputTask(a, maps, out);
  exitZero(a, out);
  return a.finish();
}

BpfProgram processExitProgram(const KernelLayout& k, int16_t groupDeadOffset, const ExecMaps& maps) {
  BpfAsm a;
  BpfAsm::Label out = a.label();
  if (groupDeadOffset >= 0) {
    a.load(Size::U8, R1, R1, groupDeadOffset);
    a.jumpIf(Cond::Eq, R1, 0, out);  // other threads of the process live on
    a.call(BPF_FUNC_get_current_pid_tgid);
    a.rsh(R0, 32);
  } else {
    a.call(BPF_FUNC_get_current_pid_tgid);
    a.mov(R1, R0);
    a.lsh(R1, 32);
    a.rsh(R1, 32);  // the thread id
    a.rsh(R0, 32);  // the tgid
    a.jumpIf(Cond::Ne, R0, R1, out);
  }
  a.store(Size::U32, R10, TASK(pid), R0);
  a.call(BPF_FUNC_get_current_task);
  a.mov(R8, R0);
  fillTask(a, k, kRecordExit);
  BpfAsm::Label noCode = a.label();
  readKernel(a, TASK(exitCode), 4, R8, k.taskExitCode, noCode);  // zeroed when unreadable
  a.bind(noCode);
  outputTask(a, maps, out);
  exitZero(a, out);
  return a.finish();
}

}  // namespace forktop
