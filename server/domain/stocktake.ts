import { DomainError } from './errors.ts';
import { mayWrite, type RoleName } from './roles.ts';
import { roundQuantity } from './quantity.ts';

export type StocktakeStatus = 'draft' | 'counting' | 'review' | 'finalised' | 'cancelled';

/**
 * Blind counting: while a blind stocktake is being counted, only those who may finalise see what
 * the system expects (quantities, serials, variances), so counters count what is there.
 */
export function seesExpected(stocktake: { blind: boolean; status: StocktakeStatus }, role: RoleName): boolean {
  return !stocktake.blind || stocktake.status !== 'counting' || mayWrite(role, 'stocktakes.finalise');
}

/** Counts can be submitted while counting and during review (a recount); never after. */
export function assertTakesCounts(id: number, status: StocktakeStatus): void {
  if (status === 'finalised') throw new DomainError('STOCKTAKE_FINALISED', `Stocktake #${id} is finalised and cannot change.`);
  if (status === 'cancelled') throw new DomainError('STOCKTAKE_NOT_OPEN', `Stocktake #${id} was cancelled.`);
  if (status === 'draft')
    throw new DomainError('STOCKTAKE_NOT_OPEN', `Stocktake #${id} has not started: start it to freeze the expected stock, then count.`);
}

export function assertChangeable(id: number, status: StocktakeStatus): void {
  if (status === 'finalised') throw new DomainError('STOCKTAKE_FINALISED', `Stocktake #${id} is finalised and cannot change.`);
  if (status === 'cancelled') throw new DomainError('STOCKTAKE_NOT_OPEN', `Stocktake #${id} was cancelled.`);
}

/**
 * Review is the approval step: only a stocktake in review may be finalised. Those who count move
 * it from counting to review; those who finalise check the variances there, then finalise.
 */
export function assertFinalisable(id: number, status: StocktakeStatus): void {
  assertChangeable(id, status);
  if (status === 'draft') throw new DomainError('STOCKTAKE_NOT_OPEN', `Stocktake #${id} has not started; there is nothing to finalise.`);
  if (status === 'counting')
    throw new DomainError(
      'STOCKTAKE_NOT_IN_REVIEW',
      `Stocktake #${id} is still being counted: move it to review, check the variances, then finalise.`,
    );
}

export interface ProductFacts {
  id: number;
  sku: string;
  serialised: boolean;
  batchTracked: boolean;
  averageCost: number;
}

/** A place within the counted location: product, bay (or none) and batch number (or none). */
export interface Key {
  productId: number;
  bayId: number | null;
  batchNumber: string | null;
}

export const keyOf = (k: Key) => `${k.productId}|${k.bayId ?? ''}|${k.batchNumber ?? ''}`;

export interface QuantityAt extends Key {
  quantity: number;
}

export interface SerialAt {
  serialId: number;
  serial: string;
  productId: number;
  bayId: number | null;
}

/** Where a serial is now, and whether the ledger moved it since the freeze. */
export interface SerialNow {
  serialId: number;
  status: string;
  locationId: number | null;
  bayId: number | null;
  unitCost: number;
}

export interface Found {
  productId: number;
  bayId: number | null;
  serial: string;
}

export interface VarianceInput {
  locationId: number;
  products: Map<number, ProductFacts>;
  /** Frozen quantities (every tracking kind; for serialised products, the serial counts). */
  expected: (QuantityAt & { unitCost: number })[];
  /** Ledger quantities at the location since the freeze (the stocktake's own excluded). */
  moved: QuantityAt[];
  /** Counted quantities for plain and batch products, summed over sheets and rows. */
  counted: QuantityAt[];
  /** Batch costs by product and number, for valuing batch lines. */
  batchCost: Map<string, number>;
  expectedSerials: SerialAt[];
  found: Found[];
  /** Current state of every serial expected or found, by product and serial. */
  serialsNow: Map<string, SerialNow>;
  /** Serialised product and bay pairs some sheet counted (`productId|bayId`), even finding none. */
  countedSerialPlaces: Set<string>;
  /** Treat places nobody counted as counted empty (their stock is written off). */
  zeroUncounted?: boolean;
}

