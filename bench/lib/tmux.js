// A real terminal for the benchmark: a tmux server of its own (-L), no user config, whose
// sessions are 120×40 and whose screens can be read back with capture-pane.
import { execFileSync, spawn } from 'node:child_process';
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

  /** A client that reads screens and sends keys without starting a process each time (see
   *  TmuxControl). */
  control() {
    if (!this.started) throw new Error('tmux: no server yet');
    return new TmuxControl(this);
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

/**
 * One tmux client in control mode (tmux -C), attached to a session of its own, that runs
 * commands sent on its stdin. Polling a screen with `tmux capture-pane` starts a tmux client
 * per look, and each renames itself ("tmux: client"): a poll every 2 ms put hundreds of name
 * changes a second in the kernel's proc connector, which forktop orders with the execs, and
 * it measured the instrument more than forktop (its hold for that stream grew to ~25 ms).
 */
export class TmuxControl {
  constructor(tmux) {
    this.session = `control${process.pid}`;
    tmux.run('new-session', '-d', '-s', this.session, 'sleep 86400');
    this.child = spawn('tmux', ['-L', tmux.name, '-f', '/dev/null', '-C', 'attach-session', '-t', this.session], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.waiting = [];
    /** The reply being read: its %begin line's numbers (its %end repeats them) and its lines. */
    this.block = null;
    this.pending = '';
    this.dead = false;
    // The reply to attaching comes first, as a block of its own.
    this.waiting.push({ resolve: () => {}, reject: () => {} });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => this.read(chunk));
    // A write after the client died fails on its own: command() refuses instead.
    this.child.stdin.on('error', () => {});
    const gone = () => {
      this.dead = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error('tmux control client exited'));
    };
    this.child.on('error', gone);
    this.child.on('close', gone); // once stdout is drained: a reply that came is read first
  }

  read(chunk) {
    this.pending += chunk;
    let nl;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      if (this.block === null) {
        // Else a notification (%output, %window-add, ...), never inside a reply: not asked for.
        if (line.startsWith('%begin ')) this.block = { id: line.slice('%begin '.length), lines: [] };
      } else if (line === `%end ${this.block.id}` || line === `%error ${this.block.id}`) {
        // Only the %end with its %begin's numbers ends a reply: a screen's line may start so.
        const { lines } = this.block;
        this.block = null;
        const w = this.waiting.shift();
        if (line.startsWith('%end ')) w?.resolve(lines.join('\n'));
        else w?.reject(new Error(lines.join(' ')));
      } else {
        this.block.lines.push(line);
      }
    }
  }

  /** Runs one tmux command (its words, quoted for tmux); resolves to what it printed. */
  command(...words) {
    if (this.dead) return Promise.reject(new Error('tmux control client exited'));
    // tmux reads one command a line.
    if (words.some((w) => String(w).includes('\n'))) return Promise.reject(new Error('tmux control: a word with a newline'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(words.map((w) => `'${String(w).replaceAll("'", "'\\''")}'`).join(' ') + '\n');
    });
  }

  /** The session's screen as text, or null when it is gone. */
  async capture(session) {
    try {
      return await this.command('capture-pane', '-p', '-t', session);
    } catch {
      return null;
    }
  }

  sendKeys(session, key) {
    return this.command('send-keys', '-t', session, key);
  }

  close() {
    this.child.stdin.end();
    this.child.kill();
  }
}
