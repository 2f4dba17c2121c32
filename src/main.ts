// forktop's command line: flags, then one pipeline from a source to the outputs (--json, a
// recording, the live view). cli.ts loads this once `--version` is out of the way.
import fs from 'node:fs';
import os from 'node:os';
import meow from 'meow';
import { eachStep, exitCleanlyOn } from './lifecycle.js';
import { AlertModel } from './model/alert-model.js';
import { primeAlertModel } from './model/alert-model-priming.js';
import { setJsonCompilerFlags } from './heap-flags.js';
import type { Model } from './model/model.js';
import { HEADLESS_CONFIG } from './model/config.js';
import { NdjsonWriter } from './output/ndjson-writer.js';
import { makeHeader, type RecordingHeader } from './events/header.js';
import { eventsOf, PackedBatch } from './events/packed.js';
import { ENV_ALLOWLIST } from './events/schema.js';
import { ENV_NAME } from './events/validate.js';
import { Recorder, RecordingRefused } from './output/recording.js';
import { Pipeline, type ModelStage, type Sink, type Starter } from './pipeline.js';
import { readProcessNow } from './sources/process-now.js';
import { ContainerNames } from './sources/container-names.js';
import type { Origin } from './model/origins.js';
import { ReplaySource } from './sources/replay.js';
import { isSourceName, mayRefuse, SOURCE_NAMES, startSource, type Chosen } from './sources/select.js';
import { SourceUnavailableError, type EventSource } from './sources/source.js';
import { DEFAULT_REMOTE_COMMAND, SshSource, sshPlan } from './sources/ssh.js';
import { conflicting, NATS_FLAG_NAMES, natsPlan } from './transport/nats-flags.js';
import { stopControlFor, type StopControl } from './stop/control.js';
import { remoteStopControl } from './stop/remote.js';
import { runStopLineage } from './stop/headless.js';
import { forgetCiEnvironment } from './ui/ci-environment.js';
import type { LiveView } from './ui/live-view.js';
import { enterScreen, keyboard, leaveScreen, startingLine } from './ui/screen.js';
import { errorLine } from './ui/text.js';

const USAGE_ERROR = 2;
/** The nice value forktop runs at as root: ahead of a bomb's members, which run at 0. */
const PRIORITY = -20;

/** forktop's package.json, as cli.ts read it. */
export type PackageJson = Record<string, unknown> & { version?: string; description?: string };

/** The version the header lines carry. */
let version = '0';

/** The command line, parsed; `--help` (alone) prints the usage and exits. meow is handed the
 *  package.json: the one it finds itself it normalizes (licence checks included) when asked
 *  for the version, ~10 ms of every start. */
