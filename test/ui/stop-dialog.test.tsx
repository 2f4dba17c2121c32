// The confirmation before SIGKILL: what a person agrees to must be what will happen.
import { render } from 'ink-testing-library';
import { afterEach, expect, it } from 'vitest';
import { StopDialog } from '../../src/ui/components/StopDialog.js';
import { themeFor } from '../../src/ui/theme.js';
import type { StopPlan } from '../../src/stop/stopper.js';

const theme = themeFor({ NO_COLOR: '1' });
const users = new Map([[0, 'root'], [1000, 'alice']]);
let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

const plan: StopPlan = {
  root: { pid: 4711, argv: ['bash', '-c', 'b(){ b|b & }; b'], comm: 'bash', exited: false },
  rootIds: [1], live: 780, generations: 9, uids: [0, 1000], skipped: [],
};

it('quotes the command line as every other view does (the argv a shell would need quoted)', () => {
  const view = render(<StopDialog dialog={plan} reason="the fork bomb the red bar names" theme={theme} users={users} selfUid={0} />);
  unmount = view.unmount;
  expect(view.lastFrame()).toContain("root   pid 4711  bash -c 'b(){ b|b & }; b'");
  expect(view.lastFrame()).toContain('which  the fork bomb the red bar names');
  expect(view.lastFrame()).not.toContain('not running as root');
});

it('not root: says the kernel will refuse the signals to the other users\' processes', () => {
  const view = render(<StopDialog dialog={plan} reason={null} theme={theme} users={users} selfUid={1000} />);
  unmount = view.unmount;
  expect(view.lastFrame()).toMatch(/forktop is not running as root: the kernel will refuse the signals to processes of\s+root/);
});
