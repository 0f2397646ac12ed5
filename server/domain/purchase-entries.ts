import type { Problem } from './errors.ts';
import { remainingQuantity } from './purchasing.ts';
import { roundQuantity, sumQuantities } from './quantity.ts';
import { checkSerialList } from './serial-syntax.ts';

/**
 * Serials and batches entered on purchase order lines before the goods arrive. One judge serves
 * every way of entering them (a line's list, a line's typed text, a table filling many lines): it
 * takes entries that already name their line, with what the database knows about them, and reports
 * every problem by the entry's index.
 */
export interface LineInfo {
  id: number;
  lineNumber: number;
  productId: number;
  sku: string;
  serialised: boolean;
  batchTracked: boolean;
  quantity: number;
  received: number;
}

export type SerialEntry = { index: number; lineId: number; serial: string; bayId: number | null };
export type BatchEntry = { index: number; lineId: number; batch: string; expiry: string | null; quantity: number; bayId: number | null };
export type Entry = SerialEntry | BatchEntry;

export const isSerialEntry = (entry: Entry): entry is SerialEntry => 'serial' in entry;

/** Problems in entry order; those about no one entry (a line's count) last. */
export const byEntryIndex = (a: Problem, b: Problem) => (a.index ?? Infinity) - (b.index ?? Infinity);

/** The units entries put on a line: a serial is one, a batch its quantity. */
export function enteredQuantity(entries: readonly Entry[], lineId: number): number {
  return sumQuantities(
    entries.filter((entry) => entry.lineId === lineId),
    (entry) => (isSerialEntry(entry) ? 1 : entry.quantity),
  );
}

/** Of the serials entered for one product: those it already has, and those waiting on other order lines. */
export interface SerialConflicts {
  existing: ReadonlySet<string>;
  onOrders: ReadonlyMap<string, { orderId: number; lineNumber: number }>;
}

/** A batch a product already has; expiry as YYYY-MM-DD. */
export interface KnownBatch {
  productId: number;
  number: string;
  expiry: string | null;
}

/** Everything judging entries needs, loaded beforehand. */
export interface EntryFacts {
  /** The order's lines; every entry names one of them. */
  lines: readonly LineInfo[];
  entries: readonly Entry[];
  /** Per product id, what the database holds of the serials entered for it. */
  serialConflicts: ReadonlyMap<number, SerialConflicts>;
  /** The products' existing batches among the numbers entered. */
  knownBatches: readonly KnownBatch[];
}

type Say = (index: number | null, token: string | null, reason: Problem['reason'], message: string, field?: string) => void;

/** Every problem with entries for lines of one order, by entry index (the order's status is checked before). */
export function judgeEntries(facts: EntryFacts): Problem[] {
  const problems: Problem[] = [];
  const say: Say = (index, token, reason, message, field) => problems.push({ index, token, reason, message, ...(field ? { field } : {}) });
  const lines = new Map(facts.lines.map((line) => [line.id, line]));
  const usable = judgeTracking(facts.entries, lines, say);
  judgeSerials(usable.filter(isSerialEntry), lines, facts.serialConflicts, problems, say);
  judgeBatches(
    usable.filter((entry): entry is BatchEntry => !isSerialEntry(entry)),
    lines,
    facts.knownBatches,
    say,
  );
  // Never more than the line still expects.
  for (const line of facts.lines) {
    const count = enteredQuantity(facts.entries, line.id);
    const remaining = remainingQuantity(line);
    if (count > remaining) {
      say(
        null,
        null,
        'SERIAL_COUNT_MISMATCH',
        `Line ${line.lineNumber} (${line.sku}) expects ${remaining} more, but ${count} are entered: remove ${roundQuantity(count - remaining)}`,
      );
    }
  }
  return problems.sort(byEntryIndex);
}

