// Where each process comes from: an ssh login, a console login, a cron job, a systemd unit,
// a container, the kernel, or the system itself. A process inherits its spawner's origin at
// fork; an exec (or a /proc scan) starts a new one when its facts say something new began:
// a new audit session (a login: sshd's and cron's PAM set one), a container's cgroup, a
// service's cgroup. Pure: derived from the events' fields alone.
import { AUDIT_UNSET } from '../events/schema.js';
import { RateCounter } from './rate-counter.js';

export type OriginKind = 'ssh' | 'login' | 'cron' | 'unit' | 'container' | 'kernel' | 'system';
export const ORIGIN_KINDS: readonly OriginKind[] = ['ssh', 'login', 'cron', 'unit', 'container', 'kernel', 'system'];

/** Who started a process, as its exec (or a scan of /proc) said. */
export class LoginFacts {
  constructor(
    /** Audit login uid; null: none (unset) or not read. */
    readonly auid: number | null,
    /** Audit session id; null: none or not read. */
    readonly session: number | null,
    readonly tty: string | null,
    readonly sid: number | null,
    readonly pgid: number | null,
    /** The allowlisted environment variables it has. */
    readonly env: Readonly<Record<string, string>> | null,
    /** Read from /proc after the exec, not at it. */
    readonly late: boolean,
  ) {}
}

/** What a cgroup path says: a container, a systemd unit, a login session's scope. */
export interface CgroupPlace {
  container: { runtime: string; id: string } | null;
  /** Kubernetes pod uid, with dashes. */
  pod: string | null;
  /** The innermost service or scope (not a session's, not a container's). */
  unit: string | null;
  /** session-N.scope: logind's session N (the audit session id). */
  session: number | null;
}

const NO_PLACE: CgroupPlace = Object.freeze({ container: null, pod: null, unit: null, session: null });
const HEX_ID = /^[0-9a-f]{12,64}$/;
/** systemd scopes the container runtimes make, by runtime: `docker-<id>.scope`. */
const SCOPE_RUNTIMES: [RegExp, string][] = [
  [/^docker-([0-9a-f]{12,64})\.scope$/, 'docker'],
  [/^cri-containerd-([0-9a-f]{12,64})\.scope$/, 'containerd'],
  [/^crio-([0-9a-f]{12,64})\.scope$/, 'cri-o'],
  [/^libpod-([0-9a-f]{12,64})\.scope$/, 'podman'],
];
/** cgroupfs layouts: `/docker/<id>`, `/lxc/<name>`, `lxc.payload.<name>`. */
const DIR_RUNTIMES = new Set(['docker', 'libpod_parent', 'machine.slice']);
const POD = /^(?:kubepods-[a-z]+-)?pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$/;
/** logind's scope of audit session N (`session-cN.scope` is one logind numbered itself). */
const SESSION_SCOPE = /^session-(\d{1,10})\.scope$/;
/** Scopes that are not a unit anyone started: pid 1's own, the runtimes' monitors. */
const NOT_UNITS = /^(init\.scope|crio-conmon-.*|libpod-conmon-.*)$/;
const UNIT = /^[^/]+\.(service|scope)$/;

/** Reads a cgroup path (v2, or v1's systemd hierarchy). Unknown layouts give nothing. */
export function parseCgroup(path: string | null): CgroupPlace {
  if (!path || path === '/') return NO_PLACE;
  const parts = path.split('/').filter(Boolean);
  let container: CgroupPlace['container'] = null;
  let pod: string | null = null;
  let unit: string | null = null;
  let session: number | null = null;
  let kube = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.startsWith('kubepods')) kube = true;
    const podMatch = POD.exec(part);
    if (podMatch) {
      pod = podMatch[1].replace(/_/g, '-');
      continue;
    }
    let found = false;
    for (const [re, runtime] of SCOPE_RUNTIMES) {
      const m = re.exec(part);
      if (m) {
        container = { runtime: kube ? 'kubernetes' : runtime, id: m[1] };
        found = true;
        break;
      }
    }
    if (found) continue;
    if (HEX_ID.test(part) && (pod !== null || (i > 0 && DIR_RUNTIMES.has(parts[i - 1])))) {
      container = { runtime: pod !== null ? 'kubernetes' : parts[i - 1] === 'docker' ? 'docker' : 'podman', id: part };
      continue;
    }
    if (part.startsWith('lxc.payload.') || (i > 0 && parts[i - 1] === 'lxc')) {
      container = { runtime: 'lxc', id: part.replace(/^lxc\.payload\./, '') };
      continue;
    }
    const s = SESSION_SCOPE.exec(part);
    if (s) {
      session = Number(s[1]);
      continue;
    }
    // Inside a container, its own units are its business: the container is the origin.
    if (container === null && UNIT.test(part) && !NOT_UNITS.test(part)) unit = part;
  }
  if (container === null && pod === null && unit === null && session === null) return NO_PLACE;
  return { container, pod, unit, session };
}

