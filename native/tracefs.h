// The kernel's tracepoint catalogue (tracefs): ids to attach to and the layout of each
// tracepoint's record. Mounts tracefs at /sys/kernel/tracing when it is missing and
// unmounts what it mounted when destroyed: the attached programs don't need it after.
#pragma once

#include <cstdint>
#include <string>

namespace forktop {

class Tracefs {
 public:
  Tracefs();  // throws SysError when tracefs is neither mounted nor mountable
  ~Tracefs();
  Tracefs(const Tracefs&) = delete;
  Tracefs& operator=(const Tracefs&) = delete;

  int eventId(const std::string& event) const;  // event: "sched/sched_process_exec"
  // Byte offset of a field in the event's record; throws when the event has no such field.
  int16_t fieldOffset(const std::string& event, const std::string& field) const;
  bool mountedByUs() const { return mounted_; }

 private:
  std::string readEventFile(const std::string& event, const char* file) const;

  std::string root_;
  bool mounted_ = false;
};

}  // namespace forktop
