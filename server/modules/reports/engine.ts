// The report engine: one way to page, type, total and stream every report definition.
import { z } from 'zod';
import { Prisma } from '../../db/generated/client.ts';
import type { Db } from '../../db/types.ts';
import { DomainError } from '../../domain/errors.ts';
import { maySeeCosts, type RoleName } from '../../domain/roles.ts';
import { REPORTS } from './catalogue.ts';
import type { ColumnType, KeysetColumn, ReportColumn, ReportContext, ReportDefinition } from './definition.ts';

export type ReportValue = string | number | boolean | null;
export type ReportRow = Record<string, ReportValue>;

/** What the pane needs to ask for a parameter. */
export interface ParamDescription {
  key: string;
  label: string;
  /** productId, locationId, bayId, customerId, serials, date, integer, choice, text, … (the pane picks its field by it). */
  kind: string;
  required: boolean;
  options?: readonly string[];
  default?: unknown;
  hint?: string;
}

const byId = new Map<string, ReportDefinition>(REPORTS.map((r) => [r.id, r]));

export function reportDefinition(id: string): ReportDefinition {
  const definition = byId.get(id);
  if (!definition) throw new DomainError('REPORT_NOT_FOUND', `There is no report "${id}": the reports are ${[...byId.keys()].join(', ')}.`);
  return definition;
}

/** The columns a role sees: cost and value columns only for those who may see costs. */
export function visibleColumns(definition: ReportDefinition, role: RoleName): ReportColumn[] {
  const costs = maySeeCosts(role);
  return definition.columns.filter((c) => costs || !c.cost);
}

export function describeParams(definition: ReportDefinition): ParamDescription[] {
  const schema = z.toJSONSchema(definition.params, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([key, p]) => ({
    key,
    label: typeof p.label === 'string' ? p.label : key,
    kind: typeof p.kind === 'string' ? p.kind : kindOf(p),
    required: (schema.required ?? []).includes(key) && p.default === undefined,
    ...(Array.isArray(p.enum) ? { options: p.enum as string[] } : {}),
    ...(p.default !== undefined ? { default: p.default } : {}),
    ...(typeof p.hint === 'string' ? { hint: p.hint } : {}),
  }));
}

function kindOf(property: Record<string, unknown>): string {
  if (Array.isArray(property.enum)) return 'choice';
  if (property.format === 'date') return 'date';
  if (property.type === 'integer' || property.type === 'number') return 'integer';
  if (property.type === 'array') return 'list';
  if (property.type === 'boolean') return 'boolean';
  return 'text';
}

export function listReports(role: RoleName) {
  return REPORTS.map((r) => {
    const definition = r as ReportDefinition;
    return {
      id: definition.id,
      title: definition.title,
      description: definition.description,
      keywords: definition.keywords,
      params: describeParams(definition),
      columns: visibleColumns(definition, role).map(({ key, label, type }) => ({ key, label, type })),
    };
  });
}

/**
 * The definition's parameters, or INVALID_INPUT naming each field to fix. A parameter the report
 * does not have is refused too: a misspelt filter left out silently would answer for everything.
 */
