#include "hangup_watch.h"

#include <errno.h>
#include <poll.h>

#include "sys_error.h"

namespace forktop {

Napi::Function HangupWatch::Define(Napi::Env env) {
  return DefineClass(env, "HangupWatch", {InstanceMethod("stop", &HangupWatch::Stop)});
}

HangupWatch::HangupWatch(const Napi::CallbackInfo& info) : Napi::ObjectWrap<HangupWatch>(info) {
  fd_ = info[0].As<Napi::Number>().Int32Value();
  try {
    thread_.emplace();
  } catch (const SysError& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
  tsfn_ = Napi::ThreadSafeFunction::New(info.Env(), info[1].As<Napi::Function>(), "forktop-hangup",
                                        0, 1);
  tsfn_.Unref(info.Env());  // watching must not keep the process alive
  thread_->start([this] {
    // events = 0: only errors and hangups are reported, never "writable".
    pollfd fds[2] = {{fd_, 0, 0}, {thread_->wakeFd(), POLLIN, 0}};
    for (;;) {
      int n = poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (fds[1].revents & POLLIN)) break;
      if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
        tsfn_.NonBlockingCall();
        break;
      }
    }
    tsfn_.Release();
  });
}

HangupWatch::~HangupWatch() { stop(); }

void HangupWatch::stop() {
  if (thread_) thread_->stop();
}

Napi::Value HangupWatch::Stop(const Napi::CallbackInfo& info) {
  stop();
  return info.Env().Undefined();
}

}  // namespace forktop
