// Reads the kernel's own type information (BTF, /sys/kernel/btf/vmlinux) to find where the
// fields forktop's BPF program reads live in this kernel's structs: they move between
// versions and configs, so they are looked up at load time, never hard-coded.
//
// The parse works on bytes in memory (no file, no globals), so a fuzzer can call it
// directly (native/fuzz/fuzz_btf.cc): every offset and count in the data is checked against
// the bytes there before it is used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace forktop {

class Btf {
 public:
  // Both throw std::runtime_error saying what is missing or malformed.
  explicit Btf(const std::string& path);
  Btf(const uint8_t* data, size_t size);

  // Byte offset of `member` in `struct name`, looking inside anonymous struct and union
  // members too (mm_struct keeps its fields in one). Throws when there is no such field.
  uint32_t offsetOf(const std::string& structName, const std::string& member) const;

  // The value of `enumerator` in `enum name` (an enum of 32-bit values). Throws when there is none.
  int64_t enumValue(const std::string& enumName, const std::string& enumerator) const;

  size_t typeCount() const { return types_.size(); }

 private:
  struct Type {
    uint32_t kind;
    bool kindFlag;
    uint32_t vlen;
    uint32_t nameOff;
    uint32_t sizeOrType;
    size_t extra;  // offset of the kind-specific data in data_ (checked to fit the type section)
  };

  void parse();
  bool findMember(uint32_t typeId, const std::string& member, uint32_t* bitOffset, int depth,
                  std::vector<bool>& searched) const;
  uint32_t resolve(uint32_t typeId) const;  // through typedef/const/volatile/…
  std::string_view name(uint32_t nameOff) const;

  std::vector<uint8_t> data_;
  size_t stringsStart_ = 0, stringsLen_ = 0;
  std::vector<Type> types_;  // index = type id; 0 is void
};

}  // namespace forktop
