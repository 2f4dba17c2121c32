#include "btf.h"

#include <fcntl.h>
#include <linux/btf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace forktop {

namespace {

// Anonymous structs and unions nest a few levels in practice; a loop in the data would
// otherwise recurse until the stack ran out.
constexpr int kMaxNesting = 32;

// Bytes of kind-specific data after each btf_type (include/uapi/linux/btf.h); false for a
// kind this code doesn't know, whose size it can't tell.
bool extraBytes(uint32_t kind, uint32_t vlen, size_t* bytes) {
  switch (kind) {
    case BTF_KIND_INT: *bytes = 4; return true;
    case BTF_KIND_ARRAY: *bytes = sizeof(btf_array); return true;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: *bytes = size_t(vlen) * sizeof(btf_member); return true;
    case BTF_KIND_ENUM: *bytes = size_t(vlen) * sizeof(btf_enum); return true;
    case BTF_KIND_FUNC_PROTO: *bytes = size_t(vlen) * sizeof(btf_param); return true;
    case BTF_KIND_VAR: *bytes = sizeof(btf_var); return true;
    case BTF_KIND_DATASEC: *bytes = size_t(vlen) * sizeof(btf_var_secinfo); return true;
    case 17 /* BTF_KIND_DECL_TAG */: *bytes = 4; return true;
    case 19 /* BTF_KIND_ENUM64 */: *bytes = size_t(vlen) * 12; return true;
    case BTF_KIND_PTR:
    case BTF_KIND_FWD:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case 18 /* BTF_KIND_TYPE_TAG */: *bytes = 0; return true;
    default: return false;
  }
}

// Read in large chunks: the kernel's is ~5 MiB, which a byte-wise istreambuf_iterator took
// ~15 ms to copy (a tenth of forktop's start).
std::vector<uint8_t> readFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("no kernel BTF at " + path);
  std::vector<uint8_t> data;
  struct stat st;
  // sysfs gives the size; a file without one grows as it reads.
  data.resize(fstat(fd, &st) == 0 && st.st_size > 0 ? size_t(st.st_size) + 1 : size_t(1) << 20);
  size_t used = 0;
  for (;;) {
    if (used == data.size()) data.resize(data.size() * 2);
    ssize_t n = read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      throw std::runtime_error("reading " + path + ": " + strerror(e));
    }
    if (n == 0) break;
    used += size_t(n);
  }
  close(fd);
  data.resize(used);
  return data;
}

}  // namespace

Btf::Btf(const std::string& path) : data_(readFile(path)) { parse(); }

Btf::Btf(const uint8_t* data, size_t size) : data_(data, data + size) { parse(); }

void Btf::parse() {
  btf_header h;
  if (data_.size() < sizeof h) throw std::runtime_error("kernel BTF is truncated");
  memcpy(&h, data_.data(), sizeof h);
  if (h.magic != BTF_MAGIC) throw std::runtime_error("kernel BTF has a bad magic number");
  if (h.hdr_len < sizeof h) throw std::runtime_error("kernel BTF header is too short");
  // 64-bit sums: no 32-bit offset plus length can wrap around here.
  uint64_t typesStart = uint64_t(h.hdr_len) + h.type_off, typesEnd = typesStart + h.type_len;
  uint64_t stringsStart = uint64_t(h.hdr_len) + h.str_off, stringsEnd = stringsStart + h.str_len;
  if (typesEnd > data_.size() || stringsEnd > data_.size())
    throw std::runtime_error("kernel BTF sections overrun the file");
  stringsStart_ = size_t(stringsStart);
  stringsLen_ = h.str_len;

  types_.reserve(h.type_len / 24);  // a type and its data take ~24-40 bytes
  types_.push_back({});  // id 0: void
  for (size_t at = size_t(typesStart); at < typesEnd;) {
    btf_type t;
    if (typesEnd - at < sizeof t) throw std::runtime_error("kernel BTF ends inside a type");
    memcpy(&t, &data_[at], sizeof t);
    Type type{BTF_INFO_KIND(t.info), BTF_INFO_KFLAG(t.info) != 0, BTF_INFO_VLEN(t.info), t.name_off,
              t.size, at + sizeof t};
    size_t extra;
    if (!extraBytes(type.kind, type.vlen, &extra))
      throw std::runtime_error("kernel BTF type " + std::to_string(types_.size()) + " has unknown kind " +
                               std::to_string(type.kind));
    if (typesEnd - type.extra < extra)
      throw std::runtime_error("kernel BTF type " + std::to_string(types_.size()) + " overruns the type section");
    types_.push_back(type);
    at = type.extra + extra;
  }
}

