// The Origins view (4), Enter narrowing the tree to an origin, and the card's Origin block.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { Feed } from '../../src/ui/feed.js';
import { themeFor } from '../../src/ui/theme.js';
import { Script } from '../helpers/script.js';
import { frameWhere } from './wait.js';

const theme = themeFor({ NO_COLOR: '1' });
const users = new Map([[0, 'root'], [1000, 'alice']]);
const SSH = { SSH_CONNECTION: '203.0.113.7 52144 10.0.0.5 22', LD_PRELOAD: '/tmp/\x1b]0;x\x07.so' };

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

function feed(): Feed {
  const s = new Script()
    .snapshot(1, 0, ['/sbin/init'], { cgroup: '/init.scope' })
    .snapshot(500, 1, ['/usr/sbin/sshd', '-D'], { cgroup: '/system.slice/ssh.service' })
    .snapshot(700, 1, ['/usr/sbin/cron', '-f'], { cgroup: '/system.slice/cron.service' })
    .fork(601, 500).exec(601, ['/bin/bash'], { uid: 1000, auid: 1000, session: 12, tty: 'pts/1', sid: 601, pgid: 601, env: SSH });
  let pid = 610;
  for (let i = 0; i < 12; i++) {
    s.after(50).fork(++pid, 601).exec(pid, ['/usr/bin/curl', `job-${i}`], { uid: 1000, auid: 1000, session: 12, tty: 'pts/1', env: SSH }).after(2).exit(pid);
  }
  s.fork(701, 700).exec(701, ['/bin/sh', '-c', 'backup-job'], { auid: 0, session: 40, tty: null });
  s.fork(702, 601).exec(702, ['./deploy.sh'], { uid: 1000, auid: 1000, session: 12, tty: 'pts/1', env: SSH, exe: '/usr/bin/bash', filename: './deploy.sh' });
  const f = new Feed('web-1', 'ebpf');
  f.push(s.events);
  return f;
}

function show(f: Feed, columns = 120) {
  const view = render(<App feed={f} theme={theme} users={users} />);
  Object.defineProperty(view.stdout, 'columns', { value: columns });
  view.stdout.emit('resize');
  unmount = view.unmount;
  return view;
}

describe('Origins view', () => {
  it('ranks who started what; Enter shows that origin as a tree; Esc lets go', async () => {
    const view = show(feed());
    await frameWhere(view, 'job-11');
    view.stdin.write('4');
    const origins = await frameWhere(view, 'ssh alice@203.0.113.7 pts/1');
    const lines = origins.split('\n');
    const ssh = lines.findIndex((l) => l.includes('ssh alice@203.0.113.7'));
    const cron = lines.findIndex((l) => l.includes('cron (root)'));
    expect(ssh).toBeGreaterThan(0);
    expect(cron).toBeGreaterThan(ssh); // 14 execs before 1
    expect(lines[ssh]).toContain('curl ×12');
    expect(origins).toContain('EXEC/S');
    // The top row is selected: Enter narrows the tree to it.
    view.stdin.write('\r');
    const tree = await frameWhere(view, 'origin ssh alice@203.0.113.7 pts/1');
    expect(tree).toContain('curl');
    expect(tree).not.toContain('backup-job');
    view.stdin.write('\x1b');
    await frameWhere(view, (f) => f.includes('backup-job') && !f.includes('origin ssh'));
  });

  it('the selected origin stays selected while the ranking reorders, and Enter narrows to it', async () => {
    const f = feed();
    const view = show(f);
    await frameWhere(view, 'job-11');
    view.stdin.write('4');
    await frameWhere(view, 'cron (root)');
    view.stdin.write('j'); // the cron row, second
    await frameWhere(view, (frame) => frame.split('\n').some((l) => l.includes('cron (root)')));
    // cron gets busy: its row goes to the top, and the selection with it.
    const s = new Script();
    s.ts = f.model.now + 1e6;
    for (let i = 0; i < 30; i++) s.after(5).fork(800 + i, 700).exec(800 + i, ['/bin/sh', '-c', `cron-job-${i}`], { auid: 0, session: 100 + i, tty: null }).after(1).exit(800 + i);
    f.push(s.events);
    await frameWhere(view, (frame) => {
      const lines = frame.split('\n');
      const first = lines.findIndex((l) => /^\s+\d+\s+[\d.]+\s+\d+/.test(l));
      return first >= 0 && lines[first].includes('cron (root)');
    });
    view.stdin.write('\r');
    const tree = await frameWhere(view, 'origin cron (root)');
    expect(tree).toContain('backup-job');
  });

  it('the filter takes field terms: origin:cron, and a bad user says so', async () => {
    const view = show(feed());
    await frameWhere(view, 'job-11');
    view.stdin.write('/');
    view.stdin.write('origin:cron');
    view.stdin.write('\r');
    const frame = await frameWhere(view, (f) => f.includes('backup-job') && !f.includes('job-11'));
    expect(frame).toContain('filter /origin:cron');
    view.stdin.write('\x1b/user:mallory');
    await frameWhere(view, 'no user named mallory');
  });

  it("the card says where a process comes from, its login, the allowlisted environment (escaped) and a script's interpreter", async () => {
    const view = show(feed(), 160);
    await frameWhere(view, 'deploy.sh');
    view.stdin.write('\r'); // the newest exec: ./deploy.sh
    const card = await frameWhere(view, 'lineage');
    expect(card).toContain('origin ssh alice@203.0.113.7 pts/1');
    expect(card).toContain('login alice (1000)  session 12  tty pts/1');
    expect(card).toContain('env SSH_CONNECTION=203.0.113.7 52144 10.0.0.5 22  LD_PRELOAD=/tmp/\\x1b]0;x\\x07.so');
    expect(card).toContain('script ./deploy.sh run by /usr/bin/bash');
    expect(card).not.toContain('\x1b]0;x');
  });
});
