// The scenes that run through a private AlertModel before --json's first batch: each round
// must reach the lines a storm reaches late (alerts raised and cleared, tombstones pushed
// out), all of them together must stay too few for V8 to optimize the AlertModel then (or the
// priming would move compiling to the start instead of sparing it a recompile), and a storm
// after them must find its optimized code ready for those lines.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { primeAlertModel } from '../../src/model/alert-model-priming.js';
import { AlertModel } from '../../src/model/alert-model.js';
import { Retention } from '../../src/model/retention.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(HERE, '../../dist');
const STORM = path.resolve(HERE, '../helpers/priming-storm.mjs');

// V8's %GetOptimizationStatus bits (src/runtime/runtime.h, V8 11).
const OPTIMIZED = 1 << 4;
const MARKED = (1 << 8) | (1 << 9) | (1 << 10);

describe('primeAlertModel', () => {
  it('optimizes none of the AlertModel while it runs, raises and clears both alerts each round, and keeps nothing', () => {
    v8.setFlagsFromString('--allow-natives-syntax');
    const status = new Function('f', 'return %GetOptimizationStatus(f)') as (f: unknown) => number;
    const { alerts, kept } = primeAlertModel();
    const methods = [
      ...['apply', 'applyPacked', 'applyOne', 'fork', 'execTarget', 'execFacts', 'exitProcess', 'settle', 'remove'].map((name) => (AlertModel.prototype as never)[name]),
      (Retention.prototype as never)['prune'],
    ];
    for (const method of methods) {
      expect(typeof method).toBe('function');
      // Ran (not lazy: bit 18), and neither optimized nor queued for it.
      expect(status(method) & (1 << 18)).toBe(0);
      expect(status(method) & (OPTIMIZED | MARKED)).toBe(0);
    }
    const count = (kind: string, state: string) => alerts.filter((a) => a.kind === kind && a.state === state).length;
    expect([count('fork-storm', 'raised'), count('fork-storm', 'cleared'), count('fork-bomb', 'raised'), count('fork-bomb', 'cleared')]).toEqual([12, 12, 12, 12]);
    expect(kept).toBe(0);
  });
});

describe('a storm after the priming', () => {
  // The goal itself: optimized AlertModel code that a storm's late lines (tombstones pushed
  // out, alerts raised and cleared, a pid reused) do not throw away. In a child process, as
  // V8's tracing prints there; on the built code, which `npm test` builds first.
  const run = (primed: boolean, collect = false, traced = 'bailout (kind'): string[] => {
    const out = execFileSync(process.execPath, [
      // (--json's inlining limit, src/heap-flags.ts)
      '--allow-natives-syntax', '--expose-gc', '--trace-deopt', '--no-concurrent-recompilation', '--max-inlined-bytecode-size=100', STORM, DIST,
      primed ? 'primed' : 'plain', collect ? 'gc' : 'no-gc',
    ], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const storm = out.slice(out.indexOf('PHASE-B'), out.indexOf('DONE'));
    expect(out).toContain('DONE');
    return storm.split('\n').filter((line) => line.includes(traced));
  };

  it('throws away none of the optimized code that a fresh process throws away there', () => {
    // Without it the check can fail: the same storm deoptimizes.
    expect(run(false).length).toBeGreaterThan(0);
    expect(run(true)).toEqual([]);
  });

  it('keeps that code through a full collection between two batches', () => {
    // Optimized code holds the hidden classes it checks for weakly: a class none of whose
    // objects is alive at a full collection (a packed batch's, its reader's) is
    // dropped, and all code built on it thrown away ("weak objects").
    const thrownAway = run(true, true, 'reason: weak objects');
    // The control: the helper's own probe, whose class is dropped.
    expect(thrownAway.filter((line) => line.includes('readProbe')).length).toBeGreaterThan(0);
    expect(thrownAway.filter((line) => !line.includes('readProbe'))).toEqual([]);
  });
});
