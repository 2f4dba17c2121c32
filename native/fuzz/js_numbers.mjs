// Writes native/fuzz/js_numbers.h (node native/fuzz/js_numbers.mjs native/fuzz/js_numbers.h): doubles of
// every kind and how this Node writes each, for unit_tests.cc to hold appendJsNumber to.
import fs from 'node:fs';
let s = 0x2545f491;
const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
const dv = new DataView(new ArrayBuffer(8));
const bits = (v) => { dv.setFloat64(0, v); return dv.getBigUint64(0); };
const fromBits = (b) => { dv.setBigUint64(0, b); return dv.getFloat64(0); };
const vals = [];
for (let e = -1074; e <= 1023; e += 5) vals.push(2 ** e);
for (let e = -320; e <= 308; e += 3) { const p = Number(`1e${e}`); if (p > 0 && Number.isFinite(p)) { vals.push(p); vals.push(fromBits(bits(p) - 1n)); vals.push(fromBits(bits(p) + 1n)); } }
for (let i = 0; i < 600; i++) { const b = (BigInt(Math.floor(rnd() * 2 ** 31)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32)); const v = fromBits(b); if (Number.isFinite(v) && v !== 0) vals.push(v); }
for (let i = 0; i < 600; i++) vals.push(Math.floor(rnd() * 2 ** (10 + rnd() * 45)) / 1e6);
const lines = vals.filter((v) => v !== 0 && !(Number.isInteger(v) && Math.abs(v) < 2 ** 53)).map((v) => `    {0x${bits(v).toString(16).padStart(16, '0')}ULL, "${String(v)}"},`);
fs.writeFileSync(process.argv[2], `// Made by js_numbers.mjs from doubles of every kind (powers of two and of ten and their neighbours,
// random bit patterns, durations in ms): how JavaScript's Number#toString writes each.
#pragma once
#include <cstdint>
struct JsNumber {
  uint64_t bits;
  const char* js;
};
const JsNumber kJsNumbers[] = {
${lines.join('\n')}
};
`);
console.log(lines.length);
