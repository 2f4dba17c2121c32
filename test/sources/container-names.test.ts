// Container names from the files the runtimes keep, laid out in a directory as docker, podman
// and kubelet lay them out under /.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerNames } from '../../src/sources/container-names.js';

const DOCKER = 'a'.repeat(64);
const PODMAN = 'b'.repeat(64);
const POD = '3b1e4f6a-5c2d-4e8f-9a1b-2c3d4e5f6a7b';
const root = () => fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-names-'));
let dir: string;
const asRoot = process.getuid?.() === 0;

function write(rel: string, text: string): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  dir = root();
  write(`var/lib/docker/containers/${DOCKER}/config.v2.json`, JSON.stringify({ ID: DOCKER, Name: '/web', Config: { Env: ['SECRET=x'] } }));
  write('var/lib/containers/storage/overlay-containers/containers.json', JSON.stringify([{ id: 'c'.repeat(64), names: ['other'] }, { id: PODMAN, names: ['db'] }]));
  fs.mkdirSync(path.join(dir, `var/log/pods/shop_checkout-7d9f_${POD}`), { recursive: true });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!asRoot)('container names (root-owned files: run as root)', () => {
  it("reads docker's, podman's and a kubernetes pod's names", () => {
    const names = new ContainerNames(dir);
    expect(names.name({ runtime: 'docker', id: DOCKER }, null)).toBe('web');
    expect(names.name({ runtime: 'podman', id: PODMAN }, null)).toBe('db');
    expect(names.name({ runtime: 'kubernetes', id: 'd'.repeat(64) }, POD)).toBe('shop/checkout-7d9f');
    expect(names.name({ runtime: 'docker', id: 'e'.repeat(64) }, null)).toBeNull();
    expect(names.name({ runtime: 'cri-o', id: 'f'.repeat(64) }, null)).toBeNull();
  });

  it('refuses a symlink, a file another user owns, a bad id and a file that is not JSON', () => {
    const other = 'e'.repeat(64);
    const target = write('elsewhere.json', JSON.stringify({ Name: '/stolen' }));
    fs.mkdirSync(path.join(dir, `var/lib/docker/containers/${other}`), { recursive: true });
    fs.symlinkSync(target, path.join(dir, `var/lib/docker/containers/${other}/config.v2.json`));
    const owned = '9'.repeat(64);
    const file = write(`var/lib/docker/containers/${owned}/config.v2.json`, JSON.stringify({ Name: '/mine' }));
    fs.chownSync(file, 65534, 65534);
    const broken = '8'.repeat(64);
    write(`var/lib/docker/containers/${broken}/config.v2.json`, '{"Name": ');
    const names = new ContainerNames(dir);
    expect(names.name({ runtime: 'docker', id: other }, null)).toBeNull();
    expect(names.name({ runtime: 'docker', id: owned }, null)).toBeNull();
    expect(names.name({ runtime: 'docker', id: broken }, null)).toBeNull();
    expect(names.name({ runtime: 'docker', id: '../../../etc' }, null)).toBeNull();
  });
});
