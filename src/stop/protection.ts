// Who must never be signalled, and who must not be taken as the root of a lineage to stop.
// Reads /proc: the model knows what processes did, not which is the user's own session.
//
// Every refusal rests on a fact the process cannot forge: its pid and place in the tree,
// its uid (as the kernel reports it here), and the file it runs (its exe, checked to be a
// root-owned file in a system directory). Never on its name, comm or argv, which any
// process sets as it likes: a bomb that calls itself sshd, calls setsid() or names itself
// -bash is stopped like any other. Refusals name pids, uids and this file's fixed names.
import fs from 'node:fs';
import path from 'node:path';
import type { ProcessNode } from '../model/process-node.js';
import { loadAddon } from '../sources/addon.js';

type KeeperKind =
  /** Holds the machine, a login, or a container together when it runs as root. */
  | 'system'
  /** Gives a user a session (a login, a remote or switched user): its child that leads a
   *  session is that session's shell. Also a 'system' keeper. */
  | 'session'
  /** Holds terminals a user opened (as that user): its session leaders are their shells. */
  | 'terminal';

/** Programs that hold a machine or a session together, by the file name they run from. */
const KEEPERS = new Map<string, KeeperKind>([
  ...(['systemd', 'init', 'agetty', 'getty', 'cron', 'crond', 'containerd', 'containerd-shim',
    'containerd-shim-runc-v2', 'runc', 'conmon', 'dockerd', 'tini', 'dumb-init'] as const).map((n) => [n, 'system'] as const),
  ...(['sshd', 'sshd-session', 'dropbear', 'login', 'su', 'sudo', 'doas', 'runuser'] as const).map((n) => [n, 'session'] as const),
  ...(['tmux', 'screen', 'mosh-server', 'xterm', 'uxterm', 'gnome-terminal-server', 'konsole', 'xfce4-terminal',
    'mate-terminal', 'lxterminal', 'alacritty', 'kitty', 'foot', 'urxvt', 'rxvt', 'wezterm-gui', 'st'] as const).map((n) => [n, 'terminal'] as const),
]);

/** Where the machine's own programs live (the file and every directory above it must also
 *  be root's, writable by no one else). */
const SYSTEM_DIRS = ['/usr/bin/', '/usr/sbin/', '/bin/', '/sbin/', '/usr/lib/', '/usr/libexec/', '/lib/', '/usr/local/bin/', '/usr/local/sbin/'];

/** A process as far as protection needs it; stopper passes model nodes. */
export type ProtectedCandidate = Pick<ProcessNode, 'pid' | 'argv' | 'comm'> & Partial<Pick<ProcessNode, 'startTs' | 'exit'>>;

/** /proc start times have clock-tick resolution; a fork event is a few µs after the start. */
const START_TOLERANCE_NS = 30e6;

/** A terminal program with more live copies of itself in its lineage than this (a program
 *  forking itself, not exec'ing) is a bomb running that program, not a terminal: any user
 *  can run the real /usr/bin/tmux with code of their own loaded into it. A real one has a
 *  client and a server or so. */
const TERMINAL_LINEAGE_MAX = 4;

/** Live members of the same-program lineage the process with this pid is in (the model
 *  knows; 1 where it doesn't). */
export type LineageSize = (pid: number) => number;

/** Who may be at this screen: root, forktop's user, and whoever ran it with sudo. A terminal
 *  program is the person's own only as one of them: any user can start the real tmux, and
 *  a storm run as its shell by another user is theirs to lose, not a session to keep. */
function watchers(): Set<number> {
  const uids = new Set<number>([0]);
  const own = process.getuid?.();
  if (own !== undefined) uids.add(own);
  const sudo = process.env.SUDO_UID;
  if (sudo !== undefined && /^\d{1,10}$/.test(sudo)) uids.add(Number(sudo));
  return uids;
}

export class Protection {
  /** pid 1, forktop, and forktop's ancestors (the terminal and ssh session it runs in). */
  readonly pids = new Set<number>();
  private readonly ownSession: number | null;
  private readonly watchers = watchers();

  constructor(selfPid: number = process.pid, private readonly lineageSize: LineageSize = () => 1) {
    this.pids.add(1);
    const { readStat } = loadAddon();
    this.ownSession = readStat(selfPid)?.session ?? null;
    for (let pid = selfPid, hops = 0; pid > 1 && hops < 256; hops++) {
      this.pids.add(pid);
      const stat = readStat(pid);
      if (!stat) break;
      pid = stat.ppid;
    }
  }

  isProtected(pid: number): boolean {
    return this.pids.has(pid);
  }

