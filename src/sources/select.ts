// Picks the event source. For now the proc connector is the only one; eBPF and the
// /proc poller plug in here with the reasons each was or was not chosen.
import { NetlinkSource, type NetlinkOptions } from './netlink.js';
import { SourceUnavailableError, type EventSource } from './source.js';

export const SOURCE_NAMES = ['auto', 'netlink'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export function isSourceName(name: string): name is SourceName {
  return (SOURCE_NAMES as readonly string[]).includes(name);
}

export function createSource(name: SourceName, netlink: NetlinkOptions): EventSource {
  switch (name) {
    case 'auto':
    case 'netlink':
      return new NetlinkSource(netlink);
    default:
      throw new SourceUnavailableError(`unknown source ${String(name)}`, String(name));
  }
}
