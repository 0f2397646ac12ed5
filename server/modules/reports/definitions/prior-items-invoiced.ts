import { Prisma } from '../../../db/generated/client.ts';
import { deliveredBatchNumbers, priorItemsReport } from './prior-items.ts';

/** Anything on an invoice, with the serials and batches each line names or carried. */
export const priorItemsInvoicedReport = priorItemsReport({
  id: 'priorItemsInvoiced',
  title: 'Prior items invoiced',
  description: 'Every invoice line: customer, product, quantity and price, with the serial or batch numbers on it.',
  keywords: ['invoiced', 'invoice', 'billed', 'prior items', 'customer history', 'serial', 'batch'],
  noun: 'invoice',
  from: Prisma.sql`invoice_line x JOIN invoice d ON d.id = x.invoice_id
                   JOIN sales_order o ON o.id = d.sales_order_id JOIN sales_order_line ol ON ol.id = x.so_line_id`,
  documentNo: Prisma.sql`d.id`,
  // Dated when issued; a draft by when it was made.
  documentDate: Prisma.sql`COALESCE(d.issued_at, d.created_at)`,
  documentStatus: Prisma.sql`d.status::text`,
  customerId: Prisma.sql`o.customer_id`,
  productId: Prisma.sql`ol.product_id`,
  orderLineId: Prisma.sql`x.so_line_id`,
  quantity: Prisma.sql`x.quantity`,
  unitPrice: Prisma.sql`x.unit_price`,
  // Serials the invoice line names beside its order line (serial_number_so_line_id_idx: there is
  // no index on invoice_line_id alone). Batches taken out by the invoice itself, and gone out on the
  // order line's shipments (an invoice takes out only what no shipment has): the ledger does not say
  // which shipped units an invoice bills, so an order line shipped in parts from different batches
  // lists all of them on each of its invoices. While a draft, also what the order line still holds.
  numbers: Prisma.sql`
    SELECT sn.invoice_line_id AS line_id, sn.so_line_id AS order_line_id, sn.product_id, sn.serial AS number
    FROM serial_number sn WHERE sn.invoice_line_id IS NOT NULL
    UNION ALL ${deliveredBatchNumbers('invoice', Prisma.sql`dl.id`)}
    UNION ALL
    SELECT il.id, shipped.order_line_id, shipped.product_id, shipped.number
    FROM (${deliveredBatchNumbers('shipment', Prisma.sql`dl.so_line_id`)}) shipped
    JOIN invoice_line il ON il.so_line_id = shipped.order_line_id
    UNION ALL
    SELECT il.id, il.so_line_id, bn.product_id, bn.number
    FROM invoice_line il JOIN invoice draft ON draft.id = il.invoice_id AND draft.status = 'draft'
    JOIN batch_allocation a ON a.so_line_id = il.so_line_id JOIN batch bn ON bn.id = a.batch_id`,
});
