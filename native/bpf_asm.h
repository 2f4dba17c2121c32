// A tiny assembler for the kernel's BPF instruction set, so forktop's programs are written
// in C++ and need no compiler at build or run time. One method per instruction form, and
// labels for forward jumps, resolved in finish(); functions (bpf_loop's callbacks) follow
// the main program, each started with function().
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace forktop {

enum Reg : uint8_t { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };

enum class Size : uint8_t { U8 = BPF_B, U16 = BPF_H, U32 = BPF_W, U64 = BPF_DW };

enum class Cond : uint8_t {
  Eq = BPF_JEQ, Ne = BPF_JNE, Gt = BPF_JGT, Ge = BPF_JGE, Lt = BPF_JLT, Le = BPF_JLE,
  SGt = BPF_JSGT, SGe = BPF_JSGE, SLt = BPF_JSLT, SLe = BPF_JSLE,
};

// A program: its instructions, and where each function after the main one starts (the
// loader describes each to the verifier, which needs that for a callback).
struct BpfProgram {
  std::vector<bpf_insn> code;
  std::vector<uint32_t> functions;
};

class BpfAsm {
 public:
  using Label = size_t;

  Label label() {
    targets_.push_back(-1);
    return targets_.size() - 1;
  }
  void bind(Label l) { targets_[l] = int64_t(code_.size()); }

  void mov(Reg dst, Reg src) { alu(BPF_MOV | BPF_X, dst, src, 0); }
  void mov(Reg dst, int32_t imm) { alu(BPF_MOV | BPF_K, dst, R0, imm); }
  void add(Reg dst, Reg src) { alu(BPF_ADD | BPF_X, dst, src, 0); }
  void add(Reg dst, int32_t imm) { alu(BPF_ADD | BPF_K, dst, R0, imm); }
  void sub(Reg dst, Reg src) { alu(BPF_SUB | BPF_X, dst, src, 0); }
  void andImm(Reg dst, int32_t imm) { alu(BPF_AND | BPF_K, dst, R0, imm); }
  void orImm(Reg dst, int32_t imm) { alu(BPF_OR | BPF_K, dst, R0, imm); }
  void rsh(Reg dst, int32_t imm) { alu(BPF_RSH | BPF_K, dst, R0, imm); }
  void lsh(Reg dst, int32_t imm) { alu(BPF_LSH | BPF_K, dst, R0, imm); }

  // dst = *(size*)(src + off)
  void load(Size size, Reg dst, Reg src, int16_t off) {
    emit(BPF_LDX | uint8_t(size) | BPF_MEM, dst, src, off, 0);
  }
  // *(size*)(dst + off) = src
  void store(Size size, Reg dst, int16_t off, Reg src) {
    emit(BPF_STX | uint8_t(size) | BPF_MEM, dst, src, off, 0);
  }
  // *(size*)(dst + off) = imm
  void store(Size size, Reg dst, int16_t off, int32_t imm) {
    emit(BPF_ST | uint8_t(size) | BPF_MEM, dst, R0, off, imm);
  }
  // lock *(u64*)(dst + off) += src
  void atomicAdd64(Reg dst, int16_t off, Reg src) {
    emit(BPF_STX | BPF_DW | BPF_ATOMIC, dst, src, off, BPF_ADD);
  }
  // dst = the map with this fd (a 16-byte instruction the kernel rewrites to the map's address)
  void loadMap(Reg dst, int fd) {
    emit(BPF_LD | BPF_DW | BPF_IMM, dst, Reg(BPF_PSEUDO_MAP_FD), 0, fd);
    emit(0, R0, R0, 0, 0);
  }
  // dst = imm (a 16-byte instruction: the one form that takes 64 bits)
  void loadImm64(Reg dst, uint64_t imm) {
    emit(BPF_LD | BPF_DW | BPF_IMM, dst, R0, 0, int32_t(uint32_t(imm)));
    emit(0, R0, R0, 0, int32_t(uint32_t(imm >> 32)));
  }
  void call(bpf_func_id helper) { emit(BPF_JMP | BPF_CALL, R0, R0, 0, int32_t(helper)); }
  // dst = the function at `fn` (bpf_loop's callback argument): its offset, which the kernel resolves.
  void loadFunction(Reg dst, Label fn) {
    fixups_.push_back({code_.size(), fn, true});
    emit(BPF_LD | BPF_DW | BPF_IMM, dst, Reg(BPF_PSEUDO_FUNC), 0, 0);
    emit(0, R0, R0, 0, 0);
  }
  // A function starts here (after the main program's last instruction): r1..r5 its
  // arguments, r10 its own stack frame, r6..r9 unset.
  void function(Label fn) {
    bind(fn);
    functions_.push_back(uint32_t(code_.size()));
  }
  void exit() { emit(BPF_JMP | BPF_EXIT, R0, R0, 0, 0); }

  void jump(Label to) { jumpTo(BPF_JMP | BPF_JA, R0, R0, 0, to); }
  void jumpIf(Cond c, Reg dst, int32_t imm, Label to) { jumpTo(BPF_JMP | uint8_t(c) | BPF_K, dst, R0, imm, to); }
  void jumpIf(Cond c, Reg dst, Reg src, Label to) { jumpTo(BPF_JMP | uint8_t(c) | BPF_X, dst, src, 0, to); }

  BpfProgram finish() {
    for (const Fixup& f : fixups_) {
      int64_t target = targets_[f.label];
      if (target < 0) throw std::logic_error("BPF label never bound");
      int64_t offset = target - int64_t(f.at) - 1;
      if (f.function) {
        code_[f.at].imm = int32_t(offset);
        continue;
      }
      if (offset < INT16_MIN || offset > INT16_MAX) throw std::logic_error("BPF jump too far for one instruction");
      code_[f.at].off = int16_t(offset);
    }
    return {code_, functions_};
  }

 private:
  struct Fixup {
    size_t at;
    Label label;
    bool function = false;  // the offset goes in imm (a function's address), not off
  };

  void alu(uint8_t op, Reg dst, Reg src, int32_t imm) { emit(BPF_ALU64 | op, dst, src, 0, imm); }
  void emit(uint8_t code, Reg dst, Reg src, int16_t off, int32_t imm) {
    bpf_insn insn{};
    insn.code = code;
    insn.dst_reg = dst;
    insn.src_reg = src;
    insn.off = off;
    insn.imm = imm;
    code_.push_back(insn);
  }
  void jumpTo(uint8_t code, Reg dst, Reg src, int32_t imm, Label to) {
    fixups_.push_back({code_.size(), to});
    emit(code, dst, src, 0, imm);
  }

  std::vector<bpf_insn> code_;
  std::vector<int64_t> targets_;
  std::vector<Fixup> fixups_;
  std::vector<uint32_t> functions_;
};

}  // namespace forktop
