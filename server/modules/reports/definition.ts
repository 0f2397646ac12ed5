// What a report is: parameters (zod), typed columns, and one set-based SQL statement. The engine
// (engine.ts) pages it by keyset, totals it, hides cost columns from roles that may not see them,
// and streams it to .xlsx and CSV; the pane previews it and writes it into a sheet. Every report
// in the catalogue (catalogue.ts) is one of these and nothing more.
import type { z } from 'zod';
import type { Prisma } from '../../db/generated/client.ts';
import type { Db } from '../../db/types.ts';

/**
 * How a column's values are typed, in the API (JSON), in Excel and in CSV:
 * text (serials, codes: kept as typed, Text-formatted in sheets), integer (ids, counts),
 * quantity (up to 4 decimals), money (base currency, 2 decimals), unitCost (a cost per unit in
 * the base currency, up to 6 decimals as the ledger keeps it, so quantity × unit cost gives the
 * row's value), date (ISO day), datetime (ISO instant, UTC), boolean.
 */
export type ColumnType = 'text' | 'integer' | 'quantity' | 'money' | 'unitCost' | 'date' | 'datetime' | 'boolean';

export interface ReportColumn {
  /** The statement's column alias, and the key of the value in each row. */
  key: string;
  label: string;
  type: ColumnType;
  /** A cost or a value: left out for roles that may not see costs. */
  cost?: boolean;
  /** Summed over the whole result (not the page) in the totals. */
  total?: 'sum';
}

/** How rows are ordered and paged: columns of the statement whose values together are unique and never null. */
export interface KeysetColumn {
  key: string;
  /** The SQL type the cursor's value is read back as. */
  type: 'int' | 'bigint' | 'text' | 'date' | 'timestamptz' | 'numeric';
  descending?: boolean;
}

export interface ReportContext {
  /** Whether the person may see costs and values (the statement may skip computing them when not). */
  costs: boolean;
  /** The organisation's time zone (IANA): the day a movement happened in. */
  timeZone: string;
}

export interface ReportDefinition<Params = unknown> {
  id: string;
  title: string;
  /** One sentence: what it answers. */
  description: string;
  /** Words people search the list for ("serial", "recall"). */
  keywords: readonly string[];
  /** The parameters; each field's `.meta({ label, kind })` describes it to the pane. */
  params: z.ZodType<Params>;
  columns: readonly ReportColumn[];
  keyset: readonly KeysetColumn[];
  /**
   * The rows as one SELECT (no ORDER BY or LIMIT: the engine adds the keyset), selecting every
   * column's key and every keyset key as aliases. May read first (e.g. resolve pasted serials),
   * but the rows come from the one statement.
   */
  source(db: Db, params: Params, context: ReportContext): Promise<Prisma.Sql>;
}

/** Keeps a definition's parameter type while the catalogue holds them side by side. */
export const defineReport = <Params>(definition: ReportDefinition<Params>): ReportDefinition<Params> => definition;
