#include "stoppable_thread.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sys_error.h"

namespace forktop {

StoppableThread::StoppableThread(std::function<void()> wake) : wake_(std::move(wake)) {
  if (wake_) return;
  wakeFd_ = Fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wakeFd_.valid()) throw SysError("eventfd", errno);
}

void StoppableThread::start(std::function<void()> body) { thread_ = std::thread(std::move(body)); }

bool StoppableThread::stop() {
  if (!thread_.joinable()) return false;
  stopping_ = true;
  if (wake_) {
    wake_();
  } else {
    uint64_t one = 1;
    if (write(wakeFd_.get(), &one, sizeof one) < 0) {
      // a counter at its limit is readable anyway
    }
  }
  thread_.join();
  return true;
}

}  // namespace forktop
