// `npm run token -- --name NAME --role ROLE`, run as a real process against a real server.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { TRPCClientError } from '@trpc/client';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import type { Config } from '../../server/config.ts';
import { lockPath } from '../../server/db/data-dir-lock.ts';
import type { AppRouter } from '../../server/router.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';
import { runScript, type Run } from '../helpers/processes.ts';
import { apiClient } from '../helpers/api-client.ts';

const ADMIN_TOKEN = 'token-cli-admin-token-0123456789';
const silent = pino({ level: 'silent' });
// These tests start real processes (tsx, PGlite, the WASM schema engine): slow on a busy machine.
const SPAWN_TIMEOUT = 150_000;
const tempDirs: string[] = [];
const databases: TestDatabase[] = [];

afterAll(async () => {
  for (const db of databases) await db.drop().catch(() => undefined);
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-token-'));
  tempDirs.push(dir);
  return dir;
}

function config(extra: Partial<Config> & { dataDir: string }): Config {
  return { port: 0, tls: false, adminToken: ADMIN_TOKEN, logLevel: 'silent', databaseUrl: undefined, ...extra };
}

/** Runs `npx tsx server/cli/token.ts ARGS` with only the given Stocksheet settings. */
function token(args: string[], env: Record<string, string>): Promise<Run> {
  return runScript('server/cli/token.ts', args, env);
}

/** The token a successful run printed. */
function printedToken(run: Run): string {
  expect(run.stderr, run.stderr).toBe('');
  expect(run.code).toBe(0);
  const match = /^\s+(ss_[A-Za-z0-9_-]{40,})\s*$/m.exec(run.stdout);
  expect(match, run.stdout).not.toBeNull();
  return match![1]!;
}

function client(app: RunningApp, bearer: string) {
  return apiClient(app.url, bearer);
}

async function refusedWith(call: Promise<unknown>): Promise<number | undefined> {
  const error = await call.then(
    () => expect.fail('expected a refusal'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return (error as TRPCClientError<AppRouter>).data?.httpStatus;
}

/** A tRPC call over the server's self-signed HTTPS: [status, superjson payload]. */
function httpsTrpc(app: RunningApp, bearer: string, procedure: string, input?: unknown): Promise<[number, any]> {
  const body = input === undefined ? undefined : JSON.stringify(superjson.serialize(input));
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${app.url}/trpc/${procedure}`,
      {
        method: body ? 'POST' : 'GET',
        rejectUnauthorized: false,
        agent: false,
        headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve([res.statusCode!, JSON.parse(text)]));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('npm run token: arguments', { timeout: SPAWN_TIMEOUT }, () => {
  it.each([
    [['--name', 'x', '--role', 'superuser'], /--role must be one of: admin, purchasing, warehouse, sales, accountant, viewer/],
    [['--name', 'x'], /--role must be one of/],
    [['--role', 'viewer'], /--name is required/],
    [['--name', '   ', '--role', 'viewer'], /--name is required/],
    [['--name', 'x'.repeat(101), '--role', 'viewer'], /--name is required \(1 to 100 characters\)/],
    [['--nmae', 'x', '--role', 'viewer'], /--nmae/],
    [['--name', 'x', '--role', 'viewer', 'extra'], /extra/],
  ])('%j: exit code 2 and the usage', async (args, message) => {
    const dataDir = tempDir();
    const run = await token(args, { STOCKSHEET_DATA_DIR: dataDir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('Usage: npm run token -- --name NAME --role ROLE');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.stdout).not.toMatch(/ss_/);
    // Nothing was created: the folder was not even opened.
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('refuses a bad setting with the configuration message', async () => {
    const run = await token(['--name', 'x', '--role', 'viewer'], { STOCKSHEET_DATA_DIR: tempDir(), DATABASE_URL: 'mysql://nope' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.runIf(!onPostgres)('npm run token on the embedded database', { timeout: SPAWN_TIMEOUT }, () => {
  it('goes through the running HTTPS server, and the token works with its role', async () => {
    const dataDir = tempDir();
    const app = await startApp(config({ dataDir, tls: true }), silent);
    try {
      const created = printedToken(await token(['--name', 'Wendy Warehouse', '--role', 'warehouse'], { STOCKSHEET_DATA_DIR: dataDir }));
      expect(await app.db.prisma.user.findUnique({ where: { name: 'Wendy Warehouse' }, select: { role: true } })).toEqual({
        role: 'warehouse',
      });

      const [meStatus, me] = await httpsTrpc(app, created, 'users.me');
      expect(meStatus).toBe(200);
      expect(me.result.data.json).toMatchObject({ name: 'Wendy Warehouse', role: 'warehouse' });
      // Warehouse work is allowed; product changes and user management are not.
      expect((await httpsTrpc(app, created, 'locations.create', { name: 'Back room' }))[0]).toBe(200);
      const [productStatus, product] = await httpsTrpc(app, created, 'products.create', { sku: 'W-1', name: 'Nope' });
      expect(productStatus).toBe(403);
      expect(product.error.json.message).toContain('admin, purchasing');
      expect((await httpsTrpc(app, created, 'users.create', { name: 'x', role: 'admin' }))[0]).toBe(403);

      // The server still owns the folder.
      expect(JSON.parse(fs.readFileSync(lockPath(dataDir), 'utf8')).pid).toBe(process.pid);
    } finally {
      await app.stop();
    }
  });

  it('goes through a plain-HTTP server too; a second user with the same name is refused', async () => {
    const dataDir = tempDir();
    const app = await startApp(config({ dataDir }), silent);
    try {
      const viewer = printedToken(await token(['--name', 'Vic', '--role', 'viewer'], { STOCKSHEET_DATA_DIR: dataDir }));
      expect(await client(app, viewer).users.me.query()).toMatchObject({ name: 'Vic', role: 'viewer' });
      expect(await refusedWith(client(app, viewer).locations.create.mutate({ name: 'No' }))).toBe(403);

      const again = await token(['--name', 'Vic', '--role', 'admin'], { STOCKSHEET_DATA_DIR: dataDir });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('A user named "Vic" already exists');
      expect(again.stdout).not.toMatch(/ss_/);
      expect(await app.db.prisma.user.findUnique({ where: { name: 'Vic' }, select: { role: true } })).toEqual({ role: 'viewer' });
    } finally {
      await app.stop();
    }
  });

  it('opens the folder itself when no server runs, and the server then accepts the token', async () => {
    const dataDir = tempDir();
    const created = printedToken(await token(['--name', 'Pat', '--role', 'purchasing'], { STOCKSHEET_DATA_DIR: dataDir }));
    expect(fs.existsSync(lockPath(dataDir))).toBe(false); // released
    expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(true);

    const app = await startApp(config({ dataDir }), silent);
    try {
      const pat = client(app, created);
      expect(await pat.users.me.query()).toMatchObject({ name: 'Pat', role: 'purchasing' });
      await pat.products.create.mutate({ sku: 'PAT-1', name: 'Bought in' });
      expect(await refusedWith(pat.locations.create.mutate({ name: 'Not mine' }))).toBe(403);
      // The first start still gives the admin its token.
      expect(await client(app, ADMIN_TOKEN).users.me.query()).toMatchObject({ name: 'admin', role: 'admin' });
    } finally {
      await app.stop();
    }
  });

  it('a first user made with the tool does not leave the first start without an admin', async () => {
    const dataDir = tempDir();
    printedToken(await token(['--name', 'Early Viewer', '--role', 'viewer'], { STOCKSHEET_DATA_DIR: dataDir }));
    const app = await startApp(config({ dataDir, adminToken: undefined }), silent);
    try {
      expect(app.newAdminToken).toMatch(/^ss_/);
      expect(await client(app, app.newAdminToken!).users.me.query()).toMatchObject({ name: 'admin', role: 'admin' });
    } finally {
      await app.stop();
    }
    const again = await startApp(config({ dataDir, adminToken: undefined }), silent);
    expect(again.newAdminToken).toBeUndefined();
    expect(await again.db.prisma.user.count({ where: { role: 'admin' } })).toBe(1);
    await again.stop();
  });

  it('says what to do when another tool holds the folder', async () => {
    const dataDir = tempDir();
    // This test process stands in for a running `npm run db:migrate` (alive, no port).
    fs.writeFileSync(lockPath(dataDir), JSON.stringify({ pid: process.pid, what: 'npm run db:migrate' }));
    const run = await token(['--name', 'Late', '--role', 'viewer'], { STOCKSHEET_DATA_DIR: dataDir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`in use by npm run db:migrate (process ${process.pid}); run this again when it has finished`);
    expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(false);
  });
});

describe.runIf(onPostgres)('npm run token on PostgreSQL', { timeout: SPAWN_TIMEOUT }, () => {
  it('writes to the database while a server runs on it, and the server accepts the token', async () => {
    const db = await freshDatabase();
    databases.push(db);
    const dataDir = tempDir();
    const app = await startApp(config({ dataDir, databaseUrl: db.url! }), silent);
    try {
      const env = { DATABASE_URL: db.url!, STOCKSHEET_DATA_DIR: dataDir };
      const accountant = printedToken(await token(['--name', 'Ada Accountant', '--role', 'accountant'], env));
      const api = client(app, accountant);
      expect(await api.users.me.query()).toMatchObject({ name: 'Ada Accountant', role: 'accountant' });
      expect(await refusedWith(api.locations.create.mutate({ name: 'No' }))).toBe(403);
      // No lock file: PostgreSQL takes any number of processes.
      expect(fs.existsSync(lockPath(dataDir))).toBe(false);

      const again = await token(['--name', 'Ada Accountant', '--role', 'viewer'], env);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('already exists');
    } finally {
      await app.stop();
    }
  });

  it('works with no server running', async () => {
    const db = await freshDatabase();
    databases.push(db);
    const env = { DATABASE_URL: db.url!, STOCKSHEET_DATA_DIR: tempDir() };
    printedToken(await token(['--name', 'First', '--role', 'admin'], env));
    expect(await db.prisma.user.findUnique({ where: { name: 'First' }, select: { role: true } })).toEqual({ role: 'admin' });
  });
});
