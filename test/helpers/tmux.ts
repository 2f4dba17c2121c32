// A real terminal for end-to-end tests of the live view: tmux, driven by send-keys and read
// by capture-pane.
import { execFileSync } from 'node:child_process';

/** tmux on a server of the session's own (-L): when a test kills its last session the
 *  server exits, and a new session started on that server meanwhile fails ("server exited
 *  unexpectedly"). */
export const tmux = (server: string, ...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export let hasTmux = true;
try {
  execFileSync('tmux', ['-V']);
} catch {
  hasTmux = false;
  console.warn('skipped the live view end-to-end tests: tmux is not installed');
}

export class TmuxSession {
  constructor(readonly name: string) {}

  start(command: string, columns = 120, rows = 40): void {
    tmux(this.name, 'new-session', '-d', '-s', this.name, '-x', String(columns), '-y', String(rows), command);
  }

  screen(): string {
    return tmux(this.name, 'capture-pane', '-p', '-t', this.name);
  }

  keys(...keys: string[]): void {
    tmux(this.name, 'send-keys', '-t', this.name, ...keys);
  }

  async waitFor(match: RegExp | ((text: string) => boolean), timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.screen();
      if (typeof match === 'function' ? match(text) : match.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`screen never matched ${match}:\n${text}`);
      await sleep(100);
    }
  }

  kill(): void {
    try {
      tmux(this.name, 'kill-server');
    } catch {
      // already gone
    }
  }
}
