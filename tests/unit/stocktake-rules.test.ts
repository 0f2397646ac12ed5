import { describe, expect, it } from 'vitest';
import { refusedBy as refused } from '../helpers/rules.ts';
import {
  assertChangeable,
  assertFinalisable,
  assertTakesCounts,
  computeVariances,
  type ProductFacts,
  type SerialNow,
  type StocktakeStatus,
  type VarianceInput,
  type VarianceLine,
} from '../../server/domain/stocktake.ts';

const ALL: StocktakeStatus[] = ['draft', 'counting', 'review', 'finalised', 'cancelled'];

describe('assertTakesCounts', () => {
  it('takes counts while counting and in review (a recount)', () => {
    expect(() => assertTakesCounts(7, 'counting')).not.toThrow();
    expect(() => assertTakesCounts(7, 'review')).not.toThrow();
  });

  it('refuses a draft: it must be started (frozen) first', () => {
    const e = refused(() => assertTakesCounts(7, 'draft'));
    expect(e.reason).toBe('STOCKTAKE_NOT_OPEN');
    expect(e.message).toContain('#7');
    expect(e.message).toMatch(/start it/);
  });

  it('refuses a cancelled stocktake as not open and a finalised one as finalised', () => {
    expect(refused(() => assertTakesCounts(7, 'cancelled')).reason).toBe('STOCKTAKE_NOT_OPEN');
    const e = refused(() => assertTakesCounts(7, 'finalised'));
    expect(e.reason).toBe('STOCKTAKE_FINALISED');
    expect(e.message).toBe('Stocktake #7 is finalised and cannot change.');
  });

  it('takes counts in exactly two statuses', () => {
    const open = ALL.filter((s) => {
      try {
        assertTakesCounts(1, s);
        return true;
      } catch {
        return false;
      }
    });
    expect(open).toEqual(['counting', 'review']);
  });
});

describe('assertChangeable', () => {
  it('lets draft, counting and review change', () => {
    for (const s of ['draft', 'counting', 'review'] as const) expect(() => assertChangeable(3, s)).not.toThrow();
  });

  it('refuses finalised (immutable) and cancelled', () => {
    expect(refused(() => assertChangeable(3, 'finalised')).reason).toBe('STOCKTAKE_FINALISED');
    const cancelled = refused(() => assertChangeable(3, 'cancelled'));
    expect(cancelled.reason).toBe('STOCKTAKE_NOT_OPEN');
    expect(cancelled.message).toContain('cancelled');
  });
});

describe('assertFinalisable (review is the approval step)', () => {
  it('finalises a stocktake in review', () => {
    expect(() => assertFinalisable(12, 'review')).not.toThrow();
  });

  it('refuses one still being counted, saying to move it to review first', () => {
    const e = refused(() => assertFinalisable(12, 'counting'));
    expect(e.reason).toBe('STOCKTAKE_NOT_IN_REVIEW');
    expect(e.message).toBe('Stocktake #12 is still being counted: move it to review, check the variances, then finalise.');
  });

  it('refuses a draft as not started, a cancelled one as not open and a finalised one as finalised', () => {
    const draft = refused(() => assertFinalisable(12, 'draft'));
    expect(draft.reason).toBe('STOCKTAKE_NOT_OPEN');
    expect(draft.message).toBe('Stocktake #12 has not started; there is nothing to finalise.');
    expect(refused(() => assertFinalisable(12, 'cancelled'))).toMatchObject({
      reason: 'STOCKTAKE_NOT_OPEN',
      message: 'Stocktake #12 was cancelled.',
    });
    expect(refused(() => assertFinalisable(12, 'finalised'))).toMatchObject({
      reason: 'STOCKTAKE_FINALISED',
      message: 'Stocktake #12 is finalised and cannot change.',
    });
  });

  it('finalises in exactly one status', () => {
    const finalisable = ALL.filter((s) => {
      try {
        assertFinalisable(1, s);
        return true;
      } catch {
        return false;
      }
    });
    expect(finalisable).toEqual(['review']);
  });
});

// ---- computeVariances ------------------------------------------------------------------------

const LOC = 1;
const OTHER_LOC = 2;
const BAY_A = 10;
const BAY_B = 11;

const PLAIN: ProductFacts = { id: 1, sku: 'A-PLAIN', serialised: false, batchTracked: false, averageCost: 2.5 };
const BATCH: ProductFacts = { id: 2, sku: 'B-BATCH', serialised: false, batchTracked: true, averageCost: 3 };
const SER: ProductFacts = { id: 3, sku: 'C-SER', serialised: true, batchTracked: false, averageCost: 20 };

