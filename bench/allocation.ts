import { randomUUID } from 'node:crypto';
import { TRPCClientError, type createTRPCClient } from '@trpc/client';
import type { PrismaClient } from '../server/db/generated/client.ts';
import type { AppRouter } from '../server/router.ts';

const WORKERS = Number(process.env.BENCH_ALLOC_WORKERS ?? 8);
const REQUESTS = Math.min(1000, Number(process.env.BENCH_ALLOC_REQUESTS ?? 30)); // per worker and round (lines of its order)
const PER_REQUEST = Number(process.env.BENCH_ALLOC_QUANTITY ?? 5); // serials per request (the line's quantity)
const STOCK = Number(process.env.BENCH_ALLOC_STOCK ?? 100_000); // serials of the product in stock
const LINE = Number(process.env.BENCH_ALLOC_LINE ?? 10_000); // serials on the one big line
const ROUNDS = 3;
const LINE_ROUNDS = 5; // the big line is quick, and its one-statement baseline is the noisiest figure
const CHUNK = 10_000;
/** Competing workers: request r of every worker names PER_REQUEST serials from the same window. */
const WINDOW = Math.max(PER_REQUEST, WORKERS * 2 + PER_REQUEST - 2);

type Api = ReturnType<typeof createTRPCClient<AppRouter>>;
type Seconds = (work: () => Promise<unknown>) => Promise<number>;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const pad = (n: number) => String(n).padStart(7, '0');

/**
 * Issue 6's allocation figures, through the HTTP API like the rest of the bench:
 *
 * 1. Throughput: WORKERS concurrent clients, each allocating PER_REQUEST serials per request
 *    (salesOrders.allocateSerials, a fresh idempotency key each) to lines of its own order,
 *    REQUESTS requests each, with a product holding STOCK serials in stock. Disjoint serials
 *    (nobody is refused), then competing serials (overlapping windows: the losers are refused with
 *    SERIAL_ALLOCATED, and counted). Baseline: the same number of requests, same concurrency, each
 *    one transaction with one UPDATE of its PER_REQUEST rows (status and order line), straight to
 *    the database through the same pool.
 * 2. One line of LINE serials: suggestSerials, then allocateSerials with the suggested list.
 *    Baseline: one set-based UPDATE of LINE serial rows (status and order line, joined on the
 *    serial text like the request names them), same table.
 *
 * Setup (products, stock, orders) goes through the API too but is not measured.
 */
