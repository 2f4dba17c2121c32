// Built into the bundle in place of ../ink-install.ts (see bundle-plugin.ts): there Ink's
// Output is FrameOutput already, and loading Ink's own modules to patch them would cost ~20 ms
// of every start.
import type { FrameText, InkOutput } from '../ink-output.js';

export const inkFrameText: ((output: InkOutput) => FrameText) | undefined = undefined;

export async function installFrameText(): Promise<boolean> {
  return true;
}
