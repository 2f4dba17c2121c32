// Esc read together with the next key, the help screen on a small terminal, and Ctrl-C.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { helpLines } from '../../src/ui/components/HelpScreen.js';
import { Feed } from '../../src/ui/feed.js';
import { themeFor } from '../../src/ui/theme.js';
import { Script } from '../helpers/script.js';
import { frameWhere, until } from './wait.js';

const theme = themeFor({ NO_COLOR: '1' });
const users = new Map([[0, 'root']]);

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

function feedWith(n: number): Feed {
  const s = new Script().snapshot(1, 0, ['/sbin/init']);
  for (let i = 0; i < n; i++) s.after(1).fork(100 + i, 1).exec(100 + i, ['/bin/sleep', `job-${i}`]);
  const feed = new Feed('web-1', 'netlink');
  feed.push(s.events);
  return feed;
}

function show(feed: Feed, onInterrupt?: () => void) {
  const view = render(<App feed={feed} theme={theme} users={users} onInterrupt={onInterrupt} />);
  unmount = view.unmount;
  return view;
}

describe('Esc read together with the next key is Esc, then that key (not Alt+key)', () => {
  it('"/", then Esc and "?" in one read: the filter is left and the help opens', async () => {
    const view = show(feedWith(3));
    await frameWhere(view, 'job-2');
    view.stdin.write('/');
    view.stdin.write('xyz');
    await frameWhere(view, 'filter /xyz_');
    view.stdin.write('\x1b?');
    const frame = await frameWhere(view, 'esc or ?: close');
    expect(frame).not.toContain('filter /xyz');
  });

  it('"/", then Esc and "j" in one read: the filter is left and j moves', async () => {
    const view = show(feedWith(3));
    await frameWhere(view, 'job-2');
    view.stdin.write('/');
    view.stdin.write('job');
    await frameWhere(view, 'filter /job_');
    view.stdin.write('\x1bj');
    view.stdin.write('\r'); // j moved onto the second row: Enter inspects job-1
    const card = await frameWhere(view, 'lineage');
    expect(card).toContain('pid 101  /bin/sleep job-1');
  });

  it('Esc Esc in one read on a card over a filtered list: the card closes, then the filter is cleared', async () => {
    const view = show(feedWith(3));
    await frameWhere(view, 'job-2');
    view.stdin.write('/');
    view.stdin.write('job-1');
    view.stdin.write('\r');
    await frameWhere(view, (f) => f.includes('filter /job-1') && !f.includes('job-2'));
    view.stdin.write('\r');
    await frameWhere(view, 'lineage');
    view.stdin.write('\x1b\x1b');
    const frame = await frameWhere(view, (f) => !f.includes('lineage') && f.includes('job-2'));
    expect(frame).not.toContain('filter /job-1');
  });
});

describe('help', () => {
  it('scrolls on a small terminal to its last line, and Esc closes it', async () => {
    const view = show(feedWith(1));
    await frameWhere(view, 'job-0');
    view.stdin.write('?');
    const first = await frameWhere(view, 'esc or ?: close');
    const last = helpLines()[helpLines().length - 1].text.slice(0, 40);
    if (!first.includes(last)) {
      expect(first).toMatch(/↓ \d+ below/);
      view.stdin.write('G');
      await frameWhere(view, (f) => f.includes(last) && !f.includes('below'));
    }
    view.stdin.write('\x1b');
    await frameWhere(view, (f) => !f.includes('esc or ?: close') && f.includes('job-0'));
  });
});

describe('Ctrl-C', () => {
  it('quits and says it was interrupted (the CLI exits 130), also while typing a filter', async () => {
    let interrupted = false;
    const view = show(feedWith(1), () => (interrupted = true));
    await frameWhere(view, 'job-0');
    view.stdin.write('/');
    await frameWhere(view, 'filter /_');
    view.stdin.write('\x03');
    await until(() => interrupted, 'Ctrl-C reached the App');
  });
});

describe('Ctrl-C among other keys', () => {
  it('read together with a key before it, still quits as interrupted', async () => {
    let interrupted = false;
    const view = show(feedWith(2), () => (interrupted = true));
    await frameWhere(view, 'job-1');
    view.stdin.write('j\x03');
    await until(() => interrupted, 'Ctrl-C read after j');
  });
});
