import type { Tx } from '../../db/types.ts';
import { DomainError, listRejected, type Problem } from '../../domain/errors.ts';
import { sameQuantity, sumQuantities } from '../../domain/quantity.ts';
import { roundUnitCost } from '../../domain/stock.ts';
import { takeLineOut } from '../allocations/index.ts';
import { checkNewSerials } from '../serials/check.ts';
import { assertStatus, inputStates, lockWorkOrder, type LineState } from './work-orders.ts';
import { batchFor, holdProducts, moveStock, stockInSerials } from '../../ledger/index.ts';

export interface OutputDetail {
  lineId: number;
  serials?: string[];
  text?: string;
  batches?: { batch: string; quantity: number; expiry?: string | null }[];
}

type OutputLine = LineState;

/** Checks what the outputs need: new serials for serialised ones, batches adding up for batch ones. */
async function checkOutputs(tx: Tx, workOrderId: number, outputs: OutputLine[], details: OutputDetail[]) {
  const problems: Problem[] = [];
  const unknown = details.find((d) => !outputs.some((o) => o.id === d.lineId));
  if (unknown) throw new DomainError('LINE_NOT_ON_ORDER', `Line ${unknown.lineId} is not an output of work order #${workOrderId}.`);
  const repeated = details.find((d, i) => details.findIndex((other) => other.lineId === d.lineId) !== i);
  if (repeated) throw new DomainError('INVALID_INPUT', `Output line ${repeated.lineId} is named twice; give what it makes once.`);
  const serialsByLine = new Map<number, string[]>();
  for (const line of outputs) {
    const detail = details.find((d) => d.lineId === line.id);
    const label = `Output line ${line.line_number} (${line.sku})`;
    const quantity = Number(line.quantity);
    const field = `outputs.${details.indexOf(detail!)}`;
    if (line.serialised) {
      if (!detail || (detail.serials === undefined && detail.text === undefined)) {
        problems.push({
          index: null,
          token: line.sku,
          reason: 'SERIALS_REQUIRED',
          message: `${label} needs its ${quantity} new serials (a list, or text with the serial syntax or ~)`,
        });
        continue;
      }
      // Two output lines of one product: the second's `~` continues after the first's serials.
      const alsoNew = outputs.filter((o) => o.product_id === line.product_id).flatMap((o) => serialsByLine.get(o.id) ?? []);
      const checked = await checkNewSerials(tx, line.product_id, { serials: detail.serials, text: detail.text, quantity, alsoNew });
      problems.push(...checked.problems.map((p) => ({ ...p, field })));
      serialsByLine.set(line.id, checked.serials);
    } else if (line.batch_tracked) {
      const total = sumQuantities(detail?.batches ?? [], (b) => b.quantity);
      if (!detail?.batches?.length)
        problems.push({
          index: null,
          token: line.sku,
          reason: 'SERIALS_REQUIRED',
          message: `${label} needs the batches it makes (number, quantity, expiry)`,
        });
      else if (!sameQuantity(total, quantity))
        problems.push({
          index: null,
          token: line.sku,
          reason: 'BATCH_QUANTITY_MISMATCH',
          field,
          message: `${label}: the batch quantities add up to ${total}, not ${quantity}`,
        });
    }
  }
  if (problems.length > 0) {
    if (problems.every((p) => p.reason === 'SERIALS_REQUIRED')) {
      throw new DomainError(
        'SERIALS_REQUIRED',
        `Work order #${workOrderId} cannot complete: ${problems.map((p) => p.message).join('; ')}.`,
        problems,
      );
    }
    throw listRejected(problems);
  }
  return serialsByLine;
}

/**
 * Completes a started work order in one transaction: the inputs are consumed (their allocated
 * serials and batches, plain quantities from the location) and the outputs put into stock at the
 * work order's location, valued at what the inputs cost, shared evenly per unit made.
 */
export async function completeWorkOrder(tx: Tx, userId: number, id: number, details: OutputDetail[]) {
  const order = await lockWorkOrder(tx, id);
  assertStatus(order, ['in_progress'], 'complete');
  const outputs = await tx.$queryRaw<OutputLine[]>`
    SELECT l.id, l.line_number, p.id AS product_id, p.sku, l.quantity::text, p.serialised, p.batch_tracked
    FROM work_order_line l JOIN product p ON p.id = l.product_id WHERE l.work_order_id = ${id} AND l.role = 'output' ORDER BY l.line_number`;
  const inputs = await inputStates(tx, id, order.location_id);
  await holdProducts(
    tx,
    [...inputs, ...outputs].map((l) => l.product_id),
  );
  const newSerials = await checkOutputs(tx, id, outputs, details);

  const movement = { kind: 'production' as const, userId, documentType: 'work_order', documentId: id, narrative: `Work order #${id}` };
  let value = 0;
  for (const line of inputs) {
    const leaving = {
      type: 'workOrder' as const,
      lineId: line.id,
      ownerLineId: line.id,
      productId: line.product_id,
      serialised: line.serialised,
      batchTracked: line.batch_tracked,
      stockTracked: line.stock_tracked,
      averageCost: Number(line.average_cost),
      quantity: Number(line.quantity),
    };
    value += await takeLineOut(tx, leaving, order.location_id, { ...movement, documentLineId: line.id }, 'consumed');
  }
  const units = sumQuantities(outputs, (l) => Number(l.quantity));
  const unitCost = roundUnitCost(value / units);
  for (const line of outputs) {
    const made = { ...movement, documentLineId: line.id, unitCost };
    if (line.serialised) {
      await stockInSerials(tx, {
        productId: line.product_id,
        locationId: order.location_id,
        bayId: null,
        serials: newSerials.get(line.id)!,
        movement: made,
      });
    } else if (line.batch_tracked) {
      for (const b of details.find((d) => d.lineId === line.id)!.batches!) {
        const batchId = await batchFor(tx, { id: line.product_id, sku: line.sku }, b.batch, b.expiry, unitCost);
        await moveStock(
          tx,
          { productId: line.product_id, locationId: order.location_id, bayId: null, batchId },
          { ...made, quantity: b.quantity },
        );
      }
    } else {
      await moveStock(
        tx,
        { productId: line.product_id, locationId: order.location_id, bayId: null, batchId: null },
        { ...made, quantity: Number(line.quantity) },
      );
    }
  }
  await tx.workOrder.update({ where: { id }, data: { status: 'completed', completedAt: new Date() } });
}
