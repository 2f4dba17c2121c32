// Gives exit events their duration: remembers when each live process started
// (fork, or the start time /proc gave for a snapshot or an exec seen first).
import type { ForktopEvent } from '../events/schema.js';

export class StartTimes {
  private readonly startByPid = new Map<number, number>();

  annotate(events: ForktopEvent[]): void {
    for (const ev of events) {
      switch (ev.type) {
        case 'fork':
          this.startByPid.set(ev.pid, ev.ts);
          break;
        case 'snapshot':
        case 'exec':
          if (!this.startByPid.has(ev.pid) && ev.start_ts !== null) {
            this.startByPid.set(ev.pid, ev.start_ts);
          }
          break;
        case 'exit': {
          const start = this.startByPid.get(ev.pid);
          ev.duration_ms = start === undefined ? null : (ev.ts - start) / 1e6;
          this.startByPid.delete(ev.pid);
          break;
        }
        default:
          break;
      }
    }
  }
}
