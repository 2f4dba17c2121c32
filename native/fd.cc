#include "fd.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "sys_error.h"

namespace forktop {

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

Fd::~Fd() { reset(); }

void Fd::reset() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

Mapping Mapping::map(const char* what, size_t length, int prot, int fd, long offset) {
  void* addr = mmap(nullptr, length, prot, MAP_SHARED, fd, off_t(offset));
  if (addr == MAP_FAILED) throw SysError(std::string("mmap(") + what + ")", errno);
  return Mapping(addr, length);
}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
  if (this != &o) {
    reset();
    addr_ = std::exchange(o.addr_, nullptr);
    length_ = std::exchange(o.length_, 0);
  }
  return *this;
}

Mapping::~Mapping() { reset(); }

void Mapping::reset() {
  if (addr_) munmap(addr_, length_);
  addr_ = nullptr;
  length_ = 0;
}

}  // namespace forktop
