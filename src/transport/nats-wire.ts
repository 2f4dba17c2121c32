// What an agent (--publish) and a viewer (--nats) agree on over NATS JetStream, and the
// parsing of their flags. Pure: no NATS client here (that is loaded only when one runs), so
// main.ts can check the command line without paying for it.
//
// One stream, FORKTOP, holds every host's batches on `forktop.<token>.events`. A batch is
// NDJSON lines (what --json prints: the header line first in a run's first batch, then
// events) with headers that let the viewer check it:
//
//   Forktop-Host   the host's name (HOST_NAME): the name the viewer shows
//   Forktop-Run    this agent process (16 hex digits): a new one is a restart
//   Forktop-Seq    the batch's number in the run, from 1
//   Forktop-First  events the run published before this batch
//   Forktop-Count  events in this batch (the header line is not one)
//   Forktop-Kind   `events`, or `bye` (the agent stopped cleanly; no lines)
//
// A batch whose First is past the previous batch's First + Count says how many events the
// transport lost in between, exactly. Heartbeats go on `forktop.<token>.beat`, core NATS
// only (never stored): the same Host and Run headers and the run's header line as payload,
// so a viewer that joins late shows a quiet host, and notices one that went away.
import { HOST_NAME } from '../events/validate.js';

export const STREAM = 'FORKTOP';
export const EVENTS_SUBJECTS = 'forktop.*.events';
export const BEAT_SUBJECTS = 'forktop.*.beat';

export const HEADER = {
  host: 'Forktop-Host',
  run: 'Forktop-Run',
  seq: 'Forktop-Seq',
  first: 'Forktop-First',
  count: 'Forktop-Count',
  kind: 'Forktop-Kind',
} as const;

/** How often an agent says it is there; a viewer marks a host down after MISSED_BEATS. */
export const HEARTBEAT_MS = 2000;
export const MISSED_BEATS = 3;

/** The largest message either side handles (a server's max_payload is 1 MiB by default, and
 *  at most 64 MiB); a beat is one header line. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
export const MAX_BEAT_BYTES = 64 * 1024;
/** An agent seals a batch at this size (or after BATCH_MS). */
export const BATCH_BYTES = 256 * 1024;
export const BATCH_MS = 100;
/** Events in one batch, at most (a viewer refuses a header that says more). */
export const MAX_BATCH_EVENTS = 1_000_000;

export const DEFAULTS = {
  maxAgeMs: 24 * 3600 * 1000,
  maxBytes: 1024 ** 3,
  bufferBytes: 64 * 1024 * 1024,
};

export const RUN_ID = /^[0-9a-f]{16}$/;

/**
 * A host's name as a subject token. A subject's tokens are split at dots, so a dot becomes
 * `_` (`web-1.example.com` publishes on `forktop.web-1_example_com.events`); HOST_NAME's
 * other characters are all valid in a token. Two names that differ only there share a
 * subject, never a host: the viewer keys hosts by Forktop-Host, the real name.
 */
export function subjectToken(host: string): string {
  return host.replace(/\./g, '_');
}

export const eventsSubject = (host: string) => `forktop.${subjectToken(host)}.events`;
export const beatSubject = (host: string) => `forktop.${subjectToken(host)}.beat`;

export interface BatchMeta {
  host: string;
  run: string;
  seq: number;
  first: number;
  count: number;
  kind: 'events' | 'bye';
}

const COUNTER = /^(0|[1-9]\d{0,15})$/;

/** A message's headers checked (each one's form and range, and that the subject is the
 *  host's); the problem in words otherwise. */
export function parseBatchMeta(subject: string, get: (name: string) => string): BatchMeta | string {
  const host = get(HEADER.host);
  if (!HOST_NAME.test(host)) return `a batch without a host name (${HEADER.host} ${JSON.stringify(host.slice(0, 40))})`;
  if (subject !== eventsSubject(host)) return `${host}: a batch on ${subject.slice(0, 300)}, not ${eventsSubject(host)}`;
  const run = get(HEADER.run);
  if (!RUN_ID.test(run)) return `${host}: a batch without a run id`;
  const numbers: number[] = [];
  for (const name of [HEADER.seq, HEADER.first, HEADER.count]) {
    const text = get(name);
    if (!COUNTER.test(text)) return `${host}: ${name} ${JSON.stringify(text.slice(0, 20))} is not a count`;
    numbers.push(Number(text));
  }
  const [seq, first, count] = numbers;
  if (seq < 1 || !Number.isSafeInteger(first + count)) return `${host}: ${HEADER.seq} ${seq} out of range`;
  if (count > MAX_BATCH_EVENTS) return `${host}: ${HEADER.count} ${count} is more than a batch holds`;
  const kind = get(HEADER.kind);
  if (kind !== 'events' && kind !== 'bye') return `${host}: ${HEADER.kind} ${JSON.stringify(kind.slice(0, 20))} is neither events nor bye`;
  return { host, run, seq, first, count, kind };
}