/** Serials only on serialised lines, batches only on batch-tracked ones: the entries that pass go on. */
function judgeTracking(entries: readonly Entry[], lines: Map<number, LineInfo>, say: Say): Entry[] {
  return entries.filter((entry) => {
    const line = lines.get(entry.lineId)!;
    if (isSerialEntry(entry) && !line.serialised) {
      say(
        entry.index,
        entry.serial,
        'PRODUCT_NOT_SERIALISED',
        `Line ${line.lineNumber} (${line.sku}) is not serialised; it takes no serials`,
        'serial',
      );
      return false;
    }
    if (!isSerialEntry(entry) && !line.batchTracked) {
      say(
        entry.index,
        entry.batch,
        'PRODUCT_NOT_BATCH_TRACKED',
        `Line ${line.lineNumber} (${line.sku}) is not batch tracked; it takes no batches`,
        'batch',
      );
      return false;
    }
    return true;
  });
}

/** Serials, per product: values, repeats, already in the system, waiting on another order line. */
function judgeSerials(
  entries: SerialEntry[],
  lines: Map<number, LineInfo>,
  conflicts: ReadonlyMap<number, SerialConflicts>,
  problems: Problem[],
  say: Say,
) {
  const byProduct = new Map<number, SerialEntry[]>();
  for (const entry of entries) {
    const productId = lines.get(entry.lineId)!.productId;
    const group = byProduct.get(productId);
    if (group) group.push(entry);
    else byProduct.set(productId, [entry]);
  }
  for (const [productId, group] of byProduct) {
    const checked = checkSerialList(group.map((e) => e.serial));
    for (const p of checked.problems) {
      if (p.index === null) continue;
      problems.push({
        ...p,
        index: group[p.index]!.index,
        field: 'serial',
        ...(p.firstIndex !== undefined ? { firstIndex: group[p.firstIndex]!.index } : {}),
      });
    }
    // A serial with a problem of its own is not looked up as well.
    const refused = new Set(checked.problems.map((p) => p.index));
    const { existing, onOrders } = conflicts.get(productId) ?? { existing: new Set<string>(), onOrders: new Map() };
    group.forEach((entry, i) => {
      if (refused.has(i)) return;
      const serial = entry.serial.trim();
      if (existing.has(serial))
        say(entry.index, serial, 'SERIAL_EXISTS', `Serial ${serial} already exists for ${lines.get(entry.lineId)!.sku}`, 'serial');
      const other = onOrders.get(serial);
      if (other)
        say(
          entry.index,
          serial,
          'SERIAL_ON_OTHER_ORDER',
          `Serial ${serial} is already entered on purchase order #${other.orderId} line ${other.lineNumber}`,
          'serial',
        );
    });
  }
}

/** Batches: a number, a positive quantity, one expiry per batch number, the expiry it already has. */
function judgeBatches(entries: BatchEntry[], lines: Map<number, LineInfo>, known: readonly KnownBatch[], say: Say) {
  for (const entry of entries) {
    if (!entry.batch.trim()) say(entry.index, entry.batch, 'BATCH_REQUIRED', 'Give the batch number', 'batch');
    if (!(entry.quantity > 0))
      say(entry.index, entry.batch, 'BATCH_QUANTITY_MISMATCH', `Batch ${entry.batch} needs a quantity above zero`, 'quantity');
  }
  const keyOf = (productId: number, batch: string) => `${productId}\0${batch}`;
  const listedExpiry = new Map<string, string | null>();
  for (const entry of entries) {
    const key = keyOf(lines.get(entry.lineId)!.productId, entry.batch);
    if (listedExpiry.has(key) && listedExpiry.get(key) !== entry.expiry) {
      say(entry.index, entry.batch, 'BATCH_EXPIRY_MISMATCH', `Batch ${entry.batch} is listed with two expiry dates`, 'expiry');
    }
    listedExpiry.set(key, entry.expiry);
  }
  const knownExpiry = new Map(known.map((batch) => [keyOf(batch.productId, batch.number), batch.expiry]));
  for (const entry of entries) {
    const key = keyOf(lines.get(entry.lineId)!.productId, entry.batch);
    if (knownExpiry.has(key) && knownExpiry.get(key) !== entry.expiry) {
      say(
        entry.index,
        entry.batch,
        'BATCH_EXPIRY_MISMATCH',
        `Batch ${entry.batch} already exists with expiry ${knownExpiry.get(key) ?? 'none'}`,
        'expiry',
      );
    }
  }
}