const parseCommandLine = (pkg: PackageJson) => meow(
  `
  Usage
    $ sudo forktop [options]        the live view (q quits, ? shows the keys)

  Options
    --json                 Print every event as one JSON object per line (NDJSON) to stdout
    --record FILE          Also write the event stream to FILE (a recording), live view or --json;
                           a new file, mode 0600 (an existing FILE is refused)
    --force                With --record: overwrite FILE if it is an existing regular file
    --replay FILE|-        Show a recording (or a --json stream on stdin) instead of this machine
    --speed N|max          Replay speed: 1 = as recorded (default), 2 = twice as fast, max
    --ssh HOST,...|@FILE   Watch these hosts over ssh (each runs forktop --json) in one view;
                           @FILE: one host a line
    --remote-cmd CMD       With --ssh: what runs on each host (default "sudo -n forktop --json")
    --ssh-config FILE      With --ssh: this ssh config file (ssh -F) instead of yours
    --publish URL          Agent: publish this machine's events to NATS JetStream (nats:// or
                           tls://HOST:4222), headless; see --host-name, --nats-buffer
    --nats URL             Watch the hosts that publish there, in one view (or --json)
    --replay nats://HOST   The stream's history, as a replay (ends when it is all shown)
    --hosts GLOB,...       With --nats: only these hosts ('web-*,db-1')
    --since TIME           With --nats: start from the stream's history: 10m, 2h, an ISO time, all
    --host-name NAME       With --publish: the name to publish under (default: this host's)
    --nats-creds FILE      NATS credentials (a .creds file: user JWT and nkey seed)
    --nats-buffer BYTES    With --publish: events kept while the server is away (default 64M)
    --nats-max-age AGE     The stream's retention when forktop makes it (default 24h)
    --nats-max-bytes SIZE  The stream's size cap when forktop makes it (default 1G)
    --source NAME          Event source: ${SOURCE_NAMES.join(', ')} (default auto)
    --env NAME,...         Also read these environment variables at each exec (besides
                           ${ENV_ALLOWLIST.join(', ')}); no others are ever read
    --filter TEXT          Live view: start filtered by argv/comm (text, or /regex/)
    --user NAME|UID        Live view: start with only this user's processes
    --pid PID              Live view: start following this process and what it spawns
    --no-bell              Live view: do not ring the terminal's bell when a fork bomb starts
    --receive-buffer BYTES Kernel receive buffer for the proc connector (default 64 MiB)
    --debug-bpf            Print the BPF verifier's log for forktop's programs to stderr
    --stop-lineage PID     Stop PID and everything it spawns (SIGSTOP all until no new ones,
                           then SIGKILL), print a JSON summary; needs --yes
    --yes                  Confirm --stop-lineage
    --version              Print the version
    --help                 This text

  Examples
    $ sudo forktop
    $ sudo forktop --json | grep '"exec"'
    $ sudo forktop --record storm.ndjson
    $ forktop --replay storm.ndjson --speed 4
    $ ssh web-1 sudo forktop --json | forktop --replay -
    $ forktop --ssh web-1,web-2,db-1
    $ sudo forktop --stop-lineage 4242 --yes
    $ sudo forktop --publish nats://nats.example:4222
    $ forktop --nats nats://nats.example:4222 --hosts 'web-*' --since 10m
`,
  {
    importMeta: import.meta,
    pkg,
    allowUnknownFlags: true, // refused below, in one line
    flags: {
      json: { type: 'boolean', default: false },
      record: { type: 'string' },
      force: { type: 'boolean', default: false },
      replay: { type: 'string' },
      ssh: { type: 'string' },
      remoteCmd: { type: 'string' },
      sshConfig: { type: 'string' },
      speed: { type: 'string', default: '1' },
      source: { type: 'string', default: 'auto' },
      env: { type: 'string' },
      receiveBuffer: { type: 'string' },
      debugBpf: { type: 'boolean', default: false },
      stopLineage: { type: 'string' },
      yes: { type: 'boolean', default: false },
      filter: { type: 'string' },
      user: { type: 'string' },
      pid: { type: 'string' },
      bell: { type: 'boolean', default: true },
      publish: { type: 'string' },
      nats: { type: 'string' },
      hosts: { type: 'string' },
      since: { type: 'string' },
      hostName: { type: 'string' },
      natsCreds: { type: 'string' },
      natsMaxAge: { type: 'string' },
      natsMaxBytes: { type: 'string' },
      natsBuffer: { type: 'string' },
    },
  },
);

/** The recording once opened: a run that fails before recording anything removes a file it
 *  created (so the next run isn't refused for it). */
let recording: Recorder | undefined;

function fail(message: string, code = USAGE_ERROR): never {
  try {
    recording?.abandon();
  } catch {
    // the message below matters more
  }
  leaveScreen(); // the line goes where the person reads it, not onto the alternate screen
  process.stderr.write(errorLine(message));
  process.exit(code);
}

function parseBytes(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+)([kKmM]?)$/.exec(text.trim());
  if (!match) fail(`--receive-buffer wants a size in bytes (e.g. 65536, 512k, 64M), not "${text}"`);
  const scale = { '': 1, k: 1024, K: 1024, m: 1 << 20, M: 1 << 20 }[match[2]]!;
  const bytes = Number(match[1]) * scale;
  if (bytes < 1 || bytes > 2 ** 31 - 1) fail(`--receive-buffer must be between 1 byte and 2 GiB`);
  return bytes;
}

/** Names --env may add: the schema's variable names (ENV_NAME; no '__proto__': they become keys). */
const MAX_ADDED_ENV_NAMES = 32;

/** The allowlist with --env's names added (validated: names only, a bounded count). */
function parseEnvNames(text: string | undefined): string[] {
  const names: string[] = [...ENV_ALLOWLIST];
  if (text === undefined) return names;
  const added = text.split(',').map((name) => name.trim());
  for (const name of added) {
    if (!ENV_NAME.test(name) || name === '__proto__') {
      fail(`--env wants environment variable names separated by commas (letters, digits and _, at most 64 each), not "${name}"`);
    }
    if (!names.includes(name)) names.push(name);
  }
  if (names.length - ENV_ALLOWLIST.length > MAX_ADDED_ENV_NAMES) fail(`--env takes at most ${MAX_ADDED_ENV_NAMES} names`);
  return names;
}

