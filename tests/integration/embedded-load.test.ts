// Reads and short writes while a long write runs (issue 11). PGlite has one connection: requests
// take turns in arrival order, and one that has waited past the bound (STOCKSHEET_DB_WAIT_SECONDS)
// is refused with DATABASE_BUSY (503, "send it again") without starting. PostgreSQL runs them side by side.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TRPCClientError } from '@trpc/client';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import { ConnectionQueue, DatabaseBusyError } from '../../server/db/connection-queue.ts';
import { inTransaction } from '../../server/db/transaction.ts';
import type { AppRouter } from '../../server/router.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';
import { apiClient } from '../helpers/api-client.ts';

const ADMIN_TOKEN = 'embedded-load-admin-token-0123456789';
const tempDirs: string[] = [];
const databases: TestDatabase[] = [];
const apps: RunningApp[] = [];

afterAll(async () => {
  for (const app of apps) await app.stop().catch(() => undefined);
  for (const db of databases) await db.drop().catch(() => undefined);
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server over HTTP on a fresh database (a temp PGlite folder, or a new PostgreSQL database), waiting at most `waitMs` for the embedded connection. */
async function server(waitMs?: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-load-'));
  tempDirs.push(dataDir);
  let databaseUrl: string | undefined;
  if (onPostgres) {
    const db = await freshDatabase();
    databases.push(db);
    databaseUrl = db.url!;
  }
  const app: RunningApp = await startApp(
    { port: 0, dataDir, databaseUrl, tls: false, adminToken: ADMIN_TOKEN, logLevel: 'silent', databaseWaitMs: waitMs },
    pino({ level: 'silent' }),
  );
  apps.push(app);
  const api = apiClient(app.url, ADMIN_TOKEN, { batch: false });
  const location = await api.locations.create.mutate({ name: 'Load test warehouse' });
  const big = await api.products.create.mutate({ sku: 'BIG', name: 'pasted in bulk', serialised: true });
  const small = await api.products.create.mutate({ sku: 'SMALL', name: 'added one by one', serialised: true });
  /** serials.add of `count` serials in one range, as a large paste sends them; resolves with when it answered. */
  const longWrite = (count: number) =>
    api.serials.add
      .mutate({
        productId: big.id,
        locationId: location.id,
        text: `BIG000001-BIG${String(count).padStart(6, '0')}`,
        idempotencyKey: randomUUID(),
      })
      .then((result) => ({ ...result, at: performance.now() }));
  const serialCount = (productId: number) => app.db.prisma.serialNumber.count({ where: { productId } });
  return { app, api, location, big, small, longWrite, serialCount };
}

/** How a call ended, and when. */
async function outcome(call: Promise<unknown>) {
  try {
    await call;
    return { ok: true as const, at: performance.now() };
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCClientError);
    const e = error as TRPCClientError<AppRouter>;
    return {
      ok: false as const,
      at: performance.now(),
      status: e.data?.httpStatus,
      reason: (e.data as { reason?: string } | undefined)?.reason,
      message: e.message,
    };
  }
}

describe('the connection queue', () => {
  it('gives turns in arrival order, handing the connection straight from one holder to the next', async () => {
    const queue = new ConnectionQueue(5_000);
    const order: string[] = [];
    const first = await queue.acquire();
    const waiting = ['b', 'c', 'd'].map((name) => queue.acquire().then((release) => (order.push(name), release)));
    expect(queue.waiting).toBe(3);
    first();
    for (const turn of waiting) (await turn)();
    expect(order).toEqual(['b', 'c', 'd']);
    expect(queue.waiting).toBe(0);
    // Free again: the next caller goes straight in.
    (await queue.acquire())();
  });

  it('refuses a waiter past its bound with DATABASE_BUSY, takes it out of the queue, and keeps the order of the rest', async () => {
    const queue = new ConnectionQueue(200);
    const holder = await queue.acquire();
    const late = queue.acquire();
    await sleep(100);
    const later = queue.acquire();
    const refused = await late.then(
      () => expect.fail('expected DATABASE_BUSY'),
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DatabaseBusyError);
    expect(refused).toMatchObject({
      reason: 'DATABASE_BUSY',
      message: expect.stringMatching(/busy.*did not start, so nothing was changed\. Send it again/),
    });
    expect(queue.waiting).toBe(1);
    holder();
    (await later)();
  });

  it('refuses at hand-over a waiter whose bound passed while one statement held the thread', async () => {
    const queue = new ConnectionQueue(50);
    const holder = await queue.acquire();
    const waiter = queue.acquire();
    const blockedUntil = performance.now() + 100;
    while (performance.now() < blockedUntil); // a long synchronous statement: no timer can fire
    holder();
    await expect(waiter).rejects.toBeInstanceOf(DatabaseBusyError);
    (await queue.acquire())();
  });
});

describe(`reads and short writes during a long write (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('a short read and a short write started during a 20,000-serial write complete, and the long write is applied whole', async () => {
    const { api, location, big, small, longWrite, serialCount } = await server();
    const write = longWrite(20_000);
    await sleep(300);
    const read = outcome(api.serials.list.query({ productId: small.id, limit: 10 }));
    const add = outcome(
      api.serials.add.mutate({ productId: small.id, locationId: location.id, serials: ['ONE-1'], idempotencyKey: randomUUID() }),
    );
    expect(await read).toMatchObject({ ok: true });
    expect(await add).toMatchObject({ ok: true });
    expect((await write).added).toBe(20_000);
    expect(await serialCount(big.id)).toBe(20_000);
    expect(await serialCount(small.id)).toBe(1);
  });

  it.runIf(!onPostgres)(
    'past the bound a request is refused with DATABASE_BUSY (503) while the write runs, changes nothing, and succeeds when sent again',
    async () => {
      const { app, api, location, small, serialCount } = await server(300);
      // A long write whose statements are short (the event loop runs between them): one transaction
      // holding the connection for 2 s. A single long statement (a 100,000-row INSERT) holds the
      // thread itself, and requests are read, queued and refused only once it ends.
      const longWrite = inTransaction(app.db.prisma, async (tx) => {
        await tx.location.create({ data: { name: 'Long write 1' } });
        await sleep(2_000);
        await tx.location.create({ data: { name: 'Long write 2' } });
      }).then(() => performance.now());
      await sleep(200);
      const busyWrite = outcome(
        api.serials.add.mutate({ productId: small.id, locationId: location.id, serials: ['LATE-1'], idempotencyKey: randomUUID() }),
      );
      const busyRead = fetch(
        `${app.url}/trpc/serials.list?input=${encodeURIComponent(JSON.stringify({ json: { productId: small.id } }))}`,
        {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        },
      );
      const refused = await busyWrite;
      expect(refused).toMatchObject({ ok: false, status: 503, reason: 'DATABASE_BUSY' });
      expect(refused.ok ? '' : refused.message).toMatch(/busy.*nothing was changed\. Send it again in a few seconds/);
      const readResponse = await busyRead;
      expect(readResponse.status).toBe(503);
      expect(readResponse.headers.get('retry-after')).toBe('2');
      expect((await readResponse.json()).error.json.data.reason).toBe('DATABASE_BUSY');
      // Answered while the long write was still running, not after it; and that write is whole.
      const written = await longWrite;
      expect(refused.at).toBeLessThan(written);
      expect(await app.db.prisma.location.count({ where: { name: { startsWith: 'Long write' } } })).toBe(2);
      expect(await serialCount(small.id)).toBe(0);
      // Sent again once the write is done: it goes through.
      const again = api.serials.add.mutate({
        productId: small.id,
        locationId: location.id,
        serials: ['LATE-1'],
        idempotencyKey: randomUUID(),
      });
      expect(await outcome(again)).toMatchObject({ ok: true });
      expect(await serialCount(small.id)).toBe(1);
    },
    120_000,
  );
});
