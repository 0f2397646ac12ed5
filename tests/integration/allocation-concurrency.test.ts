// Serial allocation at the same moment. 50 requests over 10 document lines (5 sales order lines, 5
// work order input lines) reach for overlapping serials. On PostgreSQL they run on separate connections (and, in the second test, in
// two server processes over HTTP) and meet on the serials' row locks; on PGlite (one connection)
// they run one after the other. Either way: no serial on two lines, and every request either did
// all it asked or nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import { createContext } from '../../server/context.ts';
import type { PrismaClient } from '../../server/db/generated/client.ts';
import { createCaller, type AppRouter } from '../../server/router.ts';
import { createUser } from '../../server/modules/users/service.ts';
import { key, testApp, type Caller, type TestApp } from '../helpers/app.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';
import { location, plainProduct, sellableCodes, serialisedProduct } from '../helpers/fixtures.ts';
import { all, refused, succeeded, type Settled } from '../helpers/races.ts';

const ORDERS = 10;
const REQUESTS = 50;
const QUANTITY = 3;
const POOL = 24; // serials C-01 … C-24; 10 lines × 3 = 30 wanted, so most requests collide

const serialName = (n: number) => `C-${String(n + 1).padStart(2, '0')}`;

/** Request i: the line i % 10, and 3 serials from an overlapping window of the pool. */
function request(i: number) {
  const start = (i * 7) % (POOL - QUANTITY + 1);
  return { line: i % ORDERS, serials: Array.from({ length: QUANTITY }, (_, k) => serialName(start + k)) };
}

interface Scene {
  productId: number;
  orders: { type: 'salesOrder' | 'workOrder'; id: number; lineId: number }[];
}

/** A location, a product with the pool in stock, and 10 documents needing 3: sales orders and work orders in turn. */
async function scene(api: Caller): Promise<Scene> {
  const loc = await location(api);
  const product = await serialisedProduct(api, sellableCodes);
  const made = await plainProduct(api);
  await api.serials.add({
    productId: product.id,
    locationId: loc.id,
    serials: Array.from({ length: POOL }, (_, n) => serialName(n)),
    idempotencyKey: key(),
  });
  const orders: Scene['orders'] = [];
  for (let o = 0; o < ORDERS; o++) {
    if (o % 2 === 0) {
      const c = await api.customers.create({ name: `Race customer ${product.id}-${o}` });
      const order = await api.salesOrders.create({
        customerId: c.id,
        locationId: loc.id,
        lines: [{ productId: product.id, quantity: QUANTITY, unitPrice: 5 }],
      });
      orders.push({ type: 'salesOrder', id: order.id, lineId: order.lines[0]!.id });
    } else {
      const order = await api.workOrders.create({
        locationId: loc.id,
        inputs: [{ productId: product.id, quantity: QUANTITY }],
        outputs: [{ productId: made.id, quantity: 1 }],
      });
      orders.push({ type: 'workOrder', id: order.id, lineId: order.inputs[0]!.id });
    }
  }
  return { productId: product.id, orders };
}

/** The serials a document's line holds now. */
async function lineSerials(api: Caller, document: Scene['orders'][number]) {
  if (document.type === 'salesOrder') return (await api.salesOrders.get({ id: document.id })).lines[0]!;
  return (await api.workOrders.get({ id: document.id })).inputs[0]!;
}

/** Request i as sent: the generic allocate, to whichever document its line is on. */
const allocation = (s: Scene, i: number) => {
  const document = s.orders[request(i).line]!;
  return { type: document.type, lineId: document.lineId, serials: request(i).serials, idempotencyKey: key() };
};

type Outcome = Settled<{ lineId: number; allocated: number }> | { ok: false; refusal: { reason: string | undefined; message: string } };