export interface SerialMove {
  serial: string;
  serialId: number;
  fromLocationId: number | null;
  fromBayId: number | null;
  toBayId: number | null;
}

export interface VarianceLine extends Key {
  sku: string;
  expectedQuantity: number;
  countedQuantity: number | null;
  movedSinceFreeze: number;
  variance: number | null;
  unitCost: number;
  value: number | null;
  missingSerials: string[];
  newSerials: string[];
  misplacedSerials: string[];
}

export interface Variances {
  lines: VarianceLine[];
  /** For finalising: what to do with each serial. */
  missing: (SerialAt & { unitCost: number })[];
  created: Found[];
  /** Known serials found here that were not in stock (written off, shipped): they come back. */
  reinstated: (Found & { serialId: number })[];
  moves: (SerialMove & { productId: number })[];
}

const serialKey = (productId: number, serial: string) => `${productId}|${serial}`;

/**
 * Variances of a stocktake: counted against what was expected at the freeze plus what moved since.
 * Plain and batch lines compare quantities; serialised lines compare serials: expected serials
 * not found (and still here) are missing, unknown ones found are new, known ones found in another
 * bay or location are misplaced. A line nobody counted has no variance (counted null), except
 * for serials found elsewhere that finalising moves out of it.
 */
export function computeVariances(input: VarianceInput): Variances {
  const lines = new Map<string, VarianceLine>();
  const line = (k: Key): VarianceLine => {
    const id = keyOf(k);
    let found = lines.get(id);
    if (!found) {
      const product = input.products.get(k.productId)!;
      // Only the key: the entry that makes the line (a frozen level, a count, a found serial) has more fields.
      found = {
        productId: k.productId,
        bayId: k.bayId,
        batchNumber: k.batchNumber,
        sku: product.sku,
        expectedQuantity: 0,
        countedQuantity: null,
        movedSinceFreeze: 0,
        variance: null,
        unitCost: product.averageCost,
        value: null,
        missingSerials: [],
        newSerials: [],
        misplacedSerials: [],
      };
      lines.set(id, found);
    }
    return found;
  };
  for (const e of input.expected) {
    const l = line(e);
    l.expectedQuantity = roundQuantity(l.expectedQuantity + e.quantity);
    l.unitCost = e.unitCost;
  }
  for (const m of input.moved) {
    const l = line(m);
    l.movedSinceFreeze = roundQuantity(l.movedSinceFreeze + m.quantity);
  }
  for (const c of input.counted) {
    const l = line(c);
    l.countedQuantity = roundQuantity((l.countedQuantity ?? 0) + c.quantity);
  }
  for (const l of lines.values()) {
    if (l.batchNumber !== null) l.unitCost = input.batchCost.get(`${l.productId}|${l.batchNumber}`) ?? l.unitCost;
  }

  const result: Variances = { lines: [], missing: [], created: [], reinstated: [], moves: [] };
  const serialDelta = serialVariances(input, line, result);
  const round2 = (n: number) => Math.round(n * 100) / 100;

  for (const l of lines.values()) {
    const serialised = input.products.get(l.productId)!.serialised;
    if (serialised) {
      // What finalising changes at this bay: serials created or brought here, less those lost or taken away.
      const counted = input.zeroUncounted || input.countedSerialPlaces.has(`${l.productId}|${l.bayId ?? ''}`) || l.countedQuantity !== null;
      if (counted) l.countedQuantity ??= 0;
      // A place nobody counted changes only by serials found elsewhere (moved out): show that too.
      const change = serialDelta.get(keyOf(l));
      if (counted || change) {
        l.variance = change?.quantity ?? 0;
        // Each serial at the cost finalising posts it at (its own recorded cost; new ones at the average).
        l.value = round2(change?.value ?? 0);
      }
    } else if (l.countedQuantity !== null) {
      l.variance = roundQuantity(l.countedQuantity - (l.expectedQuantity + l.movedSinceFreeze));
      l.value = round2(l.variance * l.unitCost);
    }
    result.lines.push(l);
  }
  result.lines.sort(
    (a, b) => a.sku.localeCompare(b.sku) || (a.bayId ?? 0) - (b.bayId ?? 0) || (a.batchNumber ?? '').localeCompare(b.batchNumber ?? ''),
  );
  return result;
}

