// The one pipeline --json and the live view share: what a source delivers before the sinks are
// ready waits for them, the header goes first, a replayed stream's alerts are made anew, and a
// finite source's end comes after its last batch. No kernel: a source driven by hand.
import { describe, expect, it } from 'vitest';
import { makeHeader, type RecordingHeader } from '../src/events/header.js';
import type { AlertEvent, ForktopEvent } from '../src/events/schema.js';
import { Pipeline, type ModelStage, type Sink } from '../src/pipeline.js';
import type { EventSource, SourceHandlers } from '../src/sources/source.js';
import { eventsOf } from '../src/events/packed.js';

const fork = (pid: number, ts: number): ForktopEvent => ({ type: 'fork', time: new Date(ts / 1e6).toISOString(), ts, pid, ppid: 1 });
const alert = (ts: number): AlertEvent => ({
  type: 'alert', time: new Date(ts / 1e6).toISOString(), ts, kind: 'fork-storm', state: 'raised', root: 1, rate: 500, live: 3, generations: 1, comm: 'sh',
} as AlertEvent);

/** A source whose batches the test sends, through the handlers the pipeline gave it. */
function handSource() {
  let handlers: SourceHandlers | undefined;
  let stopped = false;
  const source: EventSource = {
    describe: () => ({ name: 'hand', caveats: [] }),
    start: async (h) => void (handlers = h),
    stop: async () => void (stopped = true),
    stats: () => ({}),
    now: () => null,
  };
  return { source, send: (batch: ForktopEvent[]) => handlers!.onBatch(batch), end: () => handlers!.onEnd!(), stopped: () => stopped };
}

/** A sink that notes what it is told, in order. */
function noteSink(log: string[]): Sink {
  return {
    begin: (header) => log.push(`begin ${header.source}`),
    write: (events, alerts) => log.push(`write ${eventsOf(events).map((e) => `${e.type}${'pid' in e ? e.pid : ''}`).join(',')} | ${alerts.length} alerts`),
    end: () => log.push('end'),
  };
}

/** A model stage that raises one alert per batch and notes what it was given. */
function countingModel(applied: ForktopEvent[][]): ModelStage {
  return {
    apply: (events) => {
      applied.push([...eventsOf(events)]);
      return [alert(eventsOf(events)[0]?.ts ?? 0)];
    },
    advance: () => [],
  };
}

const header: RecordingHeader = makeHeader('0.0.0', 'hand', 'a test', []);

describe('pipeline', () => {
  it('holds what comes before open(), then gives it in order after the header, then the end', async () => {
    const hand = handSource();
    const pipeline = new Pipeline({ replaying: false, onError: () => {} });
    const chosen = await pipeline.start(async (handlers) => {
      await hand.source.start(handlers);
      return { source: hand.source, reason: 'a test' };
    });
    expect(chosen.source).toBe(hand.source);
    hand.send([fork(10, 1e9)]);
    hand.send([fork(11, 2e9)]);
    hand.end(); // a short replay can end before anything shows it
    const log: string[] = [];
    const applied: ForktopEvent[][] = [];
    pipeline.open(header, countingModel(applied), [noteSink(log), noteSink(log)]);
    expect(log).toEqual([
      'begin hand', 'begin hand',
      'write fork10 | 1 alerts', 'write fork10 | 1 alerts',
      'write fork11 | 1 alerts', 'write fork11 | 1 alerts',
      'end', 'end',
    ]);
    expect(applied).toHaveLength(2); // the model sees each batch once, whatever the sinks
    hand.send([fork(12, 3e9)]);
    expect(log.at(-1)).toBe('write fork12 | 1 alerts');
    await pipeline.stop();
    expect(hand.stopped()).toBe(true);
  });

  it('drops a replayed stream\'s alerts before the model and the sinks (the model makes its own)', async () => {
    const hand = handSource();
    const pipeline = new Pipeline({ replaying: true, onError: () => {} });
    await pipeline.start(async (handlers) => {
      await hand.source.start(handlers);
      return { source: hand.source, reason: 'a test' };
    });
    const log: string[] = [];
    const applied: ForktopEvent[][] = [];
    pipeline.open(header, countingModel(applied), [noteSink(log)]);
    hand.send([fork(20, 1e9), alert(1e9), fork(21, 2e9)]);
    expect(applied).toEqual([[fork(20, 1e9), fork(21, 2e9)]]);
    expect(log).toEqual(['begin hand', 'write fork20,fork21 | 1 alerts']);
  });

  it('a source that cannot start rejects start(), and nothing is delivered', async () => {
    const pipeline = new Pipeline({ replaying: false, onError: () => {} });
    await expect(pipeline.start(async () => {
      throw new Error('no permission');
    })).rejects.toThrow('no permission');
    expect(pipeline.now()).toBeNull();
    await pipeline.stop(); // nothing to stop: resolves
  });
});
