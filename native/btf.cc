#include "btf.h"

#include <linux/btf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace forktop {

namespace {

// Bytes of kind-specific data after each btf_type (include/uapi/linux/btf.h).
size_t extraBytes(uint32_t kind, uint32_t vlen) {
  switch (kind) {
    case BTF_KIND_INT: return 4;
    case BTF_KIND_ARRAY: return sizeof(btf_array);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: return vlen * sizeof(btf_member);
    case BTF_KIND_ENUM: return vlen * sizeof(btf_enum);
    case BTF_KIND_FUNC_PROTO: return vlen * sizeof(btf_param);
    case BTF_KIND_VAR: return sizeof(btf_var);
    case BTF_KIND_DATASEC: return vlen * sizeof(btf_var_secinfo);
    case 17 /* BTF_KIND_DECL_TAG */: return 4;
    case 19 /* BTF_KIND_ENUM64 */: return vlen * 12;
    default: return 0;  // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG
  }
}

}  // namespace

Btf::Btf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("no kernel BTF at " + path);
  data_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (data_.size() < sizeof(btf_header)) throw std::runtime_error("kernel BTF is truncated");
  btf_header h;
  memcpy(&h, data_.data(), sizeof h);
  if (h.magic != BTF_MAGIC) throw std::runtime_error("kernel BTF has a bad magic number");
  typesStart_ = h.hdr_len + h.type_off;
  stringsStart_ = h.hdr_len + h.str_off;
  stringsLen_ = h.str_len;
  size_t typesEnd = typesStart_ + h.type_len;
  if (typesEnd > data_.size() || stringsStart_ + stringsLen_ > data_.size())
    throw std::runtime_error("kernel BTF sections overrun the file");

  types_.push_back({});  // id 0: void
  for (size_t at = typesStart_; at + sizeof(btf_type) <= typesEnd;) {
    btf_type t;
    memcpy(&t, &data_[at], sizeof t);
    Type type{BTF_INFO_KIND(t.info), BTF_INFO_KFLAG(t.info) != 0, BTF_INFO_VLEN(t.info), t.name_off,
              t.size, at + sizeof t};
    types_.push_back(type);
    at = type.extra + extraBytes(type.kind, type.vlen);
  }
}

const char* Btf::name(uint32_t nameOff) const {
  if (nameOff >= stringsLen_) return "";
  return reinterpret_cast<const char*>(&data_[stringsStart_ + nameOff]);
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

bool Btf::findMember(uint32_t id, const std::string& member, uint32_t* bitOffset) const {
  id = resolve(id);
  if (id == 0 || id >= types_.size()) return false;
  const Type& t = types_[id];
  if (t.kind != BTF_KIND_STRUCT && t.kind != BTF_KIND_UNION) return false;
  for (uint32_t i = 0; i < t.vlen; i++) {
    btf_member m;
    memcpy(&m, &data_[t.extra + i * sizeof m], sizeof m);
    uint32_t off = t.kindFlag ? BTF_MEMBER_BIT_OFFSET(m.offset) : m.offset;
    if (m.name_off == 0) {
      uint32_t inner;
      if (findMember(m.type, member, &inner)) {
        *bitOffset = off + inner;
        return true;
      }
    } else if (member == name(m.name_off)) {
      *bitOffset = off;
      return true;
    }
  }
  return false;
}

uint32_t Btf::offsetOf(const std::string& structName, const std::string& member) const {
  for (uint32_t id = 1; id < types_.size(); id++) {
    const Type& t = types_[id];
    if (t.kind != BTF_KIND_STRUCT || structName != name(t.nameOff)) continue;
    uint32_t bits;
    if (!findMember(id, member, &bits)) break;
    if (bits % 8) throw std::runtime_error(structName + "." + member + " is a bit field");
    return bits / 8;
  }
  throw std::runtime_error("kernel BTF has no " + structName + "." + member);
}

}  // namespace forktop
