// The decoders against crafted bad input: each case breaks one length of a well-formed
// sample (samples.h) and checks the decoder refuses it. Built with ASan and UBSan by
// build.sh, so a read out of bounds fails here too. Exits 1 on any failed check.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

#include "../btf.h"
#include "../event_json.h"
#include "../exec_record_decode.h"
#include "../netlink_decode.h"
#include "../origin_decode.h"
#include "js_numbers.h"
#include "samples.h"

using namespace forktop;
using namespace forktop::samples;

namespace {

int failures = 0;
int checks = 0;

#define CHECK(cond)                                                       \
  do {                                                                    \
    checks++;                                                             \
    if (!(cond)) {                                                        \
      failures++;                                                         \
      fprintf(stderr, "%s:%d: %s: failed: %s\n", __FILE__, __LINE__, current, #cond); \
    }                                                                     \
  } while (0)

const char* current = "";

void test(const char* name, const std::function<void()>& body) {
  current = name;
  body();
}

struct Decoded {
  DatagramCounts counts;
  std::vector<ProcMessage> messages;
};

Decoded decode(const Bytes& datagram, bool truncated = false, uint32_t cpuLimit = 2) {
  Decoded d;
  d.counts = decodeDatagram(datagram.data(), datagram.size(), truncated, cpuLimit, d.messages);
  return d;
}

// Exactly the bytes given, on the heap: ASan sees a read one past the end.
Decoded decodeExact(const Bytes& datagram, uint32_t cpuLimit = 2) {
  auto* copy = new uint8_t[datagram.size() ? datagram.size() : 1];
  std::copy(datagram.begin(), datagram.end(), copy);
  Decoded d;
  d.counts = decodeDatagram(copy, datagram.size(), false, cpuLimit, d.messages);
  delete[] copy;
  return d;
}

// (A cut message can leave bytes that then fail as a message of their own: at least one.)
bool malformedOnly(const Decoded& d) { return d.messages.empty() && d.counts.malformed >= 1; }

void netlinkTests() {
  test("netlink: a fork decodes", [] {
    Decoded d = decode(procMessage(forkEvent(1, 10, 11), 5));
    CHECK(d.counts.messages == 1 && d.counts.malformed == 0 && d.messages.size() == 1);
    Event ev;
    CHECK(toEvent(d.messages[0].event, ev) == ProcEventKind::Event);
    CHECK(ev.type == EventType::Fork && ev.pid == 11 && ev.ppid == 10 && ev.cpu == 1);
    CHECK(d.messages[0].seq == 5);
  });
  test("netlink: an exit decodes its code", [] {
    Decoded d = decode(procMessage(exitEvent(0, 20, 1, 3 << 8), 1));
    Event ev;
    CHECK(d.messages.size() == 1 && toEvent(d.messages[0].event, ev) == ProcEventKind::Event);
    CHECK(ev.type == EventType::Exit && ev.code == 3 && ev.ppid == 1);
  });
  test("netlink: the ack carries its nonce", [] {
    Decoded d = decode(procMessage(ackEvent(0), 0, 99));
    Event ev;
    CHECK(d.messages.size() == 1 && d.messages[0].ack == 99);
    CHECK(toEvent(d.messages[0].event, ev) == ProcEventKind::Ack);
  });
  test("netlink: two messages in one datagram", [] {
    Decoded d = decode(concat(procMessage(forkEvent(0, 1, 2), 1), procMessage(execEvent(0, 2), 2)));
    CHECK(d.messages.size() == 2 && d.counts.malformed == 0);
  });
  test("netlink: the last message's padding may be missing", [] {
    Bytes m = procMessage(forkEvent(0, 5, 6), 1);  // 76 bytes: aligned; 74 needs 2 of padding
    Bytes odd = m;
    put<uint32_t>(odd, kCnLenAt, sizeof(proc_event) - 2);
    put<uint32_t>(odd, kNlmsgLenAt, uint32_t(m.size() - 2));
    odd.resize(m.size() - 2);
    Decoded d = decodeExact(odd);
    CHECK(d.messages.size() == 1 && d.counts.malformed == 0);
  });
  test("netlink: nlmsg_len shorter than its own header", [] {
    Bytes m = procMessage(forkEvent(0, 1, 2), 1);
    put<uint32_t>(m, kNlmsgLenAt, 8);
    CHECK(malformedOnly(decode(m)));
  });
  test("netlink: nlmsg_len of 0 (would loop forever)", [] {
    Bytes m = procMessage(forkEvent(0, 1, 2), 1);
    put<uint32_t>(m, kNlmsgLenAt, 0);
    CHECK(malformedOnly(decode(m)));
  });
  test("netlink: nlmsg_len past the datagram", [] {
    Bytes m = procMessage(forkEvent(0, 1, 2), 1);
    put<uint32_t>(m, kNlmsgLenAt, uint32_t(m.size() + 4));
    CHECK(malformedOnly(decodeExact(m)));
  });
  test("netlink: nlmsg_len too short for a cn_msg", [] {
    Bytes m = procMessage(forkEvent(0, 1, 2), 1);
    put<uint32_t>(m, kNlmsgLenAt, NLMSG_LENGTH(sizeof(cn_msg) - 1));
    CHECK(malformedOnly(decode(m)));
  });
  test("netlink: cn_msg.len larger than the datagram", [] {
    Bytes m = procMessage(forkEvent(0, 1, 2), 1);
    put<uint32_t>(m, kCnLenAt, 4096);
    CHECK(malformedOnly(decodeExact(m)));
  });
  test("netlink: cn_msg.len one past the message", [] {
    Bytes m = procMessage(forkEvent(0, 1, 2), 1);
    put<uint32_t>(m, kCnLenAt, sizeof(proc_event) + 1);
    CHECK(malformedOnly(decodeExact(m)));
  });
  test("netlink: cn_msg.len too short for the event type", [] {
    Bytes m = procMessage(exitEvent(0, 1, 2, 0), 1);
    put<uint32_t>(m, kCnLenAt, offsetof(proc_event, event_data) + 8);  // an exit needs 24
    CHECK(malformedOnly(decode(m)));
  });
  test("netlink: cn_msg.len too short for the event header", [] {
    Bytes m = procMessage(ackEvent(0), 0, 1);
    put<uint32_t>(m, kCnLenAt, 4);
    CHECK(malformedOnly(decode(m)));
  });
  test("netlink: cpu out of range", [] {
    Bytes m = procMessage(forkEvent(0, 1, 2), 1);
    put<uint32_t>(m, kCpuAt, 0xffffffffu);
    CHECK(malformedOnly(decode(m)));
    put<uint32_t>(m, kCpuAt, 2);  // == the limit
    CHECK(malformedOnly(decode(m, false, 2)));
    put<uint32_t>(m, kCpuAt, kMaxCpus);
    CHECK(malformedOnly(decode(m, false, 0xffffffffu)));
  });
  test("netlink: MSG_TRUNC", [] { CHECK(malformedOnly(decode(procMessage(forkEvent(0, 1, 2), 1), true))); });
  test("netlink: a datagram cut short", [] {
    Bytes m = procMessage(forkEvent(0, 1, 2), 1);
    for (size_t cut = 1; cut < m.size(); cut++) {
      Bytes part(m.begin(), m.begin() + cut);
      Decoded d = decodeExact(part);
      CHECK(d.messages.empty());
    }
  });
  test("netlink: bytes after the last message", [] {
    Bytes m = procMessage(forkEvent(0, 1, 2), 1);
    m.push_back(0);
    Decoded d = decodeExact(m);
    CHECK(d.messages.size() == 1 && d.counts.malformed == 1);
  });
  test("netlink: another connector, NOOP and ERROR are ignored, not malformed", [] {
    Decoded d = decode(procMessage(forkEvent(0, 1, 2), 1, 0, CN_IDX_PROC + 1));
    CHECK(d.messages.empty() && d.counts.ignored == 1 && d.counts.malformed == 0);
    Bytes noop = procMessage(forkEvent(0, 1, 2), 1);
    put<uint16_t>(noop, offsetof(nlmsghdr, nlmsg_type), NLMSG_NOOP);
    d = decode(noop);
    CHECK(d.messages.empty() && d.counts.ignored == 1 && d.counts.malformed == 0);
  });
  test("netlink: a thread's fork and exit are told apart", [] {
    proc_event ev = forkEvent(0, 1, 2);
    ev.event_data.fork.child_pid = 3;
    Event out;
    CHECK(toEvent(ev, out) == ProcEventKind::ThreadFork);
    ev = exitEvent(0, 2, 1, 0);
    ev.event_data.exit.process_pid = 3;
    CHECK(toEvent(ev, out) == ProcEventKind::ThreadExit);
  });
}

ExecRecordStatus decodeRecord(const Bytes& record, Event& ev) {
  auto* copy = new uint8_t[record.size() ? record.size() : 1];
  std::copy(record.begin(), record.end(), copy);
  ExecRecordStatus s = decodeRingRecord(copy, record.size(), sampleAllowlist(), ev);
  delete[] copy;
  return s;
}

ExecRecordStatus statusOf(const Bytes& record) {
  Event ev;
  return decodeRecord(record, ev);
}

void execRecordTests() {
  test("exec record: argv, cwd, exe and cgroup decode", [] {
    Event ev;
    CHECK(decodeRecord(execRecord(), ev) == ExecRecordStatus::Ok);
    CHECK(ev.type == EventType::Exec && ev.pid == 4242 && ev.ts == 123456789);
    CHECK(ev.info.argv && ev.info.argv->size() == 3 && (*ev.info.argv)[2] == "a b");
    CHECK(ev.info.cwd == std::optional<std::string>("/srv/app"));
    CHECK(ev.info.exe == std::optional<std::string>("/usr/bin/ls"));
    CHECK(ev.info.cgroup == std::optional<std::string>("/user.slice"));
    CHECK(ev.info.ppid == std::optional<int32_t>(4000) && ev.info.uid == std::optional<uint32_t>(0));
  });
  test("exec record: who started it: audit ids, tty, sid and pgid, the allowlisted environment only", [] {
    Event ev;
    CHECK(decodeRecord(execRecord(), ev) == ExecRecordStatus::Ok);
    CHECK(ev.info.auid == std::optional<uint32_t>(1000) && ev.info.session == std::optional<uint32_t>(7));
    CHECK(ev.info.ttyRead && ev.info.tty == std::optional<std::string>("pts/3"));
    CHECK(ev.info.sid == std::optional<int32_t>(3900) && ev.info.pgid == std::optional<int32_t>(4242));
    CHECK(ev.info.envRead && ev.info.env.size() == 2);
    CHECK(ev.info.env[0] == std::make_pair(std::string("SSH_CONNECTION"), std::string("203.0.113.7 50022 10.0.0.2 22")));
    CHECK(ev.info.env[1] == std::make_pair(std::string("LD_PRELOAD"), std::string("")));
    CHECK(!ev.info.filename);
    // Nothing of a variable outside the allowlist anywhere.
    std::string all = *ev.info.cwd + *ev.info.exe + *ev.info.cgroup;
    for (const auto& a : *ev.info.argv) all += a;
    CHECK(all.find("hunter2") == std::string::npos && all.find("HOME") == std::string::npos);
  });
  test("exec record: unflagged origin fields are not read; an interpreter's file is", [] {
    ExecSample s;
    s.env = {};
    s.extraFlags = kInterpreted;
    Event ev;
    CHECK(decodeRecord(execRecord(s), ev) == ExecRecordStatus::Ok);
    CHECK(!ev.info.auid && !ev.info.session && !ev.info.ttyRead && !ev.info.sid && !ev.info.envRead);
    CHECK(ev.info.filename == std::optional<std::string>("/bin/ls"));
  });
  test("exec record: the environment past the bytes stored, before argv's end, or over its cap", [] {
    Bytes base = execRecord();
    uint32_t stored = uint32_t(base.size() - kHeaderBytes);
    Bytes r = base;
    setField<uint32_t>(r, offsetof(ExecRecord, envEnd), stored + 1);
    CHECK(statusOf(r) == ExecRecordStatus::BadEnv);
    r = base;
    setField<uint32_t>(r, offsetof(ExecRecord, envEnd), 1);  // before argsLen
    CHECK(statusOf(r) == ExecRecordStatus::BadEnv);
    ExecSample big;
    big.env = {std::string(kEnvCap + 10, 'x')};
    big.cwd = big.exe = big.cgroup = {};
    CHECK(statusOf(execRecord(big)) == ExecRecordStatus::BadEnv);
  });
  test("exec record: no path may start inside the environment", [] {
    Bytes r = execRecord();
    uint32_t argsLen;
    memcpy(&argsLen, &r[offsetof(ExecRecord, argsLen)], 4);
    ExecSample s;
    s.cwd = {};
    Bytes noCwd = execRecord(s);
    setField<uint32_t>(noCwd, offsetof(ExecRecord, cwdEnd), argsLen);  // exe would start at argv's end
    CHECK(statusOf(noCwd) == ExecRecordStatus::BadPath);
  });
  test("exec record: a sid or pgid past PID_MAX_LIMIT is left out", [] {
    Bytes r = execRecord();
    setField<int32_t>(r, offsetof(ExecRecord, sid), -1);
    Event ev;
    CHECK(decodeRecord(r, ev) == ExecRecordStatus::Ok && !ev.info.sid && !ev.info.pgid);
  });
  test("exec record: argv cut at the cap keeps its last part", [] {
    ExecSample s;
    s.cwd = s.exe = s.cgroup = s.env = {};
    Bytes r = execRecord(s);
    r.pop_back();  // the last argument's NUL
    setField<uint32_t>(r, offsetof(ExecRecord, argsLen), uint32_t(r.size() - kHeaderBytes));
    Event ev;
    CHECK(decodeRecord(r, ev) == ExecRecordStatus::Ok && ev.info.argv->back() == "a b");
  });
  test("exec record: shorter than its header", [] {
    Bytes r = execRecord();
    r.resize(kHeaderBytes - 1);
    CHECK(statusOf(r) == ExecRecordStatus::TooShort);
    CHECK(statusOf({}) == ExecRecordStatus::TooShort);
  });
  test("exec record: longer than a record", [] {
    Bytes r = execRecord();
    r.resize(sizeof(ExecRecord) + 1);
    CHECK(statusOf(r) == ExecRecordStatus::TooLong);
  });
  test("exec record: argsLen past the bytes stored", [] {
    ExecSample s;
    s.cwd = s.exe = s.cgroup = {};
    Bytes r = execRecord(s);
    setField<uint32_t>(r, offsetof(ExecRecord, argsLen), uint32_t(r.size() - kHeaderBytes + 1));
    CHECK(statusOf(r) == ExecRecordStatus::BadArgsLen);
    setField<uint32_t>(r, offsetof(ExecRecord, argsLen), 0xffffffffu);
    CHECK(statusOf(r) == ExecRecordStatus::BadArgsLen);
  });
  test("exec record: argsLen past the cap", [] {
    Bytes r = execRecord();
    r.resize(kHeaderBytes + kArgsCap + 8, 'x');
    setField<uint32_t>(r, offsetof(ExecRecord, argsLen), kArgsCap + 1);
    setField<uint32_t>(r, offsetof(ExecRecord, flags), 0);
    CHECK(statusOf(r) == ExecRecordStatus::BadArgsLen);
  });
  test("exec record: a path past the record or out of order", [] {
    Bytes base = execRecord();
    uint32_t stored = uint32_t(base.size() - kHeaderBytes);
    for (size_t field : {offsetof(ExecRecord, cwdEnd), offsetof(ExecRecord, exeEnd), offsetof(ExecRecord, cgroupEnd)}) {
      Bytes r = base;
      setField<uint32_t>(r, field, stored + 1);
      CHECK(statusOf(r) == ExecRecordStatus::BadPath);
    }
    Bytes r = base;
    setField<uint32_t>(r, offsetof(ExecRecord, cwdEnd), 1);  // before argsLen
    CHECK(statusOf(r) == ExecRecordStatus::BadPath);
  });
  test("exec record: an unflagged path's ends are not read", [] {
    ExecSample s;
    s.cwd = s.exe = s.cgroup = {};
    Bytes r = execRecord(s);
    setField<uint32_t>(r, offsetof(ExecRecord, cgroupEnd), 0xffffffffu);
    Event ev;
    CHECK(decodeRecord(r, ev) == ExecRecordStatus::Ok && !ev.info.cgroup);
  });
  test("exec record: filenameLen past its room", [] {
    Bytes r = execRecord();
    setField<int32_t>(r, offsetof(ExecRecord, filenameLen), int32_t(kFilenameCap) + 1);
    CHECK(statusOf(r) == ExecRecordStatus::BadFilename);
  });
  test("exec record: a failed exec with unreadable argv", [] {
    ExecSample s;
    s.ret = -2;
    s.argv = {};
    s.cwd = s.exe = s.cgroup = {};
    s.extraFlags = kArgvUnreadable;
    Event ev;
    CHECK(decodeRecord(execRecord(s), ev) == ExecRecordStatus::Ok && ev.ret == -2 && !ev.info.argv);
  });
  test("ring record: a fork and an exit decode, with the exit's wait status", [] {
    Event ev;
    CHECK(decodeRecord(taskRecord(kRecordFork, 12, 1), ev) == ExecRecordStatus::Ok);
    CHECK(ev.type == EventType::Fork && ev.pid == 12 && ev.ppid == 1 && ev.ts == 987654321);
    Event exit;
    CHECK(decodeRecord(taskRecord(kRecordExit, 12, 1, (3 << 8)), exit) == ExecRecordStatus::Ok);
    CHECK(exit.type == EventType::Exit && exit.code == 3 && exit.signal == 0 && !exit.core);
    Event killed;
    CHECK(decodeRecord(taskRecord(kRecordExit, 12, 1, 0x80 | 11), killed) == ExecRecordStatus::Ok);
    CHECK(killed.code == 0 && killed.signal == 11 && killed.core);
  });
  test("ring record: an unknown kind, a wrong size, a pid out of range", [] {
    CHECK(statusOf(taskRecord(7, 12, 1)) == ExecRecordStatus::BadKind);
    CHECK(statusOf(taskRecord(0, 12, 1)) == ExecRecordStatus::BadKind);
    CHECK(statusOf({1, 0}) == ExecRecordStatus::TooShort);
    Bytes longer = taskRecord(kRecordFork, 12, 1);
    longer.push_back(0);
    CHECK(statusOf(longer) == ExecRecordStatus::BadSize);
    Bytes shorter = taskRecord(kRecordExit, 12, 1);
    shorter.pop_back();
    CHECK(statusOf(shorter) == ExecRecordStatus::BadSize);
    CHECK(statusOf(taskRecord(kRecordFork, 0, 1)) == ExecRecordStatus::BadPid);
    CHECK(statusOf(taskRecord(kRecordExit, 12, -1)) == ExecRecordStatus::BadPid);
    Bytes exec = execRecord();
    setField<uint32_t>(exec, offsetof(ExecRecord, kind), kRecordFork);  // an exec's size as a fork
    CHECK(statusOf(exec) == ExecRecordStatus::BadSize);
  });
}

std::string btfError(const Bytes& blob, const char* structName = "task_struct", const char* member = "mm") {
  try {
    Btf btf(blob.data(), blob.size());
    btf.offsetOf(structName, member);
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

void btfTests() {
  test("btf: an enum's value by name; a missing one throws", [] {
    Bytes blob = sampleBtf().blob();
    Btf btf(blob.data(), blob.size());
    CHECK(btf.enumValue("pid_type", "PIDTYPE_SID") == 3 && btf.enumValue("pid_type", "PIDTYPE_PGID") == 2);
    bool threw = false;
    try {
      btf.enumValue("pid_type", "PIDTYPE_NONE");
    } catch (const std::runtime_error&) {
      threw = true;
    }
    CHECK(threw);
  });
  test("btf: offsets through an anonymous union, a typedef and kind_flag", [] {
    Bytes blob = sampleBtf().blob();
    Btf btf(blob.data(), blob.size());
    CHECK(btf.offsetOf("task_struct", "mm") == 8);
    CHECK(btf.offsetOf("task_struct", "cred") == 16);
    CHECK(btf.offsetOf("mm_struct", "arg_end") == 4);
    CHECK(btfError(blob, "task_struct", "nope").find("has no task_struct.nope") != std::string::npos);
  });
  test("btf: a type whose members run past the type section", [] {
    BtfBuilder b = sampleBtf();
    b.types.resize(b.types.size() - 4);  // cut into mm_struct's last member
    CHECK(btfError(b.blob()).find("overruns the type section") != std::string::npos);
  });
  test("btf: a type section ending inside a type header", [] {
    BtfBuilder b = sampleBtf();
    b.types.resize(b.types.size() + 4, 0);
    CHECK(btfError(b.blob()).find("ends inside a type") != std::string::npos);
  });
  test("btf: a huge vlen", [] {
    BtfBuilder b;
    b.type(b.str("task_struct"), BTF_KIND_STRUCT, 0xffff, false, 8);
    CHECK(btfError(b.blob()).find("overruns") != std::string::npos);
  });
  test("btf: sections past the file, and offsets that would wrap", [] {
    Bytes blob = sampleBtf().blob();
    put<uint32_t>(blob, offsetof(btf_header, type_len), uint32_t(blob.size()));
    CHECK(btfError(blob).find("overrun the file") != std::string::npos);
    blob = sampleBtf().blob();
    put<uint32_t>(blob, offsetof(btf_header, str_off), 0xfffffff0u);
    put<uint32_t>(blob, offsetof(btf_header, str_len), 0x20u);
    CHECK(btfError(blob).find("overrun the file") != std::string::npos);
  });
  test("btf: bad magic, short header, unknown kind", [] {
    Bytes blob = sampleBtf().blob();
    put<uint16_t>(blob, 0, 0x1234);
    CHECK(btfError(blob).find("bad magic") != std::string::npos);
    blob = sampleBtf().blob();
    put<uint32_t>(blob, offsetof(btf_header, hdr_len), 4);
    CHECK(btfError(blob).find("too short") != std::string::npos);
    CHECK(btfError(Bytes(10, 0)).find("truncated") != std::string::npos);
    BtfBuilder b;
    b.type(0, 31, 0, false, 0);
    CHECK(btfError(b.blob()).find("unknown kind") != std::string::npos);
  });
  test("btf: a name without its NUL is no name", [] {
    BtfBuilder b = sampleBtf();
    b.strings += "task_struct";  // the string section ends without a NUL
    uint32_t off = uint32_t(b.strings.size() - strlen("task_struct"));
    b.type(off, BTF_KIND_STRUCT, 1, false, 8);
    b.member(off, 1, 0);
    Bytes blob = b.blob();
    Btf btf(blob.data(), blob.size());
    CHECK(btf.offsetOf("task_struct", "mm") == 8);  // the real one still found
    CHECK(btfError(blob, "task_struct", "task_struct").find("has no") != std::string::npos);
  });
  test("btf: an anonymous member that contains itself", [] {
    BtfBuilder b;
    b.type(b.str("task_struct"), BTF_KIND_STRUCT, 1, false, 8);
    b.member(0, 1, 0);  // type 1 inside type 1
    CHECK(btfError(b.blob()).find("has no task_struct.mm") != std::string::npos);
  });
  test("btf: anonymous members sharing types (2^30 paths) are searched once each", [] {
    BtfBuilder b;
    b.type(b.str("task_struct"), BTF_KIND_STRUCT, 2, false, 8);
    b.member(0, 2, 0);
    b.member(0, 2, 0);
    for (uint32_t id = 2; id <= 31; id++) {
      b.type(0, BTF_KIND_STRUCT, 2, false, 8);
      b.member(0, id + 1, 0);
      b.member(0, id + 1, 0);
    }
    CHECK(btfError(b.blob()).find("has no task_struct.mm") != std::string::npos);
  });
  test("btf: member and typedef ids past the table", [] {
    BtfBuilder b;
    b.type(b.str("task_struct"), BTF_KIND_STRUCT, 2, false, 8);
    b.member(0, 0xfffffff, 0);
    b.member(0, 2, 0);
    b.type(b.str("loop"), BTF_KIND_TYPEDEF, 0, false, 2);  // a typedef of itself
    CHECK(btfError(b.blob()).find("has no task_struct.mm") != std::string::npos);
  });
}

}  // namespace

// A literal's bytes, NULs included (its own last NUL left out).
template <size_t N>
std::string lit(const char (&s)[N]) {
  return std::string(s, N - 1);
}

void originTests() {
  const EnvAllowlist& allow = sampleAllowlist();
  auto filter = [&](const std::string& bytes) {
    // Exactly the bytes, on the heap: ASan sees a read past them.
    auto* copy = new char[bytes.size() ? bytes.size() : 1];
    memcpy(copy, bytes.data(), bytes.size());
    EnvVars out;
    filterEnvironment(copy, bytes.size(), allow, out);
    delete[] copy;
    return out;
  };
  test("environment: the first of each allowlisted name; no '=', an empty name, a cut last entry left out", [&] {
    EnvVars v = filter(lit("SUDO_USER=a\0SUDO_USER=b\0SSH_TTY\0=x\0LD_PRELOAD=/x.so"));
    CHECK(v.size() == 1 && v[0].first == "SUDO_USER" && v[0].second == "a");
    CHECK(filter("").empty());
    CHECK(filter(lit("SSH_TTY=/dev/pts/1\0")).size() == 1);
    CHECK(filter(lit("SSH_TTYX=1\0XSSH_TTY=1\0ssh_tty=1\0")).empty());
    std::string longValue = "LD_LIBRARY_PATH=" + std::string(kEnvValueCap + 100, 'p') + '\0';
    EnvVars cut = filter(longValue);
    CHECK(cut.size() == 1 && cut[0].second.size() == kEnvValueCap);
  });
  test("tty names: ps's for each known device; numbers for the rest; none for 0:0", [] {
    CHECK(!ttyName(0, 0));
    CHECK(ttyName(136, 3) == std::optional<std::string>("pts/3"));
    CHECK(ttyName(137, 1) == std::optional<std::string>("pts/257"));
    CHECK(ttyName(4, 1) == std::optional<std::string>("tty1"));
    CHECK(ttyName(4, 64) == std::optional<std::string>("ttyS0"));
    CHECK(ttyName(5, 1) == std::optional<std::string>("console"));
    CHECK(ttyName(250, 7) == std::optional<std::string>("tty(250:7)"));
    uint32_t major, minor;
    decodeTtyNr(34816 + 3, &major, &minor);  // pts/3
    CHECK(major == 136 && minor == 3);
    decodeTtyNr((136u << 8) | (300u & 0xff) | ((300u & ~0xffu) << 12), &major, &minor);
    CHECK(major == 136 && minor == 300);
  });
  test("stat: pgrp, session and tty_nr after the comm's last ')'; bad text refused", [] {
    StatOrigin o;
    CHECK(parseStatOrigin("42 (a) b) c) S 1 40 30 34819 0 0", &o) && o.pgrp == 40 && o.session == 30 && o.ttyNr == 34819);
    CHECK(!parseStatOrigin("42 (a) S 1 40", &o));
    CHECK(!parseStatOrigin("no paren", &o));
    CHECK(!parseStatOrigin("42 (a)", &o));
    CHECK(!parseStatOrigin("42 (a) S 1 -1 30 0", &o));
    CHECK(!parseStatOrigin("42 (a) S 1 99999999999999999999999 30 0", &o));
  });
  test("audit ids: one u32 and maybe a newline", [] {
    CHECK(parseAuditId("4294967295") == std::optional<uint32_t>(4294967295u));
    CHECK(parseAuditId("7\n") == std::optional<uint32_t>(7));
    CHECK(!parseAuditId("") && !parseAuditId("x") && !parseAuditId("4294967296") && !parseAuditId("7 8"));
  });
}

// The native --json lines against what JS writes (the expected texts are node's own output);
// test/sources/ebpf-lines.test.ts compares whole lines over real processes.
void jsonTests() {
  test("numbers as JS writes them", [] {
    // A few picked by hand (the first once came out as 8.1886e-22), then js_numbers.h's.
    const JsNumber picked[] = {
      {0x3fb4f67b1c0010c7ULL, "0.081886"},
      {0x3b8eef8729405ea2ULL, "8.1886e-22"},
      {0x3eb0c6f7a0b5ed8dULL, "0.000001"},
      {0x3e7ad7f29abcaf48ULL, "1e-7"},
      {0x3e8421f5f40d8376ULL, "1.5e-7"},
      {0x40fe240c9fbe76c9ULL, "123456.789"},
      {0x444b1ae4d6e2ef50ULL, "1e+21"},
      {0x4415af1d78b58c40ULL, "100000000000000000000"},
      {0x444b1a333426c08bULL, "999900000000000000000"},
      {0x3c36b082c2148b8eULL, "1.23e-18"},
      {0x0000000000000001ULL, "5e-324"},
      {0x7fefffffffffffffULL, "1.7976931348623157e+308"},
      {0x4340000000000000ULL, "9007199254740992"},
      {0x4340000000000001ULL, "9007199254740994"},
      {0x43b0000000000000ULL, "1152921504606847000"},
      {0x4450000000000000ULL, "1.1805916207174113e+21"},
      {0xbfe0000000000000ULL, "-0.5"},
      {0xbe7ad7f29abcaf48ULL, "-1e-7"},
      {0xc05edd2f1a9fbe77ULL, "-123.456"},
      {0x3fb999999999999aULL, "0.1"},
      {0x3fd3333333333334ULL, "0.30000000000000004"},
      {0x3fd5555555555555ULL, "0.3333333333333333"},
      {0x4059200000000000ULL, "100.5"},
      {0x419469957fe48238ULL, "85615967.973153"},
      {0x41efffffffe00000ULL, "4294967295"},
      {0xc1e0000000000000ULL, "-2147483648"},
      {0x3eb0c6f7a0b5ed8dULL, "0.000001"},
      {0x3ee9e0fcaf9380fcULL, "0.00001234"},
      {0x4450bb448ec2f608ULL, "1.2345678901234568e+21"},
      {0x3ff8000000000000ULL, "1.5"},
      {0x40280000218def41ULL, "12.000001"},
      {0x4125fbbafd113837ULL, "720349.494272"},
      {0x411474aba3875925ULL, "335146.909696"},
      {0x412538fde2ef4e01ULL, "695422.943232"},
      {0x4130b546d3f9e7b8ULL, "1094982.828032"},
      {0x4126cc87980f55deULL, "747075.796992"},
      {0x41269615ebfa8f7eULL, "740106.960896"},
      {0x41072ddbdb5d8948ULL, "189883.482112"},
      {0x412da263e8dda48bULL, "971057.954816"},
      {0x4127bb6f9fcb0c02ULL, "777655.812096"},
      {0x412bc477bbf93ff2ULL, "909883.867136"},
      {0x4128cf90539fba45ULL, "813000.163328"},
      {0x4116aa5bd944aa54ULL, "371350.962176"},
      {0x412aa383f0bae89fULL, "872897.970176"},
      {0x4109cc49ba5e353fULL, "211337.216"},
      {0x4123750f0e90bc7bULL, "637575.528448"},
      {0x410f60008637bd06ULL, "257024.065536"},
      {0x410c0b69984a0e41ULL, "229741.19936"},
      {0x412a6d347a5b0ff1ULL, "865946.238976"},
      {0x412d3c77143393abULL, "958011.539456"},
      {0x412c51cc100e6afdULL, "927974.03136"},
      {0x40fde321a2e7f6f5ULL, "122418.102272"},
      {0x411f91320d9945b7ULL, "517196.51328"},
      {0x41288a1a93293d10ULL, "804109.287424"},
      {0x4118900ffda4052dULL, "402435.997696"},
      {0x4112bea24cc68230ULL, "307112.574976"},
      {0x4118b694ccab3edeULL, "404901.199872"},
      {0x412ed3c85c24c405ULL, "1010148.179968"},
      {0x412d37cfa26a22b4ULL, "957415.817216"},
      {0x411c22fc69728a61ULL, "460991.102976"},
      {0x411cc43ed959a30aULL, "471311.712256"},
      {0x412b813d74d594f2ULL, "901278.728192"},
      {0x41072ed6777079e6ULL, "189914.80832"},
      {0x41053f88b9778573ULL, "174065.09056"},
      {0x411554f8f8a4c1ecULL, "349502.242816"},
      {0x41194c72e275ab7eULL, "414492.721152"},
      {0x4120ed996744b2b7ULL, "554700.701696"},
      {0x413052e48e8a71deULL, "1069796.5568"},
      {0x411f602ea960b6faULL, "514059.665408"},
      {0x41294893b7d84902ULL, "828489.859072"},
      {0x410e3d4ae429e0a4ULL, "247721.361408"},
      {0x3f3c92ddbdb5d895ULL, "0.000436"},
      {0x3f4c9b413986338bULL, "0.000873"},
      {0x3f4acde19fc2a887ULL, "0.000818"},
      {0x3f341e9af5ba2be0ULL, "0.000307"},
      {0x3f4187e7c06e19b9ULL, "0.000535"},
      {0x3f4bb8c32a8c9b84ULL, "0.000846"},
      {0x3f46f0068db8bac7ULL, "0.0007"},
      {0x3f1d19157abb8801ULL, "0.000111"},
      {0x3f434ce3de6149c7ULL, "0.000589"},
      {0x3f181e03f705857bULL, "0.000092"},
      {0x3e5480936e066dd8ULL, "1.9094207882881164e-8"},
      {0x3cacc62b5acbdd54ULL, "1.9966042041778566e-16"},
      {0xbe7f9a47a9e2bcf9ULL, "-1.177290678024292e-7"},
      {0xc51b117c46f850c9ULL, "-8.180892467498778e+24"},
      {0xb9ac2e4e57e64f86ULL, "-6.947124004364014e-31"},
      {0xbb07ff89145c8aefULL, "-2.4813542142510416e-24"},
      {0x398b13669cc32c9aULL, "1.6686740517616274e-31"},
      {0xbce3407e8a69b20bULL, "-2.137393690645695e-15"},
      {0xbc2e53ef7fa7a719ULL, "-8.220386505126952e-19"},
      {0x3f68d8c7d70a3d71ULL, "0.0030330565571784975"},
      // Durations, ns / 1e6 (written without a search, see shortestDigits).
      {0x3f1a36e2eb1c432dULL, "0.0001"},
      {0x4004000000000000ULL, "2.5"},
      {0x4043f1ab3aabcd79ULL, "39.888038"},
      {0x41cdcd64fffffff8ULL, "999999999.999999"},
      {0x419d6f34540ca42bULL, "123456789.012345"},
    };
    int wrong = 0;
    auto check = [&](const JsNumber& c) {
      double v;
      memcpy(&v, &c.bits, sizeof v);
      std::string out;
      appendJsNumber(out, v);
      if (out != c.js && wrong++ < 10) fprintf(stderr, "  %s: got %s\n", c.js, out.c_str());
    };
    for (const JsNumber& c : picked) check(c);
    for (const JsNumber& c : kJsNumbers) check(c);
    CHECK(wrong == 0);
  });
  test("strings as JSON.stringify and json.ts write them", [] {
    struct Case {
      std::string bytes;
      const char* json;
    };
    const Case cases[] = {
        {"plain /usr/bin/true", "\"plain /usr/bin/true\""},
        {"\"\\\b\f\n\r\t", "\"\\\"\\\\\\b\\f\\n\\r\\t\""},
        {"\x01\x1b[31m\x1f", "\"\\u0001\\u001b[31m\\u001f\""},
        {"\x7f\xc2\x85\xc2\x9b", "\"\\u007f\\u0085\\u009b\""},
        {"a\xe2\x80\xa8" "b\xe2\x80\xae" "c\xd8\x9c", "\"a\\u2028b\\u202ec\\u061c\""},
        {"\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd", "\"\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd\""},
        // Not UTF-8: each byte as the lone surrogate JS holds for it.
        {"\xff\xc0\xaf\xed\xa0\x80\xf0\x9f", "\"\\udcff\\udcc0\\udcaf\\udced\\udca0\\udc80\\udcf0\\udc9f\""},
        {"", "\"\""},
    };
    for (const Case& c : cases) {
      std::string out;
      appendJsonString(out, c.bytes);
      if (out != c.json) fprintf(stderr, "  %s: got %s\n", c.json, out.c_str());
      CHECK(out == c.json);
    }
  });
  test("an exit line", [] {
    Event ev;
    ev.type = EventType::Exit;
    ev.ts = 85615967973153;
    ev.pid = 21700;
    ev.ppid = 21698;
    ev.code = 127;
    ev.durationMs = 0.081886;
    IsoTimes times(1764653719867272000 - 85615967973153);
    std::string out;
    appendJsonLine(out, ev, times);
    CHECK(out == "{\"type\":\"exit\",\"time\":\"2025-12-02T05:35:19.867272Z\",\"ts\":85615967973153,\"pid\":21700,"
                 "\"ppid\":21698,\"code\":127,\"signal\":0,\"core\":false,\"duration_ms\":0.081886}\n");
  });
  test("an exec line with what may be missing missing (expected: node's JSON.stringify of packed.ts's object)", [] {
    Event ev;
    ev.type = EventType::Exec;
    ev.ts = 85615967973153;
    ev.pid = 7;
    ev.ret = -13;
    ev.truncated = true;
    ProcInfo& info = ev.info;
    info.filename = "/s\xe2\x80\xa8";
    info.auid = 4294967295u;
    info.session = 3;
    info.ttyRead = true;
    info.tty = "pts/1";
    info.sid = 10;
    info.pgid = 11;
    info.envRead = true;
    info.env = {{"SUDO_USER", "a\"b"}, {"__proto__", "x"}};
    info.originLate = true;
    IsoTimes times(1764653719867272000 - 85615967973153);
    std::string out;
    appendJsonLine(out, ev, times);
    const char* js =
        "{\"type\":\"exec\",\"time\":\"2025-12-02T05:35:19.867272Z\",\"ts\":85615967973153,\"pid\":7,\"ppid\":null,"
        "\"argv\":null,\"argv_source\":null,\"comm\":null,\"exe\":null,\"cwd\":null,\"uid\":null,\"cgroup\":null,"
        "\"start_ts\":null,\"start\":null,\"ret\":-13,\"truncated\":true,\"filename\":\"/s\\u2028\",\"auid\":4294967295,"
        "\"session\":3,\"tty\":\"pts/1\",\"sid\":10,\"pgid\":11,\"env\":{\"SUDO_USER\":\"a\\\"b\"},\"origin_late\":true}\n";
    if (out != js) fprintf(stderr, "  got %s", out.c_str());
    CHECK(out == js);
  });
}

int main() {
  netlinkTests();
  execRecordTests();
  originTests();
  btfTests();
  jsonTests();
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
