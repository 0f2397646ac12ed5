import { Prisma } from '../../db/generated/client.ts';
import type { Db, Tx } from '../../db/types.ts';
import { judgeSerial, type SerialState } from '../../domain/allocation.ts';
import { DomainError, type Problem } from '../../domain/errors.ts';
import { checkSerialList, expandSerialText, storableSerials } from '../../domain/serial-syntax.ts';
import { changeSerialStatus, type MovementInfo } from '../../ledger/index.ts';
import { DOCUMENT_KINDS } from '../../domain/documents.ts';
import { carriersOf, CLEAR_HOLDERS, HOLDER_NAME, HOLDERS, ownerHolder, ownerOf, type OwnerType } from './holders.ts';
import type { LineTarget } from './targets.ts';

interface SerialRow {
  id: number;
  serial: string;
  status: string;
  location_id: number | null;
  location: string | null;
  held_by: number | null;
  carried_by: number | null;
  holder: string | null;
  carrier_name: string | null;
}

function state(row: SerialRow): SerialState {
  return {
    serial: row.serial,
    status: row.status,
    locationId: row.location_id,
    locationName: row.location,
    heldBy: row.held_by,
    carriedBy: row.carried_by,
    holder: row.holder,
    carrierName: row.carrier_name,
  };
}

/** Reads named serials as the target line sees them: who holds them and who carries them, described for messages. */
async function readSerials(db: Db, target: LineTarget, serials: string[]) {
  const owner = ownerOf(target.type);
  const holder = HOLDERS[target.type];
  const carried = holder.role === 'carrier' ? Prisma.sql`s.${holder.serialColumn}` : Prisma.sql`NULL::int`;
  const carrierName =
    holder.role === 'carrier'
      ? Prisma.sql`(SELECT ${Prisma.raw(`'${holder.noun} #'`)} || c.${holder.documentColumn} || ' line ' || c.line_number
                    FROM ${holder.lineTable} c WHERE c.id = s.${holder.serialColumn})`
      : Prisma.sql`NULL`;
  return db.$queryRaw<SerialRow[]>`
    SELECT s.id, s.serial, s.status::text, s.location_id, l.name AS location, s.${owner.serialColumn} AS held_by, ${carried} AS carried_by,
           ${HOLDER_NAME} AS holder, ${carrierName} AS carrier_name
    FROM serial_number s
    JOIN unnest(${serials}::text[]) AS w(serial) ON w.serial = s.serial
    LEFT JOIN location l ON l.id = s.location_id
    WHERE s.product_id = ${target.product.id}
    ORDER BY s.id`;
}

/**
 * Locks, in id order, the named serials and every serial the target's owner line holds: two requests
 * reaching for the same serials (from any server process) queue, and the second sees them taken.
 * The read comes after the lock, in its own statement: a row re-checked after a lock wait keeps
 * the joined rows of its first look, which would name a stale holder.
 */
async function lockSerials(tx: Tx, target: LineTarget, serials: string[]) {
  const owner = ownerOf(target.type);
  await tx.$queryRaw`
    SELECT id FROM serial_number
    WHERE product_id = ${target.product.id} AND (serial = ANY(${serials}::text[]) OR ${owner.serialColumn} = ${target.ownerLineId})
    ORDER BY id FOR UPDATE`;
}

export interface SerialRequest {
  serials?: string[];
  text?: string;
}

/** Parses and judges the serials named for a line. `lock` for a real allocation, not a check. */
export async function judgeSerials(db: Db, target: LineTarget, request: SerialRequest, lock: boolean) {
  if (!target.product.serialised) {
    throw new DomainError('PRODUCT_NOT_SERIALISED', `${target.label}: ${target.product.sku} is not serialised; it takes no serials.`);
  }
  const parsed =
    request.text !== undefined
      ? expandSerialText(request.text, { quantity: target.needed })
      : checkSerialList(request.serials ?? [], { quantity: target.needed });
  const lookUp = storableSerials(parsed.serials);
  if (lock) await lockSerials(db as Tx, target, lookUp);
  const rows = await readSerials(db, target, lookUp);
  const bySerial = new Map(rows.map((r) => [r.serial, r]));
  const problems: Problem[] = [...parsed.problems];
  const invalid = new Set(parsed.problems.map((p) => p.index));
  const free: number[] = [];
  const named: number[] = [];
  parsed.serials.forEach((serial, i) => {
    const index = parsed.sources[i]!;
    if (invalid.has(index)) return;
    const row = bySerial.get(serial);
    if (!row) {
      problems.push({
        index,
        token: serial,
        reason: 'SERIAL_NOT_FOUND',
        message: `Serial ${serial} does not exist for ${target.product.sku}`,
      });
      return;
    }
    const verdict = judgeSerial(target, state(row));
    if ('reason' in verdict) problems.push({ index, token: serial, reason: verdict.reason, message: verdict.message });
    else {
      named.push(row.id);
      if (verdict.take === 'free') free.push(row.id);
    }
  });
  problems.sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));
  return { problems, free, named };
}

