// The alert bar as a sysadmin meets it: a bomb that hit its limit keeps its bar, the worst
// alert shows first with the others a key away, a pause hides nothing, the end is said.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { StopControl } from '../../src/stop/control.js';
import { App } from '../../src/ui/App.js';
import { Feed } from '../../src/ui/feed.js';
import { themeFor } from '../../src/ui/theme.js';
import { bomb, Script } from '../helpers/script.js';
import { frameWhere, until } from './wait.js';

const theme = themeFor({ NO_COLOR: '1' });
const users = new Map([[0, 'root']]);

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

/** A storm by pid 70, then a bomb rooted at 999 (8 generations) whose members live on. */
function stormThenBomb(): { feed: Feed; s: Script; members: () => number[] } {
  const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(70, 1, ['/bin/bash', 'loop.sh']);
  for (let i = 0; i < 400; i++) s.after(1).fork(3000 + i, 70).exec(3000 + i, ['/bin/date']).after(0.5).exit(3000 + i);
  let next = 10_000;
  bomb(s, 999, 1, 8, () => next++);
  const feed = new Feed('web-1', 'netlink');
  feed.push(s.events);
  const clan = feed.model.byPid.get(999)!.clan!;
  const members = () => [...feed.model.byPid.values()].filter((n) => n.clan === clan && !n.exit).map((n) => n.pid);
  return { feed, s, members };
}

function show(feed: Feed, control?: StopControl) {
  const view = render(<App feed={feed} theme={theme} users={users} stopControl={control} bell />);
  unmount = view.unmount;
  return view;
}

describe('alert bar', () => {
  it('shows the worst alert (the bomb before the storm) and how many more; ! lists them in Spawners, on the bomb', async () => {
    const { feed } = stormThenBomb();
    const view = show(feed);
    const bar = await frameWhere(view, 'FORK BOMB');
    expect(bar).toMatch(/! FORK BOMB\s+bomb \(pid 999\)\s+256 alive, growing\s+!: \+1 more\s+enter: inspect/);
    view.stdin.write('!');
    const list = await frameWhere(view, 'LINEAGES');
    // The bomb's lineage row is selected (inverse is invisible without colour: Enter tells).
    expect(list).toMatch(/\n\s+999\s+\d+\s+256\s+8\s+\.\/bomb/);
    view.stdin.write('\r');
    await frameWhere(view, 'pid 999  ./bomb');
  });

  it('a bomb that stopped forking (at its limit) keeps its bar, stalled; when the last member is gone the bar says so', async () => {
    const { feed, s, members } = stormThenBomb();
    const view = show(feed);
    await frameWhere(view, 'FORK BOMB');
    // 3 s without a fork: the storm clears, the bomb stays.
    for (let t = 0.5e9; t <= 4e9; t += 0.5e9) feed.advance(s.ts + t, 'later');
    const stalled = await frameWhere(view, /FORK BOMB.*stalled/);
    expect(stalled).not.toContain('more');
    expect(stalled).not.toContain('FORK STORM');
    const end = new Script();
    end.ts = s.ts + 4.1e9;
    for (const pid of members()) end.after(1).exit(pid);
    end.after(200).fork(5, 1);
    feed.push(end.events);
    const gone = await frameWhere(view, 'gone, 0 left');
    expect(gone).toContain('✓ fork bomb bomb (pid 999): gone, 0 left');
    expect(gone).not.toContain('FORK BOMB');
  });

  it('paused, an alert still appears, the bell still rings and the header counts what came since', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    const feed = new Feed('web-1', 'netlink');
    feed.push(s.events);
    const view = show(feed);
    await frameWhere(view, 'LIVE');
    view.stdin.write(' ');
    await frameWhere(view, 'PAUSED +0');
    let next = 1000;
    const b = new Script();
    b.ts = feed.model.now + 1e6;
    bomb(b, 999, 1, 8, () => next++);
    feed.push(b.events); // no key pressed from here on
    // The bell is a write of its own after the frame: look through every write, not the last.
    await until(() => view.frames.some((f) => f.includes('FORK BOMB')), 'the alert bar drawn');
    expect(view.frames.find((f) => f.includes('FORK BOMB'))).toMatch(/PAUSED \+[1-9]/);
    await until(() => view.frames.some((f) => f.includes('\x07')), 'the bell rang');
  });

  it('K on the alert says it is the alert\'s lineage; after a move, that it is the selected row\'s, and why', async () => {
    const asked: string[] = [];
    const control: StopControl = {
      plan: (nodeId) => {
        asked.push(String(nodeId));
        return { root: { pid: 999, argv: ['./bomb'], comm: 'bomb', exited: false }, rootIds: [nodeId], live: 1, generations: 1, uids: [0], skipped: [] };
      },
      run: () => Promise.reject(new Error('not in this test')),
    };
    const { feed } = stormThenBomb();
    const view = show(feed, control);
    await frameWhere(view, 'FORK BOMB');
    view.stdin.write('K');
    expect(await frameWhere(view, 'Stop this lineage?')).toContain('which  the fork bomb the red bar names');
    view.stdin.write('n');
    await frameWhere(view, (f) => !f.includes('Stop this lineage?'));
    // Another view is not another row: K still stops the bomb, from any view.
    view.stdin.write('2');
    await frameWhere(view, 'TREE');
    view.stdin.write('K');
    expect(await frameWhere(view, 'Stop this lineage?')).toContain('which  the fork bomb the red bar names');
    view.stdin.write('n');
    await frameWhere(view, (f) => !f.includes('Stop this lineage?'));
    view.stdin.write('j');
    view.stdin.write('K');
    expect(await frameWhere(view, 'Stop this lineage?')).toContain('which  the process selected: you moved to it after the alert appeared');
  });
});