export function parseParams(definition: ReportDefinition, params: unknown): unknown {
  const schema = definition.params instanceof z.ZodObject ? definition.params.strict() : definition.params;
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) throw new DomainError('INVALID_INPUT', `${definition.title}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  return parsed.data;
}

async function contextFor(db: Db, role: RoleName): Promise<ReportContext> {
  const settings = await db.settings.findUnique({ where: { id: 1 }, select: { accountingTimezone: true } });
  return { costs: maySeeCosts(role), timeZone: settings?.accountingTimezone ?? 'UTC' };
}

// ---- keyset paging ----

const identifier = (key: string) => {
  if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(key)) throw new Error(`report column key "${key}" is not a plain identifier`);
  return Prisma.raw(`r."${key}"`);
};

/** After the row whose keyset values are `after`: (k1 > a) OR (k1 = a AND k2 > b) …, each in its direction. */
function afterClause(keyset: readonly KeysetColumn[], after: readonly string[]): Prisma.Sql {
  const value = (i: number) => Prisma.sql`CAST(${after[i]} AS ${Prisma.raw(keyset[i]!.type)})`;
  const terms = keyset.map((k, i) => {
    const equal = keyset.slice(0, i).map((e, j) => Prisma.sql`${identifier(e.key)} = ${value(j)}`);
    const beyond = Prisma.sql`${identifier(k.key)} ${Prisma.raw(k.descending ? '<' : '>')} ${value(i)}`;
    return Prisma.sql`(${Prisma.join([...equal, beyond], ' AND ')})`;
  });
  return Prisma.sql`WHERE ${Prisma.join(terms, ' OR ')}`;
}

function pageStatement(definition: ReportDefinition, source: Prisma.Sql, after: readonly string[] | null, limit: number): Prisma.Sql {
  const order = Prisma.join(
    definition.keyset.map((k) => Prisma.sql`${identifier(k.key)} ${Prisma.raw(k.descending ? 'DESC' : 'ASC')}`),
    ', ',
  );
  const where = after ? afterClause(definition.keyset, after) : Prisma.empty;
  return Prisma.sql`SELECT * FROM (${source}) AS r ${where} ORDER BY ${order} LIMIT ${limit}`;
}

/** An opaque cursor: the report and the last row's keyset values. */
function encodeCursor(definition: ReportDefinition, row: Record<string, unknown>): string {
  const values = definition.keyset.map((k) => rawText(row[k.key]));
  return Buffer.from(JSON.stringify({ r: definition.id, k: values })).toString('base64url');
}

/** An ISO instant as `rawText` writes it (Date.toISOString), or a day, naming a real day (no 31 February). */
const isInstant = (v: string, dayOnly: boolean) => {
  const pattern = dayOnly ? /^\d{4}-\d{2}-\d{2}(T00:00:00(\.0{1,3})?Z)?$/ : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
  if (!pattern.test(v)) return false;
  const time = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === v.slice(0, 10);
};

/**
 * What each keyset type's value looks like in a cursor the engine wrote (`rawText`), so a cursor
 * that was tampered with is refused here rather than failing the statement's CAST (an internal error).
 */
const KEY_VALUE: Record<KeysetColumn['type'], (value: string) => boolean> = {
  int: (v) => /^-?\d{1,10}$/.test(v) && Math.abs(Number(v)) <= 2_147_483_647,
  bigint: (v) => /^-?\d{1,19}$/.test(v) && BigInt(v) <= 9_223_372_036_854_775_807n && BigInt(v) >= -9_223_372_036_854_775_807n,
  numeric: (v) => /^-?\d{1,40}(\.\d{1,40})?(e[-+]?\d{1,4})?$/i.test(v),
  date: (v) => isInstant(v, true),
  timestamptz: (v) => isInstant(v, false),
  text: (v) => !v.includes('\u0000'),
};

function decodeCursor(definition: ReportDefinition, cursor: string | undefined): string[] | null {
  if (!cursor) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  const shape = z.object({ r: z.literal(definition.id), k: z.array(z.string()).length(definition.keyset.length) });
  const parsed = shape.safeParse(decoded);
  if (!parsed.success || !parsed.data.k.every((value, i) => KEY_VALUE[definition.keyset[i]!.type](value)))
    throw new DomainError('INVALID_CURSOR', `This cursor is not one the ${definition.title} report gave: start again without a cursor.`);
  return parsed.data.k;
}

function rawText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (value === null || value === undefined) throw new Error('a report keyset value is null: keyset columns must never be null');
  return String(value);
}

// ---- typing values ----

const isoDay = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
};

/**
 * A database number (a Decimal, bigint, number or its text) to `places` decimals, half away from
 * zero as PostgreSQL's ROUND does, in decimal arithmetic: binary floating point would take 0.285 × 100
 * for 28.4999… and give 0.28.
 */
function roundDecimal(value: unknown, places: number): number {
  return new Prisma.Decimal(String(value)).toDecimalPlaces(places, Prisma.Decimal.ROUND_HALF_UP).toNumber();
}

const CONVERT: Record<ColumnType, (value: unknown) => ReportValue> = {
  text: (v) => (v === null || v === undefined ? null : String(v)),
  integer: (v) => (v === null || v === undefined ? null : Number(v)),
  quantity: (v) => (v === null || v === undefined ? null : Number(String(v))),
  // Exact in the database; to the cent here (amounts are base-currency numbers).
  money: (v) => (v === null || v === undefined ? null : roundDecimal(v, 2)),
  unitCost: (v) => (v === null || v === undefined ? null : roundDecimal(v, 6)),
  date: isoDay,
  datetime: (v) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString()),
  boolean: (v) => (v === null || v === undefined ? null : Boolean(v)),
};

function typed(columns: readonly ReportColumn[], row: Record<string, unknown>): ReportRow {
  const out: ReportRow = {};
  for (const c of columns) {
    if (!(c.key in row)) throw new Error(`the report's statement has no column "${c.key}" (quote mixed-case aliases)`);
    out[c.key] = CONVERT[c.type](row[c.key]);
  }
  return out;
}

