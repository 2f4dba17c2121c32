// Loaded into a forktop under study (`node --import bench/soak-probe.js dist/cli.js ...`,
// FORKTOP_PROBE=/path/out.ndjson): every FORKTOP_PROBE_MS (default 5000) it appends one line
// saying where the process's memory is: V8's heap by space, external and ArrayBuffer memory,
// the time spent in GC so far, and the resident memory by kind of mapping from
// /proc/self/smaps (what V8 reports does not add up to the RSS: malloc, the WASM memory of
// Ink's layout engine, and code are outside it). It changes nothing in forktop.
import fs from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';

const out = process.env.FORKTOP_PROBE;
const MiB = 2 ** 20;
const round = (n) => Math.round((n / MiB) * 10) / 10;

/** Resident MiB of this process by kind of mapping. */
export function smapsByKind(pid = 'self') {
  const text = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const kinds = {};
  const maps = [];
  let current = null;
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = { start: parseInt(header[1], 16), end: parseInt(header[2], 16), perms: header[3], path: header[4], rss: 0 };
      maps.push(current);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current) current.rss = Number(rss[1]) * 1024;
  }
  const ARENA = 64 * MiB; // glibc's per-thread arenas: 64 MiB reserved, 64 MiB aligned
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    const size = m.end - m.start;
    let kind;
    if (m.path === '[heap]') kind = 'malloc main arena ([heap])';
    else if (m.path.startsWith('[stack')) kind = 'stacks';
    else if (m.path.endsWith('.node')) kind = 'addon (.node)';
    else if (m.path.startsWith('/')) kind = m.path.includes('.so') ? 'shared libraries' : 'node binary and files';
    else if (m.path.startsWith('[')) kind = 'vdso etc.';
    else if (m.path.startsWith('anon_inode:bpf-map')) kind = 'eBPF ring buffer (kernel pages mapped in)';
    else if (m.path !== '') kind = 'other mappings';
    else if (size >= 1024 * MiB) kind = 'reserved, untouched';
    else if ((maps[i + 1]?.start === m.end && maps[i + 1].end - maps[i + 1].start >= 1024 * MiB) || (i > 0 && maps[i - 1].end === m.start && maps[i - 1].end - maps[i - 1].start >= 1024 * MiB)) kind = 'wasm memory (yoga)';
    else if (m.start % ARENA === 0 && size <= ARENA && (size === ARENA || (maps[i + 1]?.start === m.end && maps[i + 1].perms.startsWith('---') && maps[i + 1].end - m.start === ARENA))) kind = 'malloc thread arenas';
    else if (m.perms.startsWith('---') && i > 0 && maps[i - 1].end === m.start && maps[i - 1].start % ARENA === 0) kind = 'malloc thread arenas';
    else kind = 'other anonymous (V8 heap, code, large mallocs)';
    kinds[kind] = (kinds[kind] ?? 0) + m.rss;
  }
  for (const k of Object.keys(kinds)) kinds[k] = round(kinds[k]);
  return kinds;
}

if (out) {
  const gc = { count: 0, ms: 0, byKind: {} };
  const kindName = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = kindName[e.detail?.kind ?? e.kind] ?? 'other';
      gc.count++;
      gc.ms += e.duration;
      const k = (gc.byKind[kind] ??= { count: 0, ms: 0 });
      k.count++;
      k.ms += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const started = performance.now();
  const sample = () => {
    const mem = process.memoryUsage();
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name.replace(/_space$/, '')] = [round(s.space_size), round(s.space_used_size)];
    const usage = process.resourceUsage();
    const line = {
      t: Math.round((performance.now() - started) / 100) / 10,
      rss: round(mem.rss),
      heapTotal: round(mem.heapTotal),
      heapUsed: round(mem.heapUsed),
      external: round(mem.external),
      arrayBuffers: round(mem.arrayBuffers),
      spaces,
      smaps: smapsByKind(),
      cpu: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      gc: { count: gc.count, ms: Math.round(gc.ms), byKind: Object.fromEntries(Object.entries(gc.byKind).map(([k, v]) => [k, { count: v.count, ms: Math.round(v.ms) }])) },
    };
    fs.appendFileSync(out, JSON.stringify(line) + '\n');
  };
  setInterval(sample, Number(process.env.FORKTOP_PROBE_MS ?? 5000)).unref();
  sample();
}
