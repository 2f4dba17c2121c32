// An event as one line of --json, written here from the decoded Event rather than in JS:
// in a storm, building, escaping and encoding 30,000 lines a second in JS cost as much as all
// the rest of forktop --json. The line is byte for byte what src/events/json.ts writes for the
// object src/events/packed.ts builds from the packed event (test/sources/ebpf-lines.test.ts
// holds the two together over real execs).
//
// Pure: no globals, no syscalls (the fuzzer formats every record it decodes).
#pragma once

#include <string>

#include "event.h"
#include "iso_time.h"

namespace forktop {

// Appends the line, '\n' included.
void appendJsonLine(std::string& out, const Event& ev, IsoTimes& times);

// A number as JavaScript's Number#toString (and so JSON.stringify) writes it; NaN and the
// infinities as JSON.stringify does: null.
void appendJsNumber(std::string& out, double value);

// A process's bytes as a JSON string, quotes included: valid UTF-8 is kept, except what
// JSON.stringify escapes (", \, C0 controls) and what json.ts escapes after it (DEL, C1
// controls, bidi marks and overrides, line and paragraph separators); each byte that is not
// UTF-8 is the escape of the lone surrogate U+DC00+byte that JS holds for it (event_js.cc).
void appendJsonString(std::string& out, const std::string& bytes);

}  // namespace forktop
