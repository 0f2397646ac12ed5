import type { PrismaClient } from '../../db/generated/client.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { Db, Tx } from '../../db/types.ts';
import { DomainError, found } from '../../domain/errors.ts';

const LOCATION_SELECT = {
  id: true,
  name: true,
  createdAt: true,
  bays: { select: { id: true, name: true }, orderBy: { name: 'asc' } },
} as const;

type LocationRow = { id: number; name: string; archivedAt: Date | null };

/**
 * The location, refused when deleted. `lock` takes a row lock for the rest of the transaction:
 * 'share' while stock is put at it (many at once), 'update' to delete it (alone). Without them a
 * delete and a stock change at the same moment could each miss the other.
 */
async function activeLocation(db: Db, id: number, lock?: 'share' | 'update') {
  let row: LocationRow | undefined;
  if (lock === 'share') {
    [row] = await db.$queryRaw<LocationRow[]>`SELECT id, name, archived_at AS "archivedAt" FROM location WHERE id = ${id} FOR SHARE`;
  } else if (lock === 'update') {
    [row] = await db.$queryRaw<LocationRow[]>`SELECT id, name, archived_at AS "archivedAt" FROM location WHERE id = ${id} FOR UPDATE`;
  } else {
    row = (await db.location.findUnique({ where: { id }, select: { id: true, name: true, archivedAt: true } })) ?? undefined;
  }
  const location = found(row, 'Location', id);
  if (location.archivedAt) throw new DomainError('NOT_FOUND', `Location ${location.name} was deleted; choose another location.`);
  return location;
}

/**
 * The location (and bay, when given) where stock is put or taken: refuses a deleted location and a
 * bay of another location. Every stock change resolves its place through here, inside its
 * transaction: the location stays locked against deletion until that transaction ends.
 */
export async function resolvePlace(db: Db, locationId: number, bayId: number | null | undefined) {
  const location = await activeLocation(db, locationId, 'share');
  if (bayId == null) return { location, bay: null };
  const bay = found(await db.bay.findUnique({ where: { id: bayId }, select: { id: true, name: true, locationId: true } }), 'Bay', bayId);
  if (bay.locationId !== locationId) {
    throw new DomainError(
      'BAY_NOT_IN_LOCATION',
      `Bay ${bay.name} is not in ${location.name}; choose one of ${location.name}'s bays or leave the bay empty.`,
    );
  }
  return { location, bay };
}

async function ensureNameFree(db: Db, name: string, exceptId?: number) {
  const clash = await db.location.findFirst({
    where: { name: { equals: name, mode: 'insensitive' }, archivedAt: null, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true },
  });
  if (clash) throw new DomainError('LOCATION_NAME_TAKEN', `A location named "${name}" already exists; choose another name.`);
}

export function createLocation(prisma: PrismaClient, name: string) {
  return inTransaction(prisma, async (tx) => {
    // Serialise location creation so the name check cannot race (names are unique among active locations).
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('stocksheet.location.name'))`;
    await ensureNameFree(tx, name);
    return tx.location.create({ data: { name }, select: LOCATION_SELECT });
  });
}

export function renameLocation(prisma: PrismaClient, id: number, name: string) {
  return inTransaction(prisma, async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('stocksheet.location.name'))`;
    await activeLocation(tx, id);
    await ensureNameFree(tx, name, id);
    return tx.location.update({ where: { id }, data: { name }, select: LOCATION_SELECT });
  });
}

export function addBay(prisma: PrismaClient, locationId: number, name: string) {
  return inTransaction(prisma, async (tx) => {
    const location = await activeLocation(tx, locationId);
    const inserted = await tx.$queryRaw<{ id: number; name: string }[]>`
      INSERT INTO bay (location_id, name) VALUES (${locationId}, ${name})
      ON CONFLICT (location_id, name) DO NOTHING RETURNING id, name`;
    if (inserted.length === 0) throw new DomainError('BAY_NAME_TAKEN', `${location.name} already has a bay named "${name}".`);
    return { ...inserted[0]!, locationId };
  });
}

export async function listLocations(db: Db) {
  const items = await db.location.findMany({ where: { archivedAt: null }, select: LOCATION_SELECT, orderBy: { name: 'asc' } });
  return { items, nextCursor: null };
}

/** Deletes (archives) a location that holds no stock; its history stays in the ledger. */
export function deleteLocation(prisma: PrismaClient, id: number) {
  return inTransaction(prisma, async (tx: Tx) => {
    // Lock the location first: stock changes there (which lock it for share) finish before we
    // look at its stock, and later ones wait and then find it deleted.
    const location = await activeLocation(tx, id, 'update');
    const [held] = await tx.$queryRaw<{ quantity: string; serials: number }[]>`
      SELECT COALESCE((SELECT SUM(quantity) FROM stock_level WHERE location_id = ${id}), 0)::text AS quantity,
             (SELECT COUNT(*)::int FROM serial_number WHERE location_id = ${id} AND status IN ('in_stock', 'allocated')) AS serials`;
    if (Number(held!.quantity) > 0 || held!.serials > 0) {
      throw new DomainError(
        'LOCATION_HAS_STOCK',
        `${location.name} still holds stock (${Number(held!.quantity)} units); move or adjust it out before deleting the location.`,
      );
    }
    await tx.location.update({ where: { id }, data: { archivedAt: new Date() } });
    return { id, deleted: true as const };
  });
}
