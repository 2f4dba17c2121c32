// A real terminal for the benchmark: a tmux server of its own (-L), no user config, whose
// sessions are 120×40 and whose screens can be read back with capture-pane.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { which } from './system.js';

export class Tmux {
  constructor(name) {
    this.name = name;
    this.started = false;
  }

  static available() {
    return which('tmux') !== null;
  }

  run(...args) {
    return execFileSync('tmux', ['-L', this.name, '-f', '/dev/null', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** A detached 120×40 session running `command` (through sh; `exec` it so the pane's pid is
   *  the program's). Returns the pane's pid. */
  open(session, command, { columns = 120, rows = 40 } = {}) {
    this.run('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), command);
    if (!this.started) this.socket = this.run('display-message', '-p', '#{socket_path}').trim();
    this.started = true;
    return this.panePid(session);
  }

  panePid(session) {
    return Number(this.run('display-message', '-p', '-t', session, '#{pane_pid}').trim());
  }

  /** The session's screen as text, or null when the session is gone (its program exited). */
  capture(session) {
    try {
      return this.run('capture-pane', '-p', '-t', session);
    } catch {
      return null;
    }
  }

  close(session) {
    try {
      this.run('kill-session', '-t', session);
    } catch {
      // already gone
    }
  }

  /** Ends the server and every program still in it (they get SIGHUP), and removes its
   *  socket (tmux leaves it behind). */
  kill() {
    if (!this.started) return;
    try {
      this.run('kill-server');
    } catch {
      // no server left
    }
    if (this.socket) fs.rmSync(this.socket, { force: true });
    this.started = false;
  }
}
