// Who must never be signalled, and who must not be taken as the root of a lineage to stop.
// Reads /proc: the model knows what processes did, not which is the user's own session.
import fs from 'node:fs';
import type { ProcessNode } from '../model/process-node.js';
import { loadAddon } from '../sources/addon.js';

/** Programs that hold a machine or a session together: never a lineage's root. */
const KEEPERS = new Set([
  'systemd', 'init', 'sshd', 'sshd-session', 'login', 'agetty', 'getty', 'su', 'sudo', 'doas',
  'tmux: server', 'screen', 'SCREEN', 'containerd-shim', 'containerd-shim-runc-v2', 'runc', 'conmon', 'dockerd',
  'containerd', 'tini', 'dumb-init', 'cron', 'crond',
]);

export class Protection {
  /** pid 1, forktop, and forktop's ancestors (the terminal and ssh session it runs in). */
  readonly pids = new Set<number>();

  constructor(selfPid: number = process.pid) {
    this.pids.add(1);
    const { readStat } = loadAddon();
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

  /** Why this process may not be the root of a lineage to stop, or null when it may. */
  whyNotRoot(node: Pick<ProcessNode, 'pid' | 'argv' | 'comm'>): string | null {
    const { pid } = node;
    if (pid === 1) return 'pid 1 (init)';
    if (pid === process.pid) return 'forktop itself';
    if (this.pids.has(pid)) return "forktop's own ancestor (the session forktop runs in)";
    const stat = loadAddon().readStat(pid);
    if (stat && (stat.ppid === 2 || pid === 2)) return 'a kernel thread';
    if (node.argv?.[0]?.startsWith('-')) return 'a login shell';
    const comm = node.comm ?? readComm(pid);
    if (comm && KEEPERS.has(comm)) return `${comm}, which holds the machine or a session together`;
    if (stat && stat.session === pid) return "a session leader (a terminal's shell)";
    if (isContainerInit(pid)) return "a container's init";
    return null;
  }
}

function readComm(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** pid 1 of a nested pid namespace: NSpid lists more than one pid and ends in 1. */
function isContainerInit(pid: number): boolean {
  try {
    const line = /^NSpid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    const pids = line ? line[1].trim().split(/\s+/) : [];
    return pids.length > 1 && pids[pids.length - 1] === '1';
  } catch {
    return false;
  }
}
