// Well-formed inputs for each decoder, laid out as the kernel and forktop's BPF programs
// write them: the seeds of the fuzz corpora (seeds.cc) and the base that the unit tests
// (unit_tests.cc) break one length at a time.
#pragma once

#include <linux/btf.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../exec_record.h"

namespace forktop::samples {

using Bytes = std::vector<uint8_t>;

template <typename T>
void put(Bytes& out, size_t at, const T& value) {
  if (out.size() < at + sizeof value) out.resize(at + sizeof value);
  memcpy(&out[at], &value, sizeof value);
}

template <typename T>
void append(Bytes& out, const T& value) {
  put(out, out.size(), value);
}

// ---- proc connector

inline proc_event procEvent(enum proc_event::what what, uint32_t cpu, uint64_t ts) {
  proc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.what = what;
  ev.cpu = cpu;
  ev.timestamp_ns = ts;
  return ev;
}

inline proc_event forkEvent(uint32_t cpu, int parent, int child) {
  proc_event ev = procEvent(proc_event::PROC_EVENT_FORK, cpu, 1000);
  ev.event_data.fork = {parent, parent, child, child};
  return ev;
}

inline proc_event execEvent(uint32_t cpu, int pid) {
  proc_event ev = procEvent(proc_event::PROC_EVENT_EXEC, cpu, 2000);
  ev.event_data.exec = {pid, pid};
  return ev;
}

inline proc_event exitEvent(uint32_t cpu, int pid, int parent, uint32_t code) {
  proc_event ev = procEvent(proc_event::PROC_EVENT_EXIT, cpu, 3000);
  ev.event_data.exit = {pid, pid, code, 17, parent, parent};
  return ev;
}

inline proc_event commEvent(uint32_t cpu, int pid, const char* comm) {
  proc_event ev = procEvent(proc_event::PROC_EVENT_COMM, cpu, 4000);
  ev.event_data.comm.process_pid = ev.event_data.comm.process_tgid = pid;
  strncpy(ev.event_data.comm.comm, comm, sizeof ev.event_data.comm.comm);
  return ev;
}

inline proc_event ackEvent(uint32_t err) {
  proc_event ev = procEvent(proc_event::PROC_EVENT_NONE, 0, 5000);
  ev.event_data.ack.err = err;
  return ev;
}

// One netlink message: nlmsghdr | cn_msg | the event, padded to NLMSG_ALIGN as the kernel does.
inline Bytes procMessage(const proc_event& ev, uint32_t seq, uint32_t ack = 0, uint32_t idx = CN_IDX_PROC) {
  Bytes out;
  nlmsghdr nl{};
  nl.nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof ev);
  nl.nlmsg_type = NLMSG_DONE;
  append(out, nl);
  cn_msg cn{};
  cn.id.idx = idx;
  cn.id.val = CN_VAL_PROC;
  cn.seq = seq;
  cn.ack = ack;
  cn.len = sizeof ev;
  append(out, cn);
  append(out, ev);
  out.resize(NLMSG_ALIGN(out.size()), 0);
  return out;
}

// Offsets in a procMessage, for tests that break one field.
constexpr size_t kNlmsgLenAt = offsetof(nlmsghdr, nlmsg_len);
constexpr size_t kCnLenAt = NLMSG_HDRLEN + offsetof(cn_msg, len);
constexpr size_t kEventAt = NLMSG_HDRLEN + sizeof(cn_msg);
constexpr size_t kCpuAt = kEventAt + offsetof(proc_event, cpu);

inline Bytes concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// ---- eBPF exec record

// Path names leaf first, each with its NUL, as the programs walk them: "/srv/app" → "app\0srv\0".
inline std::string walkedNames(const std::vector<std::string>& leafFirst) {
  std::string out;
  for (const auto& name : leafFirst) out += name + '\0';
  return out;
}

struct ExecSample {
  std::vector<std::string> argv = {"/bin/ls", "-l", "a b"};
  std::vector<std::string> cwd = {"app", "srv"};         // /srv/app
  std::vector<std::string> exe = {"ls", "bin", "usr"};    // /usr/bin/ls
  std::vector<std::string> cgroup = {"user.slice"};       // /user.slice
  // The environment as the program copies it (NUL-separated), after argv; none: not read.
  std::vector<std::string> env = {"HOME=/root", "SSH_CONNECTION=203.0.113.7 50022 10.0.0.2 22", "SECRET=hunter2",
                                  "LD_PRELOAD="};
  int32_t ret = 0;
  uint32_t extraFlags = kHasEuid | kHasPpid | kHasAuid | kHasSession | kHasTty | kHasSidPgid;
};

// The allowlist the unit tests and fuzzers decode with (the schema's default).
inline const std::vector<std::string>& sampleAllowlist() {
  static const std::vector<std::string> names = {"SSH_CONNECTION", "SSH_TTY", "SUDO_USER", "SUDO_UID",
                                                 "INVOCATION_ID", "LD_PRELOAD", "LD_LIBRARY_PATH"};
  return names;
}

