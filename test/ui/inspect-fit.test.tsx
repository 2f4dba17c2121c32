// A card taller than the terminal: it fits, the title stays, and the lifetime log scrolls.
import { render } from 'ink-testing-library';
import { afterEach, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { Feed } from '../../src/ui/feed.js';
import { themeFor } from '../../src/ui/theme.js';
import { Script } from '../helpers/script.js';
import { frameWhere } from './wait.js';

const theme = themeFor({ NO_COLOR: '1' });
let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

it('a deep lineage, a long life and many children fit a 24-row terminal; PgUp scrolls the life back', async () => {
  const s = new Script().snapshot(1, 0, ['/sbin/init']);
  // Twelve generations of shells with long names: the lineage wraps.
  let parent = 1;
  for (let g = 0; g < 12; g++) {
    const pid = 100 + g;
    s.after(1).fork(pid, parent).exec(pid, [`/usr/bin/some-long-program-name-${g}`, '-x']);
    parent = pid;
  }
  // The inspected process renames itself 40 times (its log fills) and has 20 children.
  const target = parent;
  for (let i = 0; i < 40; i++) s.after(1).push({ type: 'comm', pid: target, comm: `step-${i}` } as never);
  for (let k = 0; k < 20; k++) s.after(1).fork(500 + k, target).exec(500 + k, ['/bin/sleep', `kid-${k}`]);
  const feed = new Feed('web-1', 'netlink');
  feed.push(s.events);
  const view = render(<App feed={feed} theme={theme} users={new Map()} initial={{ pid: target }} />);
  unmount = view.unmount;
  await frameWhere(view, 'kid-19'); // the newest exec under it: one of its children
  view.stdin.write('\r');
  await frameWhere(view, 'pid 519');
  view.stdin.write('p'); // its parent's card
  const card = await frameWhere(view, `pid ${target}  /usr/bin/some-long-program-name-11`);
  const lines = card.split('\n');
  expect(lines.length).toBeLessThanOrEqual(24);
  expect(lines[0]).toMatch(/^forktop web-1/); // the header is still there
  expect(card).toMatch(/comm +step-39/); // the newest of its life
  expect(card).toMatch(/earlier above \(PgUp\)/);
  expect(card).toMatch(/children \(20\)/);
  expect(card).toContain('q:quit');
  view.stdin.write('\x1b[5~'); // PgUp
  const back = await frameWhere(view, /later below \(PgDn\)/);
  expect(back).not.toMatch(/comm +step-39/);
  expect(back.split('\n').length).toBeLessThanOrEqual(24);
});

it("a busy parent's card lists as many children as its rows allow, not eight above empty rows", async () => {
  const s = new Script().snapshot(1, 0, ['/sbin/init']).after(1).fork(100, 1).exec(100, ['/usr/bin/make']);
  for (let k = 0; k < 40; k++) s.after(1).fork(500 + k, 100).exec(500 + k, ['/bin/sleep', `kid-${k}`]);
  const feed = new Feed('web-1', 'netlink');
  feed.push(s.events);
  const view = render(<App feed={feed} theme={theme} users={new Map()} initial={{ pid: 100 }} />);
  Object.defineProperty(view.stdout, 'rows', { value: 40 });
  view.stdout.emit('resize');
  unmount = view.unmount;
  await frameWhere(view, 'kid-39');
  view.stdin.write('\r'); // the newest child's card, then its parent's
  await frameWhere(view, 'pid 539');
  view.stdin.write('p');
  const card = await frameWhere(view, 'pid 100  /usr/bin/make');
  const listed = card.split('\n').filter((line) => /^\s+\d+\s+\/bin\/sleep kid-/.test(line)).length;
  expect(listed).toBeGreaterThan(20);
  expect(card).toMatch(/… \d+ more/);
  // Down past the eighth child still selects one (App and the card list the same children).
  for (let i = 0; i < 12; i++) view.stdin.write('j');
  view.stdin.write('\r');
  await frameWhere(view, /pid 5\d\d  \/bin\/sleep kid-/);
});
