// tls:// to a NATS server whose certificate a private CA signed, that CA named by
// NODE_EXTRA_CA_CERTS: forktop's first line moves the variable aside so Node does not read it
// at every start (cli.ts), and the NATS client reads it when it connects. Run as the installed
// command runs (by that line), against a real nats-server with TLS and certificates openssl
// makes here. No root: a viewer reads no kernel.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, installedCommand, runCommand, startCommand } from './helpers/cli.js';
import { describeWithNats, startNatsServer, type TestNatsServer } from './helpers/nats-server.js';

let dir = '';
const file = (name: string) => path.join(dir, name);

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A CA, and a certificate it signed for 127.0.0.1 (the client names it localhost). */
function makeCertificates(): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...key, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=forktop test CA');
  openssl('req', ...key, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('server.pem'), '-days', '2', '-extfile', file('san.ext'));
}

/** The environment without NODE_EXTRA_CA_CERTS, and with it naming `ca` when given. */
function environment(ca?: string): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
  return ca === undefined ? env : { ...env, NODE_EXTRA_CA_CERTS: ca };
}

const suite = 'tls:// with the CA in NODE_EXTRA_CA_CERTS (real nats-server with TLS, forktop by its #! line)';
if (!hasOpenssl()) console.warn(`skipped "${suite}": openssl is not installed (apt-get install openssl)`);
(hasOpenssl() ? describeWithNats : describe.skip)(suite, () => {
  let server: TestNatsServer;
  let url: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-tls-'));
    makeCertificates();
    server = await startNatsServer(['--tls', '--tlscert', file('server.pem'), '--tlskey', file('server.key')]);
    url = `tls://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.remove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('connects: the viewer starts its stream', { timeout: 60_000 }, async () => {
    const [command, ...args] = installedCommand();
    const viewer = await startCommand([command, ...args, '--nats', url, '--json'], 20_000, { env: environment(file('ca.pem')) });
    const header = JSON.parse(viewer.stdout().split('\n')[0]) as { type: string };
    const result = await viewer.stop();
    expect(header.type).toBe('header');
    expect(result.stderr).not.toMatch(/certificate/i);
  });

  it('node dist/cli.js too, where Node has read the file as it started and the client adds it again', { timeout: 60_000 }, async () => {
    const viewer = await startCommand([process.execPath, CLI, '--nats', url, '--json'], 20_000, { env: environment(file('ca.pem')) });
    const header = JSON.parse(viewer.stdout().split('\n')[0]) as { type: string };
    const result = await viewer.stop();
    expect(header.type).toBe('header');
    expect(result.stderr).not.toMatch(/certificate/i);
  });

  it('without the variable the server is not trusted: one line, not zero', { timeout: 60_000 }, async () => {
    const [command, ...args] = installedCommand();
    const result = await runCommand(command, [...args, '--nats', url, '--json'], { env: environment(), timeoutMs: 30_000 });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/certificate/i);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a variable naming no file: says so in one line', { timeout: 60_000 }, async () => {
    const [command, ...args] = installedCommand();
    const result = await runCommand(command, [...args, '--nats', url, '--json'], { env: environment(file('missing.pem')), timeoutMs: 30_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toMatch(/NODE_EXTRA_CA_CERTS: .*missing\.pem: ENOENT/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