  /** Why this process may not be the root of a lineage to stop, or null when it may. The
   *  answer reads after "it is" and says which fact decided. */
  whyNotRoot(node: ProtectedCandidate): string | null {
    const { pid } = node;
    if (pid === 1) return 'pid 1 (init)';
    if (pid === process.pid) return 'forktop itself';
    if (this.pids.has(pid)) return "forktop's own ancestor (the session forktop runs in)";
    if (pid === this.ownSession) return "the leader of forktop's own session";
    if (node.exit) return null; // gone: nothing of it to protect, only what it spawned
    const stat = loadAddon().readStat(pid);
    if (!stat) return null;
    // The pid now belongs to another process: the node's own is gone.
    if (node.startTs != null && Math.abs(stat.startNs - node.startTs) > START_TOLERANCE_NS) return null;
    if (pid === 2 || stat.ppid === 2) return 'a kernel thread (its parent is kthreadd, pid 2)';
    const self = factsOf(pid);
    if (!self) return null;
    const parent = stat.ppid > 0 ? factsOf(stat.ppid) : null;
    if (self.keeper) {
      const { name, kind } = self.keeper;
      if (kind === 'terminal' && this.lineageSize(pid) <= TERMINAL_LINEAGE_MAX && self.euid !== null && this.watchers.has(self.euid)) {
        return `the real ${name} (a root-owned system program) run by uid ${self.euid}, which holds terminal sessions`;
      }
      if (self.euid === 0) return `the real ${name} running as root (euid 0), which holds the machine or a session together`;
      // sshd's per-connection process, run as the user by sshd running as root.
      if (parent?.keeper && parent.keeper.kind === 'session' && parent.euid === 0) {
        return `the real ${name} (uid ${self.euid}) of a session: its parent, pid ${stat.ppid}, is the real ${parent.keeper.name} running as root`;
      }
    }
    const leader = stat.session === pid;
    const login = !leader && node.argv?.[0]?.startsWith('-') === true;
    if ((leader || login) && parent && this.givesSessions(parent, stat.ppid)) {
      const what = leader ? 'a session leader' : "a login shell (argv[0] starts with '-')";
      return `a terminal's shell: ${what} whose parent, pid ${stat.ppid}, is the real ${parent.keeper!.name}`;
    }
    if (self.containerInit && self.euid === 0) return "a container's init: pid 1 of its own pid namespace, running as root (euid 0)";
    return null;
  }

  /** A real terminal, or a real session program running as root or run by one. */
  private givesSessions(parent: ProcessFacts, parentPid: number): boolean {
    const keeper = parent.keeper;
    if (!keeper) return false;
    if (keeper.kind === 'terminal') return this.lineageSize(parentPid) <= TERMINAL_LINEAGE_MAX && parent.euid !== null && this.watchers.has(parent.euid);
    if (keeper.kind !== 'session') return false;
    if (parent.euid === 0) return true;
    const grand = loadAddon().readStat(parentPid);
    const above = grand && grand.ppid > 0 ? factsOf(grand.ppid) : null;
    return above?.keeper?.kind === 'session' && above.euid === 0;
  }
}

interface ProcessFacts {
  /** Effective uid, as the kernel reports it in this (forktop's) user namespace. */
  euid: number | null;
  /** The keeper it really runs, when it does (see realKeeper). */
  keeper: { name: string; kind: KeeperKind } | null;
  /** pid 1 of a nested pid namespace. */
  containerInit: boolean;
}

function factsOf(pid: number): ProcessFacts | null {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
  const nspid = /^NSpid:\s+(.*)$/m.exec(status);
  const pids = nspid ? nspid[1].trim().split(/\s+/) : [];
  return {
    euid: uids ? Number(uids[2]) : null,
    keeper: realKeeper(pid),
    containerInit: pids.length > 1 && pids[pids.length - 1] === '1',
  };
}

/**
 * The keeper a process runs, judged by its program file alone: the name in /proc/PID/exe
 * must be one of KEEPERS, in a system directory, and the file there must be the very file
 * it runs (a process in a mount namespace of its own can show any path) and root's, as
 * must every directory above it, writable by no one else. A program deleted since it
 * started (an upgrade) counts when the file it runs is root's.
 */
function realKeeper(pid: number): ProcessFacts['keeper'] {
  let target: string;
  let running: fs.Stats;
  try {
    target = fs.readlinkSync(`/proc/${pid}/exe`);
    running = fs.statSync(`/proc/${pid}/exe`);
  } catch {
    return null; // a kernel thread, gone, or not ours to read
  }
  const deleted = target.endsWith(' (deleted)');
  if (deleted) target = target.slice(0, -' (deleted)'.length);
  const name = path.basename(target);
  const kind = KEEPERS.get(name);
  if (!kind || !SYSTEM_DIRS.some((dir) => target.startsWith(dir)) || !rootOnly(running)) return null;
  if (deleted) return running.nlink === 0 ? { name, kind } : null;
  try {
    const there = fs.statSync(target);
    if (there.dev !== running.dev || there.ino !== running.ino) return null;
    for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
      if (!rootOnly(fs.statSync(dir))) return null;
      if (dir === '/') break;
    }
  } catch {
    return null;
  }
  return { name, kind };
}

/** Owned by root and writable by no one else. */
function rootOnly(stat: fs.Stats): boolean {
  return stat.uid === 0 && (stat.mode & 0o022) === 0;
}
