// Owners of kernel resources that release themselves: a file descriptor and a memory
// mapping. Closing the last fd is what releases a BPF program or map, so with these no
// exit path (an exception half-way through loading included) can leave one behind.
#pragma once

#include <cstddef>
#include <utility>

namespace forktop {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

// A shared mapping of an fd. map() throws SysError naming `what`.
class Mapping {
 public:
  Mapping() = default;
  static Mapping map(const char* what, size_t length, int prot, int fd, long offset);
  Mapping(Mapping&& o) noexcept
      : addr_(std::exchange(o.addr_, nullptr)), length_(std::exchange(o.length_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();
  void* get() const { return addr_; }
  size_t size() const { return length_; }
  void reset();

 private:
  Mapping(void* addr, size_t length) : addr_(addr), length_(length) {}
  void* addr_ = nullptr;
  size_t length_ = 0;
};

}  // namespace forktop
