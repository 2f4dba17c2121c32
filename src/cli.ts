#!/usr/bin/env node
// forktop's command line: flags, then wiring a source to an output.
import meow from 'meow';
import { NdjsonWriter } from './output/ndjson-writer.js';
import { exitCleanlyOn } from './lifecycle.js';
import { Model } from './model/model.js';
import { createSource, isSourceName, SOURCE_NAMES } from './sources/select.js';
import { SourceUnavailableError, type EventSource } from './sources/source.js';
import type { ForktopEvent } from './model/events.js';
import type { LiveView } from './ui/live-view.js';

const USAGE_ERROR = 2;

const cli = meow(
  `
  Usage
    $ sudo forktop [options]        the live view (q quits, ? shows the keys)

  Options
    --json                 Print every event as one JSON object per line (NDJSON) to stdout
    --source NAME          Event source: ${SOURCE_NAMES.join(', ')} (default auto)
    --receive-buffer BYTES Kernel receive buffer for the proc connector (default 64 MiB)
    --version              Print the version
    --help                 This text

  Examples
    $ sudo forktop --json
    $ sudo forktop --json | grep '"exec"'
`,
  {
    importMeta: import.meta,
    allowUnknownFlags: true, // refused below, in one line
    flags: {
      json: { type: 'boolean', default: false },
      source: { type: 'string', default: 'auto' },
      receiveBuffer: { type: 'string' },
    },
  },
);

function fail(message: string, code = USAGE_ERROR): never {
  process.stderr.write(`forktop: ${message}\n`);
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

async function main(): Promise<void> {
  const { flags } = cli;
  const known = new Set(['json', 'source', 'receiveBuffer', 'receive-buffer', 'help', 'version']);
  const unknown = Object.keys(cli.unnormalizedFlags).find((name) => !known.has(name));
  if (unknown) fail(`unknown flag --${unknown}; see forktop --help`);
  if (cli.input.length > 0) fail(`unexpected argument "${cli.input[0]}"; see forktop --help`);
  if (!isSourceName(flags.source)) {
    fail(`--source must be one of ${SOURCE_NAMES.join(', ')}, not "${flags.source}"`);
  }
  const receiveBufferBytes = parseBytes(flags.receiveBuffer);
  const source = createSource(flags.source, { receiveBufferBytes });
  if (!flags.json) return runLiveView(source);

  const exit = exitCleanlyOn(async () => {
    await source.stop();
    writer.close();
  });
  const writer = new NdjsonWriter(process.stdout, () => void exit(0));
  try {
    // The model runs headless too: its fork-bomb and fork-storm alerts join the stream.
    const model = new Model();
    await source.start({
      onBatch: (events) => {
        const alerts = model.apply(events);
        writer.write(events);
        writer.write(alerts);
      },
      onError: (error) => {
        process.stderr.write(`forktop: ${error.message}\n`);
        void exit(1);
      },
    });
    setInterval(() => writer.write(model.advance(...monotonicNow())), 500).unref();
  } catch (error) {
    if (error instanceof SourceUnavailableError) fail(error.message);
    throw error;
  }
}

/** The kernel's clock (CLOCK_MONOTONIC, as event `ts`) and the wall time, now. */
function monotonicNow(): [number, string] {
  return [Number(process.hrtime.bigint()), new Date().toISOString().replace('Z', '000Z')];
}

/** Ink renders only a final frame when it thinks it runs in CI (it reads the environment
 *  once, when loaded). The live view is interactive by definition: it runs on a terminal. */
function forgetCiEnvironment(): void {
  for (const name of Object.keys(process.env)) {
    if (name === 'CI' || name === 'CONTINUOUS_INTEGRATION' || name.startsWith('CI_')) delete process.env[name];
  }
}

async function runLiveView(source: EventSource): Promise<void> {
  forgetCiEnvironment();
  // Loaded only here: --json never pays for React and Ink.
  const { canShowLiveView, startLiveView } = await import('./ui/live-view.js');
  if (!canShowLiveView()) {
    fail('the live view needs a terminal; to pipe or record, use --json');
  }
  let view: LiveView | undefined;
  const exit = exitCleanlyOn(async () => {
    view?.close();
    await source.stop();
  });
  try {
    // Subscribe before the screen switches, so a permission error prints as one plain line.
    const pending: ForktopEvent[][] = [];
    await source.start({
      onBatch: (events) => (view ? view.feed.push(events) : pending.push(events)),
      onError: (error) => {
        view?.close();
        process.stderr.write(`forktop: ${error.message}\n`);
        void exit(1);
      },
    });
    view = startLiveView(source.describe().name);
    for (const events of pending) view.feed.push(events);
    setInterval(() => view!.feed.advance(...monotonicNow()), 500).unref();
    await view.done;
    await exit(0);
  } catch (error) {
    if (error instanceof SourceUnavailableError) fail(error.message);
    throw error;
  }
}

await main();
