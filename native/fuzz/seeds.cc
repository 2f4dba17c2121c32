// Writes the fuzzers' seed corpora: well-formed inputs (samples.h), one file each, into
// <dir>/{netlink,exec_record,btf}/.
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "samples.h"

using namespace forktop::samples;

namespace {

void write(const std::string& path, const Bytes& bytes) {
  FILE* f = fopen(path.c_str(), "wb");
  if (!f || fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || fclose(f) != 0) {
    perror(path.c_str());
    exit(1);
  }
}

// The netlink fuzzer reads a control byte first: no MSG_TRUNC, 2 CPUs.
Bytes datagram(const Bytes& messages) {
  Bytes out{0x01};
  out.insert(out.end(), messages.begin(), messages.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: seeds DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  for (const char* sub : {"", "/netlink", "/exec_record", "/proc_text", "/btf"}) mkdir((dir + sub).c_str(), 0755);

  write(dir + "/netlink/fork", datagram(procMessage(forkEvent(0, 1, 2), 7)));
  write(dir + "/netlink/exec", datagram(procMessage(execEvent(1, 2), 8)));
  write(dir + "/netlink/exit", datagram(procMessage(exitEvent(1, 2, 1, 256), 9)));
  write(dir + "/netlink/comm", datagram(procMessage(commEvent(0, 2, "worker"), 10)));
  write(dir + "/netlink/ack", datagram(procMessage(ackEvent(0), 0, 43)));
  write(dir + "/netlink/two", datagram(concat(procMessage(forkEvent(0, 1, 3), 11), procMessage(exitEvent(0, 3, 1, 0), 12))));

  write(dir + "/exec_record/paths", execRecord());
  ExecSample failed;
  failed.ret = -2;
  failed.cwd = failed.exe = failed.cgroup = {};
  write(dir + "/exec_record/failed", execRecord(failed));
  ExecSample root;
  root.argv = {"sh"};
  root.cwd = {};
  root.exe = {"sh", "bin"};
  root.cgroup = {};
  write(dir + "/exec_record/no_cwd", execRecord(root));

  write(dir + "/exec_record/fork", taskRecord(forktop::kRecordFork, 4243, 4242));
  write(dir + "/exec_record/exit", taskRecord(forktop::kRecordExit, 4243, 4242, 3 << 8));

  write(dir + "/btf/sample", sampleBtf().blob());

  // The proc_text fuzzer's first byte picks the parser: 0 stat, 1 an audit id, 2 environ.
  auto text = [](uint8_t which, const std::string& s) {
    Bytes out{which};
    out.insert(out.end(), s.begin(), s.end());
    return out;
  };
  const char environBytes[] = "HOME=/root\0SSH_CONNECTION=203.0.113.7 5 10.0.0.2 22\0SUDO_USER=a\0";
  const std::string environ(environBytes, sizeof environBytes - 1);
  write(dir + "/proc_text/stat", text(0, "4242 (sh) S 4000 4242 3900 34819 4242 4194304 0 0 0 0 0 0 0 0 20 0 1 0 123 0\n"));
  write(dir + "/proc_text/loginuid", text(1, "4294967295"));
  write(dir + "/proc_text/environ", text(2, environ));
  ExecSample noEnv;
  noEnv.env = {};
  write(dir + "/exec_record/no_env", execRecord(noEnv));
  return 0;
}
