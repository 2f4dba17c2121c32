// A filter applied in the tree selects its first match, not pid 1 at the top of the way to it.
import { afterEach, expect, it } from 'vitest';
import { Script } from '../helpers/script.js';
import { feedOf } from './feeds.js';
import { press, showReady, unmountAll } from './render.js';

afterEach(unmountAll);

it('Enter on a filter in the tree leaves the first match selected, and Enter inspects it', async () => {
  const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
  s.fork(20, 10).exec(20, ['/usr/bin/sleep', 'needle']);
  const view = await showReady(feedOf(s));
  await press(view, '2', 'TREE');
  await press(view, '/');
  await press(view, 'needle', 'filter /needle');
  await press(view, '\r');
  const card = await press(view, '\r', 'lineage');
  expect(card).toContain('pid 20  /usr/bin/sleep needle');
});
