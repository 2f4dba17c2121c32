import { describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { compileFilter, parseFilterText, recentExecs, treeFilter } from '../../src/model/queries.js';
import { Script } from '../helpers/script.js';

const SSH = { SSH_CONNECTION: '203.0.113.7 52144 10.0.0.5 22' };
const users = new Map([[0, 'root'], [1000, 'alice']]);
const ID = 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12';

/** alice over ssh runs curl in /tmp; cron runs a backup; nginx runs in a container. */
function machine(): Model {
  const s = new Script()
    .snapshot(1, 0, ['/sbin/init'], { cgroup: '/init.scope' })
    .snapshot(500, 1, ['/usr/sbin/sshd'], { cgroup: '/system.slice/ssh.service' })
    .snapshot(700, 1, ['/usr/sbin/cron'], { cgroup: '/system.slice/cron.service' })
    .fork(601, 500).exec(601, ['/bin/bash'], { uid: 1000, auid: 1000, session: 12, tty: 'pts/1', env: SSH })
    .fork(602, 601).exec(602, ['/usr/bin/curl', 'http://x/y.sh'], { uid: 1000, auid: 1000, session: 12, tty: 'pts/1', env: SSH, cwd: '/tmp' })
    .fork(603, 601).exec(603, ['/usr/bin/curl', 'http://x/z'], { uid: 1000, auid: 1000, session: 12, tty: 'pts/1', env: SSH, cwd: '/home/alice' })
    .fork(701, 700).exec(701, ['/bin/sh', '-c', 'backup'], { auid: 0, session: 40, tty: null })
    .fork(801, 1).exec(801, ['/usr/sbin/nginx'], { cgroup: `/system.slice/docker-${ID}.scope` })
    .after(5).exit(603, 1);
  const m = new Model();
  m.apply(s.events);
  return m;
}

const pidsMatching = (m: Model, text: string) => recentExecs(m, compileFilter(m, { text }, users), 100).map((e) => e.pid).sort();

describe('filter: field terms with text', () => {
  it('splits words into terms, the failed word and text; a /regex/ stays whole', () => {
    expect(parseFilterText(' user:alice  curl origin:ssh failed http://x ')).toEqual({
      text: 'curl http://x', terms: [{ field: 'user', value: 'alice' }, { field: 'origin', value: 'ssh' }], failed: true,
    });
    expect(parseFilterText('/user:.* x/i')).toEqual({ text: '/user:.* x/i', terms: [], failed: false });
  });

  it.each([
    ['origin:ssh', [601, 602, 603]],
    ['origin:ssh curl', [602, 603]],
    ['origin:203.0.113.7', [601, 602, 603]],
    ['origin:cron', [701]],
    ['origin:container', [801]],
    [`container:${ID.slice(0, 6)}`, [801]],
    ['container:docker', [801]],
    ['unit:cron', [701]], // a cron job's origin keeps the unit that ran cron
    ['unit:ssh', []], // a login is not the unit that let it in
    ['user:alice', [601, 602, 603]],
    ['user:1000 cwd:/tmp', [602]],
    ['cwd:/home', [603]],
    ['cwd:/tm', []], // a directory, not a prefix of a name
    ['tty:pts/1', [601, 602, 603]],
    ['tty:/dev/pts/1', [601, 602, 603]],
    ['exe:curl failed', [603]],
    ['exe:/usr/sbin', [801]],
  ])('%s', (text, pids) => {
    expect(pidsMatching(machine(), text)).toEqual(pids);
  });

  it('an unknown user is an error the filter line shows; an unknown field is text', () => {
    const m = machine();
    expect(() => compileFilter(m, { text: 'user:mallory' }, users)).toThrow('no user named mallory');
    expect(pidsMatching(m, 'http://x/y.sh')).toEqual([602]);
  });

  it('narrows the tree and the origins alike', () => {
    const m = machine();
    const matcher = compileFilter(m, { text: 'origin:ssh' }, users);
    const filter = treeFilter(m, matcher);
    expect(filter.matched.has(m.byPid.get(602)!.id)).toBe(true);
    expect(filter.matched.has(m.byPid.get(801)!.id)).toBe(false);
    const kinds = [...m.origins.byKey.values()].filter(matcher.origin).map((o) => o.kind);
    expect(kinds).toEqual(['ssh']);
    const byKey = compileFilter(m, { originKey: 'cron:0' }, users);
    expect(recentExecs(m, byKey, 10).map((e) => e.pid)).toEqual([701]);
  });
});