describe('K on an alert, as keys really come', () => {
  function control(planned: number[], ran: number[]): StopControl {
    return {
      plan: (nodeId) => {
        planned.push(nodeId);
        return { root: { pid: 999, argv: ['./bomb'], comm: 'bomb', exited: false }, rootIds: [nodeId], live: 1, generations: 1, uids: [0], skipped: [] };
      },
      run: (plan) => {
        ran.push(plan.rootIds[0]);
        return new Promise(() => {}); // still running: enough for this test
      },
    };
  }

  it('"Ky" read at once stops the lineage K just planned', async () => {
    const planned: number[] = [];
    const ran: number[] = [];
    const { feed } = stormThenBomb();
    const view = show(feed, control(planned, ran));
    await frameWhere(view, 'FORK BOMB');
    view.stdin.write('Ky');
    await until(() => ran.length > 0, 'the stop ran');
    expect(ran).toEqual(planned);
  });

  it('acts on the bomb\'s root even when its pid now belongs to another process', async () => {
    const planned: number[] = [];
    const { feed, s } = stormThenBomb();
    const root = feed.model.byPid.get(999)!;
    const reuse = new Script();
    reuse.ts = s.ts;
    reuse.after(1).exit(999).after(1).fork(999, 70); // the root exits; its pid is reused
    feed.push(reuse.events);
    expect(feed.model.byPid.get(999)).not.toBe(root);
    const view = show(feed, control(planned, []));
    await frameWhere(view, 'FORK BOMB');
    view.stdin.write('K');
    await frameWhere(view, 'Stop this lineage?');
    expect(planned).toEqual([root.id]);
  });

  it('once the person moved, the bar no longer says K stops the bomb (K is the selected row\'s)', async () => {
    const { feed } = stormThenBomb();
    const view = show(feed, control([], []));
    await frameWhere(view, 'K: stop it');
    view.stdin.write('j');
    const moved = await frameWhere(view, /FORK BOMB.*a: inspect/);
    expect(moved).not.toContain('K: stop it');
  });
});
