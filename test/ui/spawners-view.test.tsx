// The Spawners view (3): lineages (one program forking itself: a bomb) and the processes
// that fork most, with what they spawn; a lineage row is one to inspect or stop.
import { afterEach, describe, expect, it } from 'vitest';
import type { StopControl } from '../../src/stop/control.js';
import { bombFeed, stormFeed } from './feeds.js';
import { expectFits, LARGE, linesOf, press, showReady, SMALL, unmountAll } from './render.js';
import { until } from './wait.js';

afterEach(unmountAll);

/** A bomb, after make (pid 50) forked three children that never exec'd. */
const bombAfterMake = () => bombFeed((s) => s.fork(50, 1).exec(50, ['/usr/bin/make']).fork(51, 50).fork(52, 50).fork(53, 50));

describe('spawners view', () => {
  it('3 shows a bomb as a lineage: root, live members, generations', async () => {
    const view = await showReady(bombFeed());
    await press(view, '3', /\n\s+999\s+\d+\s+\d+\s+8\s+\.\/bomb/);
  });

  it('3 ranks spawners', async () => {
    const view = await showReady(stormFeed());
    // And what each spawns, most first: bash's 30 jobs and its sleep.
    await press(view, '3', /\n\s+10\s+\d+\s+[\d.]+\s+\d+\s+.*\/bin\/bash  → true ×30, sleep ×1\n/);
  });

  it('K on a lineage row plans to stop that lineage as from its alert; on a spawner row, that process alone', async () => {
    const planned: [number, boolean][] = [];
    // The stop itself (signals, real processes) is test/stop.test.ts; here, what K asks for.
    const control: StopControl = {
      plan: (nodeId, descend) => {
        planned.push([nodeId, descend]);
        return { refused: 'not in this test' };
      },
      run: () => Promise.reject(new Error('not in this test')),
    };
    const feed = bombAfterMake();
    const view = await showReady(feed, { stopControl: control });
    await press(view, '3', 'LINEAGES');
    await press(view, 'jk'); // moved: K is about the selected row, not the alert
    await press(view, 'K', 'not in this test');
    await press(view, '\u001b', 'LINEAGES'); // dismiss the refusal
    // make's three children that never exec'd are one generation: a spawner, not a lineage.
    await press(view, 'j'); // the spawners below the lineages: make, as a process
    await press(view, 'K', 'not in this test');
    await until(() => planned.length === 2, 'K asked twice');
    const make = feed.model.byPid.get(50)!.id;
    expect(planned).toEqual([[feed.model.byPid.get(999)!.id, true], [make, false]]);
  });

  it('a lineage row is selectable: once the alert is seen, Enter on it inspects the bomb\'s root', async () => {
    const view = await showReady(bombAfterMake());
    await press(view, '3', 'LINEAGES');
    await press(view, 'j');
    await press(view, 'k'); // moved: Enter is about the selected row now, not the alert
    await press(view, '\r', 'pid 999  ./bomb');
  });

  it('a filter (text, user, subtree) narrows both sections, as it does the other views', async () => {
    const view = await showReady(bombAfterMake());
    await press(view, '3', 'LINEAGES');
    const frame = await press(view, '/make\r', (text) => !text.includes('LINEAGES'));
    expect(frame).toMatch(/\n\s+50\s+\d+\s+[\d.]+\s+\d+\s+.*\/usr\/bin\/make/);
    await press(view, '\u001b', 'LINEAGES'); // Esc clears it: the bomb's lineage is back
  });

  it.each([SMALL, LARGE])('at $columns×$rows: both sections, the footer with q:quit, and it fits', async (size) => {
    const view = await showReady(bombAfterMake(), size);
    const frame = await press(view, '3', 'LINEAGES');
    expect(frame).toMatch(/PID\s+FORK\/S\s+10S AVG\s+LIVE  LAST 10 S    COMMAND/);
    expect(frame).toMatch(/\n\s+50\s+.*\/usr\/bin\/make/);
    expect(linesOf(frame).at(-1)).toContain('q:quit');
    expectFits(frame, size);
  });
});
