// Several hosts in one live view (--ssh, --nats): the HOST column, the hosts view (5) with
// what needs a look first, Enter narrowing to a host, pids as each host's own, an alert that
// names its host; at 80×24 and 120×40.
import { describe, expect, it } from 'vitest';
import type { ForktopEvent } from '../../src/events/schema.js';
import { Feed } from '../../src/ui/feed.js';
import { bomb, Script } from '../helpers/script.js';
import { LARGE, show, SMALL } from './render.js';
import { frameWhere } from './wait.js';

const on = (host: string, events: ForktopEvent[]): ForktopEvent[] => events.map((ev) => ({ ...ev, host }));

function fleet(): Feed {
  const web = new Script()
    .push({ type: 'host', state: 'up', reason: null } as never)
    .snapshot(1, 0, ['/sbin/init']).snapshot(50, 1, ['/bin/bash']);
  for (let i = 0; i < 5; i++) web.after(20).fork(100 + i, 50).exec(100 + i, ['/usr/bin/curl', `web-job-${i}`]).after(1).exit(100 + i);
  web.push({ type: 'lost', count: 7, source: 'transport' } as never);
  const db = new Script()
    .push({ type: 'host', state: 'up', reason: null } as never)
    .snapshot(1, 0, ['/lib/systemd/systemd']).snapshot(50, 1, ['/bin/bash']);
  db.after(10).fork(100, 50).exec(100, ['/usr/bin/pg_dump', 'db-job']);
  let next = 1000;
  bomb(db, 999, 50, 9, () => next++);
  const gone = new Script().push({ type: 'host', state: 'down', reason: 'ssh: connect to host cache-1 port 22: Connection refused (retrying in 4 s)' } as never);
  const f = new Feed('3 hosts', 'ssh');
  f.push([...on('web-1', web.events), ...on('db-1', db.events), ...on('cache-1', gone.events)]);
  return f;
}

describe('hosts in the live view', () => {
  it.each([SMALL, LARGE])('%o: a HOST column, the hosts view worst first, Enter narrows to one host', async (size) => {
    const view = show(fleet(), size);
    const execs = await frameWhere(view, 'web-job-4');
    expect(execs).toMatch(/TIME +HOST +PID/);
    // pids are each host's own: pid 100 on both.
    expect(execs).toMatch(/web-1 +100 /);
    expect(execs).toMatch(/db-1 +100 /);
    expect(execs).toContain('2/3 hosts up');
    if (size === LARGE) expect(execs).toContain('7 events lost here (they did not reach this viewer, on web-1)');
    expect(execs).toContain('FORK BOMB');
    expect(execs).toContain('on db-1');
    view.stdin.write('3');
    expect(await frameWhere(view, 'LINEAGES')).toMatch(/999 .* db-1: (bomb|\.\/bomb)/);
    view.stdin.write('5');
    const hosts = await frameWhere(view, /LAST 60 S +STATUS/);
    const lines = hosts.split('\n');
    const row = (name: string) => lines.findIndex((l) => l.startsWith(name));
    // The bomb's host first, then the one down, then the quiet one.
    expect(row('db-1')).toBeGreaterThan(0);
    expect(row('cache-1')).toBeGreaterThan(row('db-1'));
    expect(row('web-1')).toBeGreaterThan(row('cache-1'));
    expect(lines[row('db-1')]).toContain('fork bomb bomb(999)');
    expect(lines[row('cache-1')]).toMatch(/down .*Connection refused|down +0/);
    // Enter on web-1's row: its execs only.
    for (let i = 0; i < row('web-1') - row('db-1'); i++) view.stdin.write('j');
    view.stdin.write('\r');
    const narrowed = await frameWhere(view, 'filter /host:web-1');
    expect(narrowed).toContain('web-job-4');
    expect(narrowed).not.toContain('pg_dump');
  });
});
