// Event sequences for model tests: the Script (src/events/script.ts), and a fork bomb.
import { Script } from '../../src/events/script.js';

export { Script } from '../../src/events/script.js';

/** A fork bomb: every member forks two children and its parent exits right after. */
export function bomb(s: Script, rootPid: number, parentPid: number, generations: number, nextPid: () => number): number {
  s.fork(rootPid, parentPid).exec(rootPid, ['./bomb']);
  let layer = [rootPid];
  let members = 1;
  for (let g = 0; g < generations; g++) {
    const next: number[] = [];
    for (const pid of layer) {
      for (let k = 0; k < 2; k++) {
        const child = nextPid();
        s.after(0.5).fork(child, pid);
        next.push(child);
        members++;
      }
      s.after(0.1).exit(pid);
    }
    layer = next;
  }
  return members;
}
