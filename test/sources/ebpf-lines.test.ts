// The --json lines the eBPF reader writes natively (native/event_json.cc) must be byte for byte
// what JSON.stringify and json.ts's escaping make of the decoded events: checked here over real
// processes whose command lines, environments, paths and ends are made to be awkward.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { attachNativeLine, jsonLine, ndjsonBytes } from '../../src/events/json.js';
import { ENV_ALLOWLIST, type ExitEvent, type ForkEvent, type ForktopEvent } from '../../src/events/schema.js';
import { PackedBatch } from '../../src/events/packed.js';
import { EbpfSource } from '../../src/sources/ebpf.js';
import { Capture, compiledProgram, describeAsRoot } from '../helpers/kernel.js';
import { prng } from '../helpers/prng.js';

/**
 * Runs the processes a spec file describes, one after another, in the directory its first line
 * names (in hex); each line after is a mode (x: exec,
 * k: killed by SIGTERM before any exec), the program's path, its argv and its environment,
 * every string as 'h' and its hex (so any byte but NUL), the counts first. Prints each child's pid.
 */
const SPAWNER = `
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
static char* unhex(const char* h) {
  h++;
  size_t n = strlen(h) / 2;
  char* s = malloc(n + 1);
  for (size_t i = 0; i < n; i++) { unsigned v; sscanf(h + 2 * i, "%2x", &v); s[i] = (char)v; }
  s[n] = 0;
  return s;
}
int main(int argc, char** argv) {
  if (argc < 2) return 2;
  alarm(120);
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);
  FILE* f = fopen(argv[1], "r");
  if (!f) return 2;
  char* line = NULL;
  size_t cap = 0;
  if (getline(&line, &cap, f) <= 0) return 2;
  line[strcspn(line, "\\n")] = 0;
  if (chdir(unhex(line)) != 0) return 2;
  while (getline(&line, &cap, f) > 0) {
    char* save;
    char* mode = strtok_r(line, " \\n", &save);
    char* file = unhex(strtok_r(NULL, " \\n", &save));
    int argc2 = atoi(strtok_r(NULL, " \\n", &save));
    char** args = calloc(argc2 + 1, sizeof *args);
    for (int i = 0; i < argc2; i++) args[i] = unhex(strtok_r(NULL, " \\n", &save));
    int envc = atoi(strtok_r(NULL, " \\n", &save));
    char** env = calloc(envc + 1, sizeof *env);
    for (int i = 0; i < envc; i++) env[i] = unhex(strtok_r(NULL, " \\n", &save));
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      if (mode[0] == 'k') raise(SIGTERM);
      execve(file, args, env);
      _exit(127);
    }
    printf("%d\\n", pid);
    waitpid(pid, NULL, 0);
  }
  return 0;
}
`;

/** As the spawner reads it: 'h' and the bytes in hex (an empty string is still a word). */
const hex = (bytes: Buffer) => `h${bytes.toString('hex')}`;

/** Byte strings a process may hand the kernel, chosen to trip an encoder: every byte but NUL,
 *  what JSON escapes, what json.ts escapes after it, UTF-8 that is not (overlong, surrogates,
 *  cut short), and plain text. */
function awkwardBytes(random: () => number, maxLength: number): Buffer {
  const pieces: Buffer[] = [];
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const special = [
    '"', '\\', '\b', '\f', '\n', '\r', '\t', '\x1b[31m', '\x7f', '\u0085', '\u009b', '\u061c', '\u200e', '\u200f',
    '\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u2069', '\ufffd', 'é', '日本', '😀', '\u00a0', '/', '<', '\u001f',
  ];
  const invalid = [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0xff], [0x80], [0xe2, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xfe, 0xfe]];
  const length = Math.floor(random() * maxLength);
  while (pieces.reduce((n, p) => n + p.length, 0) < length) {
    const r = random();
    if (r < 0.3) pieces.push(Buffer.from(pick(special)));
    else if (r < 0.5) pieces.push(Buffer.from(pick(invalid)));
    else if (r < 0.7) pieces.push(Buffer.from([1 + Math.floor(random() * 255)]));
    else pieces.push(Buffer.from(random().toString(36).slice(2)));
  }
  return Buffer.concat(pieces);
}

