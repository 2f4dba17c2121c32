// Reads the kernel's own type information (BTF, /sys/kernel/btf/vmlinux) to find where the
// fields forktop's BPF program reads live in this kernel's structs: they move between
// versions and configs, so they are looked up at load time, never hard-coded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace forktop {

class Btf {
 public:
  // Throws std::runtime_error saying what is missing or malformed.
  explicit Btf(const std::string& path);

  // Byte offset of `member` in `struct name`, looking inside anonymous struct and union
  // members too (mm_struct keeps its fields in one). Throws when there is no such field.
  uint32_t offsetOf(const std::string& structName, const std::string& member) const;

 private:
  struct Type {
    uint32_t kind;
    bool kindFlag;
    uint32_t vlen;
    uint32_t nameOff;
    uint32_t sizeOrType;
    size_t extra;  // offset of the kind-specific data in data_
  };

  bool findMember(uint32_t typeId, const std::string& member, uint32_t* bitOffset) const;
  uint32_t resolve(uint32_t typeId) const;  // through typedef/const/volatile/…
  const char* name(uint32_t nameOff) const;

  std::vector<uint8_t> data_;
  size_t typesStart_ = 0, stringsStart_ = 0, stringsLen_ = 0;
  std::vector<Type> types_;  // index = type id; 0 is void
};

}  // namespace forktop
