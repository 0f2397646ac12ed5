import type { PrismaClient } from '../../db/generated/client.ts';
import { pgErrorCode } from '../../db/transaction.ts';
import type { Db, Tx } from '../../db/types.ts';
import { DomainError, found, listRejected, type Problem } from '../../domain/errors.ts';
import { checkSerialList, storableSerials } from '../../domain/serial-syntax.ts';
import { applyOnce } from '../idempotency.ts';
import { resolvePlace } from '../locations/service.ts';
import { page } from '../pagination.ts';
import { checkNewSerials, serialisedProduct, type SerialInput } from './check.ts';
import { lockLevels, lockProduct, stockInSerials, takeOutSerials } from '../../ledger/index.ts';

/** Expands and checks serials without writing anything. */
export async function previewSerials(db: Db, input: SerialInput & { productId: number }) {
  await serialisedProduct(db, input.productId);
  const { serials, problems } = await checkNewSerials(db, input.productId, input);
  return { serials, errors: problems };
}

/** Re-checks after a unique violation (another request created one of the serials meanwhile). */
async function explainUniqueViolation(prisma: PrismaClient, productId: number, input: SerialInput, field?: string) {
  const { problems } = await checkNewSerials(prisma, productId, input);
  return listRejected(
    problems.length
      ? problems.map((p) => ({ ...p, field }))
      : [
          {
            index: null,
            token: null,
            reason: 'SERIAL_EXISTS',
            message: 'Another request created some of these serials at the same moment',
            field,
          },
        ],
  );
}

export interface AddSerialsInput {
  productId: number;
  locationId: number;
  bayId?: number | null;
  serials?: string[];
  text?: string;
  unitCost?: number;
  narrative?: string;
  idempotencyKey: string;
}

/** Adds new serials into stock at a location (and bay): all or nothing, once per idempotency key. */
export async function addSerials(prisma: PrismaClient, userId: number, input: AddSerialsInput) {
  const { idempotencyKey, ...request } = input;
  try {
    return await applyOnce(prisma, { userId, procedure: 'serials.add', key: idempotencyKey, input: request }, async (tx) => {
      const product = await serialisedProduct(tx, input.productId);
      const { location, bay } = await resolvePlace(tx, input.locationId, input.bayId);
      const checked = await checkNewSerials(tx, product.id, input);
      if (checked.problems.length > 0) throw listRejected(checked.problems);
      const added = await stockInSerials(tx, {
        productId: product.id,
        locationId: location.id,
        bayId: bay?.id ?? null,
        serials: checked.serials,
        movement: { kind: 'opening', unitCost: input.unitCost ?? 0, userId, narrative: input.narrative },
      });
      return { added, productId: product.id, locationId: location.id, bayId: bay?.id ?? null };
    });
  } catch (error) {
    if (pgErrorCode(error) === '23505') throw await explainUniqueViolation(prisma, input.productId, input);
    throw error;
  }
}

export interface AdjustSerialsInput {
  productId: number;
  locationId: number;
  bayId?: number | null;
  add?: string[];
  remove?: string[];
  glCode: string;
  unitCost?: number;
  narrative?: string;
  idempotencyKey: string;
}

/**
 * A serial number adjustment: adds new serials at the location (and bay) and/or writes off serials
 * in stock there, each side with its ledger rows and GL code, in one transaction.
 */
export async function adjustSerials(prisma: PrismaClient, userId: number, input: AdjustSerialsInput) {
  const { idempotencyKey, ...request } = input;
  const add = input.add ?? [];
  const remove = input.remove ?? [];
  if (add.length === 0 && remove.length === 0) {
    throw new DomainError('INVALID_INPUT', 'Name serials to add or to remove; the adjustment is empty.');
  }
  if (add.length > 0 && input.unitCost === undefined) {
    throw new DomainError('INVALID_INPUT', 'Give the unit cost of the serials being added (it values the stock and the journal).');
  }
  try {
    return await applyOnce(prisma, { userId, procedure: 'serials.adjust', key: idempotencyKey, input: request }, async (tx) => {
      const product = await serialisedProduct(tx, input.productId);
      const { location, bay } = await resolvePlace(tx, input.locationId, input.bayId);
      const checkedAdd = await checkNewSerials(tx, product.id, { serials: add });
      const problems: Problem[] = checkedAdd.problems.map((p) => ({ ...p, field: 'add' }));
      const removal = await lockSerialsForRemoval(tx, product.id, location, remove);
      problems.push(...removal.problems);
      const adding = new Set(checkedAdd.serials);
      removal.rows.forEach((row) => {
        if (adding.has(row.serial)) {
          problems.push({
            index: row.index,
            token: row.serial,
            reason: 'DUPLICATE_SERIAL',
            field: 'remove',
            message: `Serial ${row.serial} is both added and removed`,
          });
        }
      });
      if (problems.length > 0) throw listRejected(problems);

      // Several places change: take the locks in the ledger's order (product, then bays in order)
      // so two adjustments crossing the same bays queue instead of deadlocking.
      if (checkedAdd.serials.length > 0) await lockProduct(tx, product.id);
      await lockLevels(tx, product.id, location.id, [
        ...(checkedAdd.serials.length > 0 ? [bay?.id ?? null] : []),
        ...removal.rows.map((row) => row.bayId),
      ]);
      const base = { kind: 'adjustment' as const, userId, glCode: input.glCode, narrative: input.narrative };
      const added = await stockInSerials(tx, {
        productId: product.id,
        locationId: location.id,
        bayId: bay?.id ?? null,
        serials: checkedAdd.serials,
        movement: { ...base, unitCost: input.unitCost ?? 0 },
      });
      await takeOutSerials(tx, product.id, location.id, removal.rows, base);
      const removed = removal.rows.length;
      return { added, removed };
    });
  } catch (error) {
    if (pgErrorCode(error) === '23505') throw await explainUniqueViolation(prisma, input.productId, { serials: add }, 'add');
    throw error;
  }
}

