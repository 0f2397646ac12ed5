// The Xero stand-in (tests/support/xero) behaves as Xero documents, through plain HTTP: the
// identity service (rotating refresh tokens, the authorization-code flow, expiry, revocation), the
// rate limits and their headers, the Idempotency-Key window, the spec's request validation, the
// manual-journal and item rules, the faults; and every answer it gave in these tests validates
// against the spec's response schemas (the last test).
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkResponse,
  createClock,
  startXeroStandIn,
  type XeroCall,
  type XeroStandIn,
  type XeroStandInOptions,
} from '../support/xero/index.ts';
import { OPERATIONS } from '../support/xero/operations.ts';

const everyCall: XeroCall[] = [];
const open: XeroStandIn[] = [];

afterEach(async () => {
  for (const xero of open.splice(0)) {
    everyCall.push(...xero.calls);
    await xero.close();
  }
});

async function start(options?: XeroStandInOptions): Promise<XeroStandIn> {
  const xero = await startXeroStandIn(options);
  open.push(xero);
  return xero;
}

interface Reply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // a text answer
  }
  return { status: res.status, headers: res.headers, body };
}

const basic = (xero: XeroStandIn) => `Basic ${Buffer.from(`${xero.clientId}:${xero.clientSecret}`).toString('base64')}`;