// "" for no name, and for one that is out of the string section or not NUL-terminated in it.
std::string_view Btf::name(uint32_t nameOff) const {
  if (nameOff >= stringsLen_) return {};
  const char* s = reinterpret_cast<const char*>(&data_[stringsStart_ + nameOff]);
  const void* nul = memchr(s, '\0', stringsLen_ - nameOff);
  return nul ? std::string_view(s, size_t(static_cast<const char*>(nul) - s)) : std::string_view();
}

uint32_t Btf::resolve(uint32_t id) const {
  for (int hops = 0; hops < 32 && id < types_.size(); hops++) {
    uint32_t k = types_[id].kind;
    if (k != BTF_KIND_TYPEDEF && k != BTF_KIND_VOLATILE && k != BTF_KIND_CONST &&
        k != BTF_KIND_RESTRICT && k != 18 /* TYPE_TAG */)
      return id;
    id = types_[id].sizeOrType;
  }
  return 0;
}

// `searched`: the types this lookup has looked through already. In real BTF each anonymous
// member has a type of its own; in crafted data, many members sharing one type would make
// the walk exponential in the depth. A type already searched (or being searched) holds
// nothing new, so each is searched once per lookup.
bool Btf::findMember(uint32_t id, const std::string& member, uint32_t* bitOffset, int depth,
                     std::vector<bool>& searched) const {
  if (depth > kMaxNesting) return false;
  id = resolve(id);
  if (id == 0 || id >= types_.size() || searched[id]) return false;
  searched[id] = true;
  const Type& t = types_[id];
  if (t.kind != BTF_KIND_STRUCT && t.kind != BTF_KIND_UNION) return false;
  for (uint32_t i = 0; i < t.vlen; i++) {
    btf_member m;
    memcpy(&m, &data_[t.extra + size_t(i) * sizeof m], sizeof m);  // parse() checked it fits
    uint32_t off = t.kindFlag ? BTF_MEMBER_BIT_OFFSET(m.offset) : m.offset;
    if (m.name_off == 0) {
      uint32_t inner;
      if (findMember(m.type, member, &inner, depth + 1, searched)) {
        *bitOffset = off + inner;
        return true;
      }
    } else if (name(m.name_off) == member) {
      *bitOffset = off;
      return true;
    }
  }
  return false;
}

uint32_t Btf::offsetOf(const std::string& structName, const std::string& member) const {
  for (uint32_t id = 1; id < types_.size(); id++) {
    const Type& t = types_[id];
    if (t.kind != BTF_KIND_STRUCT || name(t.nameOff) != structName) continue;
    uint32_t bits;
    std::vector<bool> searched(types_.size());
    if (!findMember(id, member, &bits, 0, searched)) break;
    if (bits % 8) throw std::runtime_error(structName + "." + member + " is a bit field");
    return bits / 8;
  }
  throw std::runtime_error("kernel BTF has no " + structName + "." + member);
}

int64_t Btf::enumValue(const std::string& enumName, const std::string& enumerator) const {
  for (uint32_t id = 1; id < types_.size(); id++) {
    const Type& t = types_[id];
    if (t.kind != BTF_KIND_ENUM || name(t.nameOff) != enumName) continue;
    for (uint32_t i = 0; i < t.vlen; i++) {
      btf_enum e;
      memcpy(&e, &data_[t.extra + size_t(i) * sizeof e], sizeof e);  // parse() checked it fits
      if (name(e.name_off) == enumerator) return t.kindFlag ? int64_t(e.val) : int64_t(uint32_t(e.val));
    }
  }
  throw std::runtime_error("kernel BTF has no " + enumName + " value " + enumerator);
}

}  // namespace forktop
