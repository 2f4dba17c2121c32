// --record FILE: the --json stream with a header line first, written as events arrive and
// flushed at least every second, so a crash or kill -9 loses at most the last second and the
// file stays valid NDJSON (a torn last line is skipped on replay). A write error (a full disk)
// stops the recording and is reported at once through onFailure.
//
// forktop runs as root in directories other users can write (/tmp): the file is created
// O_EXCL and O_NOFOLLOW, never through a symlink, a FIFO or a device, and is 0600 because
// argv carries secrets.
import fs from 'node:fs';
import path from 'node:path';
import type { RecordingHeader } from '../events/header.js';
import { jsonLine, jsonLines } from '../events/json.js';
import type { ForktopEvent } from '../events/schema.js';

const FLUSH_MS = 1000;
const FLUSH_BYTES = 1 << 20;
const MODE = 0o600;
/** Not in fs.constants (libuv sets it on every open anyway): said here so the fd can never
 *  reach a child process whatever libuv does. Linux's value. */
const O_CLOEXEC = 0o2000000;
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
// O_NONBLOCK: opening a FIFO with no reader fails (ENXIO) instead of hanging; it changes
// nothing for a regular file.
const CREATE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
const EXISTING = O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;

export interface RecordOptions {
  /** Overwrite an existing regular file (ours, with one link); never anything else. */
  force?: boolean;
  /** The replay being read ('-' for stdin): a recording must never be written over it. */
  replaying?: string;
}

/** Why the file can't be recorded to, said in one line for the user. */
export class RecordingRefused extends Error {}

type Identity = Pick<fs.Stats, 'dev' | 'ino'>;
const same = (a: Identity, b: Identity) => a.dev === b.dev && a.ino === b.ino;

/** "ENOSPC (no space left on device)" from Node's "ENOSPC: no space left on device, write". */
export function describeError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (!code) return String(message ?? error);
  const text = /^[A-Z0-9_]+: (.*?)(?:, \w+(?: '.*')?)?$/s.exec(message)?.[1];
  return text ? `${code} (${text})` : code;
}

function kindOf(stats: fs.Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isDirectory()) return 'a directory';
  return 'not a regular file';
}

function lstatOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}

/** The replay's file (followed, as the replay reads it), or stdin's when it is a file. */
function replayIdentity(replaying: string | undefined): Identity | undefined {
  if (replaying === undefined) return undefined;
  try {
    return replaying === '-' ? fs.fstatSync(0) : fs.statSync(replaying);
  } catch {
    return undefined;
  }
}

