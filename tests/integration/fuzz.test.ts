// Hostile input to every procedure over HTTP, as a careless or hostile client would send it: ids
// past the integer range, NUL and invisible characters, numbers no column can hold, huge strings,
// deep nesting, wrong types. Whatever comes back must be an answer, never a failure: no 500, a
// reason code on every refusal, no internal text (file paths, stack lines) in any body, and a
// refused request changes nothing. Bounded in time; runs on PGlite, or PostgreSQL with TEST_DATABASE_URL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import { appRouter } from '../../server/router.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';

const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';
const BUDGET_MS = 90_000;

/** A value of every field name the procedures take, plausible enough to reach the checks behind the schema. */
const BASE: Record<string, unknown> = {
  id: 1,
  productId: 1,
  locationId: 1,
  fromLocationId: 1,
  toLocationId: 1,
  bayId: 1,
  lineId: 1,
  supplierId: 1,
  customerId: 1,
  salesOrderId: 1,
  purchaseOrderId: 1,
  stocktakeId: 1,
  cursor: 1,
  limit: 10,
  quantity: 1,
  unitCost: 1,
  unitPrice: 1,
  exchangeRate: 1,
  name: 'Fuzz',
  sku: 'FUZZ-1',
  reference: 'ref',
  glCode: '630',
  narrative: 'fuzz',
  search: 'a',
  serials: ['F-1'],
  text: 'F-2',
  number: 'B-1',
  expiry: '2030-01-01',
  currency: 'AUD',
  sheetKey: 'sheet-1',
  idempotencyKey: 'fuzz-key-00000001',
  type: 'salesOrder',
  role: 'viewer',
  provider: 'xero',
  externalId: 'ext-1',
  lines: [{ productId: 1, quantity: 1, unitCost: 1, unitPrice: 1 }],
  rows: [{ productId: 1, countedQuantity: 1 }],
  add: ['F-3'],
  remove: ['F-4'],
  batches: [{ batch: 'B-1', quantity: 1 }],
};

/** Deeply nested arrays, written as JSON text directly (building them as values would overflow this process's stack). */
class Nested {
  constructor(readonly depth: number) {}
  toJSON() {
    return NESTED_MARK;
  }
}
const NESTED_MARK = '__deeply_nested__';
const nested = (depth: number) => new Nested(depth);

/** The request body: superjson's encoding, with any deep nesting spliced in as text. */
function encode(input: unknown): string {
  const deep =
    input instanceof Nested
      ? input
      : input && typeof input === 'object'
        ? Object.values(input).find((v) => v instanceof Nested)
        : undefined;
  const text = JSON.stringify(superjson.serialize(input));
  if (!(deep instanceof Nested)) return text;
  return text.replace(`"${NESTED_MARK}"`, `${'['.repeat(deep.depth)}1${']'.repeat(deep.depth)}`);
}

const HOSTILE: [string, unknown][] = [
  ['past int4', 2_147_483_648],
  ['negative', -1],
  ['fraction', 1.5],
  ['too big for numeric(18,6)', 1e12],
  ['huge', 1e300],
  ['NUL', 'a\u0000b'],
  ['invisible', 'Main\u202e\u200b'],
  ['long string', 'x'.repeat(200_000)],
  ['empty string', ''],
  ['null', null],
  ['object', {}],
  ['array of NUL', ['a\u0000b']],
  ['deep nesting', nested(5_000)],
];

const WHOLE: [string, unknown][] = [
  ['no input', undefined],
  ['null input', null],
  ['a string', 'x'],
  ['an array', [1, 2]],
  ['deep nesting', nested(20_000)],
];

/** The top-level field names of a procedure's input schema (zod), or none when it takes no object. */
function fieldsOf(procedure: { _def: { inputs?: unknown[] } }): string[] {
  let schema = procedure._def.inputs?.[0] as
    { _zod?: { def: { type: string; innerType?: unknown; in?: unknown } }; shape?: object } | undefined;
  for (let i = 0; i < 5 && schema?._zod; i++) {
    const def = schema._zod.def;
    if (def.type === 'object') return Object.keys(schema.shape ?? {});
    schema = (def.innerType ?? def.in) as typeof schema;
  }
  return [];
}

