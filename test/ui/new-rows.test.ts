// When a few new rows of the exec list draw at once: only while a filter hides the rest of
// what came (a storm the person filtered), never for a list as busy as the stream.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/model/filters.js';
import { Model } from '../../src/model/model.js';
import { FEW_ROWS, NewRows } from '../../src/ui/new-rows.js';
import { Script } from '../helpers/script.js';

function setup(filterText: string) {
  const model = new Model();
  const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
  model.apply(s.events.splice(0));
  let pid = 100;
  const run = (tag: string, n = 1) => {
    for (let i = 0; i < n; i++) s.after(1).fork(pid, 10).exec(pid, ['/bin/true', tag]).exit(pid++, 0);
    model.apply(s.events.splice(0));
  };
  const rows = new NewRows();
  rows.drawn(model);
  return { model, run, rows, matcher: compileFilter(model, { text: filterText }) };
}

describe('NewRows: a few new rows the person can read, amid what a filter hides', () => {
  it('a match amid a filtered storm: at once; nothing new since the frame: no', () => {
    const { model, run, rows, matcher } = setup('wanted');
    run('storm', 200);
    expect(rows.few(model, matcher)).toBe(false); // nothing listed came
    run('wanted');
    expect(rows.few(model, matcher)).toBe(true);
    run('storm', 50);
    expect(rows.few(model, matcher)).toBe(true); // still one new row to show
    rows.drawn(model);
    expect(rows.few(model, matcher)).toBe(false);
  });

  it('more than FEW_ROWS new rows: the frame rate, until the next frame', () => {
    const { model, run, rows, matcher } = setup('wanted');
    run('storm', 10);
    run('wanted', FEW_ROWS);
    expect(rows.few(model, matcher)).toBe(true);
    run('wanted');
    expect(rows.few(model, matcher)).toBe(false);
    run('storm', 10);
    expect(rows.few(model, matcher)).toBe(false);
    rows.drawn(model);
    run('storm', 10);
    run('wanted');
    expect(rows.few(model, matcher)).toBe(true);
  });

  it('unfiltered, a few execs a second: every one listed, so the frame rate (a still screen already draws at once)', () => {
    const { model, run, rows, matcher } = setup('');
    run('a');
    expect(rows.few(model, matcher)).toBe(false);
    run('b');
    expect(rows.few(model, matcher)).toBe(false);
  });
});
