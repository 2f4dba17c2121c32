#include "terminal.h"

#include <fcntl.h>
#include <unistd.h>

#include "fd.h"

namespace forktop {

Napi::Value DetachStdio(const Napi::CallbackInfo& info) {
  Fd null(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null.valid()) {
    for (int fd = 0; fd <= 2; fd++) dup2(null.get(), fd);
  }
  return info.Env().Undefined();
}

}  // namespace forktop