async function tokenRequest(xero: XeroStandIn, form: Record<string, string>, auth: 'basic' | 'body' = 'basic'): Promise<Reply> {
  const fields = auth === 'body' ? { ...form, client_id: xero.clientId, client_secret: xero.clientSecret } : form;
  return reply(
    await fetch(`${xero.identityUrl}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth === 'basic' ? { authorization: basic(xero) } : {}) },
      body: new URLSearchParams(fields),
    }),
  );
}

interface CallOptions {
  body?: unknown;
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

type Api = (method: string, path: string, options?: CallOptions) => Promise<Reply>;

function apiWith(xero: XeroStandIn, accessToken: string): Api {
  return async (method, path, { body, key, query, headers } = {}) =>
    reply(
      await fetch(`${xero.apiUrl}${path}${query ? `?${new URLSearchParams(query)}` : ''}`, {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          'xero-tenant-id': xero.tenantId,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(key ? { 'idempotency-key': key } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }),
    );
}

/** Exchanges a fresh refresh token for an access token, as a client configured after consent does. */
async function connect(xero: XeroStandIn, scope?: string): Promise<Api> {
  const tokens = await tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: xero.issueRefreshToken(scope) });
  expect(tokens.status).toBe(200);
  return apiWith(xero, tokens.body.access_token);
}

const journal = (narration: string, amount = 36, extra: Record<string, unknown> = {}) => ({
  Narration: narration,
  Date: '2026-06-30',
  Status: 'POSTED',
  LineAmountTypes: 'NoTax',
  JournalLines: [
    { AccountCode: '1410', LineAmount: amount, Description: 'stock up' },
    { AccountCode: '5150', LineAmount: -amount, Description: 'stock gain' },
  ],
  ...extra,
});

const putJournals = (api: Api, journals: unknown[], key?: string, summarizeErrors?: boolean) =>
  api('PUT', '/ManualJournals', {
    body: { ManualJournals: journals },
    ...(key ? { key } : {}),
    ...(summarizeErrors === undefined ? {} : { query: { summarizeErrors: String(summarizeErrors) } }),
  });

describe('identity', () => {
  it('rotates refresh tokens: each use returns a new one and the used one is refused with invalid_grant', async () => {
    const xero = await start();
    const first = xero.issueRefreshToken();
    const a = await tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: first });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ expires_in: 1800, token_type: 'Bearer' });
    expect(a.body.scope).toContain('accounting.transactions');
    expect(a.body.refresh_token).not.toBe(first);
    expect(await tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: first })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    const b = await tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: a.body.refresh_token }, 'body');
    expect(b.status).toBe(200);
    expect((await apiWith(xero, b.body.access_token)('GET', '/Organisation')).status).toBe(200);
    expect(
      await tokenRequest({ ...xero, clientSecret: 'wrong' }, { grant_type: 'refresh_token', refresh_token: b.body.refresh_token }),
    ).toMatchObject({
      status: 400,
      body: { error: 'invalid_client' },
    });
  });

  it('can allow a lost refresh answer to be retried within a grace period (Xero describes 30 minutes)', async () => {
    const xero = await start({ refreshTokenGraceMs: 30 * 60_000 });
    const first = xero.issueRefreshToken();
    xero.faults.dropTokenAnswers(1);
    await expect(tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: first })).rejects.toThrow();
    const retried = await tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: first });
    expect(retried.status).toBe(200);
    xero.clock.advance(31 * 60_000);
    expect((await tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: first })).body).toEqual({ error: 'invalid_grant' });
    expect((await tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: retried.body.refresh_token })).status).toBe(200);
  });

  it('runs the authorization-code flow: authorize redirects with code and state, the code is single-use, connections list the tenant', async () => {
    const xero = await start();
    const redirect = 'http://127.0.0.1:9/callback';
    const authorize = new URL(`${xero.identityUrl}/connect/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: xero.clientId,
      redirect_uri: redirect,
      scope: 'offline_access accounting.transactions accounting.settings',
      state: 's-1',
    }).toString();
    const res = await fetch(authorize, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirect);
    expect(location.searchParams.get('state')).toBe('s-1');
    const code = location.searchParams.get('code')!;
    const tokens = await tokenRequest(xero, { grant_type: 'authorization_code', code, redirect_uri: redirect });
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toEqual(expect.any(String));
    expect((await tokenRequest(xero, { grant_type: 'authorization_code', code, redirect_uri: redirect })).body).toEqual({
      error: 'invalid_grant',
    });
    const connections = await reply(await fetch(xero.connectionsUrl, { headers: { authorization: `Bearer ${tokens.body.access_token}` } }));
    expect(connections.status).toBe(200);
    expect(connections.body).toEqual([
      expect.objectContaining({
        id: expect.any(String),
        tenantId: xero.tenantId,
        tenantType: 'ORGANISATION',
        tenantName: expect.any(String),
      }),
    ]);
  });

  it('expires access tokens after 30 minutes on its clock with Xero’s TokenExpired answer', async () => {
    const xero = await start({ clock: createClock({ start: Date.UTC(2026, 6, 1, 8, 0, 0) }) });
    const api = await connect(xero);
    expect((await api('GET', '/Organisation')).status).toBe(200);
    xero.clock.advance(30 * 60_000);
    const expired = await api('GET', '/Organisation');
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({
      Type: null,
      Title: 'Unauthorized',
      Status: 401,
      Detail: 'TokenExpired: token expired at 07/01/2026 08:30:00',
    });

    const again = await connect(xero);
    xero.faults.expireAccessTokens();
    expect((await again('GET', '/Organisation')).body.Detail).toMatch(/^TokenExpired: token expired at /);
  });

  it('after revocation refuses refresh (invalid_grant) and API calls (401) until a new consent', async () => {
    const xero = await start();
    const refresh = xero.issueRefreshToken();
    const tokens = await tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: refresh });
    const api = apiWith(xero, tokens.body.access_token);
    xero.faults.revoke();
    expect((await tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token })).body).toEqual({
      error: 'invalid_grant',
    });
    expect(await api('GET', '/Accounts')).toMatchObject({ status: 401, body: { Title: 'Unauthorized' } });
    expect((await (await connect(xero))('GET', '/Accounts')).status).toBe(200);
  });

  it('refuses another tenant (403), a missing token (401), a token without the scope (401) and answers only JSON', async () => {
    const xero = await start();
    const api = await connect(xero);
    expect(await api('GET', '/Accounts', { headers: { 'xero-tenant-id': 'someone-else' } })).toMatchObject({
      status: 403,
      body: { Title: 'Forbidden', Detail: 'AuthenticationUnsuccessful' },
    });
    expect((await api('GET', '/Accounts', { headers: { authorization: '' } })).status).toBe(401);
    expect((await api('GET', '/Accounts', { headers: { accept: '*/*' } })).status).toBe(406);
    const transactionsOnly = await connect(xero, 'offline_access accounting.transactions');
    expect((await transactionsOnly('GET', '/Items')).status).toBe(401);
    expect((await transactionsOnly('GET', '/ManualJournals')).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('carries the remaining-calls headers and answers the 61st call of a minute with 429 minute', async () => {
    const xero = await start();
    const api = await connect(xero);
    const first = await api('GET', '/Organisation');
    expect(first.headers.get('x-minlimit-remaining')).toBe('59');
    expect(first.headers.get('x-daylimit-remaining')).toBe('4999');
    expect(first.headers.get('x-appminlimit-remaining')).toBe('9999');
    const statuses: number[] = [];
    for (let wave = 0; wave < 13; wave++) {
      // five at a time: never over the concurrency limit, so only the minute limit can bite
      const answers = await Promise.all(Array.from({ length: 5 }, () => api('GET', '/TaxRates')));
      statuses.push(...answers.map((a) => a.status));
      const limited = answers.find((a) => a.status === 429);
      if (limited) {
        expect(limited.headers.get('x-rate-limit-problem')).toBe('minute');
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(59);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    expect(xero.stats()).toMatchObject({ maxPerMinute: 66, requests: 66 });
    xero.clock.advance(60_000);
    expect((await api('GET', '/TaxRates')).status).toBe(200);
  });

  it('lets 5 calls run at once and refuses the others with 429 concurrent', async () => {
    const xero = await start();
    const api = await connect(xero);
    xero.faults.slow(600, 8);
    const answers = await Promise.all(Array.from({ length: 8 }, () => api('GET', '/Accounts')));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(3);
    for (const a of refused) {
      expect(a.headers.get('x-rate-limit-problem')).toBe('concurrent');
      expect(a.headers.get('retry-after')).toBe('1');
    }
    // counted on arrival: the refused calls were answered at once, so at most 6 were ever in progress together
    expect(xero.stats().maxConcurrent).toBeGreaterThan(5);
  });

  it('enforces the day limit and arms bursts of 429s with their headers', async () => {
    const xero = await start({ limits: { perDay: 3 } });
    const api = await connect(xero);
    for (let i = 0; i < 3; i++) expect((await api('GET', '/Organisation')).status).toBe(200);
    const day = await api('GET', '/Organisation');
    expect(day.status).toBe(429);
    expect(day.headers.get('x-rate-limit-problem')).toBe('day');
    expect(day.headers.get('x-daylimit-remaining')).toBe('0');
    expect(Number(day.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);

    const other = await start();
    const api2 = await connect(other);
    other.faults.rateLimitBurst(2, 'minute', 7);
    const burst = await api2('GET', '/Organisation');
    expect(burst.status).toBe(429);
    expect(burst.headers.get('retry-after')).toBe('7');
    expect(burst.headers.get('x-rate-limit-problem')).toBe('minute');
    expect(burst.headers.get('x-minlimit-remaining')).toBe('0');
    expect((await api2('GET', '/Organisation')).status).toBe(429);
    expect((await api2('GET', '/Organisation')).status).toBe(200);
  });
});

describe('manual journals (notes §12 scenarios)', () => {
  it('posts a good journal (200 + ManualJournalID); the same key and body replay it; the same key with another body is 400', async () => {
    const xero = await start();
    const api = await connect(xero);
    const posted = await putJournals(api, [journal('Stocktake ST-1 [k:1]')], 'tenant:stocktake:ST-1:v1', false);
    expect(posted.status).toBe(200);
    const [created] = posted.body.ManualJournals;
    expect(created).toMatchObject({
      ManualJournalID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      StatusAttributeString: 'OK',
      Status: 'POSTED',
      Date: '/Date(1782777600000+0000)/',
    });
    expect(created.UpdatedDateUTC).toMatch(/^\/Date\(\d+\+0000\)\/$/);
    const replay = await putJournals(api, [journal('Stocktake ST-1 [k:1]')], 'tenant:stocktake:ST-1:v1', false);
    expect(replay.status).toBe(200);
    expect(replay.body.ManualJournals[0].ManualJournalID).toBe(created.ManualJournalID);
    expect(xero.journals()).toHaveLength(1);
    const other = await putJournals(api, [journal('Stocktake ST-1 [k:1]', 40)], 'tenant:stocktake:ST-1:v1', false);
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ ErrorNumber: 10, Type: 'ValidationException' });
    expect(xero.journals()).toHaveLength(1);
    expect(xero.journals()[0]).toMatchObject({
      Narration: 'Stocktake ST-1 [k:1]',
      Date: '2026-06-30',
      createdWithKey: 'tenant:stocktake:ST-1:v1',
    });
    expect(xero.calls.filter((c) => c.replayed)).toHaveLength(1);
  });

  it('answers an unbalanced journal with summarizeErrors=false as 200 with the element’s ValidationErrors, and stores nothing', async () => {
    const xero = await start();
    const api = await connect(xero);
    const unbalanced = journal('Unbalanced', 100, {
      JournalLines: [
        { AccountCode: '1410', LineAmount: 100 },
        { AccountCode: '5150', LineAmount: -10 },
      ],
    });
    const answer = await putJournals(api, [unbalanced], 'k-unbalanced', false);
    expect(answer.status).toBe(200);
    expect(answer.body.ManualJournals[0]).toMatchObject({
      StatusAttributeString: 'ERROR',
      ValidationErrors: [{ Message: 'The total debits (100.00) must equal total credits (-10.00)' }],
    });
    expect(xero.journals()).toEqual([]);
  });

  it('refuses an INVENTORY-type account with summarizeErrors=true as one 400 ValidationException', async () => {
    const xero = await start();
    const api = await connect(xero);
    const onInventory = journal('On the inventory account', 10, {
      JournalLines: [
        { AccountCode: '630', LineAmount: 10 },
        { AccountCode: '5150', LineAmount: -10 },
      ],
    });
    const answer = await putJournals(api, [onInventory], undefined, true);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ ErrorNumber: 10, Type: 'ValidationException', Message: 'A validation exception occurred' });
    expect(answer.body.Elements[0].ValidationErrors).toEqual([
      { Message: 'You cannot save this transaction using an inventory account type' },
    ]);
    // no summarizeErrors at all behaves as true (Xero's default; the spec says false)
    expect((await putJournals(api, [onInventory])).status).toBe(400);
    expect(xero.journals()).toEqual([]);
  });

  it('refuses a journal dated in a locked period with Xero’s lock-date message', async () => {
    const xero = await start();
    const api = await connect(xero);
    xero.organisation.PeriodLockDate = '2018-11-30';
    const answer = await putJournals(api, [journal('Old', 5, { Date: '2018-11-30' })], undefined, false);
    expect(answer.body.ManualJournals[0].ValidationErrors).toEqual([
      { Message: 'The document date cannot be before the period lock date, currently set at 30-Nov-2018' },
    ]);
    xero.organisation.EndOfYearLockDate = '2018-03-31';
    const older = await putJournals(api, [journal('Older', 5, { Date: '2018-02-01' })], undefined, false);
    expect(older.body.ManualJournals[0].ValidationErrors[0].Message).toBe(
      'The document date cannot be before the end of year lock date, currently set at 31-Mar-2018',
    );
    expect(
      (await putJournals(api, [journal('Open period', 5, { Date: '2018-12-01' })], undefined, false)).body.ManualJournals[0]
        .StatusAttributeString,
    ).toBe('OK');
    const org = await api('GET', '/Organisation');
    expect(org.body.Organisations[0]).toMatchObject({
      BaseCurrency: 'NZD',
      PeriodLockDate: '/Date(1543536000000+0000)/',
      EndOfYearLockDate: '/Date(1522454400000+0000)/',
    });
  });

  it('stores the journal, then drops the answer (the client sees the socket close); a retry with the same key replays it', async () => {
    const xero = await start();
    const api = await connect(xero);
    xero.faults.dropAnswers(1);
    await expect(putJournals(api, [journal('Dropped [k:2]')], 'k-dropped', false)).rejects.toThrow(/fetch failed/);
    expect(xero.journals()).toHaveLength(1);
    const retry = await putJournals(api, [journal('Dropped [k:2]')], 'k-dropped', false);
    expect(retry.status).toBe(200);
    expect(retry.body.ManualJournals[0].ManualJournalID).toBe(xero.journals()[0]!.ManualJournalID);
    expect(xero.journals()).toHaveLength(1);
    expect(xero.calls.filter((c) => c.path.endsWith('/ManualJournals')).map((c) => [c.status, c.answeredStatus, !!c.dropped])).toEqual([
      [0, 200, true],
      [200, 200, false],
    ]);
  });

  it('gives a node:http client "socket hang up" for a dropped answer, as xero-node reports it', async () => {
    const xero = await start();
    const tokens = await tokenRequest(xero, { grant_type: 'refresh_token', refresh_token: xero.issueRefreshToken() });
    xero.faults.dropAnswers(1);
    const error = await new Promise<Error>((resolve) => {
      const req = httpRequest(`${xero.apiUrl}/Organisation`, {
        headers: { authorization: `Bearer ${tokens.body.access_token}`, 'xero-tenant-id': xero.tenantId, accept: 'application/json' },
      });
      req.on('error', resolve);
      req.on('response', () => resolve(new Error('answered')));
      req.end();
    });
    expect(error.message).toBe('socket hang up');
  });

  it('keeps a key 6 minutes: after that the same key and body make a second journal (so look journals up by a marker)', async () => {
    const xero = await start();
    const api = await connect(xero);
    await putJournals(api, [journal('Windowed [k:3]')], 'k-window', false);
    xero.clock.advance(5 * 60_000);
    expect((await putJournals(api, [journal('Windowed [k:3]')], 'k-window', false)).status).toBe(200);
    expect(xero.journals()).toHaveLength(1);
    xero.clock.advance(60_000);
    const api2 = await connect(xero);
    expect((await putJournals(api2, [journal('Windowed [k:3]')], 'k-window', false)).status).toBe(200);
    expect(xero.journals()).toHaveLength(2);
    const found = await api2('GET', '/ManualJournals', { query: { where: 'Narration.Contains("[k:3]")' } });
    expect(found.body.ManualJournals).toHaveLength(2);
  });

  it('makes a concurrent repeat wait for the first; caches a 500 under the key; not a 503 or a 429', async () => {
    const xero = await start();
    const api = await connect(xero);
    xero.faults.slow(200, 1);
    const [one, two] = await Promise.all([
      putJournals(api, [journal('Twice [k:4]')], 'k-twice', false),
      putJournals(api, [journal('Twice [k:4]')], 'k-twice', false),
    ]);
    expect(one!.body.ManualJournals[0].ManualJournalID).toBe(two!.body.ManualJournals[0].ManualJournalID);
    expect(xero.journals()).toHaveLength(1);

    xero.faults.fail(500);
    expect((await putJournals(api, [journal('Fails [k:5]')], 'k-500', false)).body).toMatchObject({
      ErrorNumber: 500,
      Type: 'UnknownErrorException',
    });
    expect((await putJournals(api, [journal('Fails [k:5]')], 'k-500', false)).status).toBe(500);
    expect((await putJournals(api, [journal('Fails [k:5]')], 'k-500b', false)).status).toBe(200);

    xero.faults.fail(503);
    expect((await putJournals(api, [journal('Unavailable [k:6]')], 'k-503', false)).status).toBe(503);
    expect((await putJournals(api, [journal('Unavailable [k:6]')], 'k-503', false)).status).toBe(200);

    xero.faults.rateLimitBurst(1, 'minute');
    expect((await putJournals(api, [journal('Limited [k:7]')], 'k-429', false)).status).toBe(429);
    const after = await putJournals(api, [journal('Limited [k:7]')], 'k-429', false);
    expect(after.status).toBe(200);
    expect(xero.calls.at(-1)!.replayed).toBeUndefined();
    expect(xero.journals().map((j) => j.Narration)).toEqual(['Twice [k:4]', 'Fails [k:5]', 'Unavailable [k:6]', 'Limited [k:7]']);
    expect((await putJournals(api, [journal('x')], 'k'.repeat(129), false)).status).toBe(400);
  });

  it('validates requests against the spec: LineAmount as a string, a missing Narration, an unknown Status', async () => {
    const xero = await start();
    const api = await connect(xero);
    const bad = await putJournals(
      api,
      [{ Date: '2026-06-30', Status: 'APPROVED', JournalLines: [{ AccountCode: '1410', LineAmount: '36.00' }] }],
      undefined,
      false,
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ ErrorNumber: 10, Type: 'ValidationException' });
    const messages = bad.body.Elements[0].ValidationErrors.map((e: { Message: string }) => e.Message);
    expect(messages).toEqual(
      expect.arrayContaining([
        "/requestBody/ManualJournals/0 must have required property 'Narration'",
        '/requestBody/ManualJournals/0/JournalLines/0/LineAmount must be number',
        '/requestBody/ManualJournals/0/Status must be equal to one of the allowed values',
      ]),
    );
    expect((await api('PUT', '/ManualJournals', { body: '{"ManualJournals": [', query: { summarizeErrors: 'false' } })).body).toMatchObject(
      {
        ErrorNumber: 14,
        Type: 'PostDataInvalidException',
      },
    );
    expect((await api('GET', '/ManualJournals', { query: { page: 'one' } })).status).toBe(400);
    expect((await api('GET', '/ManualJournals/not-a-uuid')).status).toBe(400);
    expect((await api('GET', '/Invoices')).status).toBe(501);
    expect((await api('GET', '/NoSuchThing')).status).toBe(404);
    expect(xero.journals()).toEqual([]);
  });

  it('applies the rules the spec cannot say: accounts, tax types, dates, tracking, lines, status', async () => {
    const xero = await start();
    const api = await connect(xero);
    const noCode = xero.accounts.find((a) => a.Code === undefined)!;
    const lines = (...l: Record<string, unknown>[]) => ({ JournalLines: l });
    const cases: [Record<string, unknown>, string | null][] = [
      [
        lines({ AccountCode: '5160', LineAmount: 5 }, { AccountCode: '5150', LineAmount: -5 }),
        "Account code '5160' has been archived, or has been deleted. Each line item must reference a valid account.",
      ],
      [
        lines({ AccountCode: '1410', LineAmount: 5, TaxType: 'BOGUS' }, { AccountCode: '5150', LineAmount: -5 }),
        "The TaxType code 'BOGUS' is not valid",
      ],
      [
        lines({ AccountCode: '1410', LineAmount: 5, TaxType: 'GSTONIMPORTS' }, { AccountCode: '5150', LineAmount: -5 }),
        "The TaxType code 'GSTONIMPORTS' is not valid",
      ],
      [
        lines({ AccountCode: '429', LineAmount: 5, TaxType: 'OUTPUT2' }, { AccountCode: '5150', LineAmount: -5 }),
        "The TaxType code 'OUTPUT2' cannot be used with account code '429' (EXPENSE)",
      ],
      [
        lines({ AccountCode: '1410', LineAmount: 5 }),
        'The JournalLines element must contain at least two individual JournalLine sub-elements',
      ],
      [{ Date: '30/06/2026' }, "'30/06/2026' is not a valid date: Date must be YYYY-MM-DD"],
      [{ Narration: '  ' }, 'Narration cannot be empty'],
      [{ Status: 'VOIDED' }, 'A manual journal can only be created as DRAFT or POSTED, not VOIDED'],
      [
        { ManualJournalID: '6f0a6c53-5e8b-4f2f-9b43-9d1c3c1c1f5e' },
        "ManualJournalID '6f0a6c53-5e8b-4f2f-9b43-9d1c3c1c1f5e' was given: PUT creates manual journals, use POST to update one",
      ],
      [
        lines(
          { AccountCode: '1410', LineAmount: 5, Tracking: [{ Name: 'Region', Option: 'East' }] },
          { AccountCode: '5150', LineAmount: -5 },
        ),
        "Tracking category 'Region' has no active option 'East'",
      ],
      [
        lines(
          { AccountCode: '1410', LineAmount: 5, Tracking: [{ Name: 'Region', Option: 'North' }] },
          { AccountID: noCode.AccountID, LineAmount: -5 },
        ),
        null,
      ],
      [
        lines(
          { AccountCode: '1410', LineAmount: 0.1 },
          { AccountCode: '1410', LineAmount: 0.2 },
          { AccountCode: '5150', LineAmount: -0.3 },
        ),
        null,
      ],
    ];
    const answer = await putJournals(
      api,
      cases.map(([change], i) => ({ ...journal(`Case ${i}`, 5), ...change })),
      undefined,
      false,
    );
    expect(answer.status).toBe(200);
    cases.forEach(([, message], i) => {
      const element = answer.body.ManualJournals[i];
      if (message === null) expect(element.StatusAttributeString, `case ${i}`).toBe('OK');
      else
        expect(
          element.ValidationErrors?.map((e: { Message: string }) => e.Message),
          `case ${i}`,
        ).toContain(message);
      if (message !== null) expect(element.ManualJournalID).toBe('00000000-0000-0000-0000-000000000000');
    });
    expect(xero.journals()).toHaveLength(2);
    expect(xero.journals()[0]!.JournalLines[0]!.Tracking).toEqual([expect.objectContaining({ Name: 'Region', Option: 'North' })]);
  });

  it('drops a line with an unknown account code and says so in Warnings, as Xero does', async () => {
    const xero = await start();
    const api = await connect(xero);
    const withUnknown = journal('With 476', 36, {
      JournalLines: [
        { AccountCode: '1410', LineAmount: 36 },
        { AccountCode: '5150', LineAmount: -36 },
        { AccountCode: '476', LineAmount: 0 },
      ],
    });
    const ok = await putJournals(api, [withUnknown], undefined, false);
    expect(ok.body.ManualJournals[0]).toMatchObject({
      StatusAttributeString: 'OK',
      Warnings: [{ Message: "Account code '476' has been removed as it does not match a recognised account." }],
    });
    expect(xero.journals()[0]!.JournalLines).toHaveLength(2);
    // dropping a line with an amount unbalances the journal
    const unbalanced = await putJournals(
      api,
      [
        journal('Lost line', 36, {
          JournalLines: [
            { AccountCode: '1410', LineAmount: 36 },
            { AccountCode: '476', LineAmount: -36 },
          ],
        }),
      ],
      undefined,
      false,
    );
    expect(unbalanced.body.ManualJournals[0].ValidationErrors).toEqual([
      { Message: 'The total debits (36.00) must equal total credits (0.00)' },
    ]);
  });

  it('stores the good elements of a summarised batch that fails (the 400 lists only the failed one)', async () => {
    const xero = await start();
    const api = await connect(xero);
    const answer = await putJournals(api, [journal('Good 1'), journal('Bad', 1, { Date: 'tomorrow' }), journal('Good 2')], 'k-batch');
    expect(answer.status).toBe(400);
    expect(answer.body.Elements).toHaveLength(1);
    expect(answer.body.Elements[0].Narration).toBe('Bad');
    expect(xero.journals().map((j) => j.Narration)).toEqual(['Good 1', 'Good 2']);
  });

  it('updates with POST (by ManualJournalID), creates with POST without one, and defaults Status to DRAFT', async () => {
    const xero = await start();
    const api = await connect(xero);
    const draft = await api('POST', '/ManualJournals', {
      body: { ManualJournals: [{ ...journal('Draft'), Status: undefined }] },
      query: { summarizeErrors: 'false' },
    });
    const id = draft.body.ManualJournals[0].ManualJournalID;
    expect(draft.body.ManualJournals[0].Status).toBe('DRAFT');
    const posted = await api('POST', `/ManualJournals/${id}`, {
      body: { ManualJournals: [{ Narration: 'Draft, posted', Status: 'POSTED' }] },
    });
    expect(posted.status).toBe(200);
    expect(xero.journals()).toEqual([expect.objectContaining({ ManualJournalID: id, Narration: 'Draft, posted', Status: 'POSTED' })]);
    const back = await api('POST', `/ManualJournals/${id}`, { body: { ManualJournals: [{ Narration: 'x', Status: 'DRAFT' }] } });
    expect(back.body.Elements[0].ValidationErrors[0].Message).toBe('A POSTED manual journal cannot be changed to DRAFT');
    const unknown = await api('POST', '/ManualJournals', {
      body: { ManualJournals: [{ ManualJournalID: '6f0a6c53-5e8b-4f2f-9b43-9d1c3c1c1f5e', Narration: 'x' }] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.Elements[0].ValidationErrors[0].Message).toBe(
      "Manual journal '6f0a6c53-5e8b-4f2f-9b43-9d1c3c1c1f5e' could not be found",
    );
  });

  it('reads journals: pages of 100 with lines (or pageSize), all without lines unpaged, where, If-Modified-Since, by id', async () => {
    const start0 = Date.UTC(2026, 6, 1, 9, 0, 0);
    const xero = await start({ clock: createClock({ start: start0 }) });
    const api = await connect(xero);
    const many = Array.from({ length: 250 }, (_, i) => journal(`Movement ${i} [k:m${i}]`, i + 1));
    expect((await putJournals(api, many, 'k-many', false)).status).toBe(200);
    xero.clock.advance(10_000);
    await putJournals(api, [journal('Later [k:later]')], undefined, false);

    const page1 = await api('GET', '/ManualJournals', { query: { page: '1' } });
    expect(page1.body.pagination).toEqual({ page: 1, pageSize: 100, pageCount: 3, itemCount: 251 });
    expect(page1.body.ManualJournals).toHaveLength(100);
    expect(page1.body.ManualJournals[0].JournalLines).toHaveLength(2);
    const page3 = await api('GET', '/ManualJournals', { query: { page: '3' } });
    expect(page3.body.ManualJournals).toHaveLength(51);
    expect((await api('GET', '/ManualJournals', { query: { page: '1', pageSize: '200' } })).body.ManualJournals).toHaveLength(200);
    const unpaged = await api('GET', '/ManualJournals');
    expect(unpaged.body.ManualJournals).toHaveLength(251);
    expect(unpaged.body.ManualJournals[0].JournalLines).toEqual([]);

    const exact = await api('GET', '/ManualJournals', { query: { where: 'Narration=="Movement 17 [k:m17]"' } });
    expect(exact.body.ManualJournals.map((j: { Narration: string }) => j.Narration)).toEqual(['Movement 17 [k:m17]']);
    const contains = await api('GET', '/ManualJournals', { query: { where: 'Narration.Contains("[k:m24")', page: '1' } });
    expect(contains.body.ManualJournals.map((j: { Narration: string }) => j.Narration)).toEqual([
      'Movement 24 [k:m24]',
      'Movement 240 [k:m240]',
      'Movement 241 [k:m241]',
      'Movement 242 [k:m242]',
      'Movement 243 [k:m243]',
      'Movement 244 [k:m244]',
      'Movement 245 [k:m245]',
      'Movement 246 [k:m246]',
      'Movement 247 [k:m247]',
      'Movement 248 [k:m248]',
      'Movement 249 [k:m249]',
    ]);
    const combined = await api('GET', '/ManualJournals', {
      query: { where: 'Status=="POSTED" AND (Narration.StartsWith("Later") || Narration == "Movement 3 [k:m3]")', order: 'Narration DESC' },
    });
    expect(combined.body.ManualJournals.map((j: { Narration: string }) => j.Narration)).toEqual(['Movement 3 [k:m3]', 'Later [k:later]']);

    const since = await api('GET', '/ManualJournals', { headers: { 'if-modified-since': new Date(start0 + 5_000).toISOString() } });
    expect(since.body.ManualJournals.map((j: { Narration: string }) => j.Narration)).toEqual(['Later [k:later]']);

    for (const where of ['Narration.ToLower()=="x"', 'Nonsense=="x"', 'Narration==', 'Narration.Contains("x"']) {
      expect((await api('GET', '/ManualJournals', { query: { where } })).body, where).toMatchObject({
        ErrorNumber: 16,
        Type: 'QueryParseException',
      });
    }

    const id = page1.body.ManualJournals[5].ManualJournalID;
    const one = await api('GET', `/ManualJournals/${id}`);
    expect(one.body.ManualJournals).toEqual([expect.objectContaining({ ManualJournalID: id, JournalLines: expect.any(Array) })]);
    expect(one.body.ManualJournals[0].JournalLines[0]).toMatchObject({ AccountCode: '1410', LineAmount: 6, TaxType: 'NONE', TaxAmount: 0 });
    expect((await api('GET', '/ManualJournals/6f0a6c53-5e8b-4f2f-9b43-9d1c3c1c1f5e')).status).toBe(404);
  });

  it('accepts many journals in one request and refuses a body over 3.5 MB with 413', async () => {
    const xero = await start();
    const api = await connect(xero);
    const huge = { ManualJournals: [journal('x'.repeat(3.6 * 1024 * 1024))] };
    expect((await api('PUT', '/ManualJournals', { body: huge })).status).toBe(413);
    expect(xero.journals()).toEqual([]);
  });
});

describe('items', () => {
  const item = (Code: string, extra: Record<string, unknown> = {}) => ({
    Code,
    Name: `Item ${Code}`,
    IsSold: true,
    IsPurchased: true,
    SalesDetails: { UnitPrice: 24.95, AccountCode: '200', TaxType: 'OUTPUT2' },
    PurchaseDetails: { UnitPrice: 11.2, AccountCode: '1410', TaxType: 'INPUT2' },
    ...extra,
  });

  it('creates untracked items with PUT and refuses a duplicate code with the spec’s message', async () => {
    const xero = await start();
    const api = await connect(xero);
    const created = await api('PUT', '/Items', {
      body: { Items: [item('WIDGET-RED-01')] },
      query: { summarizeErrors: 'false' },
      key: 'k-item',
    });
    expect(created.status).toBe(200);
    expect(created.body.Items[0]).toMatchObject({
      Code: 'WIDGET-RED-01',
      IsTrackedAsInventory: false,
      StatusAttributeString: 'OK',
      PurchaseDetails: { AccountCode: '1410' },
    });
    const dup = await api('PUT', '/Items', { body: { Items: [item('widget-red-01')] }, query: { summarizeErrors: 'false' } });
    expect(dup.body.Items[0].ValidationErrors).toEqual([{ Message: "Price List Item with Code 'widget-red-01' already exists" }]);
    expect(xero.items()).toHaveLength(1);
  });

  it('updates or creates with POST by Code or ItemID, renames with POST /Items/{ItemID}, reads with where and by id', async () => {
    const xero = await start();
    const api = await connect(xero);
    const upsert = await api('POST', '/Items', { body: { Items: [item('BOLT-M8'), item('NUT-M8')] }, query: { summarizeErrors: 'false' } });
    const boltId = upsert.body.Items[0].ItemID;
    await api('POST', '/Items', { body: { Items: [{ Code: 'BOLT-M8', Name: 'Bolt M8 zinc' }] } });
    expect(xero.items()).toHaveLength(2);
    expect(xero.items()[0]).toMatchObject({ ItemID: boltId, Name: 'Bolt M8 zinc', SalesDetails: { UnitPrice: 24.95 } });
    const renamed = await api('POST', `/Items/${boltId}`, { body: { Items: [{ Code: 'BOLT-M8-ZN' }] } });
    expect(renamed.status).toBe(200);
    const byCode = await api('GET', '/Items', { query: { where: 'Code=="BOLT-M8-ZN"' } });
    expect(byCode.body.Items).toEqual([expect.objectContaining({ ItemID: boltId, Code: 'BOLT-M8-ZN' })]);
    expect((await api('GET', `/Items/${boltId}`)).body.Items[0].Name).toBe('Bolt M8 zinc');
    const clash = await api('POST', `/Items/${boltId}`, { body: { Items: [{ Code: 'NUT-M8' }] } });
    expect(clash.body.Elements[0].ValidationErrors[0].Message).toBe("Price List Item with Code 'NUT-M8' already exists");
    expect((await api('GET', '/Items/6f0a6c53-5e8b-4f2f-9b43-9d1c3c1c1f5e')).status).toBe(404);
    const notSold = await api('POST', '/Items', { body: { Items: [{ Code: 'NUT-M8', IsSold: false }] } });
    expect(notSold.body.Items[0].SalesDetails).toEqual({});
  });

  it('refuses tracked items and INVENTORY-type or unknown accounts; the spec limits Code to 30 and Name to 50', async () => {
    const xero = await start();
    const api = await connect(xero);
    const answer = await api('PUT', '/Items', {
      body: {
        Items: [
          item('A', { InventoryAssetAccountCode: '1410' }),
          item('B', { InventoryAssetAccountCode: '630', PurchaseDetails: { COGSAccountCode: '310' } }),
          item('C', { PurchaseDetails: { AccountCode: '630' } }),
          item('D', { SalesDetails: { AccountCode: '999' } }),
          item('E', { PurchaseDetails: { AccountCode: '1410', TaxType: 'NOPE' } }),
        ],
      },
      query: { summarizeErrors: 'false' },
    });
    const messages = answer.body.Items.map((i: { ValidationErrors?: { Message: string }[] }) => i.ValidationErrors?.map((e) => e.Message));
    expect(messages[0]).toEqual(["The InventoryAssetAccountCode '1410' must be an account of type INVENTORY"]);
    expect(messages[1]).toEqual(
      expect.arrayContaining(['The Xero stand-in keeps untracked items only: an InventoryAssetAccountCode makes the item tracked']),
    );
    expect(messages[2]).toEqual(['PurchaseDetails: You cannot save this transaction using an inventory account type']);
    expect(messages[3]).toEqual(["SalesDetails: Account code '999' does not match a recognised account"]);
    expect(messages[4]).toEqual(["The TaxType code 'NOPE' is not valid"]);
    expect(xero.items()).toEqual([]);
    const long = await api('PUT', '/Items', { body: { Items: [{ Code: 'C'.repeat(31), Name: 'N'.repeat(51) }] } });
    expect(long.status).toBe(400);
    expect(long.body.Elements[0].ValidationErrors.map((e: { Message: string }) => e.Message)).toEqual([
      '/requestBody/Items/0/Code must NOT have more than 30 characters',
      '/requestBody/Items/0/Name must NOT have more than 50 characters',
    ]);
  });
});

describe('settings', () => {
  it('shows the chart (archived and code-less accounts included), tax rates, tracking categories and the organisation', async () => {
    const xero = await start();
    const api = await connect(xero);
    const accounts = (await api('GET', '/Accounts')).body.Accounts;
    expect(accounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Code: '1410', Name: 'Stock on Hand', Type: 'CURRENT', Class: 'ASSET', Status: 'ACTIVE' }),
        expect.objectContaining({ Code: '630', Type: 'INVENTORY' }),
        expect.objectContaining({ Code: '5160', Status: 'ARCHIVED' }),
      ]),
    );
    expect(accounts.filter((a: { Code?: string }) => a.Code === undefined)).toHaveLength(1);
    const active = (await api('GET', '/Accounts', { query: { where: 'Status=="ACTIVE" AND Type=="DIRECTCOSTS"' } })).body.Accounts;
    expect(active.map((a: { Code: string }) => a.Code)).toEqual(['300', '310', '5150']);
    xero.accounts.push({
      AccountID: '8f7d1c53-5e8b-4f2f-9b43-9d1c3c1c1f5e',
      Code: '1420',
      Name: 'Stock in Transit',
      Type: 'CURRENT',
      Status: 'ACTIVE',
      TaxType: 'NONE',
    });
    expect((await api('GET', '/Accounts', { query: { where: 'Code=="1420"' } })).body.Accounts).toHaveLength(1);
    const rates = (await api('GET', '/TaxRates')).body.TaxRates.map((t: { TaxType: string }) => t.TaxType);
    expect(rates).toEqual(expect.arrayContaining(['NONE', 'BASEXCLUDED', 'OUTPUT2', 'INPUT2']));
    expect((await api('GET', '/TrackingCategories')).body.TrackingCategories[0].Options.map((o: { Name: string }) => o.Name)).toEqual([
      'North',
      'South',
    ]);
    const org = (await api('GET', '/Organisation')).body.Organisations[0];
    expect(org).toMatchObject({ BaseCurrency: 'NZD' });
    expect(org.PeriodLockDate).toBeUndefined();
  });
});

