// The official NATS client (@nats-io/transport-node, @nats-io/jetstream), loaded on first
// use: --version, the live view and --json never pay for it. Connecting, with forktop's
// options, and the FORKTOP stream made where it is missing.
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import fs from 'node:fs';
import { EVENTS_SUBJECTS, STREAM, type NatsUrl } from './nats-wire.js';

type NodeTlsOptions = NonNullable<NodeConnectionOptions['tls']>;

export type NatsModules = {
  core: typeof import('@nats-io/transport-node');
  js: typeof import('@nats-io/jetstream');
  /** Node's TLS module, for what a tls:// server may chain to (trustedCas). */
  tls: typeof import('node:tls');
};

let loaded: Promise<NatsModules> | undefined;

/** The client's packages are CommonJS: Node's import gives their exports by name and as
 *  `default`, the bundle (esbuild) as `default` only. */
const exportsOf = <T>(module: T): T => (module as { default?: T }).default ?? module;

export function loadNats(): Promise<NatsModules> {
  loaded ??= Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream'), import('node:tls')]).then(([core, js, tls]) => ({
    core: exportsOf(core),
    js: exportsOf(js),
    tls: exportsOf(tls),
  }));
  return loaded;
}

export interface ConnectWith {
  url: NatsUrl;
  /** A .creds file's bytes (--nats-creds): a user JWT and its nkey seed. */
  creds?: Uint8Array;
  name: string;
}

/** The client's options: servers, TLS for tls://, a creds file's authenticator. */
export function connectOptions({ core, tls }: NatsModules, { url, creds, name }: ConnectWith): NodeConnectionOptions {
  return {
    servers: url.servers,
    name,
    ...(url.tls ? { tls: trustedCas(tls) } : {}),
    ...(creds ? { authenticator: core.credsAuthenticator(creds) } : {}),
    // A server that vanishes without closing the socket (a cut network) is noticed within
    // about 15 s, not the default 4 minutes.
    pingInterval: 5000,
    maxPingOut: 3,
  };
}

/** What a tls:// server's certificate may chain to: Node's default roots, and those
 *  NODE_EXTRA_CA_CERTS names, as Node would trust had it read the file as it started, which
 *  forktop's command line keeps it from doing (cli.ts). The file is read here, where needed. */
function trustedCas(tls: typeof import('node:tls')): NodeTlsOptions {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return {};
  let extra: string;
  try {
    extra = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`NODE_EXTRA_CA_CERTS: ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  // A context made without `ca` holds the default roots (the system's too under
  // --use-openssl-ca); adding to it copies them first. Passing `ca` would replace them.
  const secureContext = tls.createSecureContext();
  (secureContext.context as { addCACert(pem: string): void }).addCACert(extra);
  // The client hands its tls options to Node's tls.connect as they are; its type lists only
  // its own (files and PEM strings).
  return { secureContext } as NodeTlsOptions;
}

/** tls:// asks for TLS: a server that offers none is refused (the client would go on in
 *  the clear). */
export function checkTls(nc: NatsConnection, url: NatsUrl): string | null {
  if (!url.tls) return null;
  const info = nc.info;
  return info && (info.tls_required || info.tls_available) ? null : `${url.shown}: the server offers no TLS`;
}

/** JetStream's error code for a stream name taken (not in the client's table). */
const STREAM_NAME_IN_USE = 10058;

export interface Retention {
  maxAgeMs: number;
  maxBytes: number;
}

/** Makes the FORKTOP stream (file storage, oldest dropped first past max age or bytes) if it
 *  is not there; says whether it made it. An existing stream is left as its owner set it. */
export async function ensureStream(nats: NatsModules, jsm: JetStreamManager, retention: Retention): Promise<'made' | 'there'> {
  try {
    await jsm.streams.info(STREAM);
    return 'there';
  } catch (error) {
    if (!(error instanceof nats.js.JetStreamApiError) || error.code !== nats.js.JetStreamApiCodes.StreamNotFound) throw error;
  }
  try {
    await jsm.streams.add({
      name: STREAM,
      subjects: [EVENTS_SUBJECTS],
      storage: nats.js.StorageType.File,
      discard: nats.js.DiscardPolicy.Old,
      max_age: nats.core.nanos(retention.maxAgeMs),
      max_bytes: retention.maxBytes,
      // An agent publishes again what it did not see acknowledged; within this window the
      // server drops the copy (Nats-Msg-Id), later the viewer does (by Forktop-Seq).
      duplicate_window: nats.core.nanos(2 * 60 * 1000),
    });
    return 'made';
  } catch (error) {
    // Made meanwhile by another agent or viewer.
    if (error instanceof nats.js.JetStreamApiError && error.code === STREAM_NAME_IN_USE) return 'there';
    throw error;
  }
}

/** An error from the client as one line. */
export function natsError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].slice(0, 300);
}