function input(extra: Partial<VarianceInput> = {}): VarianceInput {
  return {
    locationId: LOC,
    products: new Map([PLAIN, BATCH, SER].map((p) => [p.id, p])),
    expected: [],
    moved: [],
    counted: [],
    batchCost: new Map(),
    expectedSerials: [],
    found: [],
    serialsNow: new Map(),
    countedSerialPlaces: new Set(),
    ...extra,
  };
}

function lineOf(lines: VarianceLine[], productId: number, bayId: number | null, batchNumber: string | null = null): VarianceLine {
  const found = lines.filter((l) => l.productId === productId && l.bayId === bayId && l.batchNumber === batchNumber);
  expect(found, `one line for product ${productId} bay ${bayId} batch ${batchNumber}`).toHaveLength(1);
  return found[0]!;
}

let nextSerialId = 100;
/** A serial in the frozen list and where it is now (defaults: still in stock where it was expected). */
function serial(name: string, bayId: number | null, now: Partial<SerialNow> = {}, unitCost = 20) {
  const serialId = nextSerialId++;
  return {
    expected: { serialId, serial: name, productId: SER.id, bayId },
    now: [`${SER.id}|${name}`, { serialId, status: 'in_stock', locationId: LOC, bayId, unitCost, ...now }] as [string, SerialNow],
  };
}

describe('computeVariances: plain and batch quantities', () => {
  it('a plain short count is a negative variance valued at the frozen cost', () => {
    const v = computeVariances(
      input({
        expected: [{ productId: PLAIN.id, bayId: BAY_A, batchNumber: null, quantity: 10, unitCost: 2.2 }],
        counted: [{ productId: PLAIN.id, bayId: BAY_A, batchNumber: null, quantity: 8 }],
      }),
    );
    expect(v.lines).toEqual([
      {
        productId: PLAIN.id,
        bayId: BAY_A,
        batchNumber: null,
        sku: 'A-PLAIN',
        expectedQuantity: 10,
        countedQuantity: 8,
        movedSinceFreeze: 0,
        variance: -2,
        unitCost: 2.2,
        value: -4.4,
        missingSerials: [],
        newSerials: [],
        misplacedSerials: [],
      },
    ]);
  });

  it('a line nobody counted has no variance and no value', () => {
    const v = computeVariances(input({ expected: [{ productId: PLAIN.id, bayId: BAY_A, batchNumber: null, quantity: 4, unitCost: 1 }] }));
    expect(lineOf(v.lines, PLAIN.id, BAY_A)).toMatchObject({ expectedQuantity: 4, countedQuantity: null, variance: null, value: null });
  });

  it('movements since the freeze are expected too, not variances', () => {
    const v = computeVariances(
      input({
        expected: [{ productId: PLAIN.id, bayId: BAY_A, batchNumber: null, quantity: 10, unitCost: 2 }],
        moved: [
          { productId: PLAIN.id, bayId: BAY_A, batchNumber: null, quantity: 3 },
          { productId: PLAIN.id, bayId: BAY_A, batchNumber: null, quantity: -1 },
        ],
        counted: [{ productId: PLAIN.id, bayId: BAY_A, batchNumber: null, quantity: 12 }],
      }),
    );
    expect(lineOf(v.lines, PLAIN.id, BAY_A)).toMatchObject({
      expectedQuantity: 10,
      movedSinceFreeze: 2,
      countedQuantity: 12,
      variance: 0,
      value: 0,
    });
  });

  it('counts of one place from several sheets add up', () => {
    const v = computeVariances(
      input({
        expected: [{ productId: PLAIN.id, bayId: BAY_A, batchNumber: null, quantity: 10, unitCost: 2 }],
        counted: [
          { productId: PLAIN.id, bayId: BAY_A, batchNumber: null, quantity: 4 },
          { productId: PLAIN.id, bayId: BAY_A, batchNumber: null, quantity: 7 },
        ],
      }),
    );
    expect(lineOf(v.lines, PLAIN.id, BAY_A)).toMatchObject({ countedQuantity: 11, variance: 1, value: 2 });
  });

  it('quantities with decimals do not pick up floating point dust', () => {
    const v = computeVariances(
      input({
        expected: [{ productId: PLAIN.id, bayId: null, batchNumber: null, quantity: 0.3, unitCost: 1 }],
        counted: [
          { productId: PLAIN.id, bayId: null, batchNumber: null, quantity: 0.1 },
          { productId: PLAIN.id, bayId: null, batchNumber: null, quantity: 0.2 },
        ],
      }),
    );
    expect(lineOf(v.lines, PLAIN.id, null)).toMatchObject({ countedQuantity: 0.3, variance: 0, value: 0 });
  });

  it('a batch over count is valued at the batch cost; a new batch number at the average cost', () => {
    const v = computeVariances(
      input({
        expected: [{ productId: BATCH.id, bayId: BAY_A, batchNumber: 'B1', quantity: 5, unitCost: 4 }],
        batchCost: new Map([[`${BATCH.id}|B1`, 4]]),
        counted: [
          { productId: BATCH.id, bayId: BAY_A, batchNumber: 'B1', quantity: 7 },
          { productId: BATCH.id, bayId: BAY_A, batchNumber: 'NEW', quantity: 2 },
        ],
      }),
    );
    expect(lineOf(v.lines, BATCH.id, BAY_A, 'B1')).toMatchObject({
      expectedQuantity: 5,
      countedQuantity: 7,
      variance: 2,
      unitCost: 4,
      value: 8,
    });
    expect(lineOf(v.lines, BATCH.id, BAY_A, 'NEW')).toMatchObject({
      expectedQuantity: 0,
      countedQuantity: 2,
      variance: 2,
      unitCost: 3,
      value: 6,
    });
  });

  it('a place that only moved since the freeze has a line of its own (to count)', () => {
    const v = computeVariances(input({ moved: [{ productId: PLAIN.id, bayId: BAY_B, batchNumber: null, quantity: 5 }] }));
    expect(lineOf(v.lines, PLAIN.id, BAY_B)).toMatchObject({
      expectedQuantity: 0,
      movedSinceFreeze: 5,
      countedQuantity: null,
      variance: null,
    });
  });

  it('lines come sorted by SKU, then bay, then batch', () => {
    const v = computeVariances(
      input({
        counted: [
          { productId: SER.id, bayId: BAY_A, batchNumber: null, quantity: 0 },
          { productId: BATCH.id, bayId: BAY_B, batchNumber: 'Z', quantity: 1 },
          { productId: BATCH.id, bayId: BAY_B, batchNumber: 'A', quantity: 1 },
          { productId: BATCH.id, bayId: BAY_A, batchNumber: 'Q', quantity: 1 },
          { productId: PLAIN.id, bayId: BAY_B, batchNumber: null, quantity: 1 },
          { productId: PLAIN.id, bayId: null, batchNumber: null, quantity: 1 },
        ],
      }),
    );
    expect(v.lines.map((l) => [l.sku, l.bayId, l.batchNumber])).toEqual([
      ['A-PLAIN', null, null],
      ['A-PLAIN', BAY_B, null],
      ['B-BATCH', BAY_A, 'Q'],
      ['B-BATCH', BAY_B, 'A'],
      ['B-BATCH', BAY_B, 'Z'],
      ['C-SER', BAY_A, null],
    ]);
  });
});

