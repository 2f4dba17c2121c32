// Built into the bundle in place of ink/build/output.js (see bundle-plugin.ts).
export { FrameOutput as default } from '../ink-output.js';