function parseSpeed(text: string): number | 'max' {
  if (text === 'max') return 'max';
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed <= 0) fail(`--speed wants a positive number or max, not "${text}"`);
  return speed;
}

const KNOWN_FLAGS = new Set(['ssh', 'remoteCmd', 'remote-cmd', 'sshConfig', 'ssh-config', 'env', 'json', 'record', 'force', 'replay', 'speed', 'source', 'receiveBuffer', 'receive-buffer', 'debugBpf', 'debug-bpf', 'stopLineage', 'stop-lineage', 'yes', 'filter', 'user', 'pid', 'bell', 'help', 'version', ...NATS_FLAG_NAMES]);

/** What goes wrong while running and must not crash: said on stderr (after the live view). */
const warnings: string[] = [];
let warnNow = true; // false while the live view owns the terminal
function warn(message: string): void {
  if (warnNow) process.stderr.write(errorLine(message));
  else warnings.push(message);
}

/** Whether a flag was given on the command line (meow fills in defaults). */
function given(name: string): boolean {
  return process.argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
}

export async function main(pkg: PackageJson): Promise<void> {
  version = pkg.version ?? '0';
  let cli: ReturnType<typeof parseCommandLine>;
  try {
    cli = parseCommandLine(pkg);
  } catch (error) {
    // meow's own refusals (a flag given twice): one line, like ours.
    const message = (error as Error).message.replace(/\.$/, '');
    fail(`${message[0].toLowerCase()}${message.slice(1)}; see forktop --help`);
  }
  const { flags } = cli;
  const unknown = Object.keys(cli.unnormalizedFlags).find((name) => !KNOWN_FLAGS.has(name));
  if (unknown) fail(`unknown flag --${unknown}; see forktop --help`);
  // `--replay -` (stdin): the parser takes a lone "-" for an argument, not the flag's value.
  const input = [...cli.input];
  if (given('replay') && !flags.replay && input[0] === '-') {
    input.shift();
    flags.replay = '-';
  }
  if (input.length > 0) fail(`unexpected argument "${input[0]}"; see forktop --help`);
  const nats = natsPlan(flags, given);
  if (typeof nats === 'string') fail(nats);
  const natsConflict = conflicting(nats, given, flags.json);
  if (natsConflict) fail(natsConflict);
  if (!isSourceName(flags.source)) {
    fail(`--source must be one of ${SOURCE_NAMES.join(', ')}, not "${flags.source}"`);
  }
  if (given('replay') && given('source')) {
    fail('--replay and --source do not go together: a replay is its own source');
  }
  if (given('replay') && given('env')) {
    fail('--replay and --env do not go together: a recording holds the variables read when it was made');
  }
  if (given('env') && !flags.env) fail('--env wants environment variable names, e.g. --env HOSTNAME,KUBERNETES_SERVICE_HOST');
  const envNames = parseEnvNames(flags.env);
  if ((given('replay') && !flags.replay) || (given('record') && !flags.record)) {
    fail(given('replay') && !flags.replay ? '--replay wants a file (or - for stdin)' : '--record wants a file to create');
  }
  const hosts = sshPlan(flags, given);
  if (typeof hosts === 'string') fail(hosts);
  const speed = parseSpeed(flags.speed);
  const initial = parseInitialFilter(flags.filter, flags.user, flags.pid);
  const receiveBufferBytes = parseBytes(flags.receiveBuffer);
  const replay = flags.replay;
  const sourceName = flags.source;
  const start: Starter = async (handlers) => {
    if (nats.mode === 'view') return (await import('./sources/nats.js')).startNats({ ...nats.view, onWarning: warn }, handlers);
    if (hosts) {
      const source = new SshSource({ ...hosts, onWarning: warn });
      await source.start(handlers);
      return { source, reason: `ssh: ${hosts.hosts.length === 1 ? hosts.hosts[0] : `${hosts.hosts.length} hosts`}, each running ${hosts.remoteCommand ?? DEFAULT_REMOTE_COMMAND}` };
    }
    if (replay === undefined) {
      const onVerifierLog = flags.debugBpf ? (log: string) => process.stderr.write(log) : undefined;
      // --json writes the ring's events as the reader wrote their lines (src/events/json.ts).
      return startSource(sourceName, handlers, {
        netlink: { receiveBufferBytes, stormBatchMs: STORM_BATCH_MS },
        ebpf: { onVerifierLog, jsonLines: flags.json, stormBatchMs: STORM_BATCH_MS },
        envNames,
      });
    }
    const source = new ReplaySource({ path: replay, speed, onWarning: warn });
    await source.start(handlers);
    return { source, reason: `replay: ${replay === '-' ? 'stdin' : replay} at ${speed === 'max' ? 'full' : `${speed}×`} speed` };
  };
  if (flags.force && flags.record === undefined) fail('--force goes with --record FILE (it lets FILE be overwritten)');
  if (given('stop-lineage')) {
    if (replay !== undefined || flags.json || given('record')) fail('--stop-lineage runs on its own: no --replay, --json or --record');
    if (!/^[1-9]\d*$/.test(flags.stopLineage ?? '')) fail(`--stop-lineage wants a process id, not "${flags.stopLineage ?? ''}"`);
    if (!flags.yes) fail(`--stop-lineage signals every process ${flags.stopLineage} spawned: add --yes to confirm`);
    raisePriority();
    return runStopLineage(Number(flags.stopLineage), start, fail);
  }
  if (flags.json && (flags.filter !== undefined || flags.user !== undefined || flags.pid !== undefined)) {
    fail('--filter, --user and --pid shape the live view; with --json, filter the stream with jq or grep');
  }
  // Called by the runners once nothing else can refuse the command line: a typo must never
  // create or empty the file.
  const record = flags.record;
  const openRecording: OpenRecording = (onFailure) => {
    if (record === undefined) return undefined;
    try {
      recording = Recorder.open(record, onFailure, { force: flags.force, replaying: replay });
    } catch (error) {
      if (error instanceof RecordingRefused) fail(error.message);
      throw error;
    }
    return recording;
  };
  if (nats.mode === 'publish') {
    raisePriority();
    const { runAgent } = await import('./transport/nats-agent.js');
    return runAgent(nats.agent, { start, startOrFail, headerFor });
  }
  raisePriority();
  if (!flags.json) {
    // Whether the screen may switch (and say "starting…") before the source runs: only when
    // it can't refuse with a line that must be read on the normal screen (nor print the
    // verifier's log there).
    const early = replay === undefined && nats.mode === 'none' && !flags.debugBpf && !mayRefuse(sourceName);
    return runLiveView(start, openRecording, { replaying: replay !== undefined, stdinIsData: replay === '-', early, initial, bell: flags.bell });
  }
  return runJson(start, openRecording, replay !== undefined);
}

