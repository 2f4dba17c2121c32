// The one way process-controlled text (argv, comm, paths, user and host names, a recording's
// fields, an error that quotes any of them) reaches a terminal. Anything a terminal might act
// on rather than print is shown as an escape:
//   C0 controls and DEL (ESC starts every sequence)      → \xNN (\n, \t as such)
//   C1 controls U+0080–U+009F (U+009B is a CSI, U+009D an OSC, on many terminals) → \xNN
//   bidi controls (U+202A–U+202E, U+2066–U+2069, LRM/RLM/ALM), line and paragraph separators,
//   invisible characters (zero-width space and joiners, word joiner, BOM, soft hyphen, Hangul
//   fillers, tag characters: `ss\u{200B}hd` must not read as sshd), lone UTF-16 surrogates
//                                                         → \u{NNNN}
//   bytes that were not UTF-8 (kept as U+DC80..U+DCFF)    → \xNN, the byte itself
// Plain Unicode (accents, CJK, emoji) is shown as it is.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16).padStart(2, '0')}`;
  if (code === 0x0a) return '\\n';
  if (code === 0x09) return '\\t';
  if (code <= 0x9f) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`;
}

/** Text as the terminal may show it: every control escaped (see above). */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** What must never reach a terminal raw: for tests that scan a whole frame. A frame's own
 *  colour codes (ESC [ … m) and line feeds are the UI's, not a process's. */
export function unsafeInFrame(frame: string): string[] {
  const found = frame.replace(/\x1b\[[0-9;]*m/g, '').replace(/\n/g, '').match(UNSAFE);
  return found ?? [];
}

/** One line for stderr: "forktop: …", escaped (a replay's warnings quote the file, a source's
 *  error may quote a path or a name). */
export function errorLine(message: string): string {
  return `forktop: ${printable(message)}\n`;
}
