// A container's name, read from the files its runtime keeps, never from its socket (forktop
// talks to no daemon): docker's config.v2.json, podman's containers.json, the pod directory
// kubelet keeps its logs in. Each file is read as root only if it is a regular file owned by
// root (not through a symlink), up to a size cap, and parsed defensively: names are data,
// and the screen escapes them like any other text.
import fs from 'node:fs';
import path from 'node:path';

const MAX_FILE_BYTES = 4 * 2 ** 20;
const MAX_NAME_CHARS = 253; // a DNS name, kubernetes' longest
const FULL_ID = /^[0-9a-f]{64}$/;
const POD_UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CACHE_MAX = 1_000;

/** A root-owned regular file's text, or null. */
function readRootFile(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.uid !== 0 || st.size > MAX_FILE_BYTES) return null;
    const buf = Buffer.alloc(st.size);
    const n = fs.readSync(fd, buf, 0, st.size, 0);
    return buf.toString('utf8', 0, n);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const cleanName = (name: unknown): string | null =>
  typeof name === 'string' && name.length > 0 ? name.replace(/^\//, '').slice(0, MAX_NAME_CHARS) : null;

function dockerName(root: string, id: string): string | null {
  if (!FULL_ID.test(id)) return null;
  const text = readRootFile(path.join(root, 'var/lib/docker/containers', id, 'config.v2.json'));
  if (text === null) return null;
  try {
    return cleanName((JSON.parse(text) as { Name?: unknown }).Name);
  } catch {
    return null;
  }
}

function podmanName(root: string, id: string): string | null {
  if (!FULL_ID.test(id)) return null;
  for (const store of ['var/lib/containers/storage/overlay-containers/containers.json', 'var/lib/containers/storage/vfs-containers/containers.json']) {
    const text = readRootFile(path.join(root, store));
    if (text === null) continue;
    try {
      const list = JSON.parse(text) as unknown;
      if (!Array.isArray(list)) continue;
      for (const entry of list as { id?: unknown; names?: unknown }[]) {
        if (entry?.id === id && Array.isArray(entry.names)) return cleanName(entry.names[0]);
      }
    } catch {
      // not the file we know
    }
  }
  return null;
}

/** kubelet logs each pod under /var/log/pods/NAMESPACE_NAME_UID: the pod's name by its uid. */
function podName(root: string, pod: string): string | null {
  if (!POD_UID.test(pod)) return null;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, 'var/log/pods'), { withFileTypes: true });
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.endsWith(`_${pod}`)) continue;
    const [namespace, name] = entry.name.slice(0, -pod.length - 1).split('_');
    if (namespace && name) return cleanName(`${namespace}/${name}`);
  }
  return null;
}

/** Looks up container names, each once (a name does not change while its processes run). */
export class ContainerNames {
  private readonly cache = new Map<string, string | null>();

  constructor(private readonly root = '/') {}

  name(container: { runtime: string; id: string }, pod: string | null): string | null {
    const key = `${container.runtime}:${container.id}:${pod ?? ''}`;
    const known = this.cache.get(key);
    if (known !== undefined) return known;
    let name: string | null = null;
    if (container.runtime === 'docker') name = dockerName(this.root, container.id);
    else if (container.runtime === 'podman') name = podmanName(this.root, container.id);
    else if (container.runtime === 'kubernetes' && pod) name = podName(this.root, pod);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(key, name);
    return name;
  }
}