/** The invariants after the race, read through the API and the ledger. */
async function checkInvariants(api: Caller, prisma: PrismaClient, s: Scene, outcomes: Outcome[]) {
  expect(outcomes).toHaveLength(REQUESTS);
  const wins = outcomes.flatMap((o, i) => (o.ok ? [i] : []));
  const losses = outcomes.flatMap((o, i) => (o.ok ? [] : [{ i, refusal: o.refusal }]));
  expect(wins.length).toBeGreaterThan(0);
  expect(losses.length).toBeGreaterThan(0); // the requests really collided
  expect(wins.length + losses.length).toBe(REQUESTS);

  // Losers collided with a serial held by another document, and were told which one holds it.
  const documents = new Set(s.orders.map((o) => `${o.type === 'salesOrder' ? 'sales' : 'work'} order #${o.id}`));
  for (const { i, refusal } of losses) {
    expect(refusal.reason, `request ${i}: ${refusal.message}`).toBe('SERIAL_ALLOCATED');
    const holders = [...refusal.message.matchAll(/((?:sales|work) order #\d+) line (\d+)/g)];
    expect(holders.length, refusal.message).toBeGreaterThan(0);
    for (const [, document, line] of holders) {
      expect(documents.has(document!), document).toBe(true);
      expect(line).toBe('1');
    }
    expect(refusal.message).not.toContain('null');
    const asked = request(i).serials;
    expect(asked.some((serial) => refusal.message.includes(serial))).toBe(true);
  }
  for (const i of wins)
    expect(outcomes[i]).toMatchObject({ ok: true, value: { lineId: s.orders[request(i).line]!.lineId, allocated: QUANTITY } });

  // Every line holds nothing, or exactly the serials one of its successful requests asked for.
  const holderOf = new Map<string, number>();
  for (const [o, document] of s.orders.entries()) {
    const line = await lineSerials(api, document);
    const asked = wins.filter((i) => request(i).line === o).map((i) => [...request(i).serials].sort());
    if (asked.length === 0) expect(line.serials).toEqual([]);
    else expect(asked).toContainEqual(line.serials);
    for (const serial of line.serials) {
      expect(holderOf.has(serial), `${serial} on two lines`).toBe(false);
      holderOf.set(serial, line.id);
    }
  }

  // serials.list agrees: allocated exactly when on a line, nothing else moved.
  const { items } = await api.serials.list({ productId: s.productId, limit: 1000 });
  expect(items).toHaveLength(POOL);
  for (const serial of items) expect(serial.status, serial.serial).toBe(holderOf.has(serial.serial) ? 'allocated' : 'in_stock');

  // The ledger: one 'allocated' movement per successful request, none for a refused one; and each
  // serial's last allocation row matches where it is now.
  const movements = await prisma.stockMovement.findMany({
    where: { productId: s.productId, kind: 'allocation' },
    orderBy: { id: 'asc' },
    select: { id: true, documentId: true, serials: { select: { status: true, serial: { select: { serial: true } } } } },
  });
  const allocating = movements.filter((m) => m.serials.some((x) => x.status === 'allocated'));
  expect(allocating).toHaveLength(wins.length);
  for (const m of allocating) expect(m.serials).toHaveLength(QUANTITY);
  const last = new Map<string, string>();
  for (const m of movements) for (const x of m.serials) last.set(x.serial.serial, x.status);
  for (const serial of items) expect(last.get(serial.serial) ?? 'in_stock', serial.serial).toBe(serial.status);
}

// ---- in one process ---------------------------------------------------------------------------

describe(`allocating serials at the same moment (${onPostgres ? 'PostgreSQL: real row locks' : 'PGlite: serialised'})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app?.close());

  it('50 requests over 10 lines of sales and work orders: no serial on two lines, each request all or nothing, losers get SERIAL_ALLOCATED', async () => {
    const admin = app.as('admin');
    const s = await scene(admin);
    const callers = [app.as('warehouse'), admin];
    const outcomes = await all(Array.from({ length: REQUESTS }, (_, i) => () => callers[i % 2]!.allocations.allocate(allocation(s, i))));
    expect(succeeded(outcomes).length + refused(outcomes).length).toBe(REQUESTS);
    await checkInvariants(admin, app.db.prisma, s, outcomes);
  }, 120_000);
});

// ---- a document changing while it is shipped ----------------------------------------------------

describe(`shipping while a shipment's serials change (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app?.close());

  it('ship and re-allocate at once, 10 times: what went out is exactly what the shipment names, nothing left promised to it', async () => {
    const admin = app.as('admin');
    const warehouse = app.as('warehouse');
    const loc = await location(admin);
    const product = await serialisedProduct(admin, sellableCodes);
    const serials = Array.from({ length: 40 }, (_, n) => `SR-${String(n + 1).padStart(2, '0')}`);
    await admin.serials.add({ productId: product.id, locationId: loc.id, serials, idempotencyKey: key() });
    const customer = await admin.customers.create({ name: `Ship race ${product.id}` });
    for (let round = 0; round < 10; round++) {
      const [a, b, c, d] = serials.slice(round * 4, round * 4 + 4);
      const order = await admin.salesOrders.create({
        customerId: customer.id,
        locationId: loc.id,
        lines: [{ productId: product.id, quantity: 2, unitPrice: 1 }],
      });
      await admin.salesOrders.allocateSerials({ lineId: order.lines[0]!.id, serials: [a!, b!], idempotencyKey: key() });
      const shipment = await warehouse.shipments.create({ salesOrderId: order.id });
      const [shipped, swapped] = await all<unknown>([
        () => warehouse.shipments.ship({ id: shipment.id }),
        () => warehouse.shipments.allocateSerials({ lineId: shipment.lines[0]!.id, serials: [c!, d!], idempotencyKey: key() }),
      ]);
      expect(shipped!.ok).toBe(true);
      if (!swapped!.ok) expect(swapped!.refusal.reason).toBe('DOCUMENT_NOT_OPEN');
      const named = (await admin.shipments.get({ id: shipment.id })).lines[0]!.serials;
      expect(named).toEqual(swapped!.ok ? [c, d] : [a, b]);
      const states = Object.fromEntries(
        (await admin.serials.list({ productId: product.id, limit: 1000 })).items.map((x) => [x.serial, x.status]),
      );
      for (const serial of [a!, b!, c!, d!]) expect(states[serial], serial).toBe(named.includes(serial) ? 'shipped' : 'in_stock');
    }
  }, 120_000);
});

// ---- two server processes on one PostgreSQL database ------------------------------------------

describe.runIf(onPostgres)('allocating serials at the same moment through two servers on one PostgreSQL database', () => {
  let db: TestDatabase;
  const servers: RunningApp[] = [];
  const dirs: string[] = [];
  let token: string;
  let admin: Caller;

  beforeAll(async () => {
    db = await freshDatabase();
    const created = await createUser(db.prisma, { name: 'admin', role: 'admin' });
    token = created.token;
    admin = createCaller(createContext(db, created.user));
    for (let n = 0; n < 2; n++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-sales-race-'));
      dirs.push(dataDir);
      servers.push(
        await startApp(
          { port: 0, tls: false, adminToken: undefined, logLevel: 'silent', dataDir, databaseUrl: db.url! },
          pino({ level: 'silent' }),
        ),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) await server.stop().catch(() => undefined);
    await db?.drop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const client = (server: RunningApp) =>
    createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${server.url}/trpc`, transformer: superjson, headers: { authorization: `Bearer ${token}` } })],
    });

  it('50 requests, half to each server: the same invariants hold', async () => {
    expect(servers.map((server) => server.url)).toHaveLength(2);
    expect(servers[0]!.url).not.toBe(servers[1]!.url);
    const s = await scene(admin);
    const clients = servers.map(client);
    // Each server answers for itself before the race.
    for (const c of clients) expect(await c.users.me.query()).toMatchObject({ role: 'admin' });

    const outcomes: Outcome[] = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        clients[i % 2]!.allocations.allocate.mutate(allocation(s, i)).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => {
            if (!(error instanceof TRPCClientError)) throw error;
            const data = error.data as { reason?: string } | undefined;
            return { ok: false as const, refusal: { reason: data?.reason, message: error.message } };
          },
        ),
      ),
    );
    await checkInvariants(admin, db.prisma, s, outcomes);
  }, 120_000);
});