describe('the general ledger (GET /Journals)', () => {
  it('numbers a journal for each posted manual journal, its edits (reversal and new) and other sources, 100 a page after the offset', async () => {
    const xero = await start();
    const api = await connect(xero, 'offline_access accounting.transactions accounting.journals.read');
    const put = await api('PUT', '/ManualJournals', {
      body: { ManualJournals: [journal('Posted [k:1]'), journal('Draft', 5, { Status: 'DRAFT' })] },
      query: { summarizeErrors: 'false' },
    });
    const posted = put.body.ManualJournals[0];
    const first = await api('GET', '/Journals', { query: { offset: '0', paymentsOnly: 'false' } });
    expect(first.status).toBe(200);
    expect(first.body.Journals).toMatchObject([
      {
        JournalNumber: 1,
        JournalDate: `/Date(${Date.UTC(2026, 5, 30)}+0000)/`,
        SourceType: 'MANJOURNAL',
        SourceID: posted.ManualJournalID,
        Reference: 'Posted [k:1]',
        JournalLines: [
          { AccountCode: '1410', AccountType: 'CURRENT', NetAmount: 36, GrossAmount: 36, TaxAmount: 0 },
          { AccountCode: '5150', NetAmount: -36 },
        ],
      },
    ]);
    xero.ledger.add({
      date: '2026-07-01',
      sourceType: 'ACCPAY',
      reference: 'Bill coded to stock',
      lines: [
        { accountCode: '1410', netAmount: 12.5 },
        { accountCode: '2150', netAmount: -12.5 },
      ],
    });
    const edit = await api('POST', `/ManualJournals/${posted.ManualJournalID}`, {
      body: { ManualJournals: [journal('Posted [k:1]', 30)] },
    });
    expect(edit.status).toBe(200);
    const after = await api('GET', '/Journals', { query: { offset: '1' } });
    expect(
      after.body.Journals.map((j: { JournalNumber: number; SourceType: string; JournalLines: { NetAmount: number }[] }) => [
        j.JournalNumber,
        j.SourceType,
        j.JournalLines[0]!.NetAmount,
      ]),
    ).toEqual([
      [2, 'ACCPAY', 12.5],
      [3, 'MANJOURNAL', -36],
      [4, 'MANJOURNAL', 30],
    ]);
    expect((await api('GET', '/Journals', { query: { paymentsOnly: 'true' } })).body.Journals).toEqual([]);
    for (let i = 0; i < 150; i++)
      xero.ledger.add({
        date: '2026-07-02',
        sourceType: 'ACCREC',
        lines: [
          { accountCode: '090', netAmount: 1 },
          { accountCode: '200', netAmount: -1 },
        ],
      });
    const page = await api('GET', '/Journals', { query: { offset: '4' } });
    expect(page.body.Journals).toHaveLength(100);
    expect(page.body.Journals[0].JournalNumber).toBe(5);
    expect((await api('GET', '/Journals', { query: { offset: '104' } })).body.Journals).toHaveLength(50);
    expect(xero.ledger.journals()).toHaveLength(154);
  });

  it('needs the accounting.journals.read scope', async () => {
    const xero = await start();
    const api = await connect(xero, 'offline_access accounting.transactions');
    expect(await api('GET', '/Journals')).toMatchObject({ status: 401, body: { Detail: 'AuthorizationUnsuccessful' } });
  });
});