type OpenRecording = (onFailure: (message: string) => void) => Recorder | undefined;

function parseInitialFilter(filter: string | undefined, user: string | undefined, pid: string | undefined) {
  if (filter !== undefined) {
    const regex = /^\/(.*)\/([a-z]*)$/s.exec(filter);
    if (regex) {
      try {
        new RegExp(regex[1], regex[2]);
      } catch (error) {
        fail(`--filter ${filter}: ${(error as Error).message}`);
      }
    }
  }
  if (user !== undefined && !user.trim()) fail('--user wants a user name or a uid');
  if (pid !== undefined && !/^[1-9]\d*$/.test(pid)) fail(`--pid wants a process id, not "${pid}"`);
  return { text: filter, user, pid: pid === undefined ? undefined : Number(pid) };
}

/**
 * As root, run ahead of what we watch: a fork bomb on two cores is when the screen and the
 * keys matter most. Threads started later (the readers) inherit it.
 */
function raisePriority(): void {
  if (process.getuid?.() !== 0) return;
  // Every thread of ours: setpriority() on Linux sets one thread, and libuv's pool (which
  // sends the stop signals) may have started before this.
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      os.setPriority(Number(tid), PRIORITY);
    } catch {
      // not allowed here (a container): run at the usual priority
    }
  }
}

function headerFor({ source, reason }: Chosen): RecordingHeader {
  const described = source.describe();
  return makeHeader(version, described.name, reason, described.caveats, described.host);
}

/** The pipeline's source, or the one line saying why it can't run here (exit 2). */
async function startOrFail(pipeline: Pipeline, start: Starter): Promise<Chosen> {
  try {
    return await pipeline.start(start);
  } catch (error) {
    if (error instanceof SourceUnavailableError) fail(error.message);
    leaveScreen(); // a crash's line, too, goes to the normal screen
    throw error;
  }
}

