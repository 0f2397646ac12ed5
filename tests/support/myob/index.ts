// The MYOB AccountRight stand-in for tests: an in-process HTTP server on 127.0.0.1 that behaves as
// MYOB documents (the OAuth token endpoint, the API's headers and errors, rate limits, the chart,
// tax codes and preferences, inventory items and general journals with RowVersion concurrency) and
// validates every request body against zod schemas transcribed from MYOB's .NET SDK contracts. It
// knows nothing of its clients.
//
//   const myob = await startMyobStandIn();
//   // point the client at myob.apiUrl / myob.identityUrl with myob.clientId (the API key),
//   // myob.clientSecret, myob.issueRefreshToken(), myob.companyFileId and the file's
//   // myob.fileUser / myob.filePassword; assert on myob.journals(), myob.items(), myob.calls, myob.stats()
//   // a browser sign-in starts at myob.authorizeUrl; myob.answerNextConsent({ deny: true }) or ({ companyFileId })
//   await myob.close();
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createClock } from '../xero/clock.ts';
import { defaultAccounts, defaultPreferences, defaultTaxCodes } from './chart.ts';
import { settingDay } from './dates.ts';
import { FaultPlan } from './faults.ts';
import { API_ROOT, AUTHORIZE_PATH, createMyobServer } from './http.ts';
import { Identity } from './identity.ts';
import { ledgerHandle } from './ledger.ts';
import { Arrivals, MYOB_LIMITS, RateLimiter } from './limits.ts';
import { newFileState } from './state.ts';
import type { MyobCall, MyobStandIn, MyobStandInOptions } from './types.ts';

export { createClock } from '../xero/clock.ts';
export { MYOB_LIMITS } from './limits.ts';
export type * from './types.ts';
export type * from './ledger.ts';

export async function startMyobStandIn(options: MyobStandInOptions = {}): Promise<MyobStandIn> {
  const clock = options.clock ?? createClock();
  const clientId = options.clientId ?? randomUUID();
  const clientSecret = options.clientSecret ?? randomBytes(18).toString('base64url');
  const fileUser = options.fileUser ?? 'Administrator';
  const filePassword = options.filePassword ?? '';
  const lock = options.lockPeriodPriorTo ?? null;
  const financialYearStart = settingDay(options.financialYearStart ?? '2020-07-01');
  if (lock !== null) settingDay(lock);
  const state = newFileState({
    companyFileId: (options.companyFileId ?? randomUUID()).toLowerCase(),
    companyFileName: options.companyFileName ?? 'Stand-in Trading Pty Ltd',
    accounts: options.accounts ?? defaultAccounts(),
    taxCodes: options.taxCodes ?? defaultTaxCodes(),
    preferences: defaultPreferences(lock),
    financialYearStart,
    otherCompanyFiles: (options.otherCompanyFiles ?? []).map((f) => ({ Id: f.Id.toLowerCase(), Name: f.Name })),
  });
  const identity = new Identity(clock, clientId, clientSecret, () => [
    { Id: state.companyFileId, Name: state.companyFileName },
    ...(state.otherCompanyFiles ?? []),
  ]);
  const arrivals = new Arrivals(clock);
  const faults = new FaultPlan();
  const calls: MyobCall[] = [];
  let base = '';
  const server = createMyobServer({
    clock,
    state,
    identity,
    limiter: new RateLimiter(clock, { ...MYOB_LIMITS, ...options.limits }),
    arrivals,
    faults,
    calls,
    clientId,
    fileToken: () => Buffer.from(`${fileUser}:${filePassword}`).toString('base64'),
    apiUrl: () => `${base}${API_ROOT}`,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${base}${API_ROOT}`,
    identityUrl: `${base}/identity`,
    authorizeUrl: `${base}${AUTHORIZE_PATH}`,
    companyFileId: state.companyFileId,
    companyFileName: state.companyFileName,
    clientId,
    clientSecret,
    fileUser,
    filePassword,
    issueRefreshToken: (scope) => identity.issueRefreshToken(scope),
    issueAuthorizationCode: (redirectUri, scope) => identity.issueAuthorizationCode(redirectUri, scope),
    answerNextConsent: (consent) => identity.answerNextConsent(consent),
    clock,
    get accounts() {
      return state.accounts;
    },
    set accounts(value) {
      state.accounts = value;
    },
    get taxCodes() {
      return state.taxCodes;
    },
    set taxCodes(value) {
      state.taxCodes = value;
    },
    get preferences() {
      return state.preferences;
    },
    set preferences(value) {
      state.preferences = value;
    },
    get financialYearStart() {
      return state.financialYearStart;
    },
    set financialYearStart(value) {
      state.financialYearStart = settingDay(value);
    },
    items: () => structuredClone(state.items),
    journals: () => structuredClone(state.journals),
    ledger: ledgerHandle(state, clock),
    calls,
    faults: {
      dropAnswers: (n) => faults.dropAnswers(n),
      dropTokenAnswers: (n) => faults.dropTokenAnswers(n),
      fail: (status, n) => faults.fail(status, n),
      rateLimitBurst: (n, problem) => faults.rateLimitBurst(n, problem),
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
