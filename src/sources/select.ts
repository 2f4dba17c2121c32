// Picks the event source and says why, in one line: `auto` takes the best this machine
// allows (the proc connector, else the /proc poller); an explicit source that can't run
// here fails with its one-line reason.
import { NetlinkSource, type NetlinkOptions } from './netlink.js';
import { PollSource } from './poll.js';
import { SourceUnavailableError, type EventSource, type SourceHandlers } from './source.js';

export const SOURCE_NAMES = ['auto', 'netlink', 'poll'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export function isSourceName(name: string): name is SourceName {
  return (SOURCE_NAMES as readonly string[]).includes(name);
}

export interface Chosen {
  source: EventSource;
  /** One line: what was picked, and why not something better. */
  reason: string;
}

/** Starts the named source (auto: the best that starts here). Throws SourceUnavailableError. */
export async function startSource(name: SourceName, handlers: SourceHandlers, netlink: NetlinkOptions): Promise<Chosen> {
  if (name === 'poll') {
    const poll = new PollSource();
    await poll.start(handlers);
    return { source: poll, reason: 'poll: chosen with --source poll' };
  }
  const source = new NetlinkSource(netlink);
  try {
    await source.start(handlers);
    return { source, reason: 'netlink: the kernel proc connector (an eBPF source is not built yet)' };
  } catch (error) {
    if (name === 'netlink' || !(error instanceof SourceUnavailableError)) throw error;
    const poll = new PollSource();
    await poll.start(handlers);
    return { source: poll, reason: `poll: the proc connector is not available (${error.message.replace(/^forktop /, '')})` };
  }
}