// ---- running ----

/**
 * Runs a report statement with PostgreSQL's JIT off: a report's plan is costly enough to trigger it,
 * and compiling took 1 to 6 s on first pages whose queries run in 10 to 120 ms (PostgreSQL 15).
 */
async function withoutJit(db: Db, statement: Prisma.Sql): Promise<Record<string, unknown>[]> {
  const run = async (tx: Db) => {
    await tx.$executeRaw`SET LOCAL jit = off`;
    return tx.$queryRaw<Record<string, unknown>[]>(statement);
  };
  return '$transaction' in db ? db.$transaction(run) : run(db);
}

export interface RunInput {
  report: string;
  params?: unknown;
  cursor?: string;
  limit: number;
}

/**
 * A report ready to run for a role: its parameters checked (a refusal comes here, before anything
 * is sent), the columns the role sees, and its statement.
 */
export async function openReport(db: Db, role: RoleName, report: string, params: unknown) {
  const definition = reportDefinition(report);
  const parsed = parseParams(definition, params);
  const context = await contextFor(db, role);
  const columns = visibleColumns(definition, role);
  const source = await definition.source(db, parsed, context);
  const page = async (after: readonly string[] | null, limit: number) => withoutJit(db, pageStatement(definition, source, after, limit));
  return {
    definition,
    params: parsed,
    columns,
    hiddenColumns: definition.columns.filter((c) => !columns.includes(c)),
    page,
    totals: () => totalsOf(db, columns, source),
    /**
     * Every row, a page at a time (the keyset), for downloads and inserting into a sheet: memory
     * stays at one page however large the result.
     */
    async *pages(pageSize = 5000): AsyncGenerator<ReportRow[]> {
      let after: string[] | null = null;
      for (;;) {
        const raw = await page(after, pageSize);
        if (raw.length > 0) yield raw.map((row) => typed(columns, row));
        if (raw.length < pageSize) return;
        after = definition.keyset.map((k) => rawText(raw.at(-1)![k.key]));
      }
    },
  };
}

export type OpenReport = Awaited<ReturnType<typeof openReport>>;

/** One page of a report, typed; the totals (over the whole result) with the first page. */
export async function runReport(db: Db, role: RoleName, input: RunInput) {
  const report = await openReport(db, role, input.report, input.params);
  const { definition, columns } = report;
  const after = decodeCursor(definition, input.cursor);
  const raw = await report.page(after, input.limit + 1);
  const more = raw.length > input.limit;
  const pageRows = raw.slice(0, input.limit);
  return {
    report: definition.id,
    title: definition.title,
    params: report.params,
    columns: columns.map(({ key, label, type }) => ({ key, label, type })),
    hiddenColumns: report.hiddenColumns.map((c) => c.label),
    rows: pageRows.map((row) => typed(columns, row)),
    totals: after === null ? await report.totals() : null,
    nextCursor: more ? encodeCursor(definition, pageRows.at(-1)!) : null,
  };
}

async function totalsOf(db: Db, columns: readonly ReportColumn[], source: Prisma.Sql): Promise<ReportRow | null> {
  const summed = columns.filter((c) => c.total === 'sum');
  if (summed.length === 0) return null;
  const sums = Prisma.join(
    // An empty result totals 0, not null: the total row of an empty table is zero.
    summed.map((c) => Prisma.sql`COALESCE(SUM(${identifier(c.key)}), 0) AS ${Prisma.raw(`"${c.key}"`)}`),
    ', ',
  );
  const [row] = await withoutJit(db, Prisma.sql`SELECT ${sums} FROM (${source}) AS r`);
  return typed(summed, row ?? {});
}
