import type { Db } from '../../db/types.ts';
import type { DocumentType } from '../../domain/allocation.ts';
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
  const allocated = l.product.serialised ? l.serials.length : l.batches.reduce((sum, b) => sum + b.quantity, 0);
  const tracked = l.product.serialised || l.product.batchTracked;
  return {
    lineId: l.id,
    lineNumber: l.lineNumber,
    role,
    product: l.product,
    quantity: l.quantity,
    needed,
    allocated,
    complete: !tracked || role === 'output' || allocated >= needed,
    serials: l.serials,
    batches: l.batches,
  };
}

/** Any document that takes allocations, in one shape, for the pane's "Allocate serials" panel. */
export async function allocationDocument(db: Db, type: DocumentType, id: number) {
  if (type === 'salesOrder') {
    const order = await getSalesOrder(db, id);
    return {
      type,
      id,
      status: order.status,
      label: `Sales order #${id} — ${order.customer.name}`,
      location: order.location,
      lines: order.lines.map((l) => line('line', l, l.quantity - Math.max(l.shippedQuantity, l.invoicedQuantity))),
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
    label: `${type === 'shipment' ? 'Shipment' : 'Invoice'} #${id} — ${doc.customer.name} (sales order #${doc.salesOrderId})`,
    location: doc.location,
    lines: doc.lines.map((l) => line('line', l)),
  };
}
