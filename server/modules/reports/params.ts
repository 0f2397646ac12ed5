// The parameters reports share, each described once for the pane (`meta`: its label and which
// field to show). Dates are ISO days in the organisation's time zone.
import { z } from 'zod';
import { Prisma } from '../../db/generated/client.ts';
import { id } from '../inputs.ts';

const day = (label: string, hint: string) => z.iso.date(`${label} must be a day like 2026-07-01`).meta({ label, kind: 'date', hint });

export const reportParams = {
  productId: id.optional().meta({ label: 'Product', kind: 'productId' }),
  locationId: id.optional().meta({ label: 'Location', kind: 'locationId' }),
  bayId: id.optional().meta({ label: 'Bay', kind: 'bayId' }),
  customerId: id.optional().meta({ label: 'Customer', kind: 'customerId' }),
  userId: id.optional().meta({ label: 'User', kind: 'userId' }),
  from: day('From', 'The first day included').optional(),
  to: day('To', 'The last day included').optional(),
  at: day('At', 'The end of this day; today when empty').optional(),
};

/** The instant a day starts in the organisation's time zone. */
export const dayStart = (day: string, timeZone: string) => Prisma.sql`((${day}::date)::timestamp AT TIME ZONE ${timeZone})`;
/** The instant after a day ends there. */
export const dayEnd = (day: string, timeZone: string) => Prisma.sql`(((${day}::date + 1))::timestamp AT TIME ZONE ${timeZone})`;

/**
 * A movement's value: its quantity at the cost the ledger recorded, to the cent (half away from
 * zero). Reports sum these, never round a sum of exact values, so every figure ties out to the
 * cent with every other and with the movements report's rows: a product's valuation is the sum of
 * its movements' values, a period's closing is its opening plus its movements.
 */
export function movementValue(alias = 'm'): Prisma.Sql {
  if (!/^[a-z][a-z0-9_]*$/.test(alias)) throw new Error(`movementValue: "${alias}" is not a plain table alias`);
  return Prisma.raw(`ROUND(${alias}.quantity * ${alias}.unit_cost, 2)`);
}

/** `AND <condition>` for each filter given; nothing for those left empty. */
export function filters(...conditions: (Prisma.Sql | false | null | undefined | 0 | '')[]): Prisma.Sql {
  const given = conditions.filter((c): c is Prisma.Sql => Boolean(c));
  return given.length === 0 ? Prisma.empty : Prisma.sql`AND ${Prisma.join(given, ' AND ')}`;
}

/** Today in the organisation's time zone. */
export const today = (timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