/** The recording as a sink: the header first, then the events (alerts are the model's, made
 *  anew on replay: not recorded). */
function recordingSink(recorder: Recorder): Sink {
  return {
    begin: (header) => recorder.begin(header),
    write: (events) => {
      if (events.length > 0) recorder.write(eventsOf(events));
    },
  };
}

/** Ends the recording where the source's clock is: what still runs was running when it stopped. */
function endRecording(recorder: Recorder | undefined, pipeline: Pipeline): void {
  recorder?.end(pipeline.now());
  recorder?.close();
}

async function runJson(start: Starter, openRecording: OpenRecording, replaying: boolean): Promise<void> {
  // A write error (a full disk) is said on stderr at once; the run goes on, and ends non-zero.
  const recorder = openRecording(warn);
  const exit = exitCleanlyOn(async () => {
    // What is recorded so far goes to disk before any step that could fail or hang.
    recorder?.flush();
    await eachStep(
      () => pipeline.stop(),
      () => endRecording(recorder, pipeline),
      async () => {
        await writer.drained();
        writer.close();
      },
    );
    return recorder?.failure ? 1 : 0;
  });
  const writer = new NdjsonWriter(process.stdout, () => void exit(0));
  const pipeline = new Pipeline({
    replaying,
    onError: (error) => {
      process.stderr.write(errorLine(error.message));
      void exit(1);
    },
  });
  const chosen = await startOrFail(pipeline, start);
  const ndjson: Sink = {
    begin: (header) => writer.writeLine(header),
    write: (batch, alerts) => {
      if (batch instanceof PackedBatch) {
        writer.write(batch);
        writer.write(alerts);
        return;
      }
      // A recording's `end` stays the stream's last line: alerts its last batch raised
      // (a storm beside it, replayed) go before it.
      const events = batch;
      const end = alerts.length > 0 && events.length > 0 && events[events.length - 1].type === 'end';
      writer.write(end ? events.slice(0, -1) : events);
      writer.write(alerts);
      if (end) writer.write(events.slice(-1));
    },
    end: () => void setImmediate(() => void exit(0)),
  };
  // The alerts join the stream too. With no screen to show the exec list or a process's
  // card, they come from the AlertModel, which keeps only what they need.
  // Its code has run the lines a storm reaches late before a storm makes it hot
  // (alert-model-priming.ts).
  setJsonCompilerFlags();
  primeAlertModel();
  pipeline.open(headerFor(chosen), new AlertModel(HEADLESS_CONFIG), recorder ? [ndjson, recordingSink(recorder)] : [ndjson]);
}

/**
 * Imports the live view. yoga, Ink's layout engine, carries its WASM as a data: URL and reads
 * it with fetch() when there is one: Node's fetch is undici, loaded on first use, which cost
 * ~28 ms of CPU (0.1–0.4 s of waiting under load) to decode a string already in memory.
 * Without fetch, yoga decodes it itself. Nothing of forktop's fetches anything meanwhile.
 */
async function loadLiveView(): Promise<typeof import('./ui/live-view.js')> {
  const fetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await import('./ui/live-view.js');
  } finally {
    if (fetch) Object.defineProperty(globalThis, 'fetch', fetch);
    else delete (globalThis as { fetch?: unknown }).fetch;
  }
}

/**
 * In a storm a kernel source calls JS once per 100 ms, with all that came (every mode starts
 * the kernel readers with it): fewer calls cost less. While the live view waits for rows (a
 * filtered exec list amid a storm, new-rows.ts), every 12 ms, so such an exec shows within
 * 50 ms: it waits a little over half that for its batch (the reader wakes on whole ms), then
 * ~15 ms for the frame and the terminal. Unfiltered, a storm draws twice a second whatever
 * the batches, and 12 ms ones cost the live view three to four points of a core more at 300
 * exec/s (the A/Bs in tmux).
 */
const STORM_BATCH_MS = 100;
const ROWS_WAITED_BATCH_MS = 12;

interface LiveViewFlags {
  replaying: boolean;
  /** `--replay -`: stdin brings the events, the keys come from the terminal itself. */
  stdinIsData: boolean;
  /** Switch screens and say "starting…" before the source runs (it can't refuse here). */
  early: boolean;
  initial: { text?: string; user?: string; pid?: number };
  bell: boolean;
}