describe('contract self-check', () => {
  it('the response check does refuse an answer off the spec', async () => {
    const wrong = await checkResponse('createManualJournals', 200, {
      ManualJournals: [{ ManualJournalID: 'not-a-uuid', JournalLines: [{ LineAmount: '36.00' }] }],
    });
    expect(wrong).toMatchObject({ declared: true, valid: false });
    expect(wrong.errors).toEqual(
      expect.arrayContaining([
        '/ManualJournals/0/ManualJournalID must match format "uuid"',
        '/ManualJournals/0/JournalLines/0/LineAmount must be number',
      ]),
    );
    expect(await checkResponse('createManualJournals', 400, { ErrorNumber: '10' })).toMatchObject({ valid: false });
    expect(await checkResponse('getAccounts', 429, {})).toMatchObject({ declared: false });
  });

  it('every answer the stand-in gave in these tests validates against the spec’s response schema', async () => {
    const checked = new Set<string>();
    const failures: string[] = [];
    let count = 0;
    for (const call of everyCall) {
      if (!call.operationId || typeof call.response !== 'object' || call.response === null) continue;
      const result = await checkResponse(call.operationId, call.answeredStatus, call.response);
      if (!result.declared) continue;
      count++;
      checked.add(`${call.operationId} ${call.answeredStatus}`);
      if (!result.valid) failures.push(`${call.method} ${call.path} → ${call.answeredStatus}: ${result.errors.join('; ')}`);
    }
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(100);
    for (const operationId of Object.keys(OPERATIONS))
      expect(
        [...checked].some((c) => c.startsWith(`${operationId} 200`)),
        operationId,
      ).toBe(true);
    for (const operationId of [
      'createManualJournals',
      'updateOrCreateManualJournals',
      'updateManualJournal',
      'createItems',
      'updateItem',
    ]) {
      expect(checked.has(`${operationId} 400`), `${operationId} 400`).toBe(true);
    }
  });
});
