// Picks the event source and says why, in one line: `auto` takes the best this machine
// allows (eBPF with the proc connector, else the proc connector alone, else the /proc
// poller); an explicit source that can't run here fails with its one-line reason.
import fs from 'node:fs';
import { EbpfSource, type EbpfOptions } from './ebpf.js';
import { NetlinkSource, type NetlinkOptions } from './netlink.js';
import { PollSource } from './poll.js';
import { SourceUnavailableError, type EventSource, type SourceHandlers } from './source.js';

export const SOURCE_NAMES = ['auto', 'ebpf', 'netlink', 'poll'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export function isSourceName(name: string): name is SourceName {
  return (SOURCE_NAMES as readonly string[]).includes(name);
}

export interface Chosen {
  source: EventSource;
  /** One line: what was picked, and why not something better. */
  reason: string;
  /** What the live view must say about it: what it can't see, or why a better one is not
   *  running. */
  note?: string;
}

export interface SourceOptions {
  netlink?: NetlinkOptions;
  ebpf?: Omit<EbpfOptions, 'netlink'>;
  /** The environment variables every source keeps (default ENV_ALLOWLIST; --env adds names). */
  envNames?: readonly string[];
}

const EBPF_REASON = 'ebpf: argv copied in the kernel at each exec, forks and exits from the same ring; id and name changes from the proc connector';

/** Starts the named source (auto: the best that starts here). Throws SourceUnavailableError. */
export async function startSource(name: SourceName, handlers: SourceHandlers, options: SourceOptions = {}): Promise<Chosen> {
  const { envNames } = options;
  if (name === 'poll') return startPoll(handlers, 'poll: chosen with --source poll', envNames);
  let ebpfWhyNot: string | undefined;
  if (name === 'ebpf' || name === 'auto') {
    const source = new EbpfSource({ ...options.ebpf, envNames, netlink: { ...options.netlink, envNames } });
    try {
      await source.start(handlers);
      const entry = source.readsArgvAtEntry ? ' (no BTF: argv read at execve() entry)' : '';
      return { source, reason: EBPF_REASON + entry, note: source.readsArgvAtEntry ? source.describe().caveats[0] : undefined };
    } catch (error) {
      if (name === 'ebpf' || !(error instanceof SourceUnavailableError)) throw error;
      ebpfWhyNot = error.message;
    }
  }
  const source = new NetlinkSource({ ...options.netlink, envNames });
  try {
    await source.start(handlers);
    if (name === 'netlink') return { source, reason: 'netlink: the kernel proc connector; chosen with --source netlink' };
    return {
      source,
      reason: `netlink: the kernel proc connector; eBPF is not available (${ebpfWhyNot})`,
      note: `no eBPF: ${ebpfWhyNot}; argv read from /proc`,
    };
  } catch (error) {
    if (name === 'netlink' || !(error instanceof SourceUnavailableError)) throw error;
    return startPoll(handlers, `poll: the proc connector is not available (${error.message.replace(/^forktop /, '')})`, envNames);
  }
}

async function startPoll(handlers: SourceHandlers, reason: string, envNames?: readonly string[]): Promise<Chosen> {
  const poll = new PollSource({ envNames });
  await poll.start(handlers);
  return { source: poll, reason, note: poll.describe().caveats[0] };
}

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

/**
 * Whether starting `name` here may be refused, so that its one-line reason must print before
 * the live view takes the screen. `auto` and `poll` never are (auto falls back as far as the
 * /proc poller). eBPF and the proc connector are checked cheaply, without loading anything:
 * the effective capabilities they need, in the first user namespace (in another one the
 * kernel ignores a proc connector subscription whatever the capabilities).
 */
export function mayRefuse(name: SourceName): boolean {
  if (name === 'auto' || name === 'poll') return false;
  let caps: bigint;
  try {
    if (!/^\s*0\s+0\s+4294967295\s*$/.test(fs.readFileSync('/proc/self/uid_map', 'utf8'))) return true;
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (hex === undefined) return true;
    caps = BigInt(`0x${hex}`);
  } catch {
    return true;
  }
  const has = (cap: number) => ((caps >> BigInt(cap)) & 1n) === 1n;
  if (!has(CAP_NET_ADMIN)) return true; // the eBPF source takes id and name changes from it too
  return name === 'ebpf' && !has(CAP_SYS_ADMIN) && !(has(CAP_BPF) && has(CAP_PERFMON));
}