describeAsRoot('eBPF source: native --json lines (real kernel)', () => {
  let capture: Capture | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await capture?.stop();
    capture = undefined;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('every fork, exec and exit line is what JSON.stringify makes of the event, over 300 awkward processes', async () => {
    const random = prng(0x5eed11);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-lines-'));
    // The cwd and a script's path are bytes too.
    const cwd = Buffer.concat([Buffer.from(dir + '/'), Buffer.from([0xff, 0x22, 0x5c, 0x0a, 0xe2, 0x80, 0xae]), Buffer.from('dir')]);
    fs.mkdirSync(cwd);
    const script = Buffer.concat([Buffer.from(dir + '/script'), Buffer.from([0xc3, 0x28, 0x1b, 0x22]), Buffer.from('.sh')]);
    fs.writeFileSync(script, '#!/bin/sh\nexit 3\n', { mode: 0o700 });
    const envNames = [...ENV_ALLOWLIST, '__proto__'];
    const programs = [Buffer.from('/bin/true'), Buffer.from('/bin/false'), script, Buffer.from('/nonexistent/')];

    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      let file = programs[Math.floor(random() * programs.length)];
      if (file.toString() === '/nonexistent/') file = Buffer.concat([file, awkwardBytes(random, 40)]);
      const argv = [file, ...Array.from({ length: Math.floor(random() * 6) }, () => awkwardBytes(random, 60))];
      // Now and then a command line past what the kernel copy keeps (truncated: true).
      if (i % 50 === 7) argv.push(Buffer.alloc(20_000, 'a'));
      const env: Buffer[] = [];
      for (let k = Math.floor(random() * 5); k > 0; k--) {
        const name = envNames[Math.floor(random() * envNames.length)];
        if (name === 'LD_PRELOAD') continue; // the loader would try to load it
        env.push(Buffer.concat([Buffer.from(`${name}=`), awkwardBytes(random, 30)]));
      }
      // The same variable twice, with another value (the reader keeps the first, as getenv() does).
      if (i % 10 === 3 && env.length > 0) env.push(Buffer.concat([env[0].subarray(0, env[0].indexOf('=') + 1), Buffer.from(`again${i}`)]));
      env.push(Buffer.from('NOT_ALLOWLISTED=1'));
      const mode = i % 25 === 11 ? 'k' : 'x';
      lines.push([mode, hex(file), argv.length, ...argv.map(hex), env.length, ...env.map(hex)].join(' '));
    }
    const spec = path.join(dir, 'spec');
    fs.writeFileSync(spec, [hex(cwd), ...lines].join('\n') + '\n');

    capture = await Capture.startWith(new EbpfSource({ jsonLines: true, envNames, netlink: { snapshot: false } }));
    const spawner = compiledProgram('exec-bytes', SPAWNER);
    const pids = execFileSync(spawner, [spec], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'ignore'] })
      .trim().split('\n').map(Number);
    expect(pids).toHaveLength(300);
    const last = pids[pids.length - 1];
    await capture.waitFor((ev) => ev.type === 'exit' && ev.pid === last, 30_000);

    const ours = new Set(pids);
    const checked = { fork: 0, exec: 0, exit: 0 };
    for (const ev of capture.events) {
      const native = ndjsonBytes([ev]);
      if (ev.type === 'fork' || ev.type === 'exec' || ev.type === 'exit' || ev.type === 'lost') {
        // Every event from the ring has its line, and it is JSON.stringify's.
        expect(Buffer.isBuffer(native), `${ev.type} ${'pid' in ev ? ev.pid : ''} has a native line`).toBe(true);
      }
      expect(Buffer.from(native).toString('utf8'), `${ev.type} event`).toBe(jsonLine(ev));
      if ('pid' in ev && ours.has(ev.pid) && ev.type in checked) checked[ev.type as keyof typeof checked]++;
    }
    // And the whole stream at once, as the writer takes a batch: runs of native lines joined,
    // the others (the proc connector's id changes) stringified between them.
    expect(Buffer.from(ndjsonBytes(capture.events)).toString('utf8')).toBe(capture.events.map(jsonLine).join(''));
    // The ring's batches came on as they were packed while nothing of the proc connector's was
    // held between their events, and the writer writes each one's lines as one span: theirs.
    const packed = capture.batches.filter((batch): batch is PackedBatch => batch instanceof PackedBatch);
    expect(packed.length).toBeGreaterThan(0);
    for (const batch of packed) expect(batch.lines()!.toString('utf8')).toBe(batch.events().map(jsonLine).join(''));
    // Each child forked and exited; all but the killed ones exec'd.
    expect(checked.fork).toBe(300);
    expect(checked.exit).toBe(300);
    expect(checked.exec).toBe(300 - lines.filter((l) => l.startsWith('k')).length);
    const events = capture.events.filter((ev) => 'pid' in ev && ours.has(ev.pid));
    expect(events.some((ev) => ev.type === 'exec' && ev.truncated)).toBe(true);
    expect(events.some((ev) => ev.type === 'exec' && ev.ret < 0)).toBe(true);
    expect(events.some((ev) => ev.type === 'exec' && ev.filename !== undefined)).toBe(true);
    expect(events.some((ev) => ev.type === 'exit' && ev.signal === 15)).toBe(true);
    expect(events.some((ev) => ev.type === 'exec' && ev.env && Object.keys(ev.env).length > 1)).toBe(true);
  }, 120_000);

  it('an exit carries its duration since its fork, made by the reader', async () => {
    capture = await Capture.startWith(new EbpfSource({ jsonLines: true, netlink: { snapshot: false } }));
    const pids = execFileSync('sh', ['-c', 'for i in 1 2 3 4 5; do sleep 0.0$i & echo $!; done; wait'], { encoding: 'utf8', timeout: 10_000 })
      .trim().split('\n').map(Number);
    const exits: ExitEvent[] = [];
    for (const pid of pids) {
      exits.push((await capture.waitFor((ev) => ev.type === 'exit' && ev.pid === pid, 10_000)) as ExitEvent);
    }
    for (const exit of exits) {
      const fork = capture.events.find((ev): ev is ForkEvent => ev.type === 'fork' && ev.pid === exit.pid)!;
      expect(exit.duration_ms).toBe((exit.ts - fork.ts) / 1e6);
      // sleep 0.0N ran at least that long.
      expect(exit.duration_ms).toBeGreaterThanOrEqual(10);
    }
  });
});

