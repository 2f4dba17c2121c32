// The one way forktop's native threads (the proc connector's and the eBPF ring buffer's
// readers, the hang-up watch) start and stop: a flag, a wake-up, a join. The thread waits
// in the kernel on its own fd beside wakeFd() (an eventfd), or, where it blocks in a call
// that can't wait on two fds (recvmmsg), is woken by a function of its owner's.
//
// Threads: start() and stop() on the owner's (JS) thread; stopping() on the thread itself.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include "fd.h"

namespace forktop {

class StoppableThread {
 public:
  // wake: how stop() wakes the thread; by default a write to wakeFd(). Throws SysError.
  explicit StoppableThread(std::function<void()> wake = nullptr);
  ~StoppableThread() { stop(); }
  StoppableThread(const StoppableThread&) = delete;
  StoppableThread& operator=(const StoppableThread&) = delete;

  void start(std::function<void()> body);
  // Sets the flag, wakes the thread and joins it; nothing when it never started or has
  // been joined already. Returns whether it joined a thread now.
  bool stop();
  bool stopping() const { return stopping_; }
  bool running() const { return thread_.joinable(); }
  // Readable once stop() was called (with the default wake-up): poll it beside your own fd.
  int wakeFd() const { return wakeFd_.get(); }

 private:
  std::atomic<bool> stopping_{false};
  Fd wakeFd_;
  std::function<void()> wake_;
  std::thread thread_;
};

}  // namespace forktop
