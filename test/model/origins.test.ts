import { describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { originLabel, OriginTable, parseCgroup } from '../../src/model/origins.js';
import { recentExecs, topOrigins } from '../../src/model/queries.js';
import { Script } from '../helpers/script.js';

const ID = '3f2a1b9c0d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a';
const POD = '3b1e4f6a-5c2d-4e8f-9a1b-2c3d4e5f6a7b';

describe('origins: what a cgroup path says', () => {
  // Paths as systemd, the container runtimes and kubelet make them (cgroup v2 and v1's
  // systemd hierarchy look alike here).
  const table: [string, ReturnType<typeof parseCgroup>][] = [
    ['/', { container: null, pod: null, unit: null, session: null }],
    ['/init.scope', { container: null, pod: null, unit: null, session: null }],
    ['/system.slice/nginx.service', { container: null, pod: null, unit: 'nginx.service', session: null }],
    ['/system.slice/cron.service', { container: null, pod: null, unit: 'cron.service', session: null }],
    ['/system.slice/run-u42.scope', { container: null, pod: null, unit: 'run-u42.scope', session: null }],
    ['/user.slice/user-1000.slice/session-12.scope', { container: null, pod: null, unit: null, session: 12 }],
    ['/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service', { container: null, pod: null, unit: 'dbus.service', session: null }],
    [`/system.slice/docker-${ID}.scope`, { container: { runtime: 'docker', id: ID }, pod: null, unit: null, session: null }],
    [`/docker/${ID}`, { container: { runtime: 'docker', id: ID }, pod: null, unit: null, session: null }],
    [`/system.slice/crio-${ID}.scope`, { container: { runtime: 'cri-o', id: ID }, pod: null, unit: null, session: null }],
    [`/system.slice/crio-conmon-${ID}.scope`, { container: null, pod: null, unit: null, session: null }],
    [`/machine.slice/libpod-${ID}.scope/container`, { container: { runtime: 'podman', id: ID }, pod: null, unit: null, session: null }],
    [
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD.replace(/-/g, '_')}.slice/cri-containerd-${ID}.scope`,
      { container: { runtime: 'kubernetes', id: ID }, pod: POD, unit: null, session: null },
    ],
    [`/kubepods/burstable/pod${POD}/${ID}`, { container: { runtime: 'kubernetes', id: ID }, pod: POD, unit: null, session: null }],
    ['/lxc.payload.web1', { container: { runtime: 'lxc', id: 'web1' }, pod: null, unit: null, session: null }],
    ['/lxc/web1', { container: { runtime: 'lxc', id: 'web1' }, pod: null, unit: null, session: null }],
    // A unit inside a container is the container's business.
    [`/system.slice/docker-${ID}.scope/system.slice/nginx.service`, { container: { runtime: 'docker', id: ID }, pod: null, unit: null, session: null }],
  ];
  it.each(table)('%s', (path, place) => {
    expect(parseCgroup(path)).toEqual(place);
  });
});

const SSH = { SSH_CONNECTION: '203.0.113.7 52144 10.0.0.5 22', SSH_TTY: '/dev/pts/1' };
const login = (auid: number, session: number, tty: string | null, env: Record<string, string> = {}) =>
  ({ auid, session, tty, sid: null, pgid: null, env });

/** A server: init, sshd, cron and containerd as systemd starts them. */
function server(): Script {
  return new Script()
    .snapshot(1, 0, ['/sbin/init'], { cgroup: '/init.scope', auid: 4294967295, session: 4294967295 })
    .snapshot(2, 0, ['[kthreadd]'], { exe: null, argv_source: null, comm: 'kthreadd' })
    .snapshot(500, 1, ['/usr/sbin/sshd', '-D'], { cgroup: '/system.slice/ssh.service', auid: 4294967295, session: 4294967295 })
    .snapshot(700, 1, ['/usr/sbin/cron', '-f'], { cgroup: '/system.slice/cron.service', auid: 4294967295, session: 4294967295 });
}

const originOf = (m: Model, pid: number) => m.byPid.get(pid)!.origin;
const names = (uid: number) => (({ 0: 'root', 1000: 'alice' }) as Record<number, string>)[uid] ?? String(uid);

describe('origins: derived from the event stream', () => {
  it('an ssh login: its shell starts it, sudo and what runs under it keep it', () => {
    const s = server()
      .fork(600, 500).fork(601, 600) // sshd's session process sets the login uid, then forks the shell
      .exec(601, ['/bin/bash'], { uid: 1000, cgroup: '/user.slice/user-1000.slice/session-12.scope', ...login(1000, 12, 'pts/1', SSH) })
      .fork(602, 601).exec(602, ['/usr/bin/sudo', 'apt', 'update'], { uid: 0, ...login(1000, 12, 'pts/1', SSH) })
      .fork(603, 602).exec(603, ['/usr/bin/apt', 'update'], { uid: 0, ...login(1000, 12, 'pts/1', SSH) });
    const m = new Model();
    m.apply(s.events);
    const ssh = originOf(m, 601);
    expect(ssh).toMatchObject({ key: 'session:12', kind: 'ssh', auid: 1000, session: 12, tty: 'pts/1', client: '203.0.113.7' });
    expect(originLabel(ssh, names)).toBe('ssh alice@203.0.113.7 pts/1');
    expect(originOf(m, 603)).toBe(ssh);
    expect(ssh.live).toBe(3);
    expect(ssh.uids).toEqual([1000, 0]);
    expect(originOf(m, 500).kind).toBe('unit');
    expect(originOf(m, 600)).toBe(originOf(m, 500)); // forked, not exec'd: still sshd's
    m.apply(new Script().after(2000).exit(603).events);
    expect(ssh.live).toBe(2);
    // The exec list's entries carry the origin at their exec.
    expect(recentExecs(m, null, 3).map((e) => e.origin?.key)).toEqual(['session:12', 'session:12', 'session:12']);
  });

  it("sshd's scripts before the shell start the login without a tty; the shell's exec fills it in", () => {
    const s = server()
      .fork(600, 500).exec(600, ['/bin/sh', '/etc/update-motd.d/10-uname'], { comm: 'sh', ...login(1000, 12, null), env: {} })
      .fork(601, 500).exec(601, ['/bin/bash'], { ...login(1000, 12, 'pts/1', SSH) });
    const m = new Model();
    m.apply(s.events); // the motd script's process was still named sshd before its exec
    expect(originOf(m, 601)).toMatchObject({ kind: 'ssh', tty: 'pts/1', client: '203.0.113.7' });
    expect(originOf(m, 600)).toBe(originOf(m, 601));
  });

  it("cron jobs: each a fresh session from cron's PAM, grouped by their user; a job's children stay in it", () => {
    const s = server()
      .fork(701, 700).exec(701, ['/bin/sh', '-c', 'backup.sh'], login(0, 40, null))
      .fork(702, 701).exec(702, ['/usr/local/bin/backup.sh'], login(0, 40, null))
      .after(60_000).fork(710, 700).exec(710, ['/bin/sh', '-c', 'backup.sh'], login(0, 41, null))
      .fork(711, 700).exec(711, ['/bin/sh', '-c', 'report'], login(1000, 42, null));
    const m = new Model();
    m.apply(s.events);
    expect(originOf(m, 701)).toMatchObject({ key: 'cron:0', kind: 'cron' });
    expect(originOf(m, 702)).toBe(originOf(m, 701));
    expect(originOf(m, 710)).toBe(originOf(m, 701));
    expect(originLabel(originOf(m, 711), names)).toBe('cron (alice)');
  });

  it('a console login, a systemd unit, a container, the kernel and the system', () => {
    const s = server()
      .fork(800, 1).exec(800, ['/usr/bin/containerd-shim'], { cgroup: '/system.slice/containerd.service' })
      .fork(801, 800).exec(801, ['/usr/sbin/nginx'], { cgroup: `/system.slice/docker-${ID}.scope` })
      .fork(802, 801).exec(802, ['/usr/sbin/nginx', 'worker'], { cgroup: `/system.slice/docker-${ID}.scope` })
      .fork(900, 2)
      .fork(950, 1).exec(950, ['/bin/login', '--', 'root'], { cgroup: '/system.slice/getty@tty1.service' })
      .exec(950, ['/bin/bash', '-l'], { cgroup: '/user.slice/user-0.slice/session-3.scope', ...login(0, 3, 'tty1') })
      .fork(960, 1);
    const m = new Model();
    m.apply(s.events);
    expect(originLabel(originOf(m, 800), names)).toBe('containerd.service');
    expect(originLabel(originOf(m, 801), names)).toBe(`container docker ${ID.slice(0, 12)}`);
    expect(originLabel(originOf(m, 801), names, () => 'web')).toBe(`container docker ${ID.slice(0, 12)} (web)`);
    expect(originOf(m, 802)).toBe(originOf(m, 801));
    expect(originOf(m, 900).kind).toBe('kernel');
    expect(originOf(m, 2).kind).toBe('kernel');
    expect(originLabel(originOf(m, 950), names)).toBe('login root tty1');
    expect(originOf(m, 960).kind).toBe('system');
    expect(originOf(m, 1).kind).toBe('system');
  });

  it("a recording without origin fields still finds a login by logind's session scope", () => {
    const s = server().fork(601, 500).exec(601, ['/bin/bash'], { cgroup: '/user.slice/user-1000.slice/session-12.scope' });
    const m = new Model();
    m.apply(s.events);
    expect(originOf(m, 601)).toMatchObject({ kind: 'ssh', session: 12 }); // its spawner was sshd
  });

  it('ranks origins by exec rate and says what each runs most', () => {
    const s = server().fork(601, 500).exec(601, ['/bin/bash'], login(1000, 12, 'pts/1', SSH));
    let pid = 1000;
    for (let i = 0; i < 20; i++) s.after(10).fork(++pid, 601).exec(pid, ['/usr/bin/curl', 'x'], login(1000, 12, 'pts/1', SSH)).after(1).exit(pid);
    s.fork(++pid, 700).exec(pid, ['/bin/sh', '-c', 'x'], login(0, 50, null));
    const m = new Model();
    m.apply(s.events);
    const rows = topOrigins(m, 10);
    expect(rows[0]).toMatchObject({ origin: { key: 'session:12' }, live: 1 });
    expect(rows[0].rate1s).toBeGreaterThanOrEqual(20);
    expect(rows[0].runs[0]).toEqual({ program: 'curl', count: 20 });
    expect(rows.map((r) => r.origin.key)).toContain('cron:0');
  });

  it('keeps at most its limit of origins, dropping the idle ones with nothing alive first', () => {
    const table = new OriginTable(4);
    const system = table.system;
    const make = (session: number) => table.derive(system, null, { login: { auid: 1, session, tty: null, sid: null, pgid: null, env: null, late: false }, cgroup: null, commBefore: 'login' }, session);
    const kept = make(1);
    kept.live = 1;
    make(2);
    expect(table.byKey.size).toBe(4); // with system and kernel
    make(3);
    expect(table.byKey.size).toBe(4);
    expect([...table.byKey.keys()]).toEqual(['system', 'kernel', 'session:1', 'session:3']);
  });
});
