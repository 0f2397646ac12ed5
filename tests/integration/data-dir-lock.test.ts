// The embedded database's lock file (server/db/data-dir-lock.ts): a lock left behind names a PID
// that may, after a reboot or a kill -9, belong to another live process; that must not stop a start.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startApp } from '../../server/app.ts';
import {
  acquireDataDirLock,
  bootId,
  DataDirBusyError,
  dataDirOwner,
  lockPath,
  processStartTime,
  type DataDirOwner,
} from '../../server/db/data-dir-lock.ts';
import { runScript } from '../helpers/processes.ts';

// Child processes start tsx, PGlite and the WASM schema engine: slow on a busy machine.
const SPAWN_TIMEOUT = 150_000;
const hasProc = fs.existsSync('/proc/self/stat') && bootId() !== null;
const tempDirs: string[] = [];

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-lock-'));
  tempDirs.push(dir);
  return dir;
}

const writeLock = (dataDir: string, lock: Partial<DataDirOwner>) => fs.writeFileSync(lockPath(dataDir), JSON.stringify(lock));
const readLockFile = (dataDir: string) => JSON.parse(fs.readFileSync(lockPath(dataDir), 'utf8')) as DataDirOwner;
/** A start time that is not the process's: its real one plus a day of clock ticks. */
const wrongStartTime = (pid: number) => String(Number(processStartTime(pid)) + 8_640_000);

describe.runIf(hasProc)('the data folder lock', () => {
  it('records the process start time, the boot id and an instance id with the PID, and release removes it', () => {
    const dataDir = tempDir();
    const lock = acquireDataDirLock(dataDir, 'a test');
    lock.announce({ port: 1234, tls: false, localSecret: 'secret' });
    expect(readLockFile(dataDir)).toEqual({
      pid: process.pid,
      what: 'a test',
      startTime: processStartTime(process.pid),
      bootId: bootId(),
      instance: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      port: 1234,
      tls: false,
      localSecret: 'secret',
    });
    lock.release();
    expect(fs.existsSync(lockPath(dataDir))).toBe(false);
  });

  it('a lock naming PID 1 (alive, not Stocksheet) with another start time does not stop a start, and the log says so', async () => {
    const dataDir = tempDir();
    writeLock(dataDir, {
      pid: 1,
      what: 'the Stocksheet server',
      startTime: wrongStartTime(1),
      bootId: bootId()!,
      instance: 'old',
      port: 1,
      localSecret: 'x',
    });
    expect(dataDirOwner(dataDir)).toBeNull();
    // The take-over is the server's log's business (JSON to its log, with the level), not a bare line on stderr.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const logged: { level: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as { level: number; msg: string }) });
    const app = await startApp({ port: 0, dataDir, databaseUrl: undefined, tls: false, adminToken: undefined, logLevel: 'info' }, log);
    try {
      expect(warn).not.toHaveBeenCalled();
      const takeOvers = logged
        .filter((line) => line.level === pino.levels.values.warn && line.msg.startsWith('Taking over'))
        .map((line) => line.msg);
      expect(takeOvers).toHaveLength(1);
      expect(takeOvers[0]).toMatch(
        /^Taking over the embedded database in .*: its lock file named the Stocksheet server \(process 1\), but process 1 is now another process/,
      );
      expect(readLockFile(dataDir)).toMatchObject({ pid: process.pid, what: 'the Stocksheet server', port: expect.any(Number) });
    } finally {
      await app.stop();
    }
    expect(fs.existsSync(lockPath(dataDir))).toBe(false);
  });

  it('a lock from an earlier boot is stale even when its PID and start time match a live process', () => {
    const dataDir = tempDir();
    writeLock(dataDir, { pid: 1, what: 'the Stocksheet server', startTime: processStartTime(1)!, bootId: 'an-earlier-boot' });
    const warnings: string[] = [];
    acquireDataDirLock(dataDir, 'a test', (message) => warnings.push(message)).release();
    expect(warnings).toEqual([expect.stringContaining('it was written before the machine restarted')]);
  });

  it('a lock with only a PID (older servers) is stale when that process started after the lock was written', () => {
    const dataDir = tempDir();
    writeLock(dataDir, { pid: 1, what: 'the Stocksheet server' });
    const longAgo = new Date('2001-01-01T00:00:00Z');
    fs.utimesSync(lockPath(dataDir), longAgo, longAgo);
    const warnings: string[] = [];
    acquireDataDirLock(dataDir, 'a test', (message) => warnings.push(message)).release();
    expect(warnings).toEqual([expect.stringContaining('process 1 started after the lock was written')]);
  });

  it('a lock naming a live process with its own start time still holds the folder, and the refusal names the process', () => {
    const dataDir = tempDir();
    writeLock(dataDir, { pid: 1, what: 'the Stocksheet server', startTime: processStartTime(1)!, bootId: bootId()!, instance: 'live' });
    expect(() => acquireDataDirLock(dataDir, 'a test')).toThrow(DataDirBusyError);
    expect(() => acquireDataDirLock(dataDir, 'a test')).toThrow(/in use by the Stocksheet server \(process 1\); PGlite allows one process/);
    expect(readLockFile(dataDir).instance).toBe('live');
  });

  it('another process refuses the folder while its live owner (this test runner) holds it', { timeout: SPAWN_TIMEOUT }, async () => {
    const dataDir = tempDir();
    const live = {
      pid: process.pid,
      what: 'the Stocksheet server',
      startTime: processStartTime(process.pid)!,
      bootId: bootId()!,
      instance: 'live',
    };
    writeLock(dataDir, live);
    const run = await runScript('server/db/cli-migrate.ts', [], { STOCKSHEET_DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`in use by the Stocksheet server (process ${process.pid})`);
    expect(readLockFile(dataDir)).toEqual(live);
    expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(false);
  });

  it("another process takes over a lock naming this test runner's PID with a wrong start time", { timeout: SPAWN_TIMEOUT }, async () => {
    const dataDir = tempDir();
    writeLock(dataDir, { pid: process.pid, what: 'the Stocksheet server', startTime: wrongStartTime(process.pid), bootId: bootId()! });
    const run = await runScript('server/db/cli-migrate.ts', [], { STOCKSHEET_DATA_DIR: dataDir });
    expect(run.stderr).toContain(
      `its lock file named the Stocksheet server (process ${process.pid}), but process ${process.pid} is now another process`,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Applied: |up to date/);
    expect(fs.existsSync(lockPath(dataDir))).toBe(false); // released when it finished
  });

  it('release leaves alone a lock that another process has taken over since', () => {
    const dataDir = tempDir();
    const lock = acquireDataDirLock(dataDir, 'a test');
    writeLock(dataDir, { pid: 1, what: 'someone else', instance: 'theirs' });
    lock.release();
    expect(readLockFile(dataDir).instance).toBe('theirs');
  });
});
