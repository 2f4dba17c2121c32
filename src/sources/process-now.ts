// A running process as /proc shows it now, for the inspect card: its cwd, program and
// cgroup may have changed since its exec (a shell's cd). Null when the pid is gone.
import type { ProcessNow } from '../model/process-node.js';
import { readProcess } from './addon.js';

export function readProcessNow(pid: number): ProcessNow | null {
  const snapshot = readProcess(pid);
  if (!snapshot) return null;
  return { cwd: snapshot.cwd, exe: snapshot.exe, cgroup: snapshot.cgroup, startTs: snapshot.start_ts };
}