describe('computeVariances: serials', () => {
  const level = (bayId: number | null, quantity: number) => ({
    productId: SER.id,
    bayId,
    batchNumber: null,
    quantity,
    unitCost: SER.averageCost,
  });

  it('an expected serial not found in a counted bay is missing, valued at its own recorded cost', () => {
    const s1 = serial('S1', BAY_A, {}, 25);
    const s2 = serial('S2', BAY_A, {}, 31);
    const v = computeVariances(
      input({
        expected: [level(BAY_A, 2)],
        expectedSerials: [s1.expected, s2.expected],
        serialsNow: new Map([s1.now, s2.now]),
        found: [{ productId: SER.id, bayId: BAY_A, serial: 'S1' }],
        countedSerialPlaces: new Set([`${SER.id}|${BAY_A}`]),
      }),
    );
    const l = lineOf(v.lines, SER.id, BAY_A);
    expect(l).toMatchObject({
      expectedQuantity: 2,
      countedQuantity: 1,
      variance: -1,
      missingSerials: ['S2'],
      newSerials: [],
      misplacedSerials: [],
    });
    // Finalising writes S2 off at its recorded cost (31), so the review values it so too.
    expect(l.value).toBe(-31);
    expect(v.missing).toEqual([{ ...s2.expected, unitCost: 31 }]);
    expect(v.created).toEqual([]);
    expect(v.moves).toEqual([]);
  });

  it('a bay counted empty writes off every serial expected there', () => {
    const s1 = serial('E1', BAY_A);
    const s2 = serial('E2', BAY_A);
    const v = computeVariances(
      input({
        expected: [level(BAY_A, 2)],
        expectedSerials: [s1.expected, s2.expected],
        serialsNow: new Map([s1.now, s2.now]),
        countedSerialPlaces: new Set([`${SER.id}|${BAY_A}`]),
      }),
    );
    expect(lineOf(v.lines, SER.id, BAY_A)).toMatchObject({ countedQuantity: 0, variance: -2, value: -40, missingSerials: ['E1', 'E2'] });
  });

  it('an unknown serial found is new, valued at the average cost it will be created at', () => {
    const v = computeVariances(
      input({
        found: [{ productId: SER.id, bayId: BAY_A, serial: 'NEW1' }],
        countedSerialPlaces: new Set([`${SER.id}|${BAY_A}`]),
      }),
    );
    expect(lineOf(v.lines, SER.id, BAY_A)).toMatchObject({
      expectedQuantity: 0,
      countedQuantity: 1,
      variance: 1,
      value: 20,
      newSerials: ['NEW1'],
    });
    expect(v.created).toEqual([{ productId: SER.id, bayId: BAY_A, serial: 'NEW1' }]);
  });

  it('an expected serial found in another bay is misplaced: a move, no loss and no gain overall', () => {
    const s1 = serial('M1', BAY_A, {}, 12);
    const v = computeVariances(
      input({
        expected: [level(BAY_A, 1)],
        expectedSerials: [s1.expected],
        serialsNow: new Map([s1.now]),
        found: [{ productId: SER.id, bayId: BAY_B, serial: 'M1' }],
        countedSerialPlaces: new Set([`${SER.id}|${BAY_A}`, `${SER.id}|${BAY_B}`]),
      }),
    );
    expect(lineOf(v.lines, SER.id, BAY_B)).toMatchObject({
      expectedQuantity: 0,
      countedQuantity: 1,
      variance: 1,
      value: 12,
      misplacedSerials: ['M1'],
      missingSerials: [],
    });
    expect(lineOf(v.lines, SER.id, BAY_A)).toMatchObject({
      expectedQuantity: 1,
      countedQuantity: 0,
      variance: -1,
      value: -12,
      missingSerials: [],
    });
    expect(v.missing).toEqual([]);
    expect(v.moves).toEqual([
      { productId: SER.id, serial: 'M1', serialId: s1.expected.serialId, fromLocationId: LOC, fromBayId: BAY_A, toBayId: BAY_B },
    ]);
  });

  it('a serial in stock at another location found here is misplaced and comes here', () => {
    const elsewhere = serial('X1', 77, { locationId: OTHER_LOC }, 15);
    const v = computeVariances(
      input({
        found: [{ productId: SER.id, bayId: BAY_A, serial: 'X1' }],
        serialsNow: new Map([elsewhere.now]),
        countedSerialPlaces: new Set([`${SER.id}|${BAY_A}`]),
      }),
    );
    expect(lineOf(v.lines, SER.id, BAY_A)).toMatchObject({ variance: 1, value: 15, misplacedSerials: ['X1'], newSerials: [] });
    expect(v.moves).toEqual([
      { productId: SER.id, serial: 'X1', serialId: elsewhere.expected.serialId, fromLocationId: OTHER_LOC, fromBayId: 77, toBayId: BAY_A },
    ]);
    expect(v.lines).toHaveLength(1); // nothing at this location loses it
  });

  it('a written-off serial found again is reinstated where it was found', () => {
    const gone = serial('W1', BAY_A, { status: 'written_off' }, 9);
    const v = computeVariances(
      input({
        found: [{ productId: SER.id, bayId: BAY_B, serial: 'W1' }],
        serialsNow: new Map([gone.now]),
        countedSerialPlaces: new Set([`${SER.id}|${BAY_B}`]),
      }),
    );
    expect(lineOf(v.lines, SER.id, BAY_B)).toMatchObject({ variance: 1, value: 9, newSerials: ['W1'] });
    expect(v.reinstated).toEqual([{ productId: SER.id, bayId: BAY_B, serial: 'W1', serialId: gone.expected.serialId }]);
    expect(v.created).toEqual([]);
  });

  it('a serial written off or shipped after the freeze is not missing', () => {
    const written = serial('G1', BAY_A, { status: 'written_off' });
    const shipped = serial('G2', BAY_A, { status: 'shipped', locationId: null, bayId: null });
    const v = computeVariances(
      input({
        expected: [level(BAY_A, 2)],
        moved: [{ productId: SER.id, bayId: BAY_A, batchNumber: null, quantity: -2 }],
        expectedSerials: [written.expected, shipped.expected],
        serialsNow: new Map([written.now, shipped.now]),
        countedSerialPlaces: new Set([`${SER.id}|${BAY_A}`]),
      }),
    );
    expect(lineOf(v.lines, SER.id, BAY_A)).toMatchObject({
      expectedQuantity: 2,
      movedSinceFreeze: -2,
      countedQuantity: 0,
      variance: 0,
      value: 0,
      missingSerials: [],
    });
    expect(v.missing).toEqual([]);
  });

  it('a serial added since the freeze and found where it was put is no variance', () => {
    const added = serial('N1', BAY_A);
    const v = computeVariances(
      input({
        moved: [{ productId: SER.id, bayId: BAY_A, batchNumber: null, quantity: 1 }],
        found: [{ productId: SER.id, bayId: BAY_A, serial: 'N1' }],
        serialsNow: new Map([added.now]),
        countedSerialPlaces: new Set([`${SER.id}|${BAY_A}`]),
      }),
    );
    expect(lineOf(v.lines, SER.id, BAY_A)).toMatchObject({
      movedSinceFreeze: 1,
      countedQuantity: 1,
      variance: 0,
      newSerials: [],
      misplacedSerials: [],
    });
    expect(v.created).toEqual([]);
    expect(v.moves).toEqual([]);
  });

  it('a bay nobody counted gives no verdict on its serials; zeroUncounted writes them off', () => {
    const s1 = serial('U1', BAY_A, {}, 18);
    const base = { expected: [level(BAY_A, 1)], expectedSerials: [s1.expected], serialsNow: new Map([s1.now]) };
    const open = computeVariances(input(base));
    expect(lineOf(open.lines, SER.id, BAY_A)).toMatchObject({ countedQuantity: null, variance: null, value: null, missingSerials: [] });
    expect(open.missing).toEqual([]);

    const zeroed = computeVariances(input({ ...base, zeroUncounted: true }));
    expect(lineOf(zeroed.lines, SER.id, BAY_A)).toMatchObject({ countedQuantity: 0, variance: -1, value: -18, missingSerials: ['U1'] });
    expect(zeroed.missing).toEqual([{ ...s1.expected, unitCost: 18 }]);
  });

  it('a serial found here from a bay nobody counted: that bay shows it leaving, still uncounted', () => {
    const far = serial('O2', BAY_B, {}, 14);
    const v = computeVariances(
      input({
        found: [{ productId: SER.id, bayId: BAY_A, serial: 'O2' }],
        serialsNow: new Map([far.now]),
        countedSerialPlaces: new Set([`${SER.id}|${BAY_A}`]),
      }),
    );
    expect(lineOf(v.lines, SER.id, BAY_A)).toMatchObject({ countedQuantity: 1, variance: 1, value: 14, misplacedSerials: ['O2'] });
    expect(lineOf(v.lines, SER.id, BAY_B)).toMatchObject({ expectedQuantity: 0, countedQuantity: null, variance: -1, value: -14 });
  });

  it('a serial listed on two sheets is found once', () => {
    const s1 = serial('D1', BAY_A);
    const v = computeVariances(
      input({
        expected: [level(BAY_A, 1)],
        expectedSerials: [s1.expected],
        serialsNow: new Map([s1.now]),
        found: [
          { productId: SER.id, bayId: BAY_A, serial: 'D1' },
          { productId: SER.id, bayId: BAY_A, serial: 'D1' },
        ],
        countedSerialPlaces: new Set([`${SER.id}|${BAY_A}`]),
      }),
    );
    expect(lineOf(v.lines, SER.id, BAY_A)).toMatchObject({ countedQuantity: 1, variance: 0 });
  });

  it('a serial line value adds up the serials finalising touches, each at its own cost', () => {
    const keep = serial('K1', BAY_A, {}, 10);
    const lost = serial('K2', BAY_A, {}, 40);
    const elsewhere = serial('K3', 5, { locationId: OTHER_LOC }, 7);
    const v = computeVariances(
      input({
        expected: [level(BAY_A, 2)],
        expectedSerials: [keep.expected, lost.expected],
        serialsNow: new Map([keep.now, lost.now, elsewhere.now]),
        found: [
          { productId: SER.id, bayId: BAY_A, serial: 'K1' },
          { productId: SER.id, bayId: BAY_A, serial: 'K3' },
          { productId: SER.id, bayId: BAY_A, serial: 'K4' },
        ],
        countedSerialPlaces: new Set([`${SER.id}|${BAY_A}`]),
      }),
    );
    // K2 lost (-40), K3 brought in (+7), K4 created at the average cost (+20).
    expect(lineOf(v.lines, SER.id, BAY_A)).toMatchObject({
      countedQuantity: 3,
      variance: 1,
      value: -13,
      missingSerials: ['K2'],
      misplacedSerials: ['K3'],
      newSerials: ['K4'],
    });
  });
});
