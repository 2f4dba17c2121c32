// uid -> user name, from /etc/passwd read once (no per-event I/O).
import fs from 'node:fs';

export function loadUserNames(path = '/etc/passwd'): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of fs.readFileSync(path, 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid !== undefined && !names.has(Number(uid))) names.set(Number(uid), name);
    }
  } catch {
    // no passwd file: numbers it is
  }
  return names;
}
