// Filters: / (argv/comm text or /regex/), u (user), and the ones the command line gives;
// the filter line edits as a shell's does.
import { afterEach, describe, expect, it } from 'vitest';
import { later, stormFeed } from './feeds.js';
import { press, showReady, unmountAll, type Shown } from './render.js';
import { frameWhere, until } from './wait.js';

afterEach(unmountAll);

/** Types `text` into the field being edited, a key at a time, each seen in the field. */
async function type(view: Shown, field: 'filter /' | 'user ', typed: string, text: string): Promise<void> {
  for (const c of text) {
    typed += c;
    await press(view, c, `${field}${typed}_`);
  }
}

describe('filters', () => {
  it('/ filters as you type, Enter inspects with the lineage, Esc goes back', async () => {
    const view = await showReady(stormFeed());
    await press(view, '/', 'filter /_');
    await type(view, 'filter /', '', 'job-17');
    const filtered = await press(view, '\r', /filter \/job-17(?!_)/);
    expect(filtered).toContain('job-17');
    expect(filtered).not.toContain('job-16');
    const card = await press(view, '\r', 'pid 117  /bin/true job-17');
    expect(card).toMatch(/lineage init\(1\) › bash\(10\) › true\(117\)/);
    expect(card).toMatch(/fork +from bash\(10\)\n/); // the spawner by name
    await press(view, '\u001b', 'TIME');
  });

  it('in the filter line, Ctrl-W deletes the last word and Ctrl-U the whole line, as in a shell', async () => {
    const view = await showReady(stormFeed());
    await press(view, '/', 'filter /_');
    await type(view, 'filter /', '', 'sleep job-17');
    const word = await press(view, '\u0017', 'filter /sleep _'); // Ctrl-W
    expect(word).not.toContain('job-17');
    await press(view, '\u0015', 'filter /_'); // Ctrl-U
    await type(view, 'filter /', '', 'job-17');
    const kept = await press(view, '\r', /filter \/job-17(?!_)/);
    expect(kept).not.toContain('job-16');
    // The same keys in one read (tmux send-keys, a paste, a fast link): none lands in the text.
    const pasted = await press(view, '/\u0015job-1x\u007f6\r', /filter \/job-16(?!_)/);
    expect(pasted).not.toContain('job-17');
  });

  it('u filters by user name', async () => {
    const feed = stormFeed();
    const s = later(feed);
    s.fork(400, 1).exec(400, ['/usr/sbin/cron'], { uid: 0 });
    feed.push(s.events);
    const view = await showReady(feed, {}, '/usr/sbin/cron');
    await press(view, 'u', 'user _');
    const frame = await press(view, 'alice\r', /user alice(?!_)/);
    expect(frame).toContain('job-29');
    expect(frame).not.toContain('/usr/sbin/cron');
  });

  it('starts with the filters given on the command line (--filter, --user, --pid)', async () => {
    const feed = stormFeed();
    const s = later(feed);
    s.fork(400, 1).exec(400, ['/usr/sbin/cron'], { uid: 0 }).fork(401, 400).exec(401, ['/bin/backup-job-7'], { uid: 0 });
    feed.push(s.events);
    const byText = await showReady(feed, { initial: { text: 'job-7' } }, 'backup-job-7');
    expect(byText.lastFrame()).toContain('filter /job-7');
    expect(byText.lastFrame()).toContain('/bin/true job-7');
    byText.unmount();
    const byUserAndPid = await showReady(feed, { initial: { user: 'root', pid: 400 } });
    const frame = await frameWhere(byUserAndPid, 'subtree of 400');
    expect(frame).toContain('/bin/backup-job-7');
    expect(frame).toContain('/usr/sbin/cron');
    expect(frame).not.toContain('job-29');
  });

  it('a bad /regex/ says so in the filter line and keeps the list', async () => {
    const view = await showReady(stormFeed());
    await press(view, '/', 'filter /_');
    const frame = await press(view, '/(/', 'bad regular expression');
    expect(frame).toContain('/bin/true job-29');
  });

  it('a filter that matches nothing says so, and Esc brings the list back', async () => {
    const view = await showReady(stormFeed());
    await press(view, '/nothing-like-this\r', 'no execs yet (or none match)');
    await press(view, '\u001b', '/usr/bin/sleep 100');
  });

  it('the source is asked for frequent batches only while a filtered exec list streams', async () => {
    const said: boolean[] = [];
    const waiting = (expected: boolean) => until(() => said[said.length - 1] === expected, `waiting for rows: ${expected}`);
    const view = await showReady(stormFeed(), { onWaitingForRows: (w) => said.push(w) });
    await waiting(false);
    await press(view, '/job-17\r', /filter \/job-17(?!_)/);
    await waiting(true);
    await press(view, ' ', 'PAUSED'); // paused: the list waits for nothing
    await waiting(false);
    await press(view, ' ', 'LIVE');
    await waiting(true);
    await press(view, '\t', 'PID'); // the tree draws at the frame rate
    await waiting(false);
    await press(view, '\t\t\t', 'TIME'); // back to the execs, the filter still on
    await waiting(true);
    await press(view, '/\u0015\r', /filter \/(?!_)|\/usr\/bin\/sleep 100/); // the filter cleared
    await waiting(false);
    expect(said.filter((w, i) => i > 0 && w === said[i - 1])).toEqual([]); // told on a change only
  });
});
