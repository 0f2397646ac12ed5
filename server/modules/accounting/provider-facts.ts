import type { ChartAccount } from '../../domain/journals.ts';
import type { ProviderClient, TaxRate } from './client.ts';
import type { StoredConnection } from './connection.ts';
import type { Accounting } from './runtime.ts';

/** The chart, tax rates and lock date change rarely: read once a minute, not on every pass. */
const FACTS_TTL_MS = 60_000;

export interface ProviderFactsNow {
  chart: Map<string, ChartAccount>;
  taxRates: TaxRate[];
  lockDate: string | null;
}

const cache = new WeakMap<Accounting, { at: number; tenantId: string; facts: ProviderFactsNow }>();

export async function providerFacts(
  accounting: Accounting,
  client: ProviderClient,
  connection: StoredConnection,
): Promise<ProviderFactsNow> {
  const cached = cache.get(accounting);
  if (cached && cached.tenantId === connection.tenantId && accounting.now() - cached.at < FACTS_TTL_MS) return cached.facts;
  const chart = new Map((await client.chart(accounting, connection)).filter((a) => a.code).map((a) => [a.code!, a]));
  const taxRates = await client.taxRates(accounting, connection);
  const lockDate = await client.lockDate(accounting, connection);
  const facts = { chart, taxRates, lockDate };
  cache.set(accounting, { at: accounting.now(), tenantId: connection.tenantId, facts });
  return facts;
}

/** Read them again on the next pass (a person asked to sync now, or the mapping changed). */
export function forgetProviderFacts(accounting: Accounting): void {
  cache.delete(accounting);
}