/** A beat's headers checked likewise. */
export function parseBeatMeta(subject: string, get: (name: string) => string): { host: string; run: string } | string {
  const host = get(HEADER.host);
  if (!HOST_NAME.test(host)) return `a heartbeat without a host name`;
  if (subject !== beatSubject(host)) return `${host}: a heartbeat on ${subject.slice(0, 300)}, not ${beatSubject(host)}`;
  const run = get(HEADER.run);
  if (!RUN_ID.test(run)) return `${host}: a heartbeat without a run id`;
  return { host, run };
}

// ---- flags ----

export interface NatsUrl {
  /** host:port each, as the client takes them. */
  servers: string[];
  /** tls:// given: the connection must be TLS. */
  tls: boolean;
  /** For messages and the header: the URL as given (it holds no credentials). */
  shown: string;
}

/** `nats://HOST[:PORT]` or `tls://HOST[:PORT]`, several separated by commas (a cluster). No
 *  user or password in it: those would show in `ps`; use --nats-creds FILE. */
export function parseNatsUrl(text: string): NatsUrl | string {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length > 32 || text.length > 4096) return 'at most 32 servers';
  const servers: string[] = [];
  let tls: boolean | undefined;
  for (const part of parts) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      return `"${part.slice(0, 100)}" is not a URL like nats://HOST:4222 or tls://HOST:4222`;
    }
    if (url.protocol !== 'nats:' && url.protocol !== 'tls:') return `"${part.slice(0, 100)}": nats:// or tls://, not ${url.protocol}//`;
    if (url.username || url.password) return 'no user or password in the URL (ps shows it to everyone): use --nats-creds FILE';
    if ((url.pathname && url.pathname !== '/') || url.search || url.hash) return `"${part.slice(0, 100)}": a server's URL has no path`;
    if (!url.hostname) return `"${part.slice(0, 100)}" names no host`;
    const isTls = url.protocol === 'tls:';
    if (tls !== undefined && tls !== isTls) return 'either every server is tls:// or none';
    tls = isTls;
    servers.push(`${url.hostname}:${url.port || '4222'}`);
  }
  return { servers, tls: tls ?? false, shown: parts.join(',') };
}

const DURATION = /^(\d{1,9}(?:\.\d{1,3})?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `10m`, `2h`, `7d`: milliseconds. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  return match ? Math.round(Number(match[1]) * UNIT_MS[match[2]]) : null;
}

/** `512k`, `64M`, `1G` (or bytes). */
export function parseSize(text: string): number | null {
  const match = /^(\d{1,15})([kKmMgG]?)$/.exec(text.trim());
  if (!match) return null;
  const bytes = Number(match[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2].toLowerCase()]!;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** Where a viewer starts in the stream's history. */
export type Since = { kind: 'new' } | { kind: 'all' } | { kind: 'time'; iso: string };

/** `--since 10m` (that long ago), an ISO time, or `all` (the stream's whole history). */
export function parseSince(text: string, nowMs = Date.now()): Since | string {
  const trimmed = text.trim();
  if (trimmed === 'all') return { kind: 'all' };
  const ms = parseDuration(trimmed);
  if (ms !== null) {
    if (ms > 3650 * UNIT_MS.d) return `--since ${trimmed}: more than ten years`;
    return { kind: 'time', iso: new Date(nowMs - ms).toISOString() };
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(trimmed)) {
    const at = Date.parse(trimmed.replace(' ', 'T'));
    if (Number.isFinite(at)) {
      if (at > nowMs + 60_000) return `--since ${trimmed} is in the future`;
      return { kind: 'time', iso: new Date(at).toISOString() };
    }
  }
  return `--since wants a duration (30s, 10m, 2h, 1d), a time (2026-12-01T10:00:00Z) or all, not "${trimmed.slice(0, 60)}"`;
}

const HOST_GLOB = /^[A-Za-z0-9_.:@*?-]{1,253}$/;

/** `--hosts 'web-*,db-1'`: shell-like globs (`*`, `?`) over host names; a matcher. */
export function parseHostGlobs(text: string): ((host: string) => boolean) | string {
  const globs = text.split(',').map((glob) => glob.trim()).filter(Boolean);
  if (globs.length === 0) return '--hosts wants host names or patterns, e.g. --hosts \'web-*,db-1\'';
  if (globs.length > 256) return '--hosts takes at most 256 patterns';
  for (const glob of globs) {
    if (!HOST_GLOB.test(glob)) return `--hosts: "${glob.slice(0, 60)}" is not a host name or pattern (letters, digits, . _ : @ - and * ?)`;
  }
  const source = globs
    .map((glob) => glob.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.'))
    .join('|');
  const pattern = new RegExp(`^(?:${source})$`);
  return (host) => pattern.test(host);
}
