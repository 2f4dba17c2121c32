#include "bpf_syscall.h"

#include <linux/btf.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "sys_error.h"

namespace forktop {

namespace {

long bpf(int cmd, bpf_attr* attr) { return syscall(__NR_bpf, cmd, attr, sizeof *attr); }

void copyName(char (&dst)[BPF_OBJ_NAME_LEN], const char* name) {
  strncpy(dst, name, BPF_OBJ_NAME_LEN - 1);
}

// The verifier's verdict: its last line before the statistics it always ends with.
std::string verdict(const std::string& log) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    if (end > start) lines.push_back(log.substr(start, end - start));
    start = end + 1;
  }
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (it->rfind("processed ", 0) == 0 || it->rfind("verification time", 0) == 0 ||
        it->rfind("stack depth", 0) == 0)
      continue;
    return *it;
  }
  return "";
}

// The BTF a program with functions is loaded with: an int, a void pointer, and two
// static functions, int main(void *ctx) for the main program and int callback(int i,
// void *ctx) for each of bpf_loop's callbacks. Types: 1 int, 2 void *, 3 and 4 their
// prototypes, 5 and 6 the functions.
constexpr uint32_t kMainFunc = 5, kCallbackFunc = 6;

Fd loadFunctionBtf() {
  static const char strings[] = "\0int\0ctx\0i\0main\0callback";
  auto at = [](const char* s) { return uint32_t(std::string_view(strings, sizeof strings).find(s)); };
  auto info = [](uint32_t kind, uint32_t vlen) { return kind << 24 | vlen; };
  std::vector<uint32_t> types = {
      at("int"), info(BTF_KIND_INT, 0), 4, BTF_INT_SIGNED << 24 | 32,
      0, info(BTF_KIND_PTR, 0), 0,
      0, info(BTF_KIND_FUNC_PROTO, 1), 1, at("ctx"), 2,
      0, info(BTF_KIND_FUNC_PROTO, 2), 1, at("i"), 1, at("ctx"), 2,
      at("main"), info(BTF_KIND_FUNC, BTF_FUNC_STATIC), 3,
      at("callback"), info(BTF_KIND_FUNC, BTF_FUNC_STATIC), 4,
  };
  btf_header header{};
  header.magic = BTF_MAGIC;
  header.version = BTF_VERSION;
  header.hdr_len = sizeof header;
  header.type_off = 0;
  header.type_len = uint32_t(types.size() * 4);
  header.str_off = header.type_len;
  header.str_len = sizeof strings;
  std::vector<uint8_t> blob(sizeof header + header.type_len + header.str_len);
  memcpy(blob.data(), &header, sizeof header);
  memcpy(blob.data() + sizeof header, types.data(), header.type_len);
  memcpy(blob.data() + sizeof header + header.type_len, strings, sizeof strings);
  std::vector<char> log(4096);
  bpf_attr attr{};
  attr.btf = reinterpret_cast<uint64_t>(blob.data());
  attr.btf_size = uint32_t(blob.size());
  attr.btf_log_buf = reinterpret_cast<uint64_t>(log.data());
  attr.btf_log_size = uint32_t(log.size());
  attr.btf_log_level = 1;
  long fd = bpf(BPF_BTF_LOAD, &attr);
  if (fd < 0) {
    int err = errno;
    throw SysError("bpf(BPF_BTF_LOAD)", err, log[0] ? std::string(log.data()) : std::string(strerror(err)));
  }
  return Fd(int(fd));
}

}  // namespace

Fd createMap(bpf_map_type type, const char* name, uint32_t keySize, uint32_t valueSize, uint32_t maxEntries) {
  bpf_attr attr{};
  attr.map_type = type;
  attr.key_size = keySize;
  attr.value_size = valueSize;
  attr.max_entries = maxEntries;
  copyName(attr.map_name, name);
  long fd = bpf(BPF_MAP_CREATE, &attr);
  if (fd < 0) throw SysError(std::string("bpf(BPF_MAP_CREATE ") + name + ")", errno);
  return Fd(int(fd));
}

