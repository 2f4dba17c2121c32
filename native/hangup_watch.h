// Tells JS when the reader of a pipe goes away (`forktop --json | head`), without waiting
// for the next write to fail: on an idle machine that write might never come.
// A thread polls the fd for POLLERR/POLLHUP, and an eventfd that stops it.
#pragma once

#include <napi.h>

#include <thread>

#include "fd.h"

namespace forktop {

class HangupWatch : public Napi::ObjectWrap<HangupWatch> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit HangupWatch(const Napi::CallbackInfo& info);  // new HangupWatch(fd, onHangup)
  ~HangupWatch() override;

 private:
  Napi::Value Stop(const Napi::CallbackInfo& info);
  void stop();

  int fd_;
  Fd wakeFd_;
  std::thread thread_;
  Napi::ThreadSafeFunction tsfn_;
};

}  // namespace forktop
