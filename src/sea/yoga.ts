// yoga-layout's place in the single executable's bundle (scripts/dist.js). yoga-layout awaits
// its WASM at its top level, which a CommonJS bundle (the one kind of main a single executable
// runs on Node 20) cannot hold. This is the same module, made synchronously: emscripten's
// instantiateWasm hook compiles and instantiates the same WASM at once, so Yoga is whole when
// Ink's modules load, and Ink (which calls Yoga only when it renders) needs no change.
import loadYoga, { wasmDataUrl } from 'forktop:yoga-binary';
import wrapAssembly from 'forktop:yoga-wrap';

export * from 'forktop:yoga-enums';

const glue: Record<string, unknown> = {
  instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) {
    const bytes = Buffer.from(wasmDataUrl.slice(wasmDataUrl.indexOf(',') + 1), 'base64');
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
    receive(instance);
    return instance.exports;
  },
};
// Its promise is not awaited: with the hook answering at once, the runtime is ready on return.
void loadYoga(glue);
if (typeof glue.Node !== 'function') throw new Error('yoga did not start synchronously');
const Yoga = wrapAssembly(glue);
export default Yoga;
