// One event as one line of --json or of a recording. JSON.stringify escapes C0 controls and
// lone surrogates but passes DEL, C1 controls (U+009B is a CSI on many terminals), bidi
// overrides and line separators through raw: a `tail -f` of the stream in a terminal would
// then carry a process's escape sequences. They are escaped too; the value read back is the same.
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeUnicode(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(RAW_IN_JSON, escapeUnicode) + '\n';
}

/** Many events as lines: one pass of the escaping over the whole batch. */
export function jsonLines(values: readonly unknown[], keep: (value: unknown) => boolean = () => true): string {
  let text = '';
  for (const value of values) if (keep(value)) text += JSON.stringify(value) + '\n';
  return text.replace(RAW_IN_JSON, escapeUnicode);
}