export class Recorder {
  private buffer = '';
  private lastFlush = Date.now();
  private begun = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  /** The last chance on any way out (process.exit from a signal, a crash): flush what we have. */
  private readonly onExit = () => this.close();
  /** What stopped the recording (a write error), or null while it records. */
  failure: string | null = null;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    /** True when this run created the file (it may be removed if nothing was recorded). */
    private readonly created: boolean,
    /** An existing file (--force) is emptied only once there is something to record, so a
     *  source that fails to start leaves it as it was. */
    private truncatePending: boolean,
    /** Called once, at once, when a write fails; the recording stops there. */
    public onFailure: (message: string) => void,
  ) {
    this.timer = setInterval(() => this.flush(), FLUSH_MS).unref();
    process.on('exit', this.onExit);
  }

  /** Opens the file for recording; throws RecordingRefused with a one-line message. */
  static open(file: string, onFailure: (message: string) => void, { force = false, replaying }: RecordOptions = {}): Recorder {
    const refuse = (why: string): never => {
      throw new RecordingRefused(`cannot record to ${file}: ${why}`);
    };
    const replayed = replayIdentity(replaying);
    const existing = lstatOrUndefined(file);
    if (
      (replaying !== undefined && replaying !== '-' && path.resolve(replaying) === path.resolve(file)) ||
      (replayed && existing && same(replayed, existing))
    ) {
      refuse('it is the file being replayed');
    }
    // Twice at most: a file removed between the create and the open of the existing one is
    // simply created on the second try.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return Recorder.ready(file, fs.openSync(file, CREATE, MODE), true, onFailure);
      } catch (error) {
        if (error instanceof RecordingRefused) throw error;
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') refuse(describeError(error));
      }
      if (!force) refuse('it exists (--force overwrites a regular file)');
      const fd = Recorder.openExisting(file, replayed, refuse);
      if (fd !== undefined) return Recorder.ready(file, fd, false, onFailure);
    }
    return refuse('it was replaced while being opened');
  }

  /** --force: an existing regular file, never through a link, nor anything that is not a plain
   *  file of ours; undefined when it vanished meanwhile. */
  private static openExisting(file: string, replayed: Identity | undefined, refuse: (why: string) => never): number | undefined {
    const before = lstatOrUndefined(file);
    if (!before) return undefined;
    // O_NOFOLLOW guards the last name only: a directory above it that another user owns
    // could be a link to /etc by the time we open. Each must be root's or ours.
    const stranger = foreignDirectory(file);
    if (stranger) refuse(`${stranger}: not overwritten, even with --force`);
    // Said from lstat first, so a FIFO or a device is never even opened.
    if (!before.isFile()) refuse(`it is ${kindOf(before)}: not overwritten, even with --force`);
    let fd: number;
    try {
      fd = fs.openSync(file, EXISTING);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') refuse('it is a symbolic link: not overwritten, even with --force');
      if (code === 'ENXIO') refuse('it is a FIFO: not overwritten, even with --force');
      refuse(describeError(error));
    }
    const fail = (why: string): never => {
      fs.closeSync(fd);
      return refuse(why);
    };
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) fail(`it is ${kindOf(stats)}: not overwritten, even with --force`);
    if (!same(stats, before)) fail('it was replaced while being opened');
    if (replayed && same(stats, replayed)) fail('it is the file being replayed');
    // Another name for the same file (a hard link to /etc/shadow) would be emptied too.
    if (stats.nlink !== 1) fail(`it has ${stats.nlink} hard links: not overwritten, even with --force`);
    // Its owner could read the recording whatever its mode (chmod it back, or an fd kept open).
    const euid = process.geteuid?.();
    if (euid !== undefined && stats.uid !== euid) fail(`it belongs to uid ${stats.uid}: not overwritten, even with --force`);
    return fd;
  }

  private static ready(file: string, fd: number, created: boolean, onFailure: (message: string) => void): Recorder {
    try {
      // 0600 whatever the umask, and for an existing file whatever its mode was.
      fs.fchmodSync(fd, MODE);
    } catch (error) {
      fs.closeSync(fd);
      throw new RecordingRefused(`cannot record to ${file}: ${describeError(error)}`);
    }
    return new Recorder(file, fd, created, !created, onFailure);
  }

  /** The header goes first, once the source is known; events written before wait for it. */
  begin(header: RecordingHeader): void {
    if (this.truncatePending) {
      this.truncatePending = false;
      try {
        fs.ftruncateSync(this.fd, 0);
      } catch (error) {
        this.stop(error);
        return;
      }
    }
    this.buffer = jsonLine(header) + this.buffer;
    this.begun = true;
    this.flush();
  }

  /** The newest event written: where the recording ends if nothing says later. */
  private newest: { ts: number; time: string } | null = null;

  write(events: readonly ForktopEvent[]): void {
    if (this.failure !== null || this.closed) return;
    for (const ev of events) if (ev.type !== 'alert' && (this.newest === null || ev.ts > this.newest.ts)) this.newest = { ts: ev.ts, time: ev.time };
    this.buffer += jsonLines(events, (ev) => (ev as ForktopEvent).type !== 'alert');
    if (this.buffer.length >= FLUSH_BYTES || Date.now() - this.lastFlush >= FLUSH_MS) this.flush();
  }

  flush(): void {
    this.lastFlush = Date.now();
    if (this.failure !== null || this.closed || !this.buffer || !this.begun) return;
    const bytes = Buffer.from(this.buffer);
    this.buffer = '';
    try {
      // A write may take part of the buffer (a disk filling up): the rest goes next, and the
      // error, if any, comes from there.
      for (let done = 0; done < bytes.length; ) done += fs.writeSync(this.fd, bytes, done);
    } catch (error) {
      this.stop(error);
    }
  }

  private stop(error: unknown): void {
    this.failure = `recording to ${this.path} stopped: ${describeError(error)}`;
    this.buffer = '';
    this.onFailure(this.failure);
  }

  /** The recording stops here (`at`: the source's clock now, when it has one): a replay then
   *  shows what was still running as running when it ended, not as running for ever. */
  end(at: [number, string] | null): void {
    if (this.failure !== null || this.closed || !this.begun) return;
    const newest = this.newest;
    const ts = Math.max(at?.[0] ?? 0, newest?.ts ?? 0);
    if (ts === 0) return;
    const time = at && at[0] >= (newest?.ts ?? 0) ? at[1] : newest!.time;
    this.buffer += jsonLine({ type: 'end', time, ts });
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    process.off('exit', this.onExit);
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  /** Forktop is stopping before it recorded anything (a source that can't start): a file
   *  this run created is removed, so the next run isn't refused for it; an existing one was
   *  never emptied. */
  abandon(): void {
    if (this.closed) return;
    if (this.created && !this.begun) {
      try {
        const ours = fs.fstatSync(this.fd);
        const there = fs.lstatSync(this.path);
        if (same(ours, there)) fs.unlinkSync(this.path);
      } catch {
        // gone already, or not ours any more: leave it
      }
    }
    this.buffer = '';
    this.close();
  }
}

/** The first directory above `file` owned by neither root nor us, said as a reason; null
 *  when there is none. Both the path as given (each name, links included) and where it
 *  leads now. */
function foreignDirectory(file: string): string | null {
  const euid = process.geteuid?.() ?? 0;
  const given = path.dirname(path.resolve(file));
  let real: string;
  try {
    real = fs.realpathSync(given);
  } catch (error) {
    return describeError(error);
  }
  for (const [start, look] of [[given, fs.lstatSync], [real, fs.statSync]] as const) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const stats = look(dir);
      if (stats.uid !== 0 && stats.uid !== euid) return `the directory ${dir} above it belongs to uid ${stats.uid}`;
      if (path.dirname(dir) === dir) break;
    }
  }
  return null;
}