const movementFor = (userId: number, target: LineTarget, narrative: string): MovementInfo => ({
  kind: 'allocation',
  userId,
  narrative,
  documentType: target.ledger.documentType,
  documentId: target.ledger.documentId,
  customerId: target.ledger.customerId,
});

/** Serials promised to nobody again: back in stock, off every document line, with a ledger row. */
export async function releaseSerials(tx: Tx, place: { productId: number; locationId: number }, ids: number[], movement: MovementInfo) {
  await changeSerialStatus(tx, place, ids, 'in_stock', movement, CLEAR_HOLDERS);
}

/**
 * Writes a judged allocation: the line now names exactly `named`. Free serials become allocated to
 * the owner line; what an owner line held and no longer names goes back to stock, what a carrier
 * line named and no longer does stays with its owner line. A carrier naming new serials can leave
 * its owner line holding more than it orders: the surplus that no document names goes back to stock.
 */
export async function applySerials(tx: Tx, userId: number, target: LineTarget, judged: { free: number[]; named: number[] }) {
  const place = { productId: target.product.id, locationId: target.locationId };
  const movement = movementFor(userId, target, target.label);
  const { free, named } = judged;
  const owner = ownerOf(target.type);
  const holder = HOLDERS[target.type];
  if (holder.role === 'owner') {
    const dropped = await tx.$queryRaw<{ id: number }[]>`
      SELECT id FROM serial_number WHERE ${owner.serialColumn} = ${target.lineId} AND status = 'allocated' AND NOT id = ANY(${named}::int[])`;
    await releaseSerials(
      tx,
      place,
      dropped.map((r) => r.id),
      { ...movement, narrative: `${target.label}: released` },
    );
  }
  await changeSerialStatus(tx, place, free, 'allocated', movement, Prisma.sql`, ${owner.serialColumn} = ${target.ownerLineId}`);
  if (holder.role === 'carrier') {
    const column = holder.serialColumn;
    const dropped = await tx.$queryRaw<{ id: number }[]>`
      UPDATE serial_number SET ${column} = NULL WHERE ${column} = ${target.lineId} AND NOT id = ANY(${named}::int[]) RETURNING id`;
    await tx.$executeRaw`UPDATE serial_number SET ${column} = ${target.lineId} WHERE id = ANY(${named}::int[])`;
    await trimOwnerLine(
      tx,
      target,
      dropped.map((r) => r.id),
      movement,
    );
  } else {
    await carryOwnerSerials(tx, owner.type, [target.lineId]);
  }
  return { lineId: target.lineId, allocated: named.length };
}

/** Releases every serial and batch quantity the lines of a cancelled sales or work order hold. */
export async function releaseOrderHoldings(tx: Tx, type: OwnerType, orderId: number, locationId: number, movement: MovementInfo) {
  const owner = ownerHolder(type);
  const held = await tx.$queryRaw<{ id: number; product_id: number }[]>`
    SELECT s.id, s.product_id FROM serial_number s JOIN ${owner.lineTable} l ON l.id = s.${owner.serialColumn}
    WHERE l.${owner.documentColumn} = ${orderId} AND s.status = 'allocated' ORDER BY s.id FOR UPDATE OF s`;
  for (const productId of new Set(held.map((h) => h.product_id))) {
    await releaseSerials(
      tx,
      { productId, locationId },
      held.filter((h) => h.product_id === productId).map((h) => h.id),
      movement,
    );
  }
  await tx.$executeRaw`
    DELETE FROM batch_allocation WHERE ${owner.batchColumn} IN (SELECT id FROM ${owner.lineTable} WHERE ${owner.documentColumn} = ${orderId})`;
}

/**
 * Open carrier lines (shipments to pick, draft invoices) of these owner lines that name fewer
 * serials than their quantity take what the owner line holds and no other line of their kind
 * carries: those already gone out on the other kind first (the same goods). So a document made
 * from an order carries what the order line holds, whether it was made before the serials were
 * allocated or after.
 */
