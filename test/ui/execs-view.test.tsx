// The Execs view (1): every exec, newest first, with who ran it, how it ended and how long
// it took; losses where they happened; cut to the terminal, never wrapped.
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { Script } from '../helpers/script.js';
import { feedOf, stormFeed } from './feeds.js';
import { expectFits, LARGE, linesOf, press, showReady, SMALL, unmountAll } from './render.js';
import { frameWhere } from './wait.js';

afterEach(unmountAll);

describe('execs view', () => {
  it('a storm: newest exec first, user names, exit codes and signals, durations', async () => {
    const view = await showReady(stormFeed());
    const frame = await frameWhere(view, '/usr/bin/sleep 100');
    const lines = linesOf(frame);
    const first = lines.findIndex((l) => l.includes('/usr/bin/sleep 100'));
    expect(lines[first]).toMatch(/alice\s+sig9/);
    expect(lines[first + 1]).toMatch(/alice\s+3\s+1ms\s+\/bin\/true job-29/);
    expect(frame).toContain('lost 0');
  });

  it.each([SMALL, LARGE])('at $columns×$rows: the column header, as many rows as fit, the footer with q:quit', async (size) => {
    const view = await showReady(stormFeed(), size);
    const frame = await frameWhere(view, '/usr/bin/sleep 100');
    // Below 100 columns PPID gives its room to the command line.
    expect(frame).toMatch(size.columns >= 100 ? /TIME\s+PID\s+PPID USER\s+EXIT\s+DUR  COMMAND/ : /TIME\s+PID USER\s+EXIT\s+DUR  COMMAND/);
    const listed = linesOf(frame).filter((l) => /\/bin\/true job-\d+|sleep 100/.test(l));
    // 31 execs: 80×24 shows a screenful (header, tabs, columns, footer aside), 120×40 all of them.
    expect(listed).toHaveLength(Math.min(31, size.rows - 6));
    expect(linesOf(frame).at(-1)).toContain('q:quit');
    expectFits(frame, size);
  });

  it('an exec that a later exec replaced says so (exec, and how long it ran); a running one, how long so far', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(70, 1).exec(70, ['/usr/bin/setpriv', 'bash']);
    s.after(3).exec(70, ['/bin/bash', '-c', 'work']).after(1500);
    s.fork(71, 1).exec(71, ['/bin/true']).after(2).exit(71, 0);
    const view = await showReady(feedOf(s));
    const frame = await frameWhere(view, '/bin/true');
    const row = (text: string) => linesOf(frame).find((l) => l.includes(text)) ?? '';
    expect(row('setpriv')).toMatch(/ exec +3ms  \/usr\/bin\/setpriv bash/);
    expect(row('bash -c work')).toMatch(/ 1\.5s  \/bin\/bash -c work/);
    expect(row('/bin/true')).toMatch(/ 0 +2ms  \/bin\/true/);
  });

  it('a loss shows where it happened in the exec list, and is not inspectable', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    s.after(1).fork(10, 1).exec(10, ['/bin/before']).after(1).lost(1539).after(1).fork(11, 1).exec(11, ['/bin/after']);
    const view = await showReady(feedOf(s));
    const frame = await frameWhere(view, 'events lost here');
    const lines = linesOf(frame);
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(at('/bin/after')).toBeLessThan(at("1,539 events lost here (the kernel's buffer overran)"));
    expect(at('1,539 events lost here')).toBeLessThan(at('/bin/before'));
    await press(view, 'j');
    const atLoss = view.frames.length;
    await press(view, '\r'); // on the loss row: nothing to inspect (nothing to draw either)
    await press(view, 'j');
    await press(view, '\r', 'pid 10  /bin/before');
    // Seen handled, as the next keys were: no card came between, only before's.
    const cards = view.frames.slice(atLoss).filter((f) => /^pid \d+/m.test(f));
    expect(cards.length).toBeGreaterThan(0);
    expect(cards.filter((f) => !f.includes('pid 10  /bin/before'))).toEqual([]);
  });

  it('G goes to the oldest exec with a full screen above it, g back to the newest', async () => {
    const view = await showReady(stormFeed(), {}, '/usr/bin/sleep 100');
    const bottom = await press(view, 'G', (f) => !f.includes('/usr/bin/sleep 100') && f.includes('job-0'));
    const listed = linesOf(bottom).filter((l) => /\/bin\/true job-\d+/.test(l));
    expect(listed[listed.length - 1]).toContain('job-0');
    expect(listed.length).toBeGreaterThan(10); // the screen is full, not one row at its top
    await press(view, '\r', 'pid 100  /bin/true job-0');
    await press(view, '\u001b', 'TIME');
    await press(view, 'g', '/usr/bin/sleep 100');
    await press(view, '\r', 'pid 200  /usr/bin/sleep 100');
  });

  it('a long argv is cut to the width, never wrapped, in the list', async () => {
    const s = new Script().fork(5, 1).exec(5, ['/bin/echo', 'x'.repeat(500)]);
    const view = await showReady(feedOf(s));
    const frame = await frameWhere(view, '/bin/echo');
    const line = linesOf(frame).find((l) => l.includes('/bin/echo'))!;
    expect(line.length).toBeLessThanOrEqual(100);
    expect(linesOf(frame).filter((l) => l.includes('xxxx'))).toHaveLength(1);
  });

  it.each([SMALL, LARGE])('at $columns×$rows, a long argv is cut to the width too', async (size) => {
    const s = new Script().fork(5, 1).exec(5, ['/bin/echo', 'x'.repeat(500)]);
    const view = await showReady(feedOf(s), size);
    const frame = await frameWhere(view, '/bin/echo');
    expect(linesOf(frame).find((l) => l.includes('/bin/echo'))!.length).toBe(size.columns);
    expectFits(frame, size);
  });

  it('wide characters (CJK, emoji) in argv do not break the columns', async () => {
    const s = new Script().fork(5, 1).exec(5, ['/bin/echo', '日本語のテキスト', '🚀🚀', 'x'.repeat(200)]).after(1).exit(5, 0);
    s.fork(6, 1).exec(6, ['/bin/plain']);
    const view = await showReady(feedOf(s));
    const frame = await frameWhere(view, (f) => f.includes('日本語') && f.includes('/bin/plain'));
    const lines = linesOf(frame);
    const wide = lines.find((l) => l.includes('日本語'))!;
    const plain = lines.find((l) => l.includes('/bin/plain'))!;
    // The command column starts at the same place, and the wide line is cut to the width.
    expect(wide.indexOf('/bin/echo')).toBe(plain.indexOf('/bin/plain'));
    expect(stringWidth(wide)).toBeLessThanOrEqual(100);
  });

  it('argv that was never read is marked', async () => {
    const s = new Script().fork(5, 1).exec(5, null);
    const view = await showReady(feedOf(s));
    await frameWhere(view, '(argv not read)');
  });
});
