// Stocksheet's side of the stand-in, for tests and the bench: the account mapping that fits the
// stand-in's default chart, and an accounting runtime pointed at a stand-in on its clock.
import type { Accounting, ProviderEndpoints } from '../../../server/modules/accounting/runtime.ts';
import type { XeroClock, XeroStandIn } from './types.ts';

/** The roles mapped to the default chart's accounts (chart.ts): 1410 is a CURRENT asset, 630 the INVENTORY trap. */
export const STAND_IN_MAPPING = {
  stockAccount: '1410',
  costOfSalesAccount: '310',
  receivedNotBilledAccount: '2150',
  adjustmentAccount: '5150',
  openingBalanceAccount: '3100',
  timezone: 'Pacific/Auckland',
};

/** The stand-in's addresses as Stocksheet's endpoints for Xero (config's accountingEndpoints.xero). */
export function standInEndpoints(xero: XeroStandIn): ProviderEndpoints {
  return { apiUrl: xero.apiUrl, identityUrl: xero.identityUrl, authorizeUrl: xero.authorizeUrl, connectionsUrl: xero.connectionsUrl };
}

/**
 * Points a runtime at the stand-in and makes the stand-in's clock its own: with a clock running
 * `scale` times real time, the relay's waits (rate limits, back-off) shrink by the same factor.
 */
export function useStandIn(accounting: Accounting, xero: XeroStandIn, clock: XeroClock, scale = 1, requestTimeoutMs = 5000): void {
  Object.assign(accounting, {
    endpoints: { ...accounting.endpoints, xero: standInEndpoints(xero) },
    now: () => clock.now(),
    sleep: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms / scale)),
    requestTimeoutMs,
  });
}
