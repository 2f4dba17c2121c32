// node-gyp-build ships no types: it loads the addon of the package in `dir`.
declare module 'node-gyp-build' {
  export default function load(dir: string): unknown;
}
