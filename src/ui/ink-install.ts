// Puts frameText() in place of Ink's Output.get(), where Ink is installed as a package (the
// modules, the tests). The bundle builds Ink with FrameOutput already (ink-substitutes/), and
// builds this module from ink-substitutes/ink-install.ts: nothing to patch, nothing to load.
import { frameText, type FrameText, type InkOutput } from './ink-output.js';

/** Ink's own Output.get(), kept for the test that compares the two. */
export let inkFrameText: ((output: InkOutput) => FrameText) | undefined;

/** Puts frameText() in Ink's place. False (Ink left as it is) where Ink's Output cannot be
 *  found (an Ink that changed shape). */
export async function installFrameText(): Promise<boolean> {
  try {
    const url = new URL('./output.js', import.meta.resolve('ink'));
    const { default: Output } = (await import(url.href)) as { default: { prototype: { get: () => FrameText } } };
    const original = Output?.prototype?.get;
    if (typeof original !== 'function') return false;
    inkFrameText ??= (output) => original.call(output);
    Output.prototype.get = function get(this: InkOutput) {
      return frameText(this);
    };
    return true;
  } catch {
    return false;
  }
}
