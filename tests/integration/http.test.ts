// The real server over HTTP(S): health, auth, method override, superjson, request logs, admin
// bootstrap and the self-signed certificate. Runs on PGlite, or on PostgreSQL with TEST_DATABASE_URL.
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { TRPCClientError } from '@trpc/client';
import pino, { type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import type { Config } from '../../server/config.ts';
import { lockPath } from '../../server/db/data-dir-lock.ts';
import { readMigrations } from '../../server/db/migrate.ts';
import { createServer } from '../../server/http/server.ts';
import type { AppRouter } from '../../server/router.ts';
import { emptyPostgresDatabase, freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';
import { apiClient } from '../helpers/api-client.ts';
import { freePort, spawnServer, waitForHealth, type ServerProcess } from '../helpers/server-process.ts';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
const silent = pino({ level: 'silent' });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const tempDirs: string[] = [];
const databases: TestDatabase[] = [];
const emptyDatabases: { drop(): Promise<void> }[] = [];

/** A new PostgreSQL database with nothing in it (not even migrations); dropped after the file. */
async function emptyPostgresUrl(): Promise<string> {
  const empty = await emptyPostgresDatabase('stocksheet_http');
  emptyDatabases.push(empty);
  return empty.url;
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-http-'));
  tempDirs.push(dir);
  return dir;
}

/** Where a new app keeps its data: a temp folder, and on PostgreSQL a fresh database too. */
async function freshPlace(): Promise<{ dataDir: string; databaseUrl: string | undefined }> {
  if (!onPostgres) return { dataDir: tempDir(), databaseUrl: undefined };
  const db = await freshDatabase();
  databases.push(db);
  return { dataDir: tempDir(), databaseUrl: db.url! };
}

function config(place: { dataDir: string; databaseUrl: string | undefined }, extra: Partial<Config> = {}): Config {
  return { port: 0, tls: false, adminToken: undefined, logLevel: 'silent', ...place, ...extra };
}

function client(app: RunningApp, token?: string) {
  return apiClient(app.url, token);
}

/** The TRPCClientError a call ends in. */
async function clientError(call: Promise<unknown>) {
  const error = await call.then(
    () => expect.fail('expected the call to be refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as TRPCClientError<AppRouter>;
}

afterAll(async () => {
  for (const db of databases) await db.drop().catch(() => undefined);
  for (const empty of emptyDatabases) await empty.drop().catch(() => undefined);
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the HTTP API', () => {
  let app: RunningApp;
  const logLines: Record<string, unknown>[] = [];
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    const log: Logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    app = await startApp(config(await freshPlace(), { adminToken: ADMIN_TOKEN, logLevel: 'info' }), log);
    admin = client(app, ADMIN_TOKEN);
  });
  afterAll(() => app?.stop());

  it('listens on the port it was given (0: any free one) and says how to reach it', () => {
    const address = app.server.address();
    expect(address).toMatchObject({ port: expect.any(Number) });
    expect(app.url).toBe(`http://localhost:${(address as { port: number }).port}`);
  });

  it('GET /health reports the database kind and the applied migrations', async () => {
    const res = await fetch(`${app.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body).toEqual({
      status: 'ok',
      database: onPostgres ? 'postgresql' : 'pglite',
      migrations: readMigrations().migrationDirectories.length,
    });
    expect(body.migrations).toBeGreaterThanOrEqual(1);
  });

  it('refuses a request without a token with 401 UNAUTHENTICATED', async () => {
    const res = await fetch(`${app.url}/trpc/locations.list`);
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body.error.json.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401, reason: 'UNAUTHENTICATED' });
    expect(body.error.json.message).toMatch(/Authorization: Bearer/);

    const error = await clientError(client(app).locations.list.query());
    expect(error.data).toMatchObject({ httpStatus: 401, reason: 'UNAUTHENTICATED' });
  });

  it.each([
    ['an unknown token', 'Bearer ss_not-a-real-token'],
    ['an empty bearer', 'Bearer '],
    ['another scheme', `Basic ${ADMIN_TOKEN}`],
    ['the admin token without a scheme', ADMIN_TOKEN],
  ])('refuses %s with 401', async (_what, authorization) => {
    const res = await fetch(`${app.url}/trpc/users.me`, { headers: { authorization } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.json.data.reason).toBe('UNAUTHENTICATED');
  });

  it('refuses writes without a token too, and changes nothing', async () => {
    const error = await clientError(client(app).locations.create.mutate({ name: 'Anonymous' }));
    expect(error.data).toMatchObject({ httpStatus: 401, reason: 'UNAUTHENTICATED' });
    const list = await admin.locations.list.query();
    expect(JSON.stringify(list)).not.toContain('Anonymous');
  });

  it('knows who a token belongs to', async () => {
    expect(await admin.users.me.query()).toMatchObject({ name: 'admin', role: 'admin' });
    // Bearer is case-insensitive (RFC 7235) and surrounding spaces are tolerated.
    const res = await fetch(`${app.url}/trpc/users.me`, { headers: { authorization: `bearer   ${ADMIN_TOKEN} ` } });
    expect(res.status).toBe(200);
  });

  it('lets a viewer read but refuses its writes with 403 naming the roles that may', async () => {
    const { token } = await admin.users.create.mutate({ name: 'http-viewer', role: 'viewer' });
    const viewer = client(app, token);
    expect(await viewer.users.me.query()).toMatchObject({ name: 'http-viewer', role: 'viewer' });
    await viewer.locations.list.query();

    const error = await clientError(viewer.locations.create.mutate({ name: 'Viewer Store' }));
    expect(error.data).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403, reason: 'FORBIDDEN' });
    expect(error.message).toContain('(viewer)');
    expect(error.message).toContain('admin, warehouse');

    // The same over plain HTTP: the status is 403.
    const res = await fetch(`${app.url}/trpc/locations.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { name: 'Viewer Store' } }),
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error.json.data.reason).toBe('FORBIDDEN');
    expect(JSON.stringify(await admin.locations.list.query())).not.toContain('Viewer Store');
  });

  it('refuses the other roles the writes that are not their work', async () => {
    const { token } = await admin.users.create.mutate({ name: 'http-warehouse', role: 'warehouse' });
    const warehouse = client(app, token);
    await warehouse.locations.create.mutate({ name: 'Warehouse by warehouse' });
    const error = await clientError(warehouse.users.create.mutate({ name: 'sneaky', role: 'admin' }));
    expect(error.data).toMatchObject({ httpStatus: 403, reason: 'FORBIDDEN' });
    expect(error.message).toMatch(/one of these roles: admin\.$/);
  });

  it('a second user of the same name is a 409 USER_NAME_TAKEN, also when both are created at once', async () => {
    await admin.users.create.mutate({ name: 'http-twin', role: 'viewer' });
    const again = await clientError(admin.users.create.mutate({ name: 'http-twin', role: 'sales' }));
    expect(again.data).toMatchObject({ httpStatus: 409, reason: 'USER_NAME_TAKEN' });
    expect(again.message).toBe('A user named "http-twin" already exists; choose another name.');
    const both = await Promise.allSettled([0, 1].map(() => admin.users.create.mutate({ name: 'http-race', role: 'viewer' })));
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = both.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as TRPCClientError<AppRouter>;
    expect(lost.data).toMatchObject({ httpStatus: 409, reason: 'USER_NAME_TAKEN' });
    expect((await admin.users.list.query()).filter((u) => u.name === 'http-race')).toHaveLength(1);
  });

  it('accepts a query sent as POST (method override): previewing 100,000 serials', async () => {
    const product = await admin.products.create.mutate({ sku: 'HTTP-SER-1', name: 'Scanner', serialised: true });
    const serials = Array.from({ length: 100_000 }, (_, i) => `SN${String(i + 1).padStart(6, '0')}`);
    const started = logLines.length;
    const preview = await admin.serials.preview.query({ productId: product.id, serials });
    expect(preview.errors).toEqual([]);
    expect(preview.serials).toHaveLength(100_000);
    expect(preview.serials[99_999]).toBe('SN100000');
    await vi.waitFor(() =>
      expect(logLines.slice(started)).toContainEqual(
        expect.objectContaining({ method: 'POST', url: '/trpc/serials.preview', status: 200 }),
      ),
    );

    // The same through the syntax, with a problem reported by index.
    const text = await admin.serials.preview.query({ productId: product.id, text: 'A1-A3, A2' });
    expect(text.serials).toEqual(['A1', 'A2', 'A3', 'A2']);
    expect(text.errors).toEqual([expect.objectContaining({ token: 'A2', reason: 'DUPLICATE_SERIAL' })]);
  });

  it('also answers queries sent as GET (small inputs, batched)', async () => {
    const res = await fetch(`${app.url}/trpc/users.me,locations.list?batch=1&input=${encodeURIComponent('{}')}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toHaveLength(2);
    expect(body[0].result.data.json).toMatchObject({ role: 'admin' });
  });

  it('round-trips Dates through superjson', async () => {
    const before = Date.now();
    const product = await admin.products.create.mutate({ sku: 'HTTP-DATE-1', name: 'Dated' });
    expect(product.createdAt).toBeInstanceOf(Date);
    expect(product.createdAt.getTime()).toBeGreaterThan(before - 60_000);
    const again = await admin.products.get.query({ id: product.id });
    expect(again.createdAt).toBeInstanceOf(Date);
    expect(again.createdAt.getTime()).toBe(product.createdAt.getTime());
    const users = await admin.users.list.query();
    expect(users[0]!.createdAt).toBeInstanceOf(Date);
  });

  it('reports malformed input as 400 with field errors', async () => {
    const error = await clientError(admin.locations.create.mutate({ name: '   ' }));
    expect(error.data).toMatchObject({ httpStatus: 400, reason: 'INVALID_INPUT', fieldErrors: { name: [expect.any(String)] } });
  });

  it('logs one line per request with method, url, status and duration', async () => {
    const marker = `/health-log-check-${Date.now()}`;
    const started = logLines.length;
    await (await fetch(`${app.url}/health?probe=1`)).json();
    await (await fetch(`${app.url}${marker}?secret=not-logged`)).json();
    await vi.waitFor(() => expect(logLines.slice(started).filter((l) => l.msg === 'request')).toHaveLength(2));
    const lines = logLines.slice(started).filter((l) => l.msg === 'request');
    expect(lines[0]).toMatchObject({ level: 30, method: 'GET', url: '/health', status: 200, ms: expect.any(Number) });
    expect(lines[1]).toMatchObject({ method: 'GET', url: marker, status: 404, ms: expect.any(Number) });
    // Query strings (tRPC inputs) stay out of the log.
    expect(JSON.stringify(lines)).not.toContain('not-logged');
    expect(lines[0]!.ms).toBeGreaterThanOrEqual(0);
  });

  it('logs a request the client gave up on, too', async () => {
    const product = await admin.products.create.mutate({ sku: 'HTTP-ABORT-1', name: 'Abandoned', serialised: true });
    const serials = Array.from({ length: 100_000 }, (_, i) => `GONE${i}`);
    const started = logLines.length;
    const controller = new AbortController();
    const call = fetch(`${app.url}/trpc/serials.preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { productId: product.id, serials } }),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(call).rejects.toThrow();
    await vi.waitFor(
      () =>
        expect(logLines.slice(started)).toContainEqual(
          expect.objectContaining({ msg: 'request', method: 'POST', url: '/trpc/serials.preview' }),
        ),
      { timeout: 10_000 },
    );
    // Still one line for that request, whether the server finished it before noticing or not.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(logLines.slice(started).filter((l) => l.url === '/trpc/serials.preview')).toHaveLength(1);
  });

  it('does not log tokens', () => {
    expect(JSON.stringify(logLines)).not.toContain(ADMIN_TOKEN);
  });

  it('answers an unknown path with 404 JSON pointing at the API and the health check', async () => {
    for (const [method, url] of [
      ['GET', '/nope'],
      ['POST', '/health'],
      ['GET', '/trpc'],
      ['GET', '/local/users'],
      ['DELETE', '/'],
    ] as const) {
      const res = await fetch(`${app.url}${url}`, { method });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ reason: 'NOT_FOUND', message: expect.stringMatching(/\/trpc.*\/health/) });
    }
  });

  it('answers an unknown procedure with 404 from tRPC', async () => {
    const res = await fetch(`${app.url}/trpc/nothing.here`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(404);
    expect((await res.json()).error.json.data.code).toBe('NOT_FOUND');
  });

  it('refuses /local/users without the local secret', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${app.url}/local/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ name: 'intruder', role: 'admin' }),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-stocksheet-local-secret': 'guess' })).status).toBe(403);
    expect((await post({ authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(403);
    // As long as the real secret, but not ASCII: still a plain 403, not a crash.
    expect((await post({ 'x-stocksheet-local-secret': '\u00e9'.repeat(43) })).status).toBe(403);
    expect((await admin.users.list.query()).map((u) => u.name)).not.toContain('intruder');
  });

  it('answers a refused /local/users request with the status tRPC gives its reason, and no internal details', async () => {
    // A listener of its own, to know its local secret (the app's is only in the PGlite lock file).
    const localSecret = 'test-local-secret';
    const server = createServer({ db: app.db, log: silent, tls: null, localSecret });
    await new Promise<void>((resolve) => server.listen(0, resolve));
    const post = (body: string) =>
      fetch(`http://localhost:${(server.address() as net.AddressInfo).port}/local/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-stocksheet-local-secret': localSecret },
        body,
      });
    try {
      const notJson = await post('{"name": "half');
      expect(notJson.status).toBe(400);
      expect(await notJson.json()).toEqual({
        reason: 'INVALID_INPUT',
        message: 'The body is not JSON: send a JSON object.',
      });

      expect((await post(JSON.stringify({ name: 'http-local', role: 'viewer' }))).status).toBe(200);
      const again = await post(JSON.stringify({ name: 'http-local', role: 'admin' }));
      const viaTrpc = await clientError(admin.users.create.mutate({ name: 'http-local', role: 'admin' }));
      expect(again.status).toBe(viaTrpc.data?.httpStatus);
      // `message` is what `npm run token` prints.
      expect(await again.json()).toEqual({ reason: viaTrpc.data?.reason, message: viaTrpc.message });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the first admin', () => {
  it('is created on the first start with the token from STOCKSHEET_ADMIN_TOKEN', async () => {
    const app = await startApp(config(await freshPlace(), { adminToken: ADMIN_TOKEN }), silent);
    try {
      expect(app.newAdminToken).toBeUndefined();
      expect(await client(app, ADMIN_TOKEN).users.me.query()).toMatchObject({ name: 'admin', role: 'admin' });
      const rows = await app.db.prisma.$queryRaw<{ token_hash: string }[]>`SELECT token_hash FROM "user"`;
      expect(rows).toEqual([{ token_hash: sha256(ADMIN_TOKEN) }]);
    } finally {
      await app.stop();
    }
  });

  it('gets a random token shown once, stores only its hash, and is not created again', async () => {
    const place = await freshPlace();
    const first = await startApp(config(place), silent);
    let token: string;
    try {
      token = first.newAdminToken!;
      expect(token).toMatch(/^ss_[A-Za-z0-9_-]{40,}$/);
      expect(await client(first, token).users.me.query()).toMatchObject({ name: 'admin', role: 'admin' });
      const rows = await first.db.prisma.$queryRaw<Record<string, unknown>[]>`SELECT * FROM "user"`;
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ name: 'admin', role: 'admin', token_hash: sha256(token) });
      // No column holds the token itself, nor any of its long substrings.
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(token.slice(3, 23));
    } finally {
      await first.stop();
    }

    const second = await startApp(config(place), silent);
    try {
      expect(second.newAdminToken).toBeUndefined();
      const rows = await second.db.prisma.$queryRaw<{ name: string }[]>`SELECT name FROM "user"`;
      expect(rows).toEqual([{ name: 'admin' }]);
      expect(await client(second, token).users.me.query()).toMatchObject({ role: 'admin' });
    } finally {
      await second.stop();
    }

    // Setting STOCKSHEET_ADMIN_TOKEN later replaces the admin's token (documented in ensureAdmin).
    const third = await startApp(config(place, { adminToken: ADMIN_TOKEN }), silent);
    try {
      expect(third.newAdminToken).toBeUndefined();
      expect(await client(third, ADMIN_TOKEN).users.me.query()).toMatchObject({ role: 'admin' });
      expect((await clientError(client(third, token).users.me.query())).data?.httpStatus).toBe(401);
      expect(await third.db.prisma.user.count()).toBe(1);
    } finally {
      await third.stop();
    }
  });

  it.runIf(onPostgres)('is created once when two servers start together on one empty PostgreSQL database', async () => {
    const place = { dataDir: tempDir(), databaseUrl: await emptyPostgresUrl() };
    const results = await Promise.allSettled([
      startApp(config({ ...place, dataDir: tempDir() }), silent),
      startApp(config({ ...place, dataDir: tempDir() }), silent),
    ]);
    const apps = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started'))).toEqual(['started', 'started']);
      const tokens = apps.map((a) => a.newAdminToken).filter(Boolean);
      expect(tokens).toHaveLength(1);
      expect(await apps[0]!.db.prisma.user.count()).toBe(1);
      const migrations = await apps[0]!.db.prisma.$queryRaw<{ migration_name: string }[]>`SELECT migration_name FROM _prisma_migrations`;
      expect(migrations.map((m) => m.migration_name)).toEqual(readMigrations().migrationDirectories.map((m) => m.path));
      for (const a of apps) expect(await client(a, tokens[0]).users.me.query()).toMatchObject({ role: 'admin' });
    } finally {
      for (const a of apps) await a.stop();
    }
  });
});

describe.runIf(!onPostgres)('the embedded database folder', () => {
  it('is locked while the server runs and released when it stops', async () => {
    const place = await freshPlace();
    const app = await startApp(config(place), silent);
    const lock = JSON.parse(fs.readFileSync(lockPath(place.dataDir), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, port: (app.server.address() as { port: number }).port, tls: false });
    expect(lock.localSecret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(fs.statSync(lockPath(place.dataDir)).mode & 0o077).toBe(0); // only this OS user reads the secret
    await app.stop();
    expect(fs.existsSync(lockPath(place.dataDir))).toBe(false);
    expect(fs.existsSync(path.join(place.dataDir, 'pglite'))).toBe(true);
  });

  it('ignores a stale lock left by a process that died', async () => {
    const place = await freshPlace();
    fs.writeFileSync(
      lockPath(place.dataDir),
      JSON.stringify({ pid: 2 ** 22 + 12345, what: 'a crashed server', port: 1, localSecret: 'x' }),
    );
    const app = await startApp(config(place), silent);
    expect(app.newAdminToken).toBeDefined();
    await app.stop();
  });
});

/** GET over HTTPS trusting nothing (the certificate is self-signed); returns the peer certificate too. */
function httpsGet(url: string, options: https.RequestOptions = { rejectUnauthorized: false }) {
  return new Promise<{ status: number; body: string; cert: X509Certificate }>((resolve, reject) => {
    const req = https.get(url, { ...options, agent: false }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerX509Certificate()!;
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, cert }));
    });
    req.on('error', reject);
  });
}

describe.runIf(!onPostgres)('HTTPS (STOCKSHEET_TLS=on)', () => {
  it('creates a localhost certificate once in the data folder and reuses it on restart', async () => {
    const place = await freshPlace();
    const certPath = path.join(place.dataDir, 'tls', 'localhost-cert.pem');
    const keyPath = path.join(place.dataDir, 'tls', 'localhost-key.pem');

    const first = await startApp(config(place, { tls: true }), silent);
    let fingerprint: string;
    let pem: string;
    try {
      expect(first.url).toMatch(/^https:\/\/localhost:\d+$/);
      pem = fs.readFileSync(certPath, 'utf8');
      expect(fs.statSync(keyPath).mode & 0o077).toBe(0);
      const res = await httpsGet(`${first.url}/health`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ status: 'ok', database: 'pglite' });
      fingerprint = res.cert.fingerprint256;
      expect(fingerprint).toBe(new X509Certificate(pem).fingerprint256);
      // Browsers (and Office's web views) match the name in subjectAltName, not the CN.
      expect(res.cert.subjectAltName).toContain('DNS:localhost');
      expect(res.cert.checkHost('localhost')).toBe('localhost');
      expect(new Date(res.cert.validTo).getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
      // Once trusted (as the README tells users to do), it verifies for localhost.
      const trusted = await httpsGet(`${first.url}/health`, { ca: pem, rejectUnauthorized: true });
      expect(trusted.status).toBe(200);
    } finally {
      await first.stop();
    }

    const second = await startApp(config(place, { tls: true }), silent);
    try {
      expect(fs.readFileSync(certPath, 'utf8')).toBe(pem);
      const res = await httpsGet(`${second.url}/health`);
      expect(res.status).toBe(200);
      expect(res.cert.fingerprint256).toBe(fingerprint);
    } finally {
      await second.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// `npm start` as a real process: SIGTERM, and one process per PGlite folder.

const spawned: ServerProcess[] = [];
afterAll(async () => {
  // Only the processes this file started, by their own handle.
  for (const server of spawned) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
});

describe.runIf(!onPostgres)('npm start on the embedded database', () => {
  let dataDir: string;
  let url: string;
  let first: ServerProcess;

  beforeAll(async () => {
    dataDir = tempDir();
    const port = await freePort();
    url = `http://localhost:${port}`;
    first = spawnServer({ STOCKSHEET_DATA_DIR: dataDir, PORT: String(port), STOCKSHEET_ADMIN_TOKEN: ADMIN_TOKEN }, 'node');
    spawned.push(first);
    await waitForHealth(first, url);
  }, 120_000);

  it('announces where it listens', async () => {
    await vi.waitFor(() => expect(first.output()).toContain('Stocksheet is listening'));
    expect(first.output()).toContain(`"url":"${url}"`);
    const lock = JSON.parse(fs.readFileSync(lockPath(dataDir), 'utf8'));
    expect(lock).toMatchObject({ pid: first.child.pid, what: 'the Stocksheet server', port: Number(new URL(url).port), tls: false });
  });

  it('refuses a second server on the same data folder with a clear message, leaving the first alone', async () => {
    const second = spawnServer({ STOCKSHEET_DATA_DIR: dataDir, PORT: String(await freePort()) });
    spawned.push(second);
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.output()).toContain('PGlite allows one process per data folder');
    expect(second.output()).toContain('Stop that process first, or use PostgreSQL (DATABASE_URL)');
    const lock = JSON.parse(fs.readFileSync(lockPath(dataDir), 'utf8'));
    expect(lock.what).toBe('the Stocksheet server');
    expect(second.output()).toContain(`process ${lock.pid}`);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  }, 120_000);

  it('on SIGTERM finishes the request in flight, exits 0 and releases the folder', async () => {
    const api = apiClient(url, ADMIN_TOKEN);
    const product = await api.products.create.mutate({ sku: 'SIGTERM-1', name: 'Late', serialised: true });
    const serials = Array.from({ length: 100_000 }, (_, i) => `LATE${i}`);
    const inFlight = api.serials.preview.query({ productId: product.id, serials });
    await new Promise((resolve) => setTimeout(resolve, 150));
    first.child.kill('SIGTERM');

    const preview = await inFlight;
    expect(preview.serials).toHaveLength(100_000);
    const { code, signal } = await first.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('"signal":"SIGTERM"');
    expect(first.output()).toContain('shutting down');
    expect(fs.existsSync(lockPath(dataDir))).toBe(false);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  }, 120_000);

  it('starts again on the same folder afterwards, with the data kept', async () => {
    const port = await freePort();
    const again = spawnServer({ STOCKSHEET_DATA_DIR: dataDir, PORT: String(port), STOCKSHEET_ADMIN_TOKEN: ADMIN_TOKEN });
    spawned.push(again);
    await waitForHealth(again, `http://localhost:${port}`);
    const res = await fetch(`http://localhost:${port}/trpc/products.list`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(JSON.stringify(await res.json())).toContain('SIGTERM-1');
    expect(again.output()).not.toContain('First start');
    again.child.kill('SIGINT'); // Ctrl-C
    expect(await again.exited).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(lockPath(dataDir))).toBe(false);
  }, 120_000);
});

describe.runIf(onPostgres)('npm start on PostgreSQL', () => {
  it('prints the first admin token once, and exits 0 on SIGTERM', async () => {
    const databaseUrl = await emptyPostgresUrl();
    const port = await freePort();
    const dataDir = tempDir();
    const server = spawnServer({ DATABASE_URL: databaseUrl, STOCKSHEET_DATA_DIR: dataDir, PORT: String(port) });
    spawned.push(server);
    await waitForHealth(server, `http://localhost:${port}`);
    const health = await (await fetch(`http://localhost:${port}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', database: 'postgresql' });
    const token = /^\s+(ss_[A-Za-z0-9_-]{40,})\s*$/m.exec(server.output())?.[1];
    expect(token, server.output()).toBeDefined();
    const me = await fetch(`http://localhost:${port}/trpc/users.me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me.json()).result.data.json).toMatchObject({ name: 'admin', role: 'admin' });
    // PostgreSQL takes several processes: no lock file in the data folder.
    expect(fs.existsSync(lockPath(dataDir))).toBe(false);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('shutting down');
  }, 120_000);
});
