#include "tracefs.h"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "sys_error.h"

namespace forktop {

namespace {

constexpr const char* kTracefs = "/sys/kernel/tracing";
constexpr const char* kDebugfsTracing = "/sys/kernel/debug/tracing";

bool hasEvents(const std::string& root) { return access((root + "/events").c_str(), R_OK) == 0; }

}  // namespace

Tracefs::Tracefs() {
  if (hasEvents(kTracefs)) {
    root_ = kTracefs;
  } else if (hasEvents(kDebugfsTracing)) {
    root_ = kDebugfsTracing;
  } else {
    if (mount("tracefs", kTracefs, "tracefs", 0, nullptr) != 0) throw SysError("mount tracefs", errno);
    mounted_ = true;
    root_ = kTracefs;
  }
}

Tracefs::~Tracefs() {
  if (mounted_) umount2(kTracefs, MNT_DETACH);
}

std::string Tracefs::readEventFile(const std::string& event, const char* file) const {
  std::ifstream in(root_ + "/events/" + event + "/" + file);
  if (!in) throw std::runtime_error("no tracepoint " + event + " in " + root_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Tracefs::eventId(const std::string& event) const { return std::stoi(readEventFile(event, "id")); }

// Lines look like "\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;".
int16_t Tracefs::fieldOffset(const std::string& event, const std::string& field) const {
  std::istringstream lines(readEventFile(event, "format"));
  for (std::string line; std::getline(lines, line);) {
    size_t f = line.find("field:");
    size_t semi = line.find(';', f);
    size_t off = line.find("offset:");
    if (f == std::string::npos || semi == std::string::npos || off == std::string::npos) continue;
    std::string decl = line.substr(f, semi - f);
    for (size_t open; (open = decl.find('[')) != std::string::npos;) decl.erase(open, decl.find(']', open) - open + 1);
    size_t space = decl.find_last_of(" *");
    if (decl.substr(space + 1) == field) return int16_t(std::stoi(line.substr(off + 7)));
  }
  throw std::runtime_error("tracepoint " + event + " has no field " + field);
}

}  // namespace forktop
