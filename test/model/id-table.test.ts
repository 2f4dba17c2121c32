import { describe, expect, it } from 'vitest';
import { IdTable } from '../../src/model/id-table.js';

describe('IdTable', () => {
  it('agrees with a Map through a churn of runs, reuse and scattered keys', () => {
    const table = new IdTable<string>();
    const map = new Map<number, string>();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 20_000; step++) {
      // Mostly a run counting up (a storm's pids), some far apart (pid 1, pid_max).
      const key = random(10) === 0 ? random(4_194_304) : (step % 3000) + random(5);
      if (random(3) === 0) {
        expect(table.delete(key)).toBe(map.delete(key));
      } else {
        table.set(key, `v${step}`);
        map.set(key, `v${step}`);
      }
      expect(table.get(key)).toBe(map.get(key));
      expect(table.has(key)).toBe(map.has(key));
    }
    expect(table.size).toBe(map.size);
    const keys = [...map.keys()].sort((a, b) => a - b);
    expect([...table.keys()]).toEqual(keys);
    expect([...table.values()]).toEqual(keys.map((key) => map.get(key)));
    for (const key of [...map.keys()]) table.delete(key);
    expect(table.size).toBe(0);
    expect([...table.keys()]).toEqual([]);
    expect(table.get(0)).toBeUndefined();
  });

  it('serial ids past 2^32 do not collide with small ones', () => {
    const table = new IdTable<string>();
    table.set(5, 'small').set(2 ** 32 + 5, 'large').set(2 ** 40 + 300, 'larger');
    expect([table.get(5), table.get(2 ** 32 + 5), table.get(2 ** 40 + 300)]).toEqual(['small', 'large', 'larger']);
    expect([...table.keys()]).toEqual([5, 2 ** 32 + 5, 2 ** 40 + 300]);
    table.delete(2 ** 32 + 5);
    expect(table.get(5)).toBe('small');
    expect(table.size).toBe(2);
  });

  it('keys 0 and the largest pid, and a page emptied then filled again', () => {
    const table = new IdTable<number>();
    table.set(0, 10).set(4_194_303, 20).set(255, 30).set(256, 40);
    expect([table.get(0), table.get(4_194_303), table.get(255), table.get(256)]).toEqual([10, 20, 30, 40]);
    table.delete(0);
    table.delete(255);
    expect(table.get(255)).toBeUndefined();
    table.set(1, 50);
    expect(table.get(1)).toBe(50);
    expect(table.size).toBe(3);
    expect([...table.keys()]).toEqual([1, 256, 4_194_303]);
  });
});
