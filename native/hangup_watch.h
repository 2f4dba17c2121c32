// Tells JS when the reader of a pipe goes away (`forktop --json | head`), without waiting
// for the next write to fail: on an idle machine that write might never come.
// A thread (a StoppableThread) polls the fd for POLLERR/POLLHUP, and its wake-up fd.
#pragma once

#include <napi.h>

#include <optional>

#include "stoppable_thread.h"

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
  Napi::ThreadSafeFunction tsfn_;
  std::optional<StoppableThread> thread_;  // made in the constructor's body, where its error can be thrown to JS
};

}  // namespace forktop