export async function carryOwnerSerials(tx: Tx, ownerType: OwnerType, ownerLineIds: number[]) {
  const owner = ownerHolder(ownerType);
  const carriers = carriersOf(ownerType);
  if (carriers.length === 0) return;
  // One look across every carrier kind: usually there is no open document short of serials.
  const short = await tx.$queryRaw<{ kind: string; id: number; owner_line_id: number; missing: number }[]>(
    Prisma.join(
      carriers.map(
        (carrier) => Prisma.sql`
          SELECT ${carrier.type}::text AS kind, d.id, d.${carrier.ownerLineColumn} AS owner_line_id,
                 (d.quantity - (SELECT count(*) FROM serial_number s WHERE s.${carrier.serialColumn} = d.id))::int AS missing
          FROM ${carrier.lineTable} d JOIN ${carrier.documentTable} doc ON doc.id = d.${carrier.documentColumn}
          JOIN ${owner.lineTable} o ON o.id = d.${carrier.ownerLineColumn} JOIN product p ON p.id = o.product_id AND p.serialised
          WHERE d.${carrier.ownerLineColumn} = ANY(${ownerLineIds}::int[]) AND doc.status::text = ANY(${openStatuses(carrier.type)}::text[])`,
      ),
      ' UNION ALL ',
    ),
  );
  for (const line of short.sort((a, b) => a.kind.localeCompare(b.kind) || a.id - b.id)) {
    if (line.missing <= 0) continue;
    const carrier = carriers.find((c) => c.type === line.kind)!;
    await tx.$executeRaw`
      UPDATE serial_number SET ${carrier.serialColumn} = ${line.id} WHERE id IN (
        SELECT id FROM serial_number
        WHERE ${owner.serialColumn} = ${line.owner_line_id} AND status IN ('allocated', 'shipped') AND ${carrier.serialColumn} IS NULL
        ORDER BY (status = 'shipped') DESC, serial LIMIT ${line.missing})`;
  }
}

/** A cancelled shipment or invoice lets go of the serials its lines carried; their owner lines keep them. */
export async function releaseCarrierDocument(tx: Tx, type: 'shipment' | 'invoice', documentId: number) {
  const carrier = HOLDERS[type];
  await tx.$executeRaw`
    UPDATE serial_number SET ${carrier.serialColumn} = NULL
    WHERE ${carrier.serialColumn} IN (SELECT id FROM ${carrier.lineTable} WHERE ${carrier.documentColumn} = ${documentId})`;
}

const openStatuses = (type: keyof typeof HOLDERS) => [...DOCUMENT_KINDS[type].open];

/** The owner line holds more serials than it orders: give back the spare ones, those this document just let go first. */
async function trimOwnerLine(tx: Tx, target: LineTarget, dropped: number[], movement: MovementInfo) {
  const owner = ownerOf(target.type);
  const [line] = await tx.$queryRaw<{ quantity: string; held: number; line_number: number }[]>`
    SELECT l.quantity::text, l.line_number,
           (SELECT count(*)::int FROM serial_number s WHERE s.${owner.serialColumn} = l.id AND s.status IN ('allocated', 'shipped')) AS held
    FROM ${owner.lineTable} l WHERE l.id = ${target.ownerLineId}`;
  const surplus = line!.held - Number(line!.quantity);
  if (surplus <= 0) return;
  const uncarried = Prisma.join(
    carriersOf(owner.type).map((c) => Prisma.sql`${c.serialColumn} IS NULL`),
    ' AND ',
  );
  const spare = await tx.$queryRaw<{ id: number }[]>`
    SELECT id FROM serial_number
    WHERE ${owner.serialColumn} = ${target.ownerLineId} AND status = 'allocated' AND ${uncarried}
    ORDER BY (id = ANY(${dropped}::int[])) DESC, id DESC LIMIT ${surplus}`;
  if (spare.length < surplus) {
    throw new DomainError(
      'ALLOCATION_EXCEEDS_LINE',
      `Sales order #${target.ledger.documentId} line ${line!.line_number} orders ${Number(line!.quantity)} and its serials are all on shipments or invoices; name serials the order line already holds, or take some off the other document first.`,
    );
  }
  await releaseSerials(
    tx,
    { productId: target.product.id, locationId: target.locationId },
    spare.map((r) => r.id),
    { ...movement, narrative: `${target.label}: replaced on the order line` },
  );
}
