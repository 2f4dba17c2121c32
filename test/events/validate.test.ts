// The checks an untrusted event (a replay, a stream over ssh) passes before the model.
import { describe, expect, it } from 'vitest';
import type { ForktopEvent } from '../../src/events/schema.js';
import { AFTER_NEWEST_NS, BEFORE_FIRST_NS, PID_MAX_LIMIT, TsSpan, validateEvent } from '../../src/events/validate.js';
import { Script } from '../helpers/script.js';

const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(10, 1).exec(10, ['/bin/sh', '-c', 'x'], { truncated: true })
  .push({ type: 'comm', pid: 10, comm: 'sh' }).push({ type: 'uid', pid: 10, ruid: 0, euid: 1000 })
  .push({ type: 'gid', pid: 10, rgid: 0, egid: 4294967295 }).push({ type: 'sid', pid: 10 })
  .push({ type: 'ptrace', pid: 10, tracer: 0 }).push({ type: 'coredump', pid: 10, ppid: 1 }).lost(3)
  .push({ type: 'resync', id: 1, count: 2 }).push({ type: 'snapshot', pid: 2, ppid: 0, argv: null, argv_source: null, comm: 'kthreadd', exe: null, cwd: null, uid: 0, cgroup: null, start_ts: null, start: null, resync: 1 })
  .push({ type: 'alert', kind: 'fork-bomb', state: 'raised', root: 10, rate: 51.5, live: 20, generations: 5, comm: 'sh' })
  .after(1).exit(10, 0, 9);
const valid = (): Record<string, unknown>[] => structuredClone(s.events) as unknown as Record<string, unknown>[];
const byType = (type: string) => valid().find((e) => e.type === type)!;
const problemOf = (e: unknown) => validateEvent(e).problem;

