// forktop runs as root and shows text any user controls. Every frame of every view, with
// escape sequences, C1 controls and bidi overrides in every field a process or a recording
// sets, must reach the terminal with nothing a terminal would act on.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { StopControl } from '../../src/stop/control.js';
import type { StopPlan } from '../../src/stop/stopper.js';
import { App } from '../../src/ui/App.js';
import { Feed } from '../../src/ui/feed.js';
import { printable, unsafeInFrame } from '../../src/ui/text.js';
import { themeFor } from '../../src/ui/theme.js';
import { Script } from '../helpers/script.js';
import { frameWhere } from './wait.js';

const OSC_TITLE = '\x1b]0;PWN\x07';
const OSC_CLIPBOARD = '\x1b]52;c;QQ==\x07';
const C1_CSI = '\u009b31m';
const BIDI = '\u202eevil\u202c\u2066x\u2069';
const LONE = '\ud800';
const EVIL = `${OSC_TITLE}${OSC_CLIPBOARD}${C1_CSI}${BIDI}${LONE}\x7f`;

const theme = themeFor({ NO_COLOR: '1' });
const users = new Map([[0, 'root'], [1000, `mallory${EVIL}`]]);

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

/** A machine where every process-controlled field carries escapes: a storm spawner, a bomb,
 *  a failed exec, a comm change, a loss from an unknown source. */
function hostileFeed(): Feed {
  const s = new Script().snapshot(1, 0, ['/sbin/init']);
  s.snapshot(10, 1, [`/bin/sh${EVIL}`, `-c${EVIL}`], { uid: 1000, comm: `sh${EVIL}`.slice(0, 15), exe: `/tmp/${EVIL}`, cwd: `/home/${EVIL}`, cgroup: `/user${EVIL}` });
  // A storm: the spawner's name and its children's programs in the alert bar and Spawners.
  for (let i = 0; i < 300; i++) {
    s.after(2).fork(2000 + i, 10).exec(2000 + i, [`/bin/${EVIL}`, `arg${EVIL}`], { uid: 1000, comm: EVIL.slice(0, 15), exe: `/bin/${EVIL}`, cwd: `/${EVIL}` }).after(1).exit(2000 + i, 1);
  }
  s.fork(3000, 10).exec(3000, [`x${EVIL}`], { uid: 1000, ret: -2, exe: `/nowhere/${EVIL}` });
  s.fork(3001, 10).exec(3001, [`/bin/sleep`, EVIL], { uid: 1000 }).push({ type: 'comm', pid: 3001, comm: EVIL.slice(0, 15) } as never);
  s.push({ type: 'lost', count: 3, source: `mystery${EVIL}` } as never);
  const feed = new Feed(`host${EVIL}`, `replay /tmp/${EVIL}`, undefined, `note${EVIL}`);
  feed.push(s.events);
  feed.report(`recording to /tmp/${EVIL} stopped: ENOSPC`);
  return feed;
}

function hostilePlan(): StopPlan {
  return {
    root: { pid: 10, argv: [`/bin/sh${EVIL}`], comm: EVIL, exited: false },
    rootIds: [],
    live: 300,
    generations: 1,
    uids: [1000],
    skipped: [{ pid: 11, argv: null, comm: EVIL, why: `a test${EVIL}` }],
  };
}

describe('text a process controls never reaches the terminal raw', () => {
  it('in every view, the card, help, the alert bar, the header, the problem line and the stop confirmation', async () => {
    let refuse = false;
    const control: StopControl = {
      plan: () => (refuse ? { refused: `will not stop pid 10: it is ${EVIL}`, process: { pid: 10, argv: [EVIL], comm: EVIL } } : hostilePlan()),
      run: () => Promise.reject(new Error(`not in this test${EVIL}`)),
    };
    const feed = hostileFeed();
    const view = render(<App feed={feed} theme={theme} users={users} stopControl={control} />);
    unmount = view.unmount;
    const { stdin } = view;
    const at = (what: RegExp | string) => frameWhere(view, what);

    await at('FORK STORM');
    stdin.write('f'); // folded exec rows
    await at('folded');
    stdin.write('f');
    stdin.write('2'); // the tree, every process expanded by moving onto it
    await at('TREE');
    stdin.write('3'); // spawners
    await at('FORK/S');
    stdin.write('a'); // the storm's root: the card (exe, cwd, cgroup, lineage, children)
    await at('lineage');
    stdin.write('\u001b');
    stdin.write('1');
    await at('TIME');
    stdin.write('/');
    for (const c of 'sleep') stdin.write(c);
    stdin.write('\r');
    await at('filter /sleep');
    stdin.write('\r'); // the process whose comm changed: the card's comm row
    await at(/comm\s/);
    stdin.write('\u001b');
    stdin.write('\u001b');
    await at('TIME');
    stdin.write('?');
    await at('help');
    stdin.write('?');
    stdin.write('K'); // the confirmation, naming the root and a skipped process
    await at('Stop this lineage?');
    stdin.write('n');
    refuse = true;
    stdin.write('K'); // a refusal, naming the process
    await at('will not stop');

    const all = view.frames.join('\n');
    for (const [i, frame] of view.frames.entries()) {
      expect(unsafeInFrame(frame), `frame ${i}:\n${frame}`).toEqual([]);
    }
    // Shown, escaped: the person sees what the process tried.
    expect(all).toContain('\\x1b]0;PWN\\x07');
    expect(all).toContain('\\x9b31m');
    expect(all).toContain('\\u{202E}evil');
  });
});

describe('printable', () => {
  it('escapes C0, DEL, C1, bidi controls, separators, lone surrogates and non-UTF-8 bytes; keeps Unicode text', () => {
    expect(printable('a\x1b[2Jb')).toBe('a\\x1b[2Jb');
    expect(printable('\x7f\u0085\u009b\u009d')).toBe('\\x7f\\x85\\x9b\\x9d');
    expect(printable('\u202a\u202e\u2066\u2069\u200e\u200f\u061c\u2028\u2029')).toBe(
      '\\u{202A}\\u{202E}\\u{2066}\\u{2069}\\u{200E}\\u{200F}\\u{61C}\\u{2028}\\u{2029}',
    );
    expect(printable('\ud800x\udfff')).toBe('\\u{D800}x\\u{DFFF}');
    expect(printable('\udcff\udc80')).toBe('\\xff\\x80'); // bytes that were not UTF-8
    expect(printable('tab\tnl\n')).toBe('tab\\tnl\\n');
    expect(printable('café 日本 🎉 ✝')).toBe('café 日本 🎉 ✝');
  });

  it("escapes what shows as nothing: `ss\u200Bhd` must not read as sshd in a stop confirmation", () => {
    expect(printable('ss\u200bhd')).toBe('ss\\u{200B}hd');
    expect(printable('\u200c\u200d\u2060\ufeff\u00ad\u115f\u3164\u034f')).toBe(
      '\\u{200C}\\u{200D}\\u{2060}\\u{FEFF}\\u{AD}\\u{115F}\\u{3164}\\u{34F}',
    );
    expect(printable('x\u{E0041}\u{E007F}y')).toBe('x\\u{E0041}\\u{E007F}y'); // tag characters
    expect(printable('🎉\u{1F600}')).toBe('🎉😀'); // other astral characters are text
  });
});
