// The modules scripts/dist.js resolves to yoga-layout's own files for src/sea/yoga.ts.
declare module 'forktop:yoga-binary' {
  export default function loadYoga(glue: Record<string, unknown>): Promise<unknown>;
  export const wasmDataUrl: string;
}
declare module 'forktop:yoga-wrap' {
  export default function wrapAssembly(lib: unknown): unknown;
}
declare module 'forktop:yoga-enums' {}
/** package.json's name, version and description, put here by scripts/dist.js. */
declare const FORKTOP_PACKAGE: Record<string, unknown> & { version?: string; description?: string };
