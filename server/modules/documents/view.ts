import type { Db } from '../../db/types.ts';
import { isFullyAllocated, unitsOut, type DocumentType } from '../../domain/allocation.ts';
import { DOCUMENT_KINDS } from '../../domain/documents.ts';
import { sumQuantities } from '../../domain/quantity.ts';
import { getWorkOrder } from '../production/work-orders.ts';
import { getSalesDocument } from '../sales/documents.ts';
import { getSalesOrder } from '../sales/orders.ts';

interface ViewLine {
  id: number;
  lineNumber: number;
  product: { id: number; sku: string; name: string; serialised: boolean; batchTracked: boolean };
  quantity: number;
  serials: string[];
  batches: { batch: string; expiry: string | null; quantity: number }[];
}

/** One line as the pane shows it: how much it must name, how much it names, complete or not. */
function line(role: 'line' | 'input' | 'output', l: ViewLine, needed = l.quantity) {
  const allocated = l.product.serialised ? l.serials.length : sumQuantities(l.batches, (b) => b.quantity);
  return {
    lineId: l.id,
    lineNumber: l.lineNumber,
    role,
    product: l.product,
    quantity: l.quantity,
    needed,
    allocated,
    complete: role === 'output' || isFullyAllocated(l.product, allocated, needed),
    serials: l.serials,
    batches: l.batches,
  };
}

/**
 * Any document that takes allocations, in one shape, for the pane's "Allocate serials" panel. Each
 * kind's own view gives its lines; what is allocated and whether a line is complete is worked out once.
 */
export async function allocationDocument(db: Db, type: DocumentType, id: number) {
  if (type === 'salesOrder') {
    const order = await getSalesOrder(db, id);
    return {
      type,
      id,
      status: order.status,
      label: `Sales order #${id} — ${order.customer.name}`,
      location: order.location,
      lines: order.lines.map((l) => line('line', l, l.quantity - unitsOut(l))),
    };
  }
  if (type === 'workOrder') {
    const order = await getWorkOrder(db, id);
    return {
      type,
      id,
      status: order.status,
      label: `Work order #${id}${order.reference ? ` (${order.reference})` : ''}`,
      location: order.location,
      lines: [...order.inputs.map((l) => line('input', l)), ...order.outputs.map((l) => line('output', l))],
    };
  }
  const doc = await getSalesDocument(db, type, id);
  return {
    type,
    id,
    status: doc.status,
    label: `${DOCUMENT_KINDS[type].name} #${id} — ${doc.customer.name} (sales order #${doc.salesOrderId})`,
    location: doc.location,
    lines: doc.lines.map((l) => line('line', l)),
  };
}