export async function allocationBench(api: Api, prisma: PrismaClient, seconds: Seconds) {
  const tag = randomUUID().slice(0, 6);
  const location = await api.locations.create.mutate({ name: `Allocation bench ${tag}` });
  const customer = await api.customers.create.mutate({ name: `Allocation bench customer ${tag}` });
  const sellable = { sellable: true, saleGlCode: '200', sellingTaxRate: 'GST on Income', serialised: true } as const;
  const product = await api.products.create.mutate({ sku: `AL-${tag}`, name: 'allocation bench', ...sellable });
  const rawProduct = await api.products.create.mutate({ sku: `AL-RAW-${tag}`, name: 'allocation bench baseline', ...sellable });

  // Stock: STOCK serials through serials.add (as the add-in sends them); the baseline product's
  // serials straight into the table (only ever updated by the baseline).
  const stock = Array.from({ length: STOCK }, (_, i) => `AL${pad(i + 1)}`);
  for (let i = 0; i < stock.length; i += CHUNK) {
    await api.serials.add.mutate({
      productId: product.id,
      locationId: location.id,
      serials: stock.slice(i, i + CHUNK),
      unitCost: 5,
      idempotencyKey: randomUUID(),
    });
  }
  const rawNeeded = ROUNDS * WORKERS * REQUESTS * PER_REQUEST + LINE_ROUNDS * LINE;
  const rawStock = Array.from({ length: rawNeeded }, (_, i) => `RW${pad(i + 1)}`);
  await prisma.$executeRaw`
    INSERT INTO serial_number (product_id, serial, status, location_id, unit_cost)
    SELECT ${rawProduct.id}, s, 'in_stock', ${location.id}, 0 FROM unnest(${rawStock}::text[]) AS s`;

  // Serials handed out in order: each measure takes its own slice of the stock.
  let taken = 0;
  const take = (n: number) => {
    if (taken + n > stock.length) throw new Error(`BENCH_ALLOC_STOCK=${STOCK} is too small for these settings`);
    return stock.slice(taken, (taken += n));
  };
  let rawTaken = 0;
  const takeRaw = (n: number) => rawStock.slice(rawTaken, (rawTaken += n));

  /**
   * Lines to allocate to, [worker][request] = line id: each worker has its own order of REQUESTS
   * lines of `quantity` (an allocation reads and locks only its line's order, so one order per
   * worker behaves as one order per request would, and setting up takes 8 requests, not hundreds).
   */
  const orderLines = async (productId: number, quantity: number, requests = REQUESTS) =>
    Promise.all(
      Array.from({ length: WORKERS }, async () => {
        const order = await api.salesOrders.create.mutate({
          customerId: customer.id,
          locationId: location.id,
          lines: Array.from({ length: requests }, () => ({ productId, quantity, unitPrice: 10 })),
        });
        return order.lines.map((l) => l.id);
      }),
    );

  /** WORKERS clients in parallel, each sending its REQUESTS in turn; wall time and refusals. */
  const race = async (request: (worker: number, r: number) => Promise<void>) => {
    let refused = 0;
    const time = await seconds(() =>
      Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          for (let r = 0; r < REQUESTS; r++) {
            try {
              await request(w, r);
            } catch (error) {
              const reason = error instanceof TRPCClientError ? (error.data as { reason?: string } | undefined)?.reason : undefined;
              if (reason !== 'SERIAL_ALLOCATED') throw error;
              refused++;
            }
          }
        }),
      ),
    );
    return { time, refused };
  };

  // Warm-up (not measured): a few allocations so the first round does not pay for cold code paths.
  {
    const [warm] = await orderLines(product.id, PER_REQUEST, 10);
    for (const lineId of warm!) {
      await api.salesOrders.allocateSerials.mutate({ lineId, serials: take(PER_REQUEST), idempotencyKey: randomUUID() });
    }
  }

  const disjoint: number[] = [];
  const baseline: number[] = [];
  const contended: number[] = [];
  const refusals: number[] = [];
  const allocatedInContention: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Disjoint: worker w's request r names its own PER_REQUEST serials.
    const lines = await orderLines(product.id, PER_REQUEST);
    const serials = take(WORKERS * REQUESTS * PER_REQUEST);
    const mine = (w: number, r: number) => serials.slice((w * REQUESTS + r) * PER_REQUEST, (w * REQUESTS + r + 1) * PER_REQUEST);
    const plain = await race(async (w, r) => {
      await api.salesOrders.allocateSerials.mutate({ lineId: lines[w]![r]!, serials: mine(w, r), idempotencyKey: randomUUID() });
    });
    if (plain.refused > 0) throw new Error(`disjoint allocations were refused ${plain.refused} times`);
    disjoint.push(plain.time);

    // Baseline: the same requests as bare transactions with one UPDATE each, on the baseline product.
    const rawLines = await orderLines(rawProduct.id, PER_REQUEST);
    const rawSerials = takeRaw(WORKERS * REQUESTS * PER_REQUEST);
    const rawMine = (w: number, r: number) => rawSerials.slice((w * REQUESTS + r) * PER_REQUEST, (w * REQUESTS + r + 1) * PER_REQUEST);
    const bare = await race(async (w, r) => {
      const updated = await prisma.$transaction(
        (tx) => tx.$executeRaw`
        UPDATE serial_number SET status = 'allocated', so_line_id = ${rawLines[w]![r]!}
        WHERE product_id = ${rawProduct.id} AND serial = ANY(${rawMine(w, r)}::text[]) AND status = 'in_stock'`,
      );
      if (updated !== PER_REQUEST) throw new Error(`baseline updated ${updated} rows, not ${PER_REQUEST}`);
    });
    baseline.push(bare.time);

    // Competing: request r of every worker names PER_REQUEST consecutive serials of window r,
    // starting 2 apart, so neighbours overlap; whoever comes second to a serial is refused.
    const competing = await orderLines(product.id, PER_REQUEST);
    const windows = take(REQUESTS * WINDOW);
    const wanted = (w: number, r: number) =>
      windows.slice(r * WINDOW + ((w * 2) % (WINDOW - PER_REQUEST + 1)), r * WINDOW + ((w * 2) % (WINDOW - PER_REQUEST + 1)) + PER_REQUEST);
    let won = 0;
    const fight = await race(async (w, r) => {
      const result = await api.salesOrders.allocateSerials.mutate({
        lineId: competing[w]![r]!,
        serials: wanted(w, r),
        idempotencyKey: randomUUID(),
      });
      won += result.allocated;
    });
    contended.push(fight.time);
    refusals.push(fight.refused);
    allocatedInContention.push(won);
  }

  // One line of LINE serials: suggest, then allocate the suggestion; baseline one UPDATE of LINE rows.
  const suggest: number[] = [];
  const allocate: number[] = [];
  const rawLine: number[] = [];
  for (let round = 0; round < LINE_ROUNDS; round++) {
    const order = await api.salesOrders.create.mutate({
      customerId: customer.id,
      locationId: location.id,
      lines: [{ productId: product.id, quantity: LINE, unitPrice: 10 }],
    });
    const lineId = order.lines[0]!.id;
    let suggested: string[] = [];
    suggest.push(
      await seconds(async () => {
        suggested = (await api.salesOrders.suggestSerials.query({ lineId })).serials;
      }),
    );
    if (suggested.length !== LINE) throw new Error(`suggested ${suggested.length} serials, not ${LINE}`);
    allocate.push(
      await seconds(async () => {
        const result = await api.salesOrders.allocateSerials.mutate({ lineId, serials: suggested, idempotencyKey: randomUUID() });
        if (result.allocated !== LINE) throw new Error(`allocated ${result.allocated} serials, not ${LINE}`);
      }),
    );

    const rawOrder = await api.salesOrders.create.mutate({
      customerId: customer.id,
      locationId: location.id,
      lines: [{ productId: rawProduct.id, quantity: LINE, unitPrice: 10 }],
    });
    const rawSerials = takeRaw(LINE);
    rawLine.push(
      await seconds(async () => {
        const updated = await prisma.$executeRaw`
        UPDATE serial_number s SET status = 'allocated', so_line_id = ${rawOrder.lines[0]!.id}
        FROM unnest(${rawSerials}::text[]) AS w(serial)
        WHERE s.product_id = ${rawProduct.id} AND s.serial = w.serial AND s.status = 'in_stock'`;
        if (updated !== LINE) throw new Error(`baseline updated ${updated} rows, not ${LINE}`);
      }),
    );
  }

  const requests = WORKERS * REQUESTS;
  return {
    workers: WORKERS,
    requestsPerWorker: REQUESTS,
    perRequest: PER_REQUEST,
    stock: STOCK,
    lineSerials: LINE,
    rounds: ROUNDS,
    lineRounds: LINE_ROUNDS,
    throughput: {
      requests,
      disjoint: median(disjoint),
      baseline: median(baseline),
      contended: median(contended),
      // The round whose time is the median, for its refusal count.
      refused: refusals[contended.indexOf(median(contended))]!,
      wonSerials: allocatedInContention[contended.indexOf(median(contended))]!,
    },
    line: { suggest: median(suggest), allocate: median(allocate), baseline: median(rawLine) },
  };
}
