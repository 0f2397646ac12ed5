// The Xero stand-in for tests: an in-process HTTP server on 127.0.0.1 that behaves as Xero
// documents (identity service, connections, Accounting API for accounts, tax rates, tracking
// categories, organisation, manual journals and items) and validates every API request against
// Xero's published OpenAPI (schemas/xero/). It knows nothing of its clients.
//
//   const xero = await startXeroStandIn();
//   // point the client at xero.apiUrl / xero.identityUrl with xero.clientId, xero.clientSecret,
//   // xero.tenantId and xero.issueRefreshToken(); assert on xero.journals(), xero.calls, xero.stats()
//   await xero.close();
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { defaultAccounts, defaultOrganisation, defaultTaxRates, defaultTrackingCategories } from './chart.ts';
import { createClock } from './clock.ts';
import { FaultPlan } from './faults.ts';
import { createStandInServer } from './http.ts';
import { IdempotencyStore } from './idempotency.ts';
import { Identity } from './identity.ts';
import { ledgerHandle } from './ledger.ts';
import { Arrivals, RateLimiter, XERO_LIMITS } from './limits.ts';
import { specBackend } from './spec.ts';
import type { OrgState } from './state.ts';
import type { XeroCall, XeroStandIn, XeroStandInOptions } from './types.ts';

export { createClock } from './clock.ts';
export { checkResponse } from './spec.ts';
export type * from './types.ts';
export type * from './ledger.ts';

export async function startXeroStandIn(options: XeroStandInOptions = {}): Promise<XeroStandIn> {
  const api = await specBackend();
  const clock = options.clock ?? createClock();
  const tenantId = options.tenantId ?? randomUUID();
  const clientId = options.clientId ?? randomBytes(16).toString('hex').toUpperCase();
  const clientSecret = options.clientSecret ?? randomBytes(36).toString('base64url');
  const state: OrgState = {
    accounts: options.accounts ?? defaultAccounts(),
    taxRates: options.taxRates ?? defaultTaxRates(),
    trackingCategories: options.trackingCategories ?? defaultTrackingCategories(),
    organisation: { ...defaultOrganisation(), ...options.organisation },
    journals: [],
    items: [],
    createdAt: clock.now(),
  };
  let base = '';
  const identity = new Identity({
    clock,
    clientId,
    clientSecret,
    tenantId,
    tenantName: options.tenantName ?? state.organisation.Name,
    ...(options.otherTenants ? { otherTenants: options.otherTenants } : {}),
    ...(options.redirectUris ? { redirectUris: options.redirectUris } : {}),
    refreshTokenGraceMs: options.refreshTokenGraceMs ?? 0,
    identityUrl: () => `${base}/identity`,
  });
  const limiter = new RateLimiter(clock, { ...XERO_LIMITS, ...options.limits });
  const arrivals = new Arrivals(clock);
  const faults = new FaultPlan();
  const calls: XeroCall[] = [];
  const server = createStandInServer({
    api,
    clock,
    state,
    identity,
    limiter,
    arrivals,
    idempotency: new IdempotencyStore(clock),
    faults,
    calls,
    tenantId,
    appName: options.appName ?? 'Xero stand-in app',
    maxBodyBytes: options.maxBodyBytes ?? 3.5 * 1024 * 1024,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${base}/api.xro/2.0`,
    identityUrl: `${base}/identity`,
    authorizeUrl: `${base}/identity/connect/authorize`,
    connectionsUrl: `${base}/connections`,
    tenantId,
    tenants: () => identity.tenants,
    answerNextConsent: (consent) => identity.answerNextConsent(consent),
    clientId,
    clientSecret,
    issueRefreshToken: (scope) => identity.issueRefreshToken(scope),
    clock,
    get accounts() {
      return state.accounts;
    },
    set accounts(value) {
      state.accounts = value;
    },
    get taxRates() {
      return state.taxRates;
    },
    set taxRates(value) {
      state.taxRates = value;
    },
    get trackingCategories() {
      return state.trackingCategories;
    },
    set trackingCategories(value) {
      state.trackingCategories = value;
    },
    get organisation() {
      return state.organisation;
    },
    set organisation(value) {
      state.organisation = value;
    },
    journals: () => structuredClone(state.journals),
    items: () => structuredClone(state.items),
    ledger: ledgerHandle(state, clock),
    calls,
    faults: {
      dropAnswers: (n) => faults.dropAnswers(n),
      dropTokenAnswers: (n) => faults.dropTokenAnswers(n),
      fail: (status, n) => faults.fail(status, n),
      rateLimitBurst: (n, problem, retryAfter) => faults.rateLimitBurst(n, problem, retryAfter),
      slow: (ms, n) => faults.slow(ms, n),
      expireAccessTokens: () => identity.expireAccessTokens(),
      revoke: () => identity.revoke(),
      clear: () => faults.clear(),
    },
    stats: () => arrivals.stats(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