/** One origin: what started a group of processes, and how busy it is. */
export class Origin {
  /** Serial in its table, for a list to keep it selected while the ranking reorders. */
  id = 0;
  /** Processes of this origin alive now. */
  live = 0;
  execTotal = 0;
  /** Execs per second, 60 s (the sparkline, the 10 s rate)... */
  readonly execs = new RateCounter(1e9, 60);
  /** ...and the last second in tenths (the rate now). */
  readonly recentExecs = new RateCounter(1e8, 10);
  lastTs: number;
  /** Users its execs ran as (at most MAX_USERS, in order of first exec). */
  readonly uids: number[] = [];
  /** Programs it ran (basename), with counts: at most MAX_PROGRAMS kept. */
  readonly programs = new Map<string, number>();

  constructor(
    /** Unique among origins: `session:12`, `cron:0`, `unit:nginx.service`, `container:docker:3f2a…`. */
    readonly key: string,
    readonly kind: OriginKind,
    readonly firstTs: number,
    /** The login user (ssh, login, cron). */
    readonly auid: number | null = null,
    readonly session: number | null = null,
    readonly unit: string | null = null,
    readonly container: CgroupPlace['container'] = null,
    readonly pod: string | null = null,
  ) {
    this.lastTs = firstTs;
  }

  /** A login's terminal and ssh client: its first exec may lack them (sshd's motd scripts
   *  run in the session before the shell has its pts); a later one fills them in. */
  tty: string | null = null;
  client: string | null = null;

  learn(login: LoginFacts): void {
    if (this.tty === null && login.tty) this.tty = login.tty;
    if (this.client === null && login.env?.SSH_CONNECTION) this.client = login.env.SSH_CONNECTION.split(' ')[0] || null;
  }
}

const MAX_USERS = 8;
const MAX_PROGRAMS = 32;
/** Short container ids, as `docker ps` shows them. */
export const shortId = (id: string) => id.slice(0, 12);

/** Programs that start a cron job's session (their PAM stack sets a fresh login uid). */
const CRON_COMMS = new Set(['cron', 'crond', 'anacron', 'atd', 'fcron']);
const CRON_UNITS = /^(cron|crond|cronie|anacron|atd)\.service$/;
const SSHD_COMM = /^sshd/;

/** What an exec or a scan brings: its facts after, and the comm it had before. */
export interface OriginInput {
  login: LoginFacts | null;
  cgroup: string | null;
  /** The process's comm before this exec (cron's child is still `cron` when it execs the job). */
  commBefore: string | null;
}

const validId = (id: number | null | undefined): id is number => id !== null && id !== undefined && id !== AUDIT_UNSET;

/**
 * The origins the model knows, by key, each made once. Bounded: past `limit`, the origin
 * with no live process that was busy longest ago goes (an ansible run makes a login a
 * minute; a day of them must not grow the model).
 */
export class OriginTable {
  readonly byKey = new Map<string, Origin>();
  readonly system: Origin;
  readonly kernel: Origin;
  private readonly places = new Map<string, CgroupPlace>();
  private nextId = 3;

  constructor(private readonly limit = 1_000) {
    this.system = new Origin('system', 'system', 0);
    this.system.id = 1;
    this.kernel = new Origin('kernel', 'kernel', 0);
    this.kernel.id = 2;
    this.byKey.set('system', this.system);
    this.byKey.set('kernel', this.kernel);
  }

  /**
   * The origin of a process after an exec (or a scan), given the one it inherited and the
   * session it had (its spawner's, unless it exec'd since). Where nothing new began, the
   * inherited origin.
   */
  derive(inherited: Origin, sessionBefore: number | null, input: OriginInput, ts: number): Origin {
    const place = this.place(input.cgroup);
    if (place.container) {
      const c = place.container;
      if (inherited.container?.id === c.id) return inherited;
      return this.get(`container:${c.runtime}:${c.id}`, ts, (key) =>
        new Origin(key, 'container', ts, null, null, null, c, place.pod));
    }
    const login = input.login;
    const session = validId(login?.session) ? login!.session : place.session;
    if (session !== null) {
      // A cron origin spans many sessions (one per job): only a known change is a new one.
      const fresh = sessionBefore !== null ? session !== sessionBefore : inherited.kind !== 'cron' && session !== inherited.session;
      if (fresh) return this.loginOrigin(inherited, session, login, input, ts);
    }
    if (inherited.kind === 'ssh' || inherited.kind === 'login') {
      if (login && inherited.session === session) inherited.learn(login);
      return inherited;
    }
    if (inherited.kind === 'cron') return inherited;
    if (place.unit && place.unit !== inherited.unit) {
      const unit = place.unit;
      return this.get(`unit:${unit}`, ts, (key) => new Origin(key, 'unit', ts, null, null, unit));
    }
    return inherited;
  }

