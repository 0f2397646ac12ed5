// Stocksheet's side of the MYOB stand-in, for tests and the bench: the account mapping that fits
// the stand-in's default chart, and an accounting runtime pointed at a stand-in on its clock.
import type { Accounting, ProviderEndpoints } from '../../../server/modules/accounting/runtime.ts';
import type { MyobClock, MyobStandIn } from './types.ts';

/** The roles mapped to the default chart's accounts (chart.ts): 1-1320 is an OtherCurrentAsset, 1-1390 inactive, 1-1000 a header. */
export const MYOB_STAND_IN_MAPPING = {
  stockAccount: '1-1320',
  costOfSalesAccount: '5-1000',
  receivedNotBilledAccount: '2-1500',
  adjustmentAccount: '5-1150',
  openingBalanceAccount: '3-0100',
  timezone: 'Australia/Sydney',
};

/** The stand-in's addresses as Stocksheet's endpoints for MYOB (config's accountingEndpoints.myob). */
export function myobStandInEndpoints(myob: MyobStandIn): ProviderEndpoints {
  return { apiUrl: myob.apiUrl, identityUrl: myob.identityUrl, authorizeUrl: myob.authorizeUrl };
}

/**
 * Points a runtime's MYOB endpoints at the stand-in and makes the stand-in's clock its own: with a
 * clock running `scale` times real time, the relay's waits (rate limits, back-off) shrink by the
 * same factor.
 */
export function useMyobStandIn(accounting: Accounting, myob: MyobStandIn, clock: MyobClock, scale = 1, requestTimeoutMs = 5000): void {
  Object.assign(accounting, {
    endpoints: { ...accounting.endpoints, myob: { ...accounting.endpoints.myob, ...myobStandInEndpoints(myob) } },
    now: () => clock.now(),
    sleep: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms / scale)),
    requestTimeoutMs,
  });
}
