#include "terminal.h"

#include <fcntl.h>
#include <unistd.h>

namespace forktop {

Napi::Value DetachStdio(const Napi::CallbackInfo& info) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    for (int fd = 0; fd <= 2; fd++) dup2(null, fd);
    close(null);
  }
  return info.Env().Undefined();
}

}  // namespace forktop
