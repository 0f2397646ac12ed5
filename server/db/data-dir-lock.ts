import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * PGlite allows one process per data folder and does not check it itself, so we do: a lock file
 * naming the process that has the folder, and, for a running server, how a local command-line tool
 * can reach it (port, scheme and a secret only readable by the same OS user).
 */
export interface DataDirOwner {
  pid: number;
  what: string;
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

/** The live process holding the data folder, if any (a stale lock from a crash does not count). */
export function dataDirOwner(dataDir: string): DataDirOwner | null {
  try {
    const owner = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as DataDirOwner;
    return owner.pid !== process.pid && alive(owner.pid) ? owner : null;
  } catch {
    return null;
  }
}

export class DataDirBusyError extends Error {}

export interface DataDirLock {
  /** Adds how to reach this process (once its port is known). */
  announce(extra: Omit<DataDirOwner, 'pid' | 'what'>): void;
  release(): void;
}

export function acquireDataDirLock(dataDir: string, what: string): DataDirLock {
  const owner = dataDirOwner(dataDir);
  if (owner) {
    throw new DataDirBusyError(
      `The embedded database in ${dataDir} is in use by ${owner.what} (process ${owner.pid}); PGlite allows one process per data folder. ` +
        'Stop that process first, or use PostgreSQL (DATABASE_URL) to run several.',
    );
  }
  mkdirSync(dataDir, { recursive: true });
  const write = (extra: object) => writeFileSync(lockPath(dataDir), JSON.stringify({ pid: process.pid, what, ...extra }), { mode: 0o600 });
  write({});
  return { announce: write, release: () => rmSync(lockPath(dataDir), { force: true }) };
}

export const newLocalSecret = () => randomBytes(32).toString('base64url');