  /** A new login session: ssh (its environment or sshd says so), cron, or another login. */
  private loginOrigin(inherited: Origin, session: number, login: LoginFacts | null, input: OriginInput, ts: number): Origin {
    const auid = validId(login?.auid) ? login!.auid : null;
    const known = this.byKey.get(`session:${session}`);
    if (known) {
      if (login) known.learn(login);
      return known;
    }
    if (login?.env?.SSH_CONNECTION !== undefined || SSHD_COMM.test(input.commBefore ?? '')) {
      const origin = this.get(`session:${session}`, ts, (key) => new Origin(key, 'ssh', ts, auid, session));
      if (login) origin.learn(login);
      return origin;
    }
    if (CRON_COMMS.has(input.commBefore ?? '') || (inherited.unit !== null && CRON_UNITS.test(inherited.unit))) {
      // Each job is a session of its own: grouped by the user they run as.
      return this.get(`cron:${auid ?? 'unknown'}`, ts, (key) => new Origin(key, 'cron', ts, auid, null, inherited.unit));
    }
    const origin = this.get(`session:${session}`, ts, (key) => new Origin(key, 'login', ts, auid, session));
    if (login) origin.learn(login);
    return origin;
  }

  private place(cgroup: string | null): CgroupPlace {
    if (!cgroup) return NO_PLACE;
    let place = this.places.get(cgroup);
    if (!place) {
      if (this.places.size >= 4_096) this.places.clear();
      place = parseCgroup(cgroup);
      this.places.set(cgroup, place);
    }
    return place;
  }

  private get(key: string, ts: number, make: (key: string) => Origin): Origin {
    let origin = this.byKey.get(key);
    if (origin) return origin;
    if (this.byKey.size >= this.limit) this.evictOne();
    origin = make(key);
    origin.id = this.nextId++;
    this.byKey.set(key, origin);
    return origin;
  }

  private evictOne(): void {
    let oldest: Origin | null = null;
    for (const o of this.byKey.values()) {
      if (o.live > 0 || o === this.system || o === this.kernel) continue;
      if (!oldest || o.lastTs < oldest.lastTs) oldest = o;
    }
    if (oldest) this.byKey.delete(oldest.key);
  }

  /** An exec of `program` as `uid` in `origin`. */
  countExec(origin: Origin, ts: number, uid: number | null, program: string): void {
    origin.execTotal++;
    origin.execs.add(ts);
    origin.recentExecs.add(ts);
    if (ts > origin.lastTs) origin.lastTs = ts;
    if (uid !== null && origin.uids.length < MAX_USERS && !origin.uids.includes(uid)) origin.uids.push(uid);
    const programs = origin.programs;
    const had = programs.get(program);
    if (had !== undefined) programs.set(program, had + 1);
    else if (programs.size < MAX_PROGRAMS) programs.set(program, 1);
  }
}

/** The programs an origin ran most, the first `limit`. */
export function topPrograms(origin: Origin, limit: number): { program: string; count: number }[] {
  return [...origin.programs].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([program, count]) => ({ program, count }));
}

/**
 * How an origin reads on screen and in a filter: `ssh alice@203.0.113.7 pts/1`,
 * `login root tty1`, `cron (root)`, `nginx.service`, `container docker 3f2a1b9c0d4e`,
 * `kernel`, `system`. `userName` maps a uid to a name (the UI reads /etc/passwd).
 */
export function originLabel(origin: Origin, userName: (uid: number) => string, containerName?: (origin: Origin) => string | null): string {
  const who = origin.auid === null ? '?' : userName(origin.auid);
  switch (origin.kind) {
    case 'ssh':
      return `ssh ${who}${origin.client ? `@${origin.client}` : ''}${origin.tty ? ` ${origin.tty}` : ''}`;
    case 'login':
      return `login ${who}${origin.tty ? ` ${origin.tty}` : ` session ${origin.session}`}`;
    case 'cron':
      return `cron (${who})`;
    case 'unit':
      return origin.unit!;
    case 'container': {
      const name = containerName?.(origin);
      return `container ${origin.container!.runtime} ${shortId(origin.container!.id)}${name ? ` (${name})` : origin.pod ? ` pod ${origin.pod.slice(0, 8)}` : ''}`;
    }
    default:
      return origin.kind;
  }
}
