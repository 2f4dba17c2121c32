import { describe, expect, it } from 'vitest';
import type { ForktopEvent } from '../../src/events/schema.js';
import { localPid, PID_SPAN } from '../../src/model/hosts.js';
import { Model } from '../../src/model/model.js';
import { recentExecs } from '../../src/model/queries.js';
import { bomb, Script } from '../helpers/script.js';

/** The script's events as one host's. */
const on = (host: string, events: ForktopEvent[]): ForktopEvent[] => events.map((ev) => ({ ...ev, host }));

describe('model: several hosts in one stream', () => {
  it('keeps the same pid on two hosts apart, and a one-host stream as it was', () => {
    const a = new Script().snapshot(1, 0, ['/sbin/init']).fork(100, 1).after(1).exec(100, ['/usr/bin/make']);
    const b = new Script().snapshot(1, 0, ['/lib/systemd/systemd']).fork(100, 1).after(1).exec(100, ['/usr/bin/curl', 'x']);
    const m = new Model();
    m.apply([...on('web-1', a.events), ...on('db-1', b.events)]);
    expect(m.hosts.count).toBe(2);
    const web = m.hosts.keyOf('web-1', 100)!;
    const db = m.hosts.keyOf('db-1', 100)!;
    expect(web).not.toBe(db);
    expect(m.byPid.get(web)!.argv).toEqual(['/usr/bin/make']);
    expect(m.byPid.get(db)!.argv).toEqual(['/usr/bin/curl', 'x']);
    expect(localPid(web)).toBe(100);
    expect(m.hosts.nameOf(db)).toBe('db-1');
    // Each host's pid 1 is a root, its child under it.
    expect(m.node(m.byPid.get(web)!.parentId!)!.pid).toBe(m.hosts.keyOf('web-1', 1));
    expect(m.hosts.byHostName('web-1')!.live).toBe(2);
    expect(recentExecs(m, null, 2).map((e) => m.hosts.nameOf(e.pid))).toEqual(['db-1', 'web-1']);

    const single = new Model();
    single.apply(a.events);
    expect(single.hosts.count).toBe(0);
    expect(single.byPid.get(100)!.argv).toEqual(['/usr/bin/make']);
  });

  it("a host's rescan marks only that host's vanished processes gone", () => {
    const a = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(50, 1, ['sleep', '9']);
    const b = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(50, 1, ['sleep', '9']);
    const m = new Model();
    m.apply([...on('a', a.events), ...on('b', b.events)]);
    // Host a comes back: its rescan lists pid 1 only.
    const again = new Script().after(5000).push({ type: 'snapshot', pid: 1, ppid: 0, argv: ['/sbin/init'], argv_source: 'proc', comm: 'init', exe: null, cwd: null, uid: 0, cgroup: null, start_ts: 0, start: null, resync: 7 } as never)
      .push({ type: 'resync', id: 7, count: 1 } as never);
    m.apply(on('a', again.events));
    expect(m.byPid.get(m.hosts.keyOf('a', 50)!)!.exit).toMatchObject({ unseen: true });
    expect(m.byPid.get(m.hosts.keyOf('b', 50)!)!.exit).toBeNull();
    expect(m.hosts.byHostName('a')!.live).toBe(1);
  });

  it("an alert names its root by the host's own pid and the host; the detector finds it back", () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(50, 1, ['/bin/bash']);
    let next = 5000;
    bomb(s, 4000, 50, 9, () => next++);
    const m = new Model();
    const alerts = m.apply(on('web-2', s.events));
    const raised = alerts.find((a) => a.kind === 'fork-bomb' && a.state === 'raised')!;
    expect(raised).toMatchObject({ root: 4000, host: 'web-2' });
    expect(m.alerts.rootOf(raised)!.pid).toBe(m.hosts.keyOf('web-2', 4000));
    expect(m.alerts.rootOf({ ...raised, host: undefined })).toBeUndefined();
  });

  it("host events give the host's state, and its losses are its own", () => {
    const m = new Model();
    const s = new Script()
      .push({ type: 'host', host: 'x', state: 'up', reason: null, boot_id: 'b1' } as never)
      .after(10).push({ type: 'lost', count: 3, source: 'transport', host: 'x' } as never)
      .after(10).push({ type: 'host', host: 'x', state: 'down', reason: 'ssh: connect refused' } as never);
    m.apply(s.events);
    expect(m.hosts.byHostName('x')).toMatchObject({ state: 'down', reason: 'ssh: connect refused', bootId: 'b1', lost: 3 });
    expect(m.lossMarks[0]).toMatchObject({ count: 3, host: 'x' });
    expect(m.totals.lost).toBe(3);
  });

  it('pids of hosts never meet: the span is above any pid the schema allows', () => {
    expect(PID_SPAN).toBeGreaterThan(4_194_304);
  });
});
