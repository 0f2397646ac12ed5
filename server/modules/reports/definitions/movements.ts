import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { id } from '../../inputs.ts';
import { defineReport } from '../definition.ts';
import { dayEnd, dayStart, filters, movementValue, reportParams } from '../params.ts';

export const MOVEMENT_KINDS = [
  'opening',
  'adjustment',
  'tracking_change',
  'receipt',
  'stocktake',
  'allocation',
  'sale',
  'production',
] as const;
/** A movement lists this many of its serials in its row (a cell holds 32,767 characters); the count says how many there are. */
const SERIALS_SHOWN = 20;

/** Every stock change in a period, as the ledger recorded it: the stock ledger. */
export const movementsReport = defineReport({
  id: 'movements',
  title: 'Stock movements',
  description:
    'Every stock change in a period as the ledger recorded it: what, where, how many, at what cost, by whom and for which document.',
  keywords: ['ledger', 'history', 'audit', 'movement', 'transactions'],
  params: z.object({
    from: reportParams.from,
    to: reportParams.to,
    productId: reportParams.productId,
    locationId: reportParams.locationId,
    kind: z.enum(MOVEMENT_KINDS).optional().meta({ label: 'Kind', kind: 'choice' }),
    documentType: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .optional()
      .meta({ label: 'Document type', kind: 'text', hint: 'e.g. shipment, stocktake' }),
    documentId: id.optional().meta({ label: 'Document number', kind: 'integer' }),
    userId: reportParams.userId,
  }),
  columns: [
    { key: 'movementId', label: 'Movement', type: 'integer' },
    { key: 'at', label: 'When', type: 'datetime' },
    { key: 'kind', label: 'Kind', type: 'text' },
    { key: 'document', label: 'Document', type: 'text' },
    { key: 'sku', label: 'SKU', type: 'text' },
    { key: 'productName', label: 'Product', type: 'text' },
    { key: 'location', label: 'Location', type: 'text' },
    { key: 'bay', label: 'Bay', type: 'text' },
    { key: 'batch', label: 'Batch', type: 'text' },
    { key: 'serialCount', label: 'Serials', type: 'integer' },
    { key: 'serials', label: 'Serial numbers', type: 'text' },
    { key: 'quantity', label: 'Quantity', type: 'quantity', total: 'sum' },
    { key: 'unitCost', label: 'Unit cost', type: 'unitCost', cost: true },
    { key: 'value', label: 'Value', type: 'money', cost: true, total: 'sum' },
    { key: 'glCode', label: 'GL code', type: 'text' },
    { key: 'customer', label: 'Customer', type: 'text' },
    { key: 'user', label: 'User', type: 'text' },
    { key: 'narrative', label: 'Narrative', type: 'text' },
  ],
  keyset: [{ key: 'movementId', type: 'int' }],
  async source(_db, p, { timeZone }) {
    return Prisma.sql`
      SELECT m.id AS "movementId", m.created_at AS "at", m.kind::text AS "kind",
             CASE WHEN m.document_type IS NULL THEN NULL ELSE m.document_type || ' #' || m.document_id END AS "document",
             pr.sku AS "sku", pr.name AS "productName", l.name AS "location", b.name AS "bay", ba.number AS "batch",
             (SELECT COUNT(*) FROM stock_movement_serial ms WHERE ms.movement_id = m.id)::int AS "serialCount",
             (SELECT string_agg(x.serial, ', ' ORDER BY x.serial) FROM (
                SELECT sn.serial FROM stock_movement_serial ms JOIN serial_number sn ON sn.id = ms.serial_id
                WHERE ms.movement_id = m.id ORDER BY sn.serial LIMIT ${SERIALS_SHOWN}) x) AS "serials",
             m.quantity AS "quantity", m.unit_cost AS "unitCost", ${movementValue()} AS "value",
             m.gl_code AS "glCode", c.name AS "customer", u.name AS "user", m.narrative AS "narrative"
      FROM stock_movement m
      JOIN product pr ON pr.id = m.product_id
      JOIN location l ON l.id = m.location_id
      LEFT JOIN bay b ON b.id = m.bay_id
      LEFT JOIN batch ba ON ba.id = m.batch_id
      LEFT JOIN customer c ON c.id = m.customer_id
      JOIN "user" u ON u.id = m.user_id
      WHERE true ${filters(
        p.from && Prisma.sql`m.created_at >= ${dayStart(p.from, timeZone)}`,
        p.to && Prisma.sql`m.created_at < ${dayEnd(p.to, timeZone)}`,
        p.productId && Prisma.sql`m.product_id = ${p.productId}`,
        p.locationId && Prisma.sql`m.location_id = ${p.locationId}`,
        p.kind && Prisma.sql`m.kind = ${p.kind}::"MovementKind"`,
        p.documentType && Prisma.sql`m.document_type = ${p.documentType}`,
        p.documentId && Prisma.sql`m.document_id = ${p.documentId}`,
        p.userId && Prisma.sql`m.user_id = ${p.userId}`,
      )}`;
  },
});