async function runLiveView(start: Starter, openRecording: OpenRecording, { replaying, stdinIsData, early, initial, bell }: LiveViewFlags): Promise<void> {
  forgetCiEnvironment();
  // React's development build checks and measures every render: in a live view that draws
  // 30 times a second it cost about a third of forktop's CPU and half its memory.
  process.env.NODE_ENV ??= 'production';
  if (!process.stdout.isTTY) fail('the live view needs a terminal; to pipe or record, use --json');
  const keys = keyboard(stdinIsData);
  if (!keys) fail('the live view needs a terminal to read keys from; use --json');
  // Loaded only here (--json never pays for React and Ink), and while the source starts.
  const ui = loadLiveView();
  ui.catch(() => {}); // an error loading it is thrown where it is awaited
  let view: LiveView | undefined;
  // A write error (a full disk) shows on screen at once, is said again on stderr after the
  // view, and makes the exit status 1; the view goes on until q.
  const recorder = openRecording((message) => {
    warn(message);
    view?.feed.report(message);
  });
  const exit = exitCleanlyOn(async () => {
    // The recording first, and each step on its own: with the terminal gone (a closed
    // window, a dropped ssh) view.close() writes to it and fails, and the last second of
    // the recording must not depend on that.
    recorder?.flush();
    await eachStep(
      () => (view ? view.close() : leaveScreen()),
      () => pipeline.stop(),
      () => endRecording(recorder, pipeline),
    );
    for (const message of warnings.splice(0)) process.stderr.write(errorLine(message));
    return recorder?.failure ? 1 : 0;
  });
  const pipeline = new Pipeline({
    replaying,
    onError: (error) => {
      if (view) view.close();
      else leaveScreen();
      process.stderr.write(errorLine(error.message));
      void exit(1);
    },
  });
  if (early) {
    enterScreen(startingLine());
    // Keys typed from here on wait for the view rather than being echoed over it, and Ctrl-C
    // is a key the view answers (exit 130), not a SIGINT that ends it as 0 if it comes before
    // the view reads keys. Node puts the terminal's mode back on every way out.
    keys.setRawMode?.(true);
    warnNow = false;
  }
  // Otherwise the source starts before the screen switches, so a refusal (no permission, a
  // replay that is not NDJSON) prints as one plain line.
  const chosen = await startOrFail(pipeline, start);
  warnNow = false;
  // A UI that fails to load says why on the normal screen, not on the one that said "starting…".
  const { startLiveView } = await ui.catch((error: unknown) => {
    leaveScreen();
    throw error;
  });
  const header = headerFor(chosen);
  // Stopping a lineage signals real processes, and /proc describes this machine: only
  // from this machine's own events, never a replay's or other hosts'.
  const live = !chosen.source.describe().remote;
  view = startLiveView({
    sourceName: header.source, stdin: keys, host: header.host, note: chosen.note, initial, bell,
    makeStopControl: live ? stopControlFor : stopOverSsh(chosen.source),
    onWaitingForRows: (waiting) => chosen.source.setStormBatchMs?.(waiting ? ROWS_WAITED_BATCH_MS : STORM_BATCH_MS),
    readNow: live ? readProcessNow : undefined,
    containerName: live ? containerNamer() : undefined,
  });
  const feed = view.feed;
  // The feed applies each batch to its model and keeps the alerts for the screen: the
  // recording does not carry alerts, so no sink needs them.
  const model: ModelStage = {
    apply: (events) => {
      feed.push(eventsOf(events));
      return [];
    },
    advance: (ts, time) => {
      feed.advance(ts, time);
      return [];
    },
  };
  // After the view starts, so a disk full from the first write shows on it too.
  const screen: Sink = { write: () => {}, end: () => feed.end() };
  pipeline.open(header, model, recorder ? [screen, recordingSink(recorder)] : [screen]);
  await exit(await view.done); // 130 after Ctrl-C, as a shell expects
}

/** K on another host's process, with --ssh: the stop runs there, by its own forktop. */
function stopOverSsh(source: EventSource): ((model: Model) => StopControl) | undefined {
  if (!(source instanceof SshSource) || source.stopCommand(1) === null) return undefined;
  return (model) => remoteStopControl(model, (host, command) => source.run(host, command), (pid) => source.stopCommand(pid)!);
}

/** Names containers from their runtimes' files on this machine (an origin's label). */
function containerNamer(): (origin: Origin) => string | null {
  const names = new ContainerNames();
  return (origin) => (origin.container ? names.name(origin.container, origin.pod) : null);
}