// Not every event type comes from the ring; the others keep JSON.stringify's lines.
it('ndjsonBytes without native lines is jsonLines', () => {
  const events: ForktopEvent[] = [
    { type: 'comm', time: 't', ts: 1, pid: 2, comm: 'a\u2028b"' },
    { type: 'sid', time: 't', ts: 2, pid: 3 },
  ];
  expect(ndjsonBytes(events)).toBe(events.map(jsonLine).join(''));
});

it('ndjsonBytes writes native lines in the events\' order, whichever batch each came from, between stringified ones', () => {
  // Two batches' lines as the reader would pack them (the text stands for the event: which
  // bytes go out is what is checked); events taken from both, skipping some, with events
  // of no native line among them.
  const batch = (texts: string[]) => {
    const bytes = Buffer.from(texts.join(''));
    let end = 0;
    return { bytes, ends: Uint32Array.from(texts.map((t) => (end += Buffer.byteLength(t)))) };
  };
  const a = batch(['A0\n', 'A1é\n', 'A2\n', 'A3\n']);
  const b = batch(['B0\n', 'B1\n']);
  const native = (lines: ReturnType<typeof batch>, i: number): ForktopEvent => {
    const ev: ForktopEvent = { type: 'sid', time: 't', ts: i, pid: i };
    attachNativeLine(ev, lines, i);
    return ev;
  };
  const plain: ForktopEvent = { type: 'comm', time: 't', ts: 9, pid: 9, comm: 'x\u009b' };
  const order = [native(a, 0), native(a, 1), native(b, 0), native(a, 2), plain, native(a, 3), native(b, 1), plain];
  const out = ndjsonBytes(order);
  expect(Buffer.isBuffer(out)).toBe(true);
  expect(out.toString()).toBe(['A0\n', 'A1é\n', 'B0\n', 'A2\n', jsonLine(plain), 'A3\n', 'B1\n', jsonLine(plain)].join(''));
  // Skipped and reordered lines come out as asked, not as the buffer holds them.
  expect(ndjsonBytes([native(a, 3), native(a, 1)]).toString()).toBe('A3\nA1é\n');
  // A run from one batch is one slice of its bytes, not a copy.
  const run = ndjsonBytes([native(a, 1), native(a, 2)]) as Buffer;
  expect(run.buffer).toBe(a.bytes.buffer);
  expect(run.toString()).toBe('A1é\nA2\n');
});
