import { Prisma } from '../../../db/generated/client.ts';
import { deliveredBatchNumbers, priorItemsReport } from './prior-items.ts';

/** Anything on a sales order, with the serials and batches each line names or carried. */
export const priorItemsSoldReport = priorItemsReport({
  id: 'priorItemsSold',
  title: 'Prior items sold',
  description: 'Every sales order line: customer, product, quantity and price, with the serial or batch numbers on it.',
  keywords: ['sold', 'sales', 'prior items', 'customer history', 'serial', 'batch', 'sales order'],
  noun: 'sales order',
  from: Prisma.sql`sales_order_line x JOIN sales_order d ON d.id = x.sales_order_id`,
  documentNo: Prisma.sql`d.id`,
  documentDate: Prisma.sql`d.created_at`,
  documentStatus: Prisma.sql`d.status::text`,
  customerId: Prisma.sql`d.customer_id`,
  productId: Prisma.sql`x.product_id`,
  orderLineId: Prisma.sql`x.id`,
  quantity: Prisma.sql`x.quantity`,
  unitPrice: Prisma.sql`x.unit_price`,
  // Serials allocated to the line or gone out on it (serial_number_so_line_id_idx); batches still
  // promised to it (batch_allocation_so_line_id_idx; a search: by batch_id) and gone out on its
  // shipments and invoices (an allocation is let go of as its units leave; the ledger keeps them).
  numbers: Prisma.sql`
    SELECT sn.so_line_id AS line_id, sn.so_line_id AS order_line_id, sn.product_id, sn.serial AS number
    FROM serial_number sn WHERE sn.so_line_id IS NOT NULL
    UNION ALL
    SELECT a.so_line_id, a.so_line_id, bn.product_id, bn.number
    FROM batch_allocation a JOIN batch bn ON bn.id = a.batch_id WHERE a.so_line_id IS NOT NULL
    UNION ALL ${deliveredBatchNumbers('shipment', Prisma.sql`dl.so_line_id`)}
    UNION ALL ${deliveredBatchNumbers('invoice', Prisma.sql`dl.so_line_id`)}`,
});
