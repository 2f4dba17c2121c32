// The observers compared in one run: forktop and its peers, each started as a real
// process writing to a file, and a parser that turns its output into what it saw.
import path from 'node:path';
import { cliCommand, which } from './system.js';

const forktopCli = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../dist/cli.js');

/** Lines of "[time] exec PID  command line" (forkstat) etc. become pid -> argv string. */
function byPid(lines, pattern) {
  const seen = new Map();
  for (const line of lines) {
    const m = pattern.exec(line);
    if (m) seen.set(Number(m[1]), m[2].trim());
  }
  return seen;
}

function sumLost(text) {
  let lost = 0;
  for (const m of text.matchAll(/Lost (\d+) events?/gi)) lost += Number(m[1]);
  return lost;
}

function forktopObserver(name, source) {
  return {
    name,
    // By dist/cli.js's first line, as the installed command runs (the other sections do too).
    command: () => {
      const [command, ...args] = cliCommand(forktopCli);
      return [command, [...args, '--json', '--source', source]];
    },
    ready: /"type":"snapshot"/,
    parse(stdout) {
      const execs = new Map();
      const forks = new Map();
      let lost = 0;
      for (const line of stdout.split('\n')) {
        if (!line) continue;
        const ev = JSON.parse(line);
        if (ev.type === 'exec' && ev.ret === 0) execs.set(ev.pid, ev.argv === null ? null : ev.argv.join(' '));
        else if (ev.type === 'fork') forks.set(ev.pid, ev.ppid);
        else if (ev.type === 'lost') lost += ev.count;
      }
      return { execs, forks, lost: String(lost) };
    },
  };
}

export const observers = [
  forktopObserver('forktop (ebpf+netlink)', 'ebpf'),
  forktopObserver('forktop (netlink only)', 'netlink'),
  {
    name: 'forkstat',
    available: () => which('forkstat'),
    command: () => [which('forkstat'), ['-e', 'fork,exec,exit', '-l']],
    ready: /Time\s+Event/,
    parse(stdout, stderr) {
      const lines = stdout.split('\n');
      const execs = byPid(lines, /^\S+ exec\s+(\d+)\s+(.*)$/);
      // A fork is two lines: "fork PARENT parent ..." then "fork CHILD child ...".
      const forks = new Map();
      for (let i = 0; i + 1 < lines.length; i++) {
        const parent = /^\S+ fork\s+(\d+) parent/.exec(lines[i]);
        const child = parent && /^\S+ fork\s+(\d+) child/.exec(lines[i + 1]);
        if (child) forks.set(Number(child[1]), Number(parent[1]));
      }
      const overrun = /No buffer space|ENOBUFS/i.test(stdout + stderr);
      return { execs, forks, lost: overrun ? 'ENOBUFS, uncounted' : '0 reported' };
    },
  },
  {
    name: 'execsnoop (libbpf-tools)',
    available: () => which('execsnoop'),
    command: () => [which('stdbuf'), ['-oL', which('execsnoop')]],
    ready: /PCOMM/,
    parse(stdout, stderr) {
      // PCOMM PID PPID RET ARGS
      const execs = byPid(stdout.split('\n'), /^\S+\s+(\d+)\s+\d+\s+-?\d+\s?(.*)$/);
      return { execs, forks: null, lost: String(sumLost(stdout + stderr)) };
    },
  },
  {
    name: 'execsnoop.bt (bpftrace)',
    available: () => which('bpftrace') && (which('execsnoop.bt') ?? '/usr/sbin/execsnoop.bt'),
    command: () => [which('bpftrace'), [which('execsnoop.bt') ?? '/usr/sbin/execsnoop.bt']],
    ready: /TIME\(ms\)/,
    parse(stdout, stderr) {
      // TIME(ms) PID ARGS
      const execs = byPid(stdout.split('\n'), /^\d+\s+(\d+)\s?(.*)$/);
      return { execs, forks: null, lost: String(sumLost(stdout + stderr)) };
    },
  },
];
