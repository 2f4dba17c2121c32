import { describe, expect, it } from 'vitest';
import { jsonLine, jsonLines } from '../../src/events/json.js';

describe('--json and recording lines', () => {
  const argv = ['/bin/x', '\x1b]0;PWN\x07', '\u009b31m', '\u202eevil', '\x7f', 'a\u2028b', 'café'];

  it('carry no raw control a terminal would act on (C0 and lone surrogates by JSON; DEL, C1, bidi, separators by us)', () => {
    const line = jsonLine({ type: 'exec', argv });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2028\u2029]/);
    expect(line).toContain('\\u009b31m');
    expect(line).toContain('\\u202eevil');
    expect(line).toContain('café'); // plain Unicode stays as it is
  });

  it('read back exactly what was written', () => {
    expect(JSON.parse(jsonLine({ argv })).argv).toEqual(argv);
    const lines = jsonLines([{ argv }, { type: 'alert' }, { argv: ['\u0085'] }], (v) => (v as { type?: string }).type !== 'alert').split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]).argv).toEqual(argv);
    expect(JSON.parse(lines[1]).argv).toEqual(['\u0085']);
  });
});