/** One row of a serial table as the add-in sends it: the line by number or SKU, a serial or a batch. */
export interface TableRow {
  line?: number;
  sku?: string;
  serial?: string;
  bay?: string;
  batch?: string;
  expiry?: string | null;
  quantity?: number;
}

/**
 * A table's rows (SKU or line number, serial or batch, bay, expiry, quantity) as entries for the
 * order's lines, or their problems; bays by name, of the order's location.
 */
export function tableRowEntries(
  order: { id: number; lines: readonly LineInfo[] },
  bays: readonly { id: number; name: string }[],
  rows: readonly TableRow[],
): { entries: Entry[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const entries: Entry[] = [];
  const bayByName = new Map(bays.map((b) => [b.name.toLowerCase(), b.id]));
  rows.forEach((row, index) => {
    const say = (field: string, reason: Problem['reason'], message: string) =>
      problems.push({ index, token: null, reason, message, field });
    const candidates =
      row.line !== undefined
        ? order.lines.filter((l) => l.lineNumber === row.line)
        : row.sku?.trim()
          ? order.lines.filter((l) => l.sku.toLowerCase() === row.sku!.trim().toLowerCase())
          : null;
    if (candidates === null) return say('sku', 'INVALID_ROWS', 'Give the SKU or the line number');
    if (candidates.length === 0) {
      return say(
        row.line !== undefined ? 'line' : 'sku',
        'LINE_NOT_ON_ORDER',
        row.line !== undefined
          ? `Purchase order #${order.id} has no line ${row.line}`
          : `No line of purchase order #${order.id} is for SKU ${row.sku}`,
      );
    }
    if (candidates.length > 1) {
      return say(
        'sku',
        'LINE_NOT_ON_ORDER',
        `SKU ${row.sku} is on lines ${candidates.map((c) => c.lineNumber).join(' and ')}: give the line number`,
      );
    }
    const line = candidates[0]!;
    if (row.line !== undefined && row.sku?.trim() && row.sku.trim().toLowerCase() !== line.sku.toLowerCase()) {
      return say(
        'sku',
        'LINE_NOT_ON_ORDER',
        `Line ${line.lineNumber} is for ${line.sku}, not ${row.sku.trim()}: check the line number and the SKU`,
      );
    }
    let bayId: number | null = null;
    if (row.bay?.trim()) {
      const found = bayByName.get(row.bay.trim().toLowerCase());
      if (found === undefined) return say('bay', 'BAY_NOT_IN_LOCATION', `Bay ${row.bay} is not in the order's location`);
      bayId = found;
    }
    const serial = row.serial?.trim() ?? '';
    const batch = row.batch?.trim() ?? '';
    if (serial && batch) return say('batch', 'INVALID_ROWS', 'A row holds a serial or a batch, not both');
    if (serial) {
      if (row.quantity !== undefined && row.quantity !== 1)
        return say('quantity', 'INVALID_ROWS', 'A serial is one unit: leave the quantity empty or 1');
      entries.push({ index, lineId: line.id, serial, bayId });
    } else if (batch || line.batchTracked) {
      if (row.quantity === undefined)
        return say('quantity', 'BATCH_QUANTITY_MISMATCH', `Give the quantity of batch ${batch || '(no number)'}`);
      entries.push({ index, lineId: line.id, batch, expiry: row.expiry ?? null, quantity: row.quantity, bayId });
    } else {
      say(
        'serial',
        'EMPTY_SERIAL',
        line.serialised ? 'The serial is empty' : `Line ${line.lineNumber} (${line.sku}) takes no serials or batches`,
      );
    }
  });
  return { entries, problems };
}
