// Loads the native addon: the one `npm install` built with node-gyp (build/Release), else the
// package's prebuild for this platform (prebuilds/), found by node-gyp-build. The single
// executable's bundle puts its own loader in node-gyp-build's place (scripts/dist.js).
import nodeGypBuild from 'node-gyp-build';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { SnapshotEvent } from '../events/schema.js';
import { decodeEvents, type PackedEvents } from '../events/packed.js';
import { SourceUnavailableError } from './source.js';

export interface NativeNetlinkOptions {
  /** The environment variable names kept from /proc/PID/environ (none read without it). */
  envAllowlist?: string[];
  receiveBufferBytes?: number;
  snapshot?: boolean;
  realtime?: boolean;
  readExecInfo?: boolean;
  gatherMs?: number;
  maxPendingEvents?: number;
  stormBatchMs?: number;
  quietGatherMs?: number;
  /** The proc_event types to report (PROC_EVENT_* bits; 0 or absent: all). */
  eventTypes?: number;
}

/** Which of who-started-it the eBPF exec program reads on this kernel. */
export interface OriginFieldsRead {
  auid: boolean;
  session: boolean;
  tty: boolean;
  sidPgid: boolean;
  env: boolean;
  /** The path given to execve beside its interpreter (linux_binprm, a raw tracepoint). */
  filename: boolean;
  /** How many of an exec's environment variables are looked at (the rest are not seen). */
  envEntries: number;
}

export interface NativeEbpfOptions {
  /** The environment variable names kept (the rest never leaves native code). */
  envAllowlist?: string[];
  ringBytes?: number;
  useBtf?: boolean;
  debug?: boolean;
  btfPath?: string;
  maxPendingEvents?: number;
  /** In a storm, the least ms between two batches (1–1000; default 100). */
  stormBatchMs?: number;
  /** false: the programs' loops unrolled or bounded, as without bpf_loop (tests compare the two). */
  loops?: boolean;
  /** Each batch also as --json lines (native/event_json.h): its PackedEvents has four parts. */
  jsonLines?: boolean;
}

/** What a native reader says: ("batch", packed events: decodeEvents() reads them),
 *  ("ready"), or ("error", code, message). */
export type NativeMessageHandler = (
  kind: 'batch' | 'ready' | 'error',
  payload?: PackedEvents | string,
  message?: string,
) => void;

export interface NativeNetlinkSource {
  start(onMessage: NativeMessageHandler, onDone: () => void): void;
  stop(): void;
  stats(): Record<string, number>;
  /** In a storm, the least ms between two batches from now on (1–1000; else a RangeError). */
  setStormBatchMs(ms: number): void;
}

export interface NativeEbpfExecSource {
  start(onMessage: NativeMessageHandler, onDone: () => void): void;
  /** Detaches, drains and frees every program and map. */
  stop(): void;
  stats(): Record<string, number>;
  /** In a storm, the least ms between two batches from now on (1–1000; else a RangeError). */
  setStormBatchMs(ms: number): void;
  describe(): {
    mode: 'exec' | 'entry';
    fallbackReason: string;
    paths: boolean;
    cgroupPaths: boolean;
    /** The programs' loops run as bpf_loop callbacks (5.17), each verified in a few passes. */
    loops: boolean;
    /** Forks and exits come from the ring buffer too (else from the proc connector). */
    tasks: boolean;
    tasksFallbackReason: string;
    origin: OriginFieldsRead;
    verifierLog: string;
  };
}

export interface BpfObject {
  kind: 'prog' | 'map';
  id: number;
  name: string;
}

export interface SignalTarget {
  pid: number;
  /** CLOCK_MONOTONIC ns; the process must have started then (within a few clock ticks). */
  startNs?: number;
  /** The parent it must have now. */
  ppid?: number;
}

export type SignalResult = 'sent' | 'gone' | 'other' | 'denied' | 'failed';

export interface SignalOutcome {
  result: SignalResult;
  /** Start time of the process that got the signal (CLOCK_MONOTONIC ns; 0 if none did). */
  startNs: number;
}

export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  startNs: number;
}

export interface NativeHangupWatch {
  stop(): void;
}

export interface Addon {
  HangupWatch: new (fd: number, onHangup: () => void) => NativeHangupWatch;
  NetlinkSource: new (options: NativeNetlinkOptions) => NativeNetlinkSource;
  EbpfExecSource: new (options: NativeEbpfOptions) => NativeEbpfExecSource;
  /** Every BPF program and map in the kernel now (forktop's are named forktop_*). */
  bpfObjects(): BpfObject[];
  scanProcesses(options?: { envAllowlist?: string[] }): PackedEvents;
  /** Signals each process through a pidfd, after checking it is still the one meant. */
  signalProcesses(targets: SignalTarget[], signal: number): Promise<SignalOutcome[]>;
  readStat(pid: number): ProcStat | null;
  /** Points fds 0-2 at /dev/null: the terminal is gone, and Node must not restore it. */
  detachStdio(): void;
  readProcess(pid: number, options?: { envAllowlist?: string[] }): PackedEvents | null;
}

let addon: Addon | undefined;

export function loadAddon(): Addon {
  if (addon) return addon;
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  try {
    addon = nodeGypBuild(root) as Addon;
  } catch (error) {
    // No build for this machine (no prebuild fits, and none was compiled at install): every
    // source needs the addon, so this is the one line forktop says, with exit status 2.
    const why = (error as Error).message.split('\n')[0].trim();
    const hint = why.startsWith('No native build') ? '; npm install compiles one where g++, make and python3 are' : '';
    throw new SourceUnavailableError(`the native addon can't be loaded (${why})${hint}`, 'addon');
  }
  return addon;
}

/** One snapshot event per process in /proc now, with these environment variables (none: env not read). */
export function scanProcesses(envNames: readonly string[] = []): SnapshotEvent[] {
  return decodeEvents(loadAddon().scanProcesses({ envAllowlist: [...envNames] })) as SnapshotEvent[];
}

/** A snapshot event for one process now, or null when it is gone (env: as scanProcesses). */
export function readProcess(pid: number, envNames: readonly string[] = []): SnapshotEvent | null {
  const packed = loadAddon().readProcess(pid, { envAllowlist: [...envNames] });
  return packed === null ? null : (decodeEvents(packed)[0] as SnapshotEvent);
}