Fd loadTracepointProgram(const char* name, const BpfProgram& program, std::string* log, bpf_prog_type type) {
  const std::vector<bpf_insn>& code = program.code;
  Fd btf;
  std::vector<bpf_func_info> functions;
  if (!program.functions.empty()) {
    btf = loadFunctionBtf();
    functions.push_back({0, kMainFunc});
    for (uint32_t start : program.functions) functions.push_back({start, kCallbackFunc});
  }
  std::vector<char> buffer;
  auto load = [&](uint32_t logLevel) {
    bpf_attr attr{};
    if (btf.valid()) {
      attr.prog_btf_fd = uint32_t(btf.get());
      attr.func_info_rec_size = sizeof(bpf_func_info);
      attr.func_info = reinterpret_cast<uint64_t>(functions.data());
      attr.func_info_cnt = uint32_t(functions.size());
    }
    attr.prog_type = type;
    attr.insns = reinterpret_cast<uint64_t>(code.data());
    attr.insn_cnt = uint32_t(code.size());
    attr.license = reinterpret_cast<uint64_t>("GPL");  // the probe_read helpers are GPL-only
    copyName(attr.prog_name, name);
    if (logLevel) {
      buffer.assign(16 << 20, '\0');
      attr.log_level = logLevel;
      attr.log_buf = reinterpret_cast<uint64_t>(buffer.data());
      attr.log_size = uint32_t(buffer.size());
    }
    // The verifier gives up with EAGAIN when a signal arrives meanwhile (a profiler's
    // SIGPROF every millisecond, say), which is no verdict: signals wait until it is done.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    long fd;
    for (int attempt = 0; (fd = bpf(BPF_PROG_LOAD, &attr)) < 0 && errno == EAGAIN && attempt < 5; attempt++) {
    }
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    errno = err;
    return fd;
  };
  long fd = load(log ? 1 : 0);
  int err = errno;
  if (fd < 0 && !log) {
    fd = load(1);  // again, to say why
    err = errno;
  }
  std::string text = buffer.empty() ? "" : std::string(buffer.data());
  if (log) *log = text;
  if (fd < 0) {
    std::string why = verdict(text);
    throw SysError(std::string("the verifier refused ") + name, err,
                   why.empty() ? std::string(strerror(err)) : why);
  }
  return Fd(int(fd));
}

bool bpfLoopWorks() {
  // bpf_loop(1, callback, NULL, 0); the callback returns 0.
  BpfAsm a;
  BpfAsm::Label callback = a.label();
  a.mov(R1, 1);
  a.loadFunction(R2, callback);
  a.mov(R3, 0);
  a.mov(R4, 0);
  a.call(BPF_FUNC_loop);
  a.mov(R0, 0);
  a.exit();
  a.function(callback);
  a.mov(R0, 0);
  a.exit();
  try {
    loadTracepointProgram("forktop_probe", a.finish(), nullptr);
    return true;
  } catch (const SysError&) {
    return false;
  }
}

Fd attachTracepoint(int tracepointId, int programFd) {
  perf_event_attr attr{};
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.size = sizeof attr;
  attr.config = uint64_t(tracepointId);
  attr.sample_period = 1;
  attr.wakeup_events = 1;
  // One event on CPU 0 is enough: a tracepoint's BPF programs run on every CPU.
  long fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) throw SysError("perf_event_open(tracepoint)", errno);
  Fd event{int(fd)};
  if (ioctl(event.get(), PERF_EVENT_IOC_SET_BPF, programFd) != 0) throw SysError("PERF_EVENT_IOC_SET_BPF", errno);
  if (ioctl(event.get(), PERF_EVENT_IOC_ENABLE, 0) != 0) throw SysError("PERF_EVENT_IOC_ENABLE", errno);
  return event;
}

Fd attachRawTracepoint(const char* name, int programFd) {
  bpf_attr attr{};
  attr.raw_tracepoint.name = reinterpret_cast<uint64_t>(name);
  attr.raw_tracepoint.prog_fd = uint32_t(programFd);
  long fd = bpf(BPF_RAW_TRACEPOINT_OPEN, &attr);
  if (fd < 0) throw SysError(std::string("bpf(BPF_RAW_TRACEPOINT_OPEN ") + name + ")", errno);
  return Fd(int(fd));
}

bool lookupMap(int mapFd, const void* key, void* value) {
  bpf_attr attr{};
  attr.map_fd = uint32_t(mapFd);
  attr.key = reinterpret_cast<uint64_t>(key);
  attr.value = reinterpret_cast<uint64_t>(value);
  return bpf(BPF_MAP_LOOKUP_ELEM, &attr) == 0;
}

std::vector<BpfObject> listBpfObjects() {
  std::vector<BpfObject> out;
  struct Kind {
    const char* name;
    int nextCmd, fdCmd;
  };
  for (Kind k : {Kind{"prog", BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID},
                 Kind{"map", BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID}}) {
    uint32_t id = 0;
    for (;;) {
      bpf_attr next{};
      next.start_id = id;
      if (bpf(k.nextCmd, &next) != 0) break;
      id = next.next_id;
      bpf_attr get{};
      if (k.fdCmd == BPF_PROG_GET_FD_BY_ID) get.prog_id = id; else get.map_id = id;
      long fd = bpf(k.fdCmd, &get);
      if (fd < 0) continue;  // gone meanwhile
      Fd owned{int(fd)};
      union {
        bpf_prog_info prog;
        bpf_map_info map;
      } info{};
      bpf_attr query{};
      query.info.bpf_fd = uint32_t(fd);
      query.info.info_len = k.fdCmd == BPF_PROG_GET_FD_BY_ID ? sizeof info.prog : sizeof info.map;
      query.info.info = reinterpret_cast<uint64_t>(&info);
      if (bpf(BPF_OBJ_GET_INFO_BY_FD, &query) != 0) continue;
      const char* name = k.fdCmd == BPF_PROG_GET_FD_BY_ID ? info.prog.name : info.map.name;
      out.push_back({k.name, id, std::string(name, strnlen(name, BPF_OBJ_NAME_LEN))});
    }
  }
  return out;
}

}  // namespace forktop
