// The scenes that run through a private AlertModel before --json's first batch: each round
// must reach the lines a storm reaches late (alerts raised and cleared, tombstones pushed
// out), and all of them together must stay too few for V8 to optimize anything then, or the
// priming would move compiling to the start instead of sparing it a recompile.
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { primeAlertModel } from '../../src/model/alert-model-priming.js';
import { AlertModel } from '../../src/model/alert-model.js';
import { Retention } from '../../src/model/retention.js';

// V8's %GetOptimizationStatus bits (src/runtime/runtime.h, V8 11).
const OPTIMIZED = 1 << 4;
const MARKED = (1 << 8) | (1 << 9) | (1 << 10);

describe('primeAlertModel', () => {
  it('optimizes none of the AlertModel while it runs, raises and clears both alerts each round, and keeps nothing', () => {
    v8.setFlagsFromString('--allow-natives-syntax');
    const status = new Function('f', 'return %GetOptimizationStatus(f)') as (f: unknown) => number;
    const { alerts, kept } = primeAlertModel();
    const methods = [
      ...['apply', 'applyPacked', 'applyOne', 'fork', 'execed', 'execFacts', 'exitProcess', 'settle', 'remove'].map((name) => (AlertModel.prototype as never)[name]),
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
