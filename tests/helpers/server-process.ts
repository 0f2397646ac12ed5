// A Stocksheet server as its own process (server/main.ts), for tests of starting, stopping and
// killing it: started as `npm start` starts it, with none of the test runner's Stocksheet settings.
// `serverGroup` starts several on one database (PostgreSQL's own, or a PGlite data folder).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { emptyPostgresDatabase, onPostgres } from './database.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts server/main.ts. `runner: 'tsx'` is what `npm start` runs (`tsx server/main.ts`), called
 * directly rather than through npx: `npm exec` does not pass SIGTERM on to its child (it exits 143
 * and leaves the server running), so signalling npx would test npm, not the server.
 * `runner: 'node'` (`node --import tsx server/main.ts`) is one process that gets the signal itself.
 * The tsx CLI relays a signal to its child and SIGKILLs it unless the child acknowledges within
 * 30 ms, which a server busy with a large request cannot: the in-flight test therefore uses 'node'.
 */
export function spawnServer(env: Record<string, string>, runner: 'tsx' | 'node' = 'tsx'): ServerProcess {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(base)) if (name === 'DATABASE_URL' || name === 'PORT' || name.startsWith('STOCKSHEET_')) delete base[name];
  const [command, args] =
    runner === 'tsx'
      ? [path.join(ROOT, 'node_modules/.bin/tsx'), ['server/main.ts']]
      : [process.execPath, ['--import', 'tsx', 'server/main.ts']];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...base, STOCKSHEET_TLS: 'off', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function waitForHealth(server: ServerProcess, url: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`the server exited early:\n${server.output()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the server did not become healthy:\n${server.output()}`);
}

/** A server of a group, listening. */
export interface GroupServer extends ServerProcess {
  port: number;
  /** `http://localhost:PORT` (TLS off). */
  url: string;
}

export interface ServerGroup {
  /** The group's PostgreSQL database, or null on PGlite (the data folder is the database). */
  databaseUrl: string | null;
  /** An admin token every server of the group accepts (STOCKSHEET_ADMIN_TOKEN). */
  token: string;
  /**
   * Starts a server on the group's database (`node --import tsx server/main.ts`, one process that
   * gets signals itself) and waits until it answers /health. `port`: where one stopped, to start
   * it again there. `ownDataDir`: a data folder of its own (PostgreSQL only), as a second machine
   * would have; the first server's folder otherwise.
   */
  start(options?: { port?: number; ownDataDir?: boolean }): Promise<GroupServer>;
  /** Kills what still runs, then drops the database and removes the folders, even after a failure. */
  cleanup(): Promise<void>;
}

/**
 * Servers as separate processes sharing one database: on PostgreSQL (TEST_DATABASE_URL) a database
 * of their own, made empty and migrated by the first server at its start (start the others after
 * it); on PGlite a data folder, which one process may use at a time (the data-dir lock). They share
 * one secret key (STOCKSHEET_SECRET_KEY), as processes on several machines must, so each opens the
 * tokens another stored. `settings` are the rest of their environment (e.g. the stand-ins' URLs).
 */
export async function serverGroup(prefix: string, settings: Record<string, string>): Promise<ServerGroup> {
  const folders = [fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`))];
  const database = onPostgres ? await emptyPostgresDatabase(prefix.replaceAll('-', '_')) : null;
  const token = `${prefix}-admin-${randomBytes(12).toString('hex')}`;
  const secretKey = randomBytes(32).toString('hex');
  const started: ServerProcess[] = [];
  return {
    databaseUrl: database?.url ?? null,
    token,
    async start(options = {}) {
      if (options.ownDataDir && !database)
        throw new Error('PGlite allows one process per data folder: a second folder is another database');
      const dataDir = options.ownDataDir ? fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`)) : folders[0]!;
      if (dataDir !== folders[0]) folders.push(dataDir);
      const port = options.port ?? (await freePort());
      const server = spawnServer(
        {
          STOCKSHEET_DATA_DIR: dataDir,
          ...(database ? { DATABASE_URL: database.url } : {}),
          PORT: String(port),
          STOCKSHEET_ADMIN_TOKEN: token,
          STOCKSHEET_SECRET_KEY: secretKey,
          ...settings,
        },
        'node',
      );
      started.push(server);
      const url = `http://localhost:${port}`;
      await waitForHealth(server, url);
      return { ...server, port, url };
    },
    async cleanup() {
      try {
        for (const server of started) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
        await Promise.all(started.map((server) => server.exited));
      } finally {
        try {
          await database?.drop();
        } finally {
          for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
        }
      }
    },
  };
}