/**
 * Serial proposals; returns, per line key, how many serials finalising adds (+) or takes (-) there
 * and their value, each serial at the cost finalising posts it at.
 */
function serialVariances(
  input: VarianceInput,
  line: (k: Key) => VarianceLine,
  out: Variances,
): Map<string, { quantity: number; value: number }> {
  const delta = new Map<string, { quantity: number; value: number }>();
  const change = (productId: number, bayId: number | null, by: number, unitCost: number) => {
    const k = keyOf(line({ productId, bayId, batchNumber: null }));
    const d = delta.get(k) ?? { quantity: 0, value: 0 };
    delta.set(k, { quantity: d.quantity + by, value: d.value + by * unitCost });
  };
  const foundAt = new Map<string, Found>();
  for (const f of input.found) if (!foundAt.has(serialKey(f.productId, f.serial))) foundAt.set(serialKey(f.productId, f.serial), f);
  // Every serialised line counts what was found there.
  for (const f of foundAt.values()) {
    const l = line({ productId: f.productId, bayId: f.bayId, batchNumber: null });
    l.countedQuantity = (l.countedQuantity ?? 0) + 1;
  }
  const expected = new Set<string>();
  for (const e of input.expectedSerials) {
    expected.add(serialKey(e.productId, e.serial));
    line({ productId: e.productId, bayId: e.bayId, batchNumber: null });
    const now = input.serialsNow.get(serialKey(e.productId, e.serial));
    // Allocated serials are still on the shelf, promised to an order: here all the same.
    const stillHere = now !== undefined && (now.status === 'in_stock' || now.status === 'allocated') && now.locationId === input.locationId;
    if (!stillHere) continue; // gone since the freeze (shipped, moved): not a loss
    const f = foundAt.get(serialKey(e.productId, e.serial));
    const placeCounted = input.zeroUncounted || input.countedSerialPlaces.has(`${e.productId}|${now.bayId ?? ''}`);
    if (!f && !placeCounted) continue; // nobody counted that bay: no verdict on its serials
    if (!f) {
      line({ productId: e.productId, bayId: now.bayId, batchNumber: null }).missingSerials.push(e.serial);
      change(e.productId, now.bayId, -1, now.unitCost);
      out.missing.push({ ...e, bayId: now.bayId, unitCost: now.unitCost });
    } else if (now.bayId !== f.bayId) {
      move(e.productId, e.serial, now, f.bayId);
    }
  }
  for (const f of foundAt.values()) {
    const k = serialKey(f.productId, f.serial);
    if (expected.has(k)) continue;
    const now = input.serialsNow.get(k);
    if (!now) {
      line({ ...f, batchNumber: null }).newSerials.push(f.serial);
      change(f.productId, f.bayId, +1, input.products.get(f.productId)!.averageCost);
      out.created.push(f);
    } else if (now.status === 'on_order') {
      // Delivered but not yet received on its purchase order: the receipt brings it into stock.
      continue;
    } else if (now.status === 'in_stock' || now.status === 'allocated') {
      if (now.locationId !== input.locationId || now.bayId !== f.bayId) move(f.productId, f.serial, now, f.bayId);
    } else {
      // Written off, shipped or retired, yet here: it comes back into stock where it was found.
      line({ ...f, batchNumber: null }).newSerials.push(f.serial);
      change(f.productId, f.bayId, +1, now.unitCost);
      out.reinstated.push({ ...f, serialId: now.serialId });
    }
  }
  return delta;

  function move(productId: number, serial: string, now: SerialNow, toBayId: number | null) {
    line({ productId, bayId: toBayId, batchNumber: null }).misplacedSerials.push(serial);
    change(productId, toBayId, +1, now.unitCost);
    if (now.locationId === input.locationId) change(productId, now.bayId, -1, now.unitCost);
    out.moves.push({ productId, serial, serialId: now.serialId, fromLocationId: now.locationId, fromBayId: now.bayId, toBayId });
  }
}
