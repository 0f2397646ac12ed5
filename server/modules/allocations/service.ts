import { Prisma, type PrismaClient } from '../../db/generated/client.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { Db, Tx } from '../../db/types.ts';
import type { BatchRequest, DocumentType } from '../../domain/allocation.ts';
import { allocatePermission } from '../../domain/documents.ts';
import { listRejected } from '../../domain/errors.ts';
import { assertMayWrite, type RoleName } from '../../domain/roles.ts';
import { roundQuantity, sumQuantities } from '../../domain/quantity.ts';
import { applyOnce } from '../idempotency.ts';
import { applyBatches, assertBatchTracked, batchStates, judgeBatchRequest } from './batches.ts';
import { applySerials, judgeSerials } from './serials.ts';
import { HOLDERS, ownerOf } from './holders.ts';
import { resolveTarget, type LineTarget } from './targets.ts';

export interface AllocationRequest {
  type: DocumentType;
  lineId: number;
  serials?: string[];
  text?: string;
  batches?: BatchRequest[];
}

/** Batches are held by owner lines: a shipment or invoice line takes its order line's batches. */
function batchHolder(db: Tx | Db, target: LineTarget, lock: boolean): Promise<LineTarget> | LineTarget {
  return target.carrier ? resolveTarget(db, ownerOf(target.type).type, target.ownerLineId, { lock }) : target;
}

async function targetFor(db: Tx | Db, request: AllocationRequest, lock: boolean): Promise<LineTarget> {
  const target = await resolveTarget(db, request.type, request.lineId, { lock });
  return request.batches ? batchHolder(db, target, lock) : target;
}

async function judge(db: Tx | Db, target: LineTarget, request: AllocationRequest, lock: boolean) {
  if (request.batches) {
    const judged = await judgeBatchRequest(db, target, request.batches, lock);
    return {
      problems: judged.problems,
      count: sumQuantities(judged.take, (t) => t.quantity),
      apply: (tx: Tx) => applyBatches(tx, target, judged.take),
      what: 'batch',
    };
  }
  const judged = await judgeSerials(db, target, request, lock);
  return {
    problems: judged.problems,
    count: judged.named.length,
    apply: (tx: Tx, userId: number) => applySerials(tx, userId, target, judged),
    what: 'serial',
  };
}

/**
 * Names the serials (or batch quantities) a line carries: exactly as many as it needs, each in
 * stock at the document's location and promised to no other open document. Replaces the line's
 * allocation, all or nothing, once per idempotency key.
 */
export function allocate(
  prisma: PrismaClient,
  user: { id: number; role: RoleName },
  input: AllocationRequest & { idempotencyKey: string },
) {
  assertMayWrite(user.role, allocatePermission(input.type));
  const userId = user.id;
  const { idempotencyKey, ...request } = input;
  return applyOnce(prisma, { userId, procedure: `allocate:${request.type}`, key: idempotencyKey, input: request }, async (tx) => {
    const target = await targetFor(tx, request, true);
    const judged = await judge(tx, target, request, true);
    if (judged.problems.length > 0) throw listRejected(judged.problems, judged.what);
    return judged.apply(tx, userId);
  });
}

/** The same judgement as `allocate`, writing nothing: every problem, for the pane to highlight. */
export async function checkAllocation(prisma: PrismaClient, request: AllocationRequest) {
  return inTransaction(prisma, async (tx) => {
    const target = await targetFor(tx, request, false);
    const judged = await judge(tx, target, request, false);
    return { count: judged.count, problems: judged.problems };
  });
}

/**
 * What to allocate: the serials the line (or its order line) already holds first, then free ones
 * in stock at the location, oldest received first. Batches: earliest expiry first, expired ones
 * never.
 */
export async function suggest(db: Db, type: DocumentType, lineId: number) {
  const target = await resolveTarget(db, type, lineId, { lock: false });
  if (target.product.batchTracked) {
    const batchTarget = await batchHolder(db, target, false);
    let left = batchTarget.needed;
    const batches: BatchRequest[] = [];
    for (const b of await batchStates(db, batchTarget, null)) {
      if (left <= 0) break;
      if (b.expired || b.available <= 0) continue;
      const take = Math.min(left, b.available);
      batches.push({ batch: b.number, quantity: take });
      left = roundQuantity(left - take);
    }
    return { serials: [] as string[], batches, needed: batchTarget.needed };
  }
  const rows = await availableSerials(db, target, target.needed);
  return { serials: rows.map((r) => r.serial), batches: [] as BatchRequest[], needed: target.needed };
}

/**
 * Serials the line may name: those it holds (an owner line) or its owner line holds and no other
 * line of its kind carries (a carrier line), then free stock at the location.
 */
async function availableSerials(db: Db, target: LineTarget, limit: number) {
  const owner = ownerOf(target.type);
  const holder = HOLDERS[target.type];
  const heldHere =
    holder.role === 'carrier'
      ? Prisma.sql`COALESCE(s.${holder.serialColumn} = ${target.lineId}, false)`
      : Prisma.sql`(s.status = 'allocated' AND COALESCE(s.${owner.serialColumn} = ${target.lineId}, false))`;
  const mayName =
    holder.role === 'carrier'
      ? Prisma.sql`(s.${owner.serialColumn} = ${target.ownerLineId} AND s.status IN ('allocated', 'shipped')
                    AND (s.${holder.serialColumn} IS NULL OR s.${holder.serialColumn} = ${target.lineId}))`
      : Prisma.sql`(s.status = 'allocated' AND s.${owner.serialColumn} = ${target.lineId})`;
  return db.$queryRaw<{ serial: string; bay: string | null; received_at: Date; held_here: boolean }[]>`
    SELECT s.serial, b.name AS bay, s.created_at AS received_at, ${heldHere} AS held_here
    FROM serial_number s LEFT JOIN bay b ON b.id = s.bay_id
    WHERE s.product_id = ${target.product.id} AND ((s.status = 'in_stock' AND s.location_id = ${target.locationId}) OR ${mayName})
    ORDER BY (s.status <> 'in_stock') DESC, s.created_at, s.id  -- what the line (or its owner line) holds first
    LIMIT ${limit}`;
}

/** For the pane's "List available serials": what the line may take, with bay, received date and expiry. */
export async function available(db: Db, type: DocumentType, lineId: number, limit: number) {
  const target = await resolveTarget(db, type, lineId, { lock: false });
  if (target.product.serialised) {
    const rows = await availableSerials(db, target, limit + 1);
    return {
      kind: 'serials' as const,
      serials: rows
        .slice(0, limit)
        .map((r) => ({ serial: r.serial, bay: r.bay, receivedAt: r.received_at.toISOString(), heldHere: r.held_here })),
      batches: [],
      truncated: rows.length > limit,
    };
  }
  if (target.product.batchTracked) {
    const batchTarget = await batchHolder(db, target, false);
    assertBatchTracked(batchTarget);
    const batches = (await batchStates(db, batchTarget, null)).filter((b) => b.available > 0 || b.heldHere > 0);
    return {
      kind: 'batches' as const,
      serials: [],
      batches: batches
        .slice(0, limit)
        .map((b) => ({ batch: b.number, expiry: b.expiry, available: b.available, expired: b.expired, heldHere: b.heldHere })),
      truncated: batches.length > limit,
    };
  }
  return { kind: 'none' as const, serials: [], batches: [], truncated: false };
}