interface LockedSerial {
  index: number;
  id: number;
  serial: string;
  bayId: number | null;
  unitCost: string;
}

/** Locks the serials to remove and checks each is in stock at the location; lists what is not. */
async function lockSerialsForRemoval(tx: Tx, productId: number, location: { id: number; name: string }, remove: string[]) {
  const checked = checkSerialList(remove);
  const problems: Problem[] = checked.problems.map((p) => ({ ...p, field: 'remove' }));
  const invalid = new Set(checked.problems.map((p) => p.index));
  const lookUp = storableSerials(checked.serials);
  if (lookUp.length === 0) return { rows: [] as LockedSerial[], problems };
  const found = await tx.$queryRaw<
    {
      id: number;
      serial: string;
      status: string;
      location_id: number | null;
      bay_id: number | null;
      unit_cost: string;
      location: string | null;
    }[]
  >`
    SELECT s.id, s.serial, s.status::text, s.location_id, s.bay_id, s.unit_cost::text, l.name AS location
    FROM serial_number s LEFT JOIN location l ON l.id = s.location_id
    WHERE s.product_id = ${productId} AND s.serial = ANY(${lookUp}::text[])
    ORDER BY s.id
    FOR UPDATE OF s`;
  const bySerial = new Map(found.map((row) => [row.serial, row]));
  const rows: LockedSerial[] = [];
  checked.serials.forEach((serial, index) => {
    if (invalid.has(index)) return;
    const row = bySerial.get(serial);
    if (!row) {
      problems.push({
        index,
        token: serial,
        field: 'remove',
        reason: 'SERIAL_NOT_FOUND',
        message: `Serial ${serial} does not exist for this product`,
      });
    } else if (row.status !== 'in_stock' || row.location_id !== location.id) {
      const where = row.status === 'in_stock' || row.status === 'allocated' ? ` at ${row.location}` : '';
      problems.push({
        index,
        token: serial,
        field: 'remove',
        reason: 'SERIAL_NOT_IN_STOCK',
        message: `Serial ${serial} is not in stock at ${location.name} (it is ${row.status.replace('_', ' ')}${where})`,
      });
    } else {
      rows.push({ index, id: row.id, serial, bayId: row.bay_id, unitCost: row.unit_cost });
    }
  });
  return { rows, problems };
}

const SERIAL_SELECT = {
  id: true,
  productId: true,
  serial: true,
  status: true,
  locationId: true,
  bayId: true,
  unitCost: true,
  createdAt: true,
  product: { select: { sku: true } },
  location: { select: { name: true } },
  bay: { select: { name: true } },
} as const;

/** Prisma's `contains` is a LIKE pattern: escape its wildcards so `%` and `_` match themselves (as products.list does). */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function listSerials(
  db: Db,
  input: {
    productId?: number;
    locationId?: number;
    status?: 'on_order' | 'in_stock' | 'allocated' | 'shipped' | 'consumed' | 'written_off' | 'retired';
    search?: string;
    cursor?: number;
    limit: number;
  },
) {
  const trimmed = input.search?.trim();
  const search = trimmed ? likeLiteral(trimmed) : undefined;
  const rows = await db.serialNumber.findMany({
    where: {
      productId: input.productId,
      locationId: input.locationId,
      // Serials on order belong to their purchase order until received: listed only when asked for.
      status: input.status ?? { not: 'on_order' },
      ...(search ? { serial: { contains: search, mode: 'insensitive' } } : {}),
      ...(input.cursor ? { id: { gt: input.cursor } } : {}),
    },
    orderBy: { id: 'asc' },
    take: input.limit + 1,
    select: SERIAL_SELECT,
  });
  return page(
    rows.map(({ product, location, bay, unitCost, ...row }) => ({
      ...row,
      unitCost: Number(unitCost),
      sku: product.sku,
      locationName: location?.name ?? null,
      bayName: bay?.name ?? null,
    })),
    input.limit,
  );
}

/** One serial end to end: where it is now and every movement that touched it, oldest first. */
export async function serialHistory(db: Db, productId: number, serial: string) {
  const row = found(
    await db.serialNumber.findUnique({ where: { productId_serial: { productId, serial: serial.trim() } }, select: SERIAL_SELECT }),
    'Serial',
    `${serial} of product ${productId}`,
  );
  const movements = await db.stockMovementSerial.findMany({
    where: { serialId: row.id },
    orderBy: { movementId: 'asc' },
    select: {
      status: true,
      movement: {
        select: {
          id: true,
          kind: true,
          quantity: true,
          unitCost: true,
          glCode: true,
          narrative: true,
          documentType: true,
          documentId: true,
          createdAt: true,
          location: { select: { id: true, name: true } },
          bay: { select: { id: true, name: true } },
          user: { select: { id: true, name: true } },
          customer: { select: { id: true, name: true } },
        },
      },
    },
  });
  const { product, location, bay, unitCost, ...current } = row;
  return {
    serial: { ...current, unitCost: Number(unitCost), sku: product.sku, locationName: location?.name ?? null, bayName: bay?.name ?? null },
    movements: movements.map(({ status, movement }) => ({
      ...movement,
      quantity: Number(movement.quantity),
      unitCost: Number(movement.unitCost),
      statusAfter: status,
    })),
  };
}
