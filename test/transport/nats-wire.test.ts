// What agents and viewers agree on over NATS, and the NATS flags: pure, no server.
import { describe, expect, it } from 'vitest';
import {
  HEADER, eventsSubject, parseBatchMeta, parseBeatMeta, parseDuration, parseHostGlobs, parseNatsUrl, parseSince, parseSize, subjectToken,
} from '../../src/transport/nats-wire.js';
import { expectRefused } from '../helpers/cli.js';

const headersOf = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const good = { [HEADER.host]: 'web-1.example.com', [HEADER.run]: '0123456789abcdef', [HEADER.seq]: '3', [HEADER.first]: '20', [HEADER.count]: '5', [HEADER.kind]: 'events' };

describe('the NATS wire', () => {
  it('a host name is one subject token: dots become _; the real name stays in the headers', () => {
    expect(subjectToken('web-1.example.com')).toBe('web-1_example_com');
    expect(eventsSubject('db@10.0.0.2:22')).toBe('forktop.db@10_0_0_2:22.events');
  });

  it('checks a batch\'s headers: each one\'s form and range, and that the subject is its host\'s', () => {
    expect(parseBatchMeta('forktop.web-1_example_com.events', headersOf(good))).toEqual({ host: 'web-1.example.com', run: '0123456789abcdef', seq: 3, first: 20, count: 5, kind: 'events' });
    const bad = (change: Record<string, string>, subject = 'forktop.web-1_example_com.events') => parseBatchMeta(subject, headersOf({ ...good, ...change }));
    expect(bad({}, 'forktop.web-2.events')).toMatch(/a batch on forktop.web-2.events, not forktop.web-1_example_com.events/);
    expect(bad({ [HEADER.host]: '' })).toMatch(/without a host name/);
    expect(bad({ [HEADER.host]: 'a b' })).toMatch(/without a host name/);
    expect(bad({ [HEADER.run]: 'x' })).toMatch(/without a run id/);
    expect(bad({ [HEADER.seq]: '0' })).toMatch(/out of range/);
    expect(bad({ [HEADER.seq]: '1e3' })).toMatch(/is not a count/);
    expect(bad({ [HEADER.first]: '-1' })).toMatch(/is not a count/);
    expect(bad({ [HEADER.first]: '99999999999999999' })).toMatch(/is not a count/);
    expect(bad({ [HEADER.count]: '2000000' })).toMatch(/more than a batch holds/);
    expect(bad({ [HEADER.kind]: 'bye!' })).toMatch(/neither events nor bye/);
    expect(parseBeatMeta('forktop.web-1.beat', headersOf({ [HEADER.host]: 'web-1', [HEADER.run]: '0123456789abcdef' }))).toEqual({ host: 'web-1', run: '0123456789abcdef' });
    expect(parseBeatMeta('forktop.web-2.beat', headersOf({ [HEADER.host]: 'web-1', [HEADER.run]: '0123456789abcdef' }))).toMatch(/not forktop.web-1.beat/);
  });

  it('parses URLs (no credentials in them), durations, sizes, --since and --hosts', () => {
    expect(parseNatsUrl('nats://n1:4222,nats://n2')).toEqual({ servers: ['n1:4222', 'n2:4222'], tls: false, shown: 'nats://n1:4222,nats://n2' });
    expect(parseNatsUrl('tls://nats.example')).toMatchObject({ servers: ['nats.example:4222'], tls: true });
    expect(parseNatsUrl('nats://u:secret@n1')).toMatch(/--nats-creds/);
    expect(parseNatsUrl('http://n1')).toMatch(/nats:\/\/ or tls:\/\//);
    expect(parseNatsUrl('nats://n1,tls://n2')).toMatch(/every server is tls/);
    expect(parseNatsUrl('n1:4222')).toMatch(/nats:\/\/ or tls:\/\/|not a URL/);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('10')).toBeNull();
    expect(parseSize('64M')).toBe(64 * 1024 * 1024);
    expect(parseSize('1G')).toBe(1024 ** 3);
    expect(parseSize('x')).toBeNull();
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(parseSince('10m', now)).toEqual({ kind: 'time', iso: '2026-12-01T09:50:00.000Z' });
    expect(parseSince('2026-12-01T09:00:00Z', now)).toEqual({ kind: 'time', iso: '2026-12-01T09:00:00.000Z' });
    expect(parseSince('all', now)).toEqual({ kind: 'all' });
    expect(parseSince('2027-01-01T00:00:00Z', now)).toMatch(/in the future/);
    expect(parseSince('yesterday', now)).toMatch(/--since wants a duration/);
    const hosts = parseHostGlobs('web-*,db-1') as (h: string) => boolean;
    expect(['web-1', 'web-10.example', 'db-1', 'db-10', 'xweb-1'].filter(hosts)).toEqual(['web-1', 'web-10.example', 'db-1']);
    expect(parseHostGlobs('web-[1]')).toMatch(/not a host name or pattern/);
  });
});

describe('the NATS flags', () => {
  it.each([
    [['--publish', 'foo'], /--publish: "foo" is not a URL/],
    [['--publish', 'nats://127.0.0.1:1', '--json'], /--publish runs headless on its own: no --json/],
    [['--publish', 'nats://127.0.0.1:1', '--nats', 'nats://127.0.0.1:1'], /do not go together/],
    [['--publish', 'nats://127.0.0.1:1', '--host-name', 'a b'], /--host-name wants a host name/],
    [['--publish', 'nats://127.0.0.1:1', '--nats-buffer', '10'], /--nats-buffer wants a size/],
    [['--nats', 'nats://127.0.0.1:1', '--nats-max-age', 'forever'], /--nats-max-age wants a duration/],
    [['--nats', 'nats://127.0.0.1:1', '--since', 'yesterday'], /--since wants a duration/],
    [['--nats', 'nats://127.0.0.1:1', '--source', 'poll'], /--source does not go with --nats/],
    [['--nats', 'nats://127.0.0.1:1', '--nats-creds', '/nonexistent'], /--nats-creds \/nonexistent: no such file/],
    [['--nats', 'nats://127.0.0.1:1', '--nats-creds', '/etc/hostname'], /not a NATS creds file/],
    [['--since', '10m', '--json'], /--since goes with --nats/],
    [['--host-name', 'x', '--json'], /--host-name goes with --publish/],
    [['--replay', 'nats://127.0.0.1:1', '--speed', '2'], /--speed does not go with --nats/],
    [['--nats', 'nats://127.0.0.1:1', '--json'], /nats:\/\/127.0.0.1:1: connection refused/],
  ])('%j is refused with one line and exit 2', (args, message) => expectRefused(args as string[], message));
});
