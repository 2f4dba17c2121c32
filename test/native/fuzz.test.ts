// The native decoders (proc connector datagram, eBPF exec record, /proc origin text, BTF) under their fuzzers:
// builds them with clang 14 (native/fuzz/build.sh), runs the C++ unit tests of crafted bad
// input, replays every kept crash input, then fuzzes each decoder briefly. Any sanitizer
// report or crash fails. `npm run fuzz` is the longer run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const fuzzDir = path.join(root, 'native', 'fuzz');
const targets = ['netlink', 'exec_record', 'proc_text', 'btf'] as const;
const seconds = Number(process.env.FUZZ_TEST_SECONDS ?? 10);

const hasClang = spawnSync('clang++-14', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasClang) {
  console.warn(
    'skipped "native decoders under their fuzzers": clang++-14 not found ' +
      '(apt-get install clang-14 libclang-rt-14-dev; CI installs it)',
  );
}

/** Runs a built binary; its output goes to a log file (libFuzzer is chatty). */
function run(out: string, name: string, file: string, args: string[]): { status: number | null; log: string } {
  const logPath = path.join(out, `${name}.log`);
  const fd = fs.openSync(logPath, 'w');
  try {
    const r = spawnSync(file, args, { stdio: ['ignore', fd, fd], timeout: (seconds + 60) * 1000 });
    return { status: r.status, log: fs.readFileSync(logPath, 'utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

function tail(log: string, lines = 40): string {
  return log.split('\n').slice(-lines).join('\n');
}

describe.skipIf(!hasClang)('native decoders under their fuzzers', () => {
  let out = '';

  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-fuzz-'));
    const built = spawnSync('bash', [path.join(fuzzDir, 'build.sh')], {
      env: { ...process.env, FUZZ_OUT: out },
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(`native/fuzz/build.sh failed:\n${built.stderr}`);
  }, 240_000);

  // Kept when a fuzzer left an input behind (crash-, timeout-, oom-, leak-), for the report.
  afterAll(() => {
    if (!out) return;
    const found = fs.readdirSync(out).filter((f) => /-(crash|timeout|oom|leak|slow-unit)-/.test(f));
    if (found.length === 0) fs.rmSync(out, { recursive: true, force: true });
  });

  test('unit tests: crafted bad lengths are refused, never read past', () => {
    const r = run(out, 'unit_tests', path.join(out, 'unit_tests'), []);
    expect(r.log, tail(r.log)).toMatch(/ 0 failed/);
    expect(r.status).toBe(0);
  });

  for (const target of targets) {
    test(
      `${target}: kept crash inputs replay clean, then seeded fuzzing (at most ${seconds} s) finds nothing`,
      () => {
        const fuzzer = path.join(out, `fuzz_${target}`);
        const keptDir = path.join(fuzzDir, 'regression', target);
        const kept = fs.existsSync(keptDir)
          ? fs.readdirSync(keptDir).map((f) => path.join(keptDir, f))
          : [];
        if (kept.length > 0) {
          const replay = run(out, `${target}-replay`, fuzzer, kept);
          expect(replay.status, tail(replay.log)).toBe(0);
        }

        const corpus = path.join(out, 'corpus', target);
        fs.cpSync(path.join(out, 'seeds.d', target), corpus, { recursive: true });
        const r = run(out, target, fuzzer, [
          corpus,
          // A fixed seed and count in the test suite: the same inputs every run, so a red CI
          // means the change did it, not the luck of the draw. `npm run fuzz` explores anew.
          `-seed=${process.env.FUZZ_SEED ?? 1}`,
          `-runs=${process.env.FUZZ_RUNS ?? 300_000}`,
          `-max_total_time=${seconds}`,
          '-timeout=10',
          '-rss_limit_mb=2048',
          '-max_len=65536',
          `-artifact_prefix=${path.join(out, `${target}-`)}`,
        ]);
        // On failure the input is kept in `out`: fix the decoder, keep the input in
        // native/fuzz/regression/<target>/.
        expect(r.status, `fuzz_${target} failed (input in ${out}):\n${tail(r.log)}`).toBe(0);
        expect(r.log).toMatch(/Done \d+ runs/);
      },
      (seconds + 90) * 1000,
    );
  }
});
