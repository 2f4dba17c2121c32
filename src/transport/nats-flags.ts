// The NATS flags of the command line (--publish, --nats, --replay nats://…, and what goes
// with them), checked together: a plan, or the one line saying what is wrong.
import fs from 'node:fs';
import os from 'node:os';
import { HOST_NAME } from '../events/validate.js';
import type { AgentPlan } from './nats-agent.js';
import { DEFAULTS, parseDuration, parseHostGlobs, parseNatsUrl, parseSince, parseSize, type NatsUrl, type Since } from './nats-wire.js';

export interface NatsFlags {
  publish?: string;
  nats?: string;
  replay?: string;
  hosts?: string;
  since?: string;
  hostName?: string;
  natsCreds?: string;
  natsMaxAge?: string;
  natsMaxBytes?: string;
  natsBuffer?: string;
}

export interface ViewPlan {
  url: NatsUrl;
  creds?: Uint8Array;
  hosts?: (host: string) => boolean;
  since: Since;
  replay: boolean;
  retention: AgentPlan['retention'];
}

export type NatsPlan = { mode: 'publish'; agent: AgentPlan } | { mode: 'view'; view: ViewPlan } | { mode: 'none' };

/** Flags meow knows (camelCase) and as typed (kebab-case), for main.ts's KNOWN_FLAGS. */
export const NATS_FLAG_NAMES = [
  'publish', 'nats', 'hosts', 'since', 'hostName', 'host-name', 'natsCreds', 'nats-creds',
  'natsMaxAge', 'nats-max-age', 'natsMaxBytes', 'nats-max-bytes', 'natsBuffer', 'nats-buffer',
];

export const isNatsUrl = (text: string | undefined): boolean => !!text && /^(nats|tls):\/\//.test(text);

/** The largest creds file read (a user JWT and seed are ~1 KiB). */
const MAX_CREDS_BYTES = 64 * 1024;

/**
 * The plan for these flags; `given(name)` says whether the kebab-case flag was on the line;
 * the string returned is what is wrong.
 */
export function natsPlan(flags: NatsFlags, given: (name: string) => boolean): NatsPlan | string {
  const replayNats = isNatsUrl(flags.replay);
  const viewing = flags.nats !== undefined || replayNats;
  const publishing = flags.publish !== undefined;
  if (publishing && viewing) return '--publish and --nats (or --replay nats://) do not go together: run an agent and a viewer apart';
  if (!publishing) {
    for (const flag of ['host-name', 'nats-buffer']) if (given(flag)) return `--${flag} goes with --publish nats://HOST:4222`;
  }
  if (!viewing) {
    for (const flag of ['hosts', 'since']) if (given(flag)) return `--${flag} goes with --nats nats://HOST:4222`;
  }
  if (!publishing && !viewing) {
    for (const flag of ['nats-creds', 'nats-max-age', 'nats-max-bytes']) if (given(flag)) return `--${flag} goes with --publish or --nats`;
    return { mode: 'none' };
  }
  const url = parseNatsUrl((flags.publish ?? flags.nats ?? flags.replay ?? '').trim());
  if (typeof url === 'string') return `--${publishing ? 'publish' : flags.nats !== undefined ? 'nats' : 'replay'}: ${url}`;
  let creds: Uint8Array | undefined;
  if (flags.natsCreds !== undefined) {
    try {
      const fd = fs.openSync(flags.natsCreds, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        const stat = fs.fstatSync(fd);
        if (!stat.isFile()) return `--nats-creds ${flags.natsCreds}: not a regular file`;
        if (stat.size > MAX_CREDS_BYTES) return `--nats-creds ${flags.natsCreds}: larger than a creds file (${MAX_CREDS_BYTES / 1024} KiB)`;
        creds = fs.readFileSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (error) {
      return `--nats-creds ${flags.natsCreds}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`;
    }
    if (!/-----BEGIN NATS USER JWT-----/.test(Buffer.from(creds).toString('latin1'))) return `--nats-creds ${flags.natsCreds}: not a NATS creds file (no user JWT in it)`;
  }
  const maxAgeMs = flags.natsMaxAge === undefined ? DEFAULTS.maxAgeMs : parseDuration(flags.natsMaxAge);
  if (maxAgeMs === null || maxAgeMs < 1000) return `--nats-max-age wants a duration of a second or more (30m, 24h, 7d), not "${flags.natsMaxAge}"`;
  const maxBytes = flags.natsMaxBytes === undefined ? DEFAULTS.maxBytes : parseSize(flags.natsMaxBytes);
  if (maxBytes === null || maxBytes < 1024 * 1024) return `--nats-max-bytes wants a size of 1M or more (512M, 10G), not "${flags.natsMaxBytes}"`;
  const retention = { maxAgeMs, maxBytes };
  if (publishing) {
    const bufferBytes = flags.natsBuffer === undefined ? DEFAULTS.bufferBytes : parseSize(flags.natsBuffer);
    if (bufferBytes === null || bufferBytes < 1024 * 1024 || bufferBytes > 16 * 1024 ** 3) return `--nats-buffer wants a size from 1M to 16G (64M, 1G), not "${flags.natsBuffer}"`;
    const host = flags.hostName ?? os.hostname();
    if (!HOST_NAME.test(host)) {
      return flags.hostName === undefined
        ? `this machine's name "${host.slice(0, 60)}" is not a host name forktop can publish under: give one with --host-name`
        : `--host-name wants a host name (letters, digits, . _ : @ -, up to 253), not "${host.slice(0, 60)}"`;
    }
    return { mode: 'publish', agent: { url, creds, host, bufferBytes, retention } };
  }
  let since: Since = replayNats ? { kind: 'all' } : { kind: 'new' };
  if (flags.since !== undefined) {
    const parsed = parseSince(flags.since);
    if (typeof parsed === 'string') return parsed;
    since = parsed;
  }
  let hosts: ((host: string) => boolean) | undefined;
  if (flags.hosts !== undefined) {
    const matcher = parseHostGlobs(flags.hosts);
    if (typeof matcher === 'string') return matcher;
    hosts = matcher;
  }
  return { mode: 'view', view: { url, creds, hosts, since, replay: replayNats, retention } };
}

/** Flags that mean nothing to a NATS agent or viewer, for the refusal. */
export function conflicting(plan: NatsPlan, given: (name: string) => boolean, json: boolean): string | null {
  if (plan.mode === 'publish') {
    for (const flag of ['json', 'record', 'replay', 'ssh', 'filter', 'user', 'pid', 'stop-lineage', 'speed', 'no-bell']) {
      if (given(flag) || (flag === 'json' && json)) return `--publish runs headless on its own: no --${flag}`;
    }
  }
  if (plan.mode === 'view') {
    for (const flag of ['source', 'env', 'receive-buffer', 'debug-bpf', 'ssh', 'stop-lineage', 'speed']) {
      if (given(flag)) return `--${flag} does not go with --nats${flag === 'speed' ? ' (a NATS replay plays as fast as it comes)' : ''}`;
    }
  }
  return null;
}
