import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { defineReport } from '../definition.ts';
import { dayEnd, filters, movementValue, reportParams, today } from '../params.ts';

/**
 * The stock's value at the end of a day, per stock account and product, rebuilt from the ledger:
 * the sum of every movement's value (its quantity at its recorded cost, to the cent) up to then.
 * It is the subledger the journals were built from, so its total per account is what the ledger
 * should hold; summing movements' values (not rounding the exact sum) makes each product's row
 * equal to its movements' values in the movements report, and the total equal to theirs.
 */
export const valuationReport = defineReport({
  id: 'valuation',
  title: 'Stock valuation by GL account',
  description: 'The value of stock at the end of a day, per stock account and product, rebuilt from the ledger.',
  keywords: ['valuation', 'value', 'account', 'balance sheet', 'gl', 'month end'],
  params: z.object({ at: reportParams.at, locationId: reportParams.locationId }),
  columns: [
    { key: 'account', label: 'Stock account', type: 'text' },
    { key: 'sku', label: 'SKU', type: 'text' },
    { key: 'productName', label: 'Product', type: 'text' },
    { key: 'quantity', label: 'Quantity', type: 'quantity', total: 'sum' },
    { key: 'unitCost', label: 'Unit cost', type: 'unitCost', cost: true },
    { key: 'value', label: 'Value', type: 'money', cost: true, total: 'sum' },
  ],
  keyset: [
    { key: 'account', type: 'text' },
    { key: 'sku', type: 'text' },
  ],
  async source(_db, p, { timeZone }) {
    const end = dayEnd(p.at ?? today(timeZone), timeZone);
    // The unit cost is the exact value over the quantity: what a unit of it cost on average.
    return Prisma.sql`
      SELECT COALESCE(pr.asset_gl_code, st.stock_account, '(not mapped)') AS "account", pr.sku AS "sku", pr.name AS "productName",
             v.quantity AS "quantity", CASE WHEN v.quantity = 0 THEN NULL ELSE ROUND(v.exact / v.quantity, 6) END AS "unitCost",
             v.value AS "value"
      FROM (
        SELECT m.product_id, SUM(m.quantity) AS quantity, SUM(m.quantity * m.unit_cost) AS exact, SUM(${movementValue()}) AS value
        FROM stock_movement m
        WHERE m.created_at < ${end} ${filters(p.locationId && Prisma.sql`m.location_id = ${p.locationId}`)}
        GROUP BY m.product_id
      ) v
      JOIN product pr ON pr.id = v.product_id
      CROSS JOIN (SELECT stock_account FROM settings WHERE id = 1 UNION ALL SELECT NULL LIMIT 1) st
      WHERE v.quantity <> 0 OR v.value <> 0`;
  },
});
