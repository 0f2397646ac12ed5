import type { PrismaClient } from '../../db/generated/client.ts';
import { pgErrorCode } from '../../db/transaction.ts';
import type { Db } from '../../db/types.ts';
import { DomainError, listRejected, type Problem } from '../../domain/errors.ts';
import { byEntryIndex, enteredQuantity, tableRowEntries, type Entry, type TableRow } from '../../domain/purchase-entries.ts';
import { remainingQuantity } from '../../domain/purchasing.ts';
import { applyOnce } from '../idempotency.ts';
import { highestSerial } from '../serials/check.ts';
import { checkEntries, lineSerialEntries, loadOrderInfo, orderOfLine, replaceEntries, type OrderInfo } from './line-entries.ts';

/** The add-in reads a table's row type from here. */
export type { TableRow };

export interface LineSerialsInput {
  lineId: number;
  serials?: string[];
  text?: string;
  batches?: { number: string; expiry?: string | null; quantity: number; bayId?: number | null }[];
  bayId?: number | null;
}

/** A line's entries as the checker sees them; problems point at the list entry or text token. */
async function lineEntries(db: Db, order: OrderInfo, input: LineSerialsInput) {
  const line = order.lines.find((l) => l.id === input.lineId)!;
  if (input.batches) {
    const entries: Entry[] = input.batches.map((b, index) => ({
      index,
      lineId: line.id,
      batch: b.number,
      expiry: b.expiry ?? null,
      quantity: b.quantity,
      bayId: b.bayId ?? input.bayId ?? null,
    }));
    return { entries, problems: await checkEntries(db, order, entries), serials: [] as string[] };
  }
  const parsed = await lineSerialEntries(order, line.id, input, () => highestSerial(db, line.productId));
  for (const entry of parsed.entries) if ('serial' in entry) entry.bayId = input.bayId ?? null;
  const found = await checkEntries(db, order, parsed.entries);
  // Entries are serials in order; point problems at the token (text) or entry (list) they came from.
  const toSource = (i: number | null | undefined) => (i === null || i === undefined ? i : parsed.sources[i]!);
  const problems = [
    ...parsed.syntaxProblems,
    ...found.map((p) => ({
      ...p,
      index: toSource(p.index) ?? null,
      ...(p.firstIndex !== undefined ? { firstIndex: toSource(p.firstIndex)! } : {}),
    })),
  ].sort(byEntryIndex);
  return { entries: parsed.entries, problems, serials: parsed.serials };
}

async function placeBay(db: Db, order: OrderInfo, bayId: number | null | undefined) {
  if (bayId == null) return;
  const bay = await db.bay.findUnique({ where: { id: bayId }, select: { locationId: true, name: true } });
  if (!bay || bay.locationId !== order.locationId) {
    throw new DomainError('BAY_NOT_IN_LOCATION', `Bay ${bay?.name ?? bayId} is not in the order's location; choose one of its bays.`);
  }
}

export async function previewLineSerials(db: Db, input: LineSerialsInput) {
  const order = await loadOrderInfo(db, await orderOfLine(db, input.lineId), false);
  await placeBay(db, order, input.bayId);
  // The same bay checks as saving, so a clean preview saves.
  for (const batch of input.batches ?? []) await placeBay(db, order, batch.bayId);
  const { serials, problems } = await lineEntries(db, order, input);
  return { serials, errors: problems };
}

/** Replaces a line's pending serials (or batches): refused whole when anything is wrong. */
export async function setLineSerials(prisma: PrismaClient, userId: number, input: LineSerialsInput & { idempotencyKey: string }) {
  const { idempotencyKey, ...request } = input;
  return withSerialRace(
    () =>
      applyOnce(prisma, { userId, procedure: 'purchaseOrders.setLineSerials', key: idempotencyKey, input: request }, async (tx) => {
        const order = await loadOrderInfo(tx, await orderOfLine(tx, input.lineId), true);
        await placeBay(tx, order, input.bayId);
        for (const batch of input.batches ?? []) await placeBay(tx, order, batch.bayId);
        const { entries, problems } = await lineEntries(tx, order, input);
        if (problems.length > 0) throw listRejected(problems);
        const saved = await replaceEntries(tx, order, entries, [input.lineId]);
        return { lineId: input.lineId, ...saved };
      }),
    async () => (await previewLineSerials(prisma, request)).errors,
    'serial',
  );
}

/** A table's rows as entries, with every problem of the rows and of the entries. */
async function tableEntries(db: Db, order: OrderInfo, rows: TableRow[]) {
  const bays = await db.bay.findMany({ where: { locationId: order.locationId }, select: { id: true, name: true } });
  const read = tableRowEntries(order, bays, rows);
  const checked = await checkEntries(db, order, read.entries);
  return { entries: read.entries, problems: [...read.problems, ...checked].sort(byEntryIndex) };
}

/** Lines the table fills, and per line how many serials/units it enters against what is still expected. */
function lineSummary(order: OrderInfo, entries: Entry[]) {
  return order.lines.map((line) => ({
    lineId: line.id,
    lineNumber: line.lineNumber,
    sku: line.sku,
    entered: enteredQuantity(entries, line.id),
    expected: remainingQuantity(line),
  }));
}

export async function previewTable(db: Db, input: { purchaseOrderId: number; rows: TableRow[] }) {
  const order = await loadOrderInfo(db, input.purchaseOrderId, false);
  const { entries, problems } = await tableEntries(db, order, input.rows);
  return { errors: problems, lines: lineSummary(order, entries) };
}

/** Saves a table's serials and batches: each line it names gets exactly what the table lists for it. */
export async function setTable(
  prisma: PrismaClient,
  userId: number,
  input: { purchaseOrderId: number; rows: TableRow[]; idempotencyKey: string },
) {
  const { idempotencyKey, ...request } = input;
  return withSerialRace(
    () =>
      applyOnce(prisma, { userId, procedure: 'purchaseOrders.setSerialTable', key: idempotencyKey, input: request }, async (tx) => {
        const order = await loadOrderInfo(tx, input.purchaseOrderId, true);
        const { entries, problems } = await tableEntries(tx, order, input.rows);
        if (problems.length > 0) throw listRejected(problems, 'row');
        const lineIds = [...new Set(entries.map((e) => e.lineId))];
        await replaceEntries(tx, order, entries, lineIds);
        return { lines: lineSummary(order, entries).filter((l) => lineIds.includes(l.lineId)) };
      }),
    async () => (await previewTable(prisma, request)).errors,
    'row',
  );
}

/**
 * Another request entered one of the serials at the same moment: the unique index refused ours and
 * nothing was saved. Checking again now (the other request has committed) names the serials, their
 * index and the order they went on, as the check would have had it run a moment later.
 */
async function withSerialRace<T>(work: () => Promise<T>, explain: () => Promise<Problem[]>, what: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (pgErrorCode(error) !== '23505') throw error;
    const problems = await explain();
    if (problems.length > 0) throw listRejected(problems, what);
    throw new DomainError(
      'SERIAL_ON_OTHER_ORDER',
      'Another request entered some of these serials on an order line at the same moment; check again and send the list again.',
    );
  }
}