describe('validateEvent', () => {
  it('passes every event a source writes, the same object, unknown fields kept', () => {
    for (const e of valid()) {
      const withExtra = { ...e, from_the_future: { x: 1 } };
      const result = validateEvent(withExtra);
      expect(result.problem).toBeUndefined();
      expect(result.event).toBe(withExtra);
      expect(result.event).toEqual({ ...e, from_the_future: { x: 1 } });
    }
  });

  it('an absent nullable field becomes null; an absent optional one stays absent', () => {
    const exec = byType('exec');
    delete exec.cwd;
    delete exec.truncated;
    const event = validateEvent(exec).event as ForktopEvent & { cwd: unknown };
    expect(event.cwd).toBeNull();
    expect('truncated' in event).toBe(false);
    const fork = byType('fork');
    expect('tid' in (validateEvent(fork).event as object)).toBe(false);
  });

  it.each([
    ['fork', 'pid', 0, /pid 0 is not an integer in 1\.\.4194304/],
    ['fork', 'pid', PID_MAX_LIMIT + 1, /pid 4194305/],
    ['fork', 'pid', 1.5, /pid 1\.5/],
    ['fork', 'pid', '10', /pid "10"/],
    ['fork', 'ppid', -1, /ppid -1/],
    ['fork', 'ppid', 0, /ppid 0 is not a parent/],
    ['fork', 'ppid', 10, /ppid 10 is the process itself/],
    ['snapshot', 'ppid', 1, /ppid 1 is the process itself/],
    ['exec', 'ppid', 10, /ppid 10 is the process itself/],
    ['exit', 'ppid', 10, /ppid 10 is the process itself/],
    ['ptrace', 'tracer', 10, /tracer 10 is the process itself/],
    ['exec', 'ts', 1e25, /ts 1e\+25 is not an integer/],
    ['exec', 'ts', -1, /ts -1/],
    ['exec', 'ts', 1.5, /ts 1\.5/],
    ['exec', 'ts', 'NaN', /ts "NaN"/],
    ['exec', 'ts', null, /ts is null/],
    ['exec', 'time', 'yesterday', /time "yesterday" is not an ISO-8601 time/],
    ['exec', 'time', '2026-11-23T12:00:00.000000Z\u001b[2J', /time .* is not an ISO-8601 time/],
    ['exec', 'argv', 5, /argv 5 is not an array of strings/],
    ['exec', 'argv', 'sh -c x', /argv "sh -c x" is not an array/],
    ['exec', 'argv', ['sh', 3], /argv\[1\] 3 is not a string/],
    ['exec', 'argv', [['nested']], /argv\[0\] an array of 1 is not a string/],
    ['exec', 'argv', new Array(300_000).fill(''), /more than 262144 arguments/],
    ['exec', 'argv', ['x'.repeat(300_000)], /longer than 262144 characters in all/],
    ['exec', 'argv_source', 'made-up', /argv_source "made-up" is not one of/],
    ['exec', 'comm', { a: 1 }, /comm an object is not a string/],
    ['exec', 'exe', 'x'.repeat(20_000), /exe is longer than 16384/],
    ['exec', 'uid', -1, /uid -1/],
    ['exec', 'uid', 2 ** 32, /uid 4294967296/],
    ['exec', 'ret', 1, /ret 1 is not an integer in -4095\.\.0/],
    ['exec', 'truncated', 'yes', /truncated "yes" is not true or false/],
    ['exec', 'start_ts', -5, /start_ts -5/],
    ['exit', 'code', 256, /code 256/],
    ['exit', 'signal', 128, /signal 128/],
    ['exit', 'core', null, /core null is not true or false/],
    ['exit', 'duration_ms', -1, /duration_ms -1 is not a number >= 0/],
    ['comm', 'comm', null, /comm is null/],
    ['uid', 'euid', '0', /euid "0"/],
    ['gid', 'rgid', 1e20, /rgid 100000000000000000000/],
    ['lost', 'count', 'x', /lost: count "x" is not a count/],
    ['lost', 'count', -3, /count -3/],
    ['lost', 'source', '\u001b]0;pwned\u0007', /source .* is not a loss source/],
    ['resync', 'id', 1.5, /id 1\.5 is not a count/],
    ['snapshot', 'resync', 'a', /resync "a" is not a count/],
    ['alert', 'kind', 'fork-flood', /kind "fork-flood" is not one of "fork-bomb", "fork-storm"/],
    ['alert', 'state', null, /state null is not one of/],
    ['alert', 'rate', Infinity, /rate Infinity is not a number >= 0/],
  ])('%s with %s = %j: %s', (type, field, value, message) => {
    const e = byType(type);
    e[field] = value;
    expect(problemOf(e)).toMatch(message);
    expect(problemOf(e)).toMatch(new RegExp(`^${type}: `));
  });

  it('a required field missing is named', () => {
    const fork = byType('fork');
    delete fork.ppid;
    expect(problemOf(fork)).toBe('fork: ppid is missing');
  });

  it('pid 1 and kthreadd may have ppid 0; a snapshot too (a parent outside the pid namespace)', () => {
    expect(problemOf({ ...byType('fork'), pid: 1, ppid: 0 })).toBeUndefined();
    expect(problemOf({ ...byType('fork'), pid: 2, ppid: 0 })).toBeUndefined();
    expect(problemOf({ ...byType('snapshot'), pid: 700, ppid: 0 })).toBeUndefined();
  });

  it('a ts past 2^53 (a server up more than 104 days) is fine while whole and below 2^64', () => {
    expect(problemOf({ ...byType('fork'), ts: 2 ** 60 })).toBeUndefined();
    expect(problemOf({ ...byType('fork'), ts: 2 ** 65 })).toMatch(/ts/);
  });

  it.each([
    [null, 'not a JSON object'],
    [[1, 2], 'not a JSON object'],
    ['fork', 'not a JSON object'],
    [{ ts: 1 }, 'no event type'],
    [{ type: 'weird', ts: 1 }, 'unknown event type "weird"'],
    [{ type: 'toString', ts: 1 }, 'unknown event type "toString"'],
    [{ type: '__proto__', ts: 1 }, 'unknown event type "__proto__"'],
    [{ type: 'fork' }, 'no ts (kernel time)'],
  ])('%j: %s', (value, problem) => {
    expect(problemOf(value)).toBe(problem);
  });
});

describe('TsSpan', () => {
  it('takes a stream that runs for weeks, one day at a time, and events a little before the first', () => {
    const span = new TsSpan();
    let ts = 1e12;
    expect(span.take(ts)).toBeNull();
    expect(span.take(ts - BEFORE_FIRST_NS)).toBeNull();
    for (let day = 0; day < 30; day++) expect(span.take((ts += AFTER_NEWEST_NS - 1))).toBeNull();
  });

  it('refuses a leap past the newest by more than a day, and a ts long before the first', () => {
    const span = new TsSpan();
    expect(span.take(1e12)).toBeNull();
    expect(span.take(1e12 + 5e9)).toBeNull();
    expect(span.take(1e12 + 5e9 + AFTER_NEWEST_NS + 1)).toMatch(/more than a day after the newest event's \(1005000000000\)/);
    expect(span.take(1e12 - BEFORE_FIRST_NS - 1)).toMatch(/more than 60 s before the first event's/);
    // the refused ones moved nothing
    expect(span.take(1e12 + 6e9)).toBeNull();
  });
});
