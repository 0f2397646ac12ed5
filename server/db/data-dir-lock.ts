import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * PGlite allows one process per data folder and does not check it itself, so we do: a lock file
 * naming the process that has the folder, and, for a running server, how a local command-line tool
 * can reach it (port, scheme and a secret only readable by the same OS user).
 *
 * A PID alone does not name a process for long: after a reboot (or a kill -9 and enough new
 * processes) the PID in a left-behind lock belongs to someone else, often process 1. So the lock
 * also records the process's start time (/proc/<pid>/stat field 22, in clock ticks since boot) and
 * the boot id, plus a random instance id; a lock whose PID is alive but started at another time,
 * or in another boot, is stale and is taken over.
 */
export interface DataDirOwner {
  pid: number;
  what: string;
  /** /proc/<pid>/stat field 22 of the owner when it took the lock (absent where there is no /proc). */
  startTime?: string;
  /** /proc/sys/kernel/random/boot_id when the lock was taken. */
  bootId?: string;
  /** Random, per lock taken: tells two locks of one process apart, and lets release() leave others' locks alone. */
  instance?: string;
  port?: number;
  tls?: boolean;
  localSecret?: string;
}

export const lockPath = (dataDir: string) => path.join(dataDir, 'stocksheet.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const readText = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** Field 22 of /proc/<pid>/stat (start time in clock ticks after boot), or null without /proc. */
export function processStartTime(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return null;
  // Field 2 is the command name in parentheses and may itself hold spaces or ')': count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[22 - 3] ?? null;
}

export const bootId = () => readText('/proc/sys/kernel/random/boot_id')?.trim() ?? null;

/** When the process started, in ms since the epoch (boot time + start ticks; Linux's USER_HZ is 100). */
function processStartedAtMs(pid: number): number | null {
  const ticks = processStartTime(pid);
  const btime = readText('/proc/stat')?.match(/^btime (\d+)$/m)?.[1];
  return ticks && btime ? Number(btime) * 1000 + Number(ticks) * 10 : null;
}

/**
 * Why the lock's process is not the one now running under its PID, or null when it is (or when
 * this machine cannot tell: no /proc, in which case a live PID counts as the owner, as before).
 */
function staleReason(owner: DataDirOwner, lockWrittenAtMs: number): string | null {
  const currentBoot = bootId();
  if (owner.bootId && currentBoot && owner.bootId !== currentBoot) return 'it was written before the machine restarted';
  const startTime = processStartTime(owner.pid);
  if (owner.startTime && startTime) {
    return owner.startTime === startTime ? null : `process ${owner.pid} is now another process (it started at another time)`;
  }
  // A lock from before start times were recorded: its writer was running when it was written, so
  // a process that started later is not the writer (2 s for the clock ticks' rounding).
  const startedAt = processStartedAtMs(owner.pid);
  if (!owner.startTime && startedAt !== null && startedAt > lockWrittenAtMs + 2000) {
    return `process ${owner.pid} started after the lock was written, so it is another process`;
  }
  return null;
}

interface LockReading {
  owner: DataDirOwner | null;
  /** Set when there was a lock but its process is gone or is another one now: why it is stale. */
  stale?: { lock: DataDirOwner; reason: string };
}

function readLock(dataDir: string): LockReading {
  let lock: DataDirOwner;
  let writtenAt: number;
  try {
    lock = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as DataDirOwner;
    writtenAt = statSync(lockPath(dataDir)).mtimeMs;
  } catch {
    return { owner: null };
  }
  if (typeof lock?.pid !== 'number') return { owner: null }; // not a lock we wrote: nobody's
  // This process's own lock (a second app in one process, as the tests do) is not in the way.
  if (lock.pid === process.pid) return { owner: null };
  if (!alive(lock.pid)) return { owner: null, stale: { lock, reason: `process ${lock.pid} is no longer running` } };
  const reason = staleReason(lock, writtenAt);
  return reason ? { owner: null, stale: { lock, reason } } : { owner: lock };
}

/** The live process holding the data folder, if any (a stale lock from a crash or an earlier boot does not count). */
export function dataDirOwner(dataDir: string): DataDirOwner | null {
  return readLock(dataDir).owner;
}

export class DataDirBusyError extends Error {}

export interface DataDirLock {
  /** Adds how to reach this process (once its port is known). */
  announce(extra: Omit<DataDirOwner, 'pid' | 'what' | 'startTime' | 'bootId' | 'instance'>): void;
  release(): void;
}

const describeOwner = (owner: DataDirOwner) => `${owner.what} (process ${owner.pid})`;

/**
 * Takes the data folder for this process, or throws DataDirBusyError naming the live process that
 * has it. A stale lock is taken over, and `warn` (stderr by default) says whose it was and why.
 */
export function acquireDataDirLock(dataDir: string, what: string, warn: (message: string) => void = console.warn): DataDirLock {
  const { owner, stale } = readLock(dataDir);
  if (owner) {
    throw new DataDirBusyError(
      `The embedded database in ${dataDir} is in use by ${describeOwner(owner)}; PGlite allows one process per data folder. ` +
        'Stop that process first, or use PostgreSQL (DATABASE_URL) to run several.',
    );
  }
  if (stale) {
    warn(
      `Taking over the embedded database in ${dataDir}: its lock file named ${describeOwner(stale.lock)}, ` +
        `but ${stale.reason} (a lock left behind by a crash, kill -9 or a restart).`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  const identity = {
    pid: process.pid,
    what,
    startTime: processStartTime(process.pid) ?? undefined,
    bootId: bootId() ?? undefined,
    instance: randomBytes(12).toString('base64url'),
  };
  const write = (extra: object) => writeFileSync(lockPath(dataDir), JSON.stringify({ ...identity, ...extra }), { mode: 0o600 });
  write({});
  return {
    announce: write,
    release: () => {
      // Only our own lock: if another process has taken the folder over since, its lock stays.
      const current = readText(lockPath(dataDir));
      let instance: string | undefined;
      try {
        instance = current === null ? undefined : (JSON.parse(current) as DataDirOwner).instance;
      } catch {
        instance = undefined;
      }
      if (current !== null && instance !== undefined && instance !== identity.instance) return;
      rmSync(lockPath(dataDir), { force: true });
    },
  };
}

export const newLocalSecret = () => randomBytes(32).toString('base64url');