// The record's bytes, header and the variable part, exactly as ringbuf_output sends them.
inline Bytes execRecord(const ExecSample& s = {}) {
  ExecRecord r;
  memset(&r, 0, kHeaderBytes);
  r.kind = kRecordExec;
  r.ts = 123456789;
  r.pidTgid = (uint64_t(4242) << 32) | 4242;
  r.uidGid = (uint64_t(100) << 32) | 1000;
  r.startNs = 123000000;
  r.ret = s.ret;
  r.euid = 0;
  r.ppid = 4000;
  r.auid = 1000;
  r.session = 7;
  r.ttyMajor = 136;
  r.ttyMinor = 3;
  r.sid = 3900;
  r.pgid = 4242;
  strncpy(r.comm, "ls", sizeof r.comm);
  strncpy(r.filename, "/bin/ls", sizeof r.filename);
  r.filenameLen = int32_t(strlen("/bin/ls") + 1);
  std::string args;
  for (const auto& a : s.argv) args += a + '\0';
  r.argsLen = uint32_t(args.size());
  r.flags = s.extraFlags;
  if (!s.env.empty()) {
    for (const auto& e : s.env) args += e + '\0';
    r.flags |= kHasEnv;
  }
  r.envEnd = uint32_t(args.size());
  args += walkedNames(s.cwd);
  r.cwdEnd = uint32_t(args.size());
  args += walkedNames(s.exe);
  r.exeEnd = uint32_t(args.size());
  args += walkedNames(s.cgroup);
  r.cgroupEnd = uint32_t(args.size());
  if (!s.cwd.empty()) r.flags |= kHasCwd;
  if (!s.exe.empty()) r.flags |= kHasExePath;
  if (!s.cgroup.empty()) r.flags |= kHasCgroup;
  Bytes out(reinterpret_cast<const uint8_t*>(&r), reinterpret_cast<const uint8_t*>(&r) + kHeaderBytes);
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

// A fork or an exit record, as forkProgram and processExitProgram send it.
inline Bytes taskRecord(uint32_t kind, int32_t pid, int32_t ppid, int32_t exitCode = 0) {
  TaskRecord r{};
  r.kind = kind;
  r.ts = 987654321;
  r.pid = pid;
  r.ppid = ppid;
  r.exitCode = exitCode;
  return Bytes(reinterpret_cast<const uint8_t*>(&r), reinterpret_cast<const uint8_t*>(&r) + sizeof r);
}

template <typename T>
void setField(Bytes& record, size_t offset, T value) {
  put(record, offset, value);
}

// ---- BTF

// A small BTF blob with what offsetOf looks through: a named member, one inside an
// anonymous union, a typedef'd struct, and a kind_flag struct (bit-field offsets).
//   1 int; 2 void*; 3 struct task_struct { int pid; void* mm; union { void* cred; }; }
//   4 the anonymous union; 5 typedef struct mm_struct mm_t; 6 struct mm_struct (kind_flag)
//   { int arg_start; int arg_end; }
struct BtfBuilder {
  Bytes types;
  std::string strings = std::string(1, '\0');

  uint32_t str(const std::string& s) {
    uint32_t off = uint32_t(strings.size());
    strings += s + '\0';
    return off;
  }
  void type(uint32_t nameOff, uint32_t kind, uint32_t vlen, bool kflag, uint32_t sizeOrType) {
    btf_type t{};
    t.name_off = nameOff;
    t.info = (kind << 24) | vlen | (kflag ? 1u << 31 : 0);
    t.size = sizeOrType;
    append(types, t);
  }
  void member(uint32_t nameOff, uint32_t type, uint32_t offset) { append(types, btf_member{nameOff, type, offset}); }
  void u32(uint32_t v) { append(types, v); }

  Bytes blob() const {
    btf_header h{};
    h.magic = BTF_MAGIC;
    h.version = BTF_VERSION;
    h.hdr_len = sizeof h;
    h.type_off = 0;
    h.type_len = uint32_t(types.size());
    h.str_off = uint32_t(types.size());
    h.str_len = uint32_t(strings.size());
    Bytes out;
    append(out, h);
    out.insert(out.end(), types.begin(), types.end());
    out.insert(out.end(), strings.begin(), strings.end());
    return out;
  }
};

inline BtfBuilder sampleBtf() {
  BtfBuilder b;
  b.type(b.str("int"), BTF_KIND_INT, 0, false, 4);
  b.u32(32);  // encoding: 32 bits
  b.type(0, BTF_KIND_PTR, 0, false, 0);
  b.type(b.str("task_struct"), BTF_KIND_STRUCT, 3, false, 24);
  b.member(b.str("pid"), 1, 0);
  b.member(b.str("mm"), 2, 64);
  b.member(0, 4, 128);
  b.type(0, BTF_KIND_UNION, 1, false, 8);
  b.member(b.str("cred"), 2, 0);
  b.type(b.str("mm_t"), BTF_KIND_TYPEDEF, 0, false, 6);
  b.type(b.str("mm_struct"), BTF_KIND_STRUCT, 2, true, 8);
  b.member(b.str("arg_start"), 1, 0);
  b.member(b.str("arg_end"), 1, 32);
  // 7 enum pid_type { PIDTYPE_PID, PIDTYPE_TGID, PIDTYPE_PGID, PIDTYPE_SID }
  b.type(b.str("pid_type"), BTF_KIND_ENUM, 4, false, 4);
  const char* names[] = {"PIDTYPE_PID", "PIDTYPE_TGID", "PIDTYPE_PGID", "PIDTYPE_SID"};
  for (uint32_t i = 0; i < 4; i++) {
    b.u32(b.str(names[i]));
    b.u32(i);
  }
  return b;
}

}  // namespace forktop::samples
