// The terminal forktop ran in can vanish (ssh dropped, tmux window killed). Node restores
// the tty's settings at exit and aborts when that fails with EIO (fixed in later Node,
// nodejs/node#58200); pointing stdio at /dev/null first makes it skip them.
#pragma once

#include <napi.h>

namespace forktop {

// detachStdio(): fds 0, 1 and 2 become /dev/null.
Napi::Value DetachStdio(const Napi::CallbackInfo& info);

}  // namespace forktop