/** Every case, procedures interleaved, so whatever the time budget reaches covers all of them evenly. */
function interleave<T>(groups: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; groups.some((g) => i < g.length); i++) for (const g of groups) if (i < g.length) out.push(g[i]!);
  return out;
}

interface Answer {
  status: number;
  text: string;
}

/** One call as the pane sends it: POST for queries too (tRPC's method override; a 100,000-serial query does not fit a URL). */
async function call(app: RunningApp, procedure: string, input: unknown): Promise<Answer> {
  const res = await fetch(`${app.url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: encode(input),
  });
  return { status: res.status, text: await res.text() };
}

/** A fingerprint of every table's rows: equal before and after a refused request, or something was written. */
async function fingerprint(app: RunningApp): Promise<string> {
  const tables = await app.db.prisma.$queryRaw<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY table_name`;
  const digests = tables.map(
    ({ name }) => `SELECT '${name}' AS name, md5(string_agg(t::text, ',' ORDER BY t::text)) AS digest FROM "${name}" t`,
  );
  const rows = await app.db.prisma.$queryRawUnsafe<{ name: string; digest: string | null }[]>(digests.join(' UNION ALL '));
  return rows.map((r) => `${r.name}:${r.digest ?? ''}`).join('|');
}

const INTERNAL = /(\/work\/|node_modules|\.ts:\d+|at [\w.<>]+ \(|Prisma|prisma\.|\bSQLSTATE\b|syntax error at)/;

describe('hostile input to every procedure', () => {
  let app: RunningApp;
  let postgres: TestDatabase | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-fuzz-'));

  beforeAll(async () => {
    if (onPostgres) postgres = await freshDatabase();
    app = await startApp(
      { port: 0, tls: false, adminToken: ADMIN_TOKEN, logLevel: 'silent', dataDir, databaseUrl: postgres?.url ?? undefined },
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await app?.stop();
    await postgres?.drop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'answers every one with a reason, never a 500 or internal text, and a refusal writes nothing',
    { timeout: BUDGET_MS + 60_000 },
    async () => {
      const procedures = Object.entries(
        appRouter._def.procedures as unknown as Record<string, { _def: { type: string; inputs?: unknown[] } }>,
      ).map(([name, p]) => ({ name, kind: p._def.type, fields: fieldsOf(p) }));
      expect(procedures.length).toBeGreaterThan(50);
      const cases = interleave(
        procedures.map(({ name, kind, fields }) => [
          ...WHOLE.map(([label, input]) => ({ name, kind, label, input })),
          ...fields.flatMap((field) =>
            HOSTILE.map(([label, value]) => ({ name, kind, label: `${field}: ${label}`, input: { ...BASE, [field]: value } })),
          ),
        ]),
      );
      const started = Date.now();
      const failures: string[] = [];
      let sent = 0;
      for (const c of cases) {
        if (Date.now() - started > BUDGET_MS) break;
        const before = c.kind === 'mutation' ? await fingerprint(app) : '';
        const answer = await call(app, c.name, c.input);
        sent++;
        const where = `${c.name} (${c.label})`;
        if (answer.status >= 500) failures.push(`${where}: ${answer.status} ${answer.text.slice(0, 200)}`);
        if (INTERNAL.test(answer.text)) failures.push(`${where}: internal text in the answer: ${answer.text.slice(0, 200)}`);
        if (answer.status >= 400) {
          const reason = (() => {
            try {
              const body = JSON.parse(answer.text);
              return body?.error?.json?.data?.reason ?? body?.reason;
            } catch {
              return undefined;
            }
          })();
          if (!reason) failures.push(`${where}: ${answer.status} without a reason: ${answer.text.slice(0, 200)}`);
          if (c.kind === 'mutation' && (await fingerprint(app)) !== before) failures.push(`${where}: refused, but data changed`);
        }
        if (failures.length >= 40) break;
      }
      console.log(`fuzz: ${sent} of ${cases.length} requests sent in ${Math.round((Date.now() - started) / 1000)} s`);
      expect(failures).toEqual([]);
    },
  );
});
