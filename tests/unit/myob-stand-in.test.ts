// The MYOB stand-in (tests/support/myob) behaves as MYOB documents, through plain HTTP as a client
// sees it: the token endpoint (rotating single-use refresh tokens, codes, 20-minute access tokens,
// revocation), the API's required headers, collections with OData paging and filters, items and
// general journals validated against the SDK contracts and MYOB's rules, RowVersion concurrency,
// the 8-a-second limit, and the faults (a dropped answer after the journal was stored; a 504 not
// stored).
import { afterEach, describe, expect, it } from 'vitest';
import { createClock, startMyobStandIn, type MyobStandIn, type MyobStandInOptions } from '../support/myob/index.ts';

const open: MyobStandIn[] = [];

afterEach(async () => {
  for (const myob of open.splice(0)) await myob.close();
});

/** A stand-in on a frozen clock (moved only by `advance`), so rate windows and expiries are exact. */
async function start(options: MyobStandInOptions = {}): Promise<MyobStandIn> {
  const myob = await startMyobStandIn({ clock: createClock({ start: Date.UTC(2026, 6, 1, 0, 0, 0), scale: 0 }), ...options });
  open.push(myob);
  return myob;
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

async function tokenRequest(myob: MyobStandIn, form: Record<string, string>, clientSecret = myob.clientSecret): Promise<Reply> {
  return reply(
    await fetch(`${myob.identityUrl}/oauth2/v1/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: myob.clientId, client_secret: clientSecret, ...form }),
    }),
  );
}

interface CallOptions {
  body?: unknown;
  query?: Record<string, string>;
  /** Replace (or, with undefined, leave out) the standard headers. */
  headers?: Record<string, string | undefined>;
}

type Api = (method: string, path: string, options?: CallOptions) => Promise<Reply>;

const fileToken = (myob: MyobStandIn) => Buffer.from(`${myob.fileUser}:${myob.filePassword}`).toString('base64');

/**
 * Calls `${apiUrl}/${companyFileId}${path}` (or an absolute URL) with the headers MYOB requires.
 * Paced, the frozen clock moves 125 ms before each call, so a test stays within 8 calls a second.
 */
function apiWith(myob: MyobStandIn, accessToken: string, paced = true): Api {
  return async (method, path, { body, query, headers = {} } = {}) => {
    if (paced) myob.clock.advance(125);
    const url = path.startsWith('http') ? path : `${myob.apiUrl}/${myob.companyFileId}${path}`;
    const all: Record<string, string | undefined> = {
      authorization: `Bearer ${accessToken}`,
      'x-myobapi-key': myob.clientId,
      'x-myobapi-version': 'v2',
      'x-myobapi-cftoken': fileToken(myob),
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    };
    const sent = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
    return reply(
      await fetch(`${url}${query ? `?${new URLSearchParams(query)}` : ''}`, {
        method,
        headers: sent,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }),
    );
  };
}

async function connect(myob: MyobStandIn, scope?: string, paced = true): Promise<Api> {
  const tokens = await tokenRequest(myob, { grant_type: 'refresh_token', refresh_token: myob.issueRefreshToken(scope) });
  expect(tokens.status).toBe(200);
  return apiWith(myob, tokens.body.access_token, paced);
}

const accountUid = (myob: MyobStandIn, displayId: string) => myob.accounts.find((a) => a.DisplayID === displayId)!.UID;
const taxCodeUid = (myob: MyobStandIn, code: string) => myob.taxCodes.find((t) => t.Code === code)!.UID;
const uidOfLocation = (location: string | null) => location!.split('/').pop()!;

interface JournalOptions {
  amount?: number;
  credit?: number;
  date?: string;
  debitAccount?: string;
  creditAccount?: string;
  extra?: Record<string, unknown>;
}

/** A stock gain: Dr 1-1320 Stock on hand, Cr 5-1150 Stock adjustments, tax code N-T. */
function journal(myob: MyobStandIn, memo: string, options: JournalOptions = {}) {
  const {
    amount = 36,
    credit = amount,
    date = '2026-06-30 00:00:00',
    debitAccount = '1-1320',
    creditAccount = '5-1150',
    extra = {},
  } = options;
  const nt = { UID: taxCodeUid(myob, 'N-T') };
  return {
    DateOccurred: date,
    IsTaxInclusive: false,
    IsYearEndAdjustment: false,
    Memo: memo,
    GSTReportingMethod: 'Purchase',
    Lines: [
      { Account: { UID: accountUid(myob, debitAccount) }, Memo: 'count gain', TaxCode: nt, Amount: amount, IsCredit: false },
      { Account: { UID: accountUid(myob, creditAccount) }, Memo: 'count gain', TaxCode: nt, Amount: credit, IsCredit: true },
    ],
    ...extra,
  };
}

/** A non-inventoried item bought and sold, as Stocksheet pushes products. */
function item(myob: MyobStandIn, number: string, extra: Record<string, unknown> = {}) {
  return {
    Number: number,
    Name: `Widget ${number}`.slice(0, 30),
    IsActive: true,
    IsBought: true,
    IsSold: true,
    IsInventoried: false,
    IncomeAccount: { UID: accountUid(myob, '4-1000') },
    ExpenseAccount: { UID: accountUid(myob, '6-1000') },
    BuyingDetails: { StandardCost: 11.2, TaxCode: { UID: taxCodeUid(myob, 'GST') }, ItemsPerBuyingUnit: 1 },
    SellingDetails: { BaseSellingPrice: 24.95, TaxCode: { UID: taxCodeUid(myob, 'GST') }, IsTaxInclusive: false, ItemsPerSellingUnit: 1 },
    ...extra,
  };
}

const errorNames = (r: Reply): string[] => (r.body?.Errors ?? []).map((e: { Name: string }) => e.Name);

describe('identity', () => {
  it('rotates refresh tokens: a used one is refused with invalid_grant, the new one works; a wrong secret is invalid_client', async () => {
    const myob = await start();
    const first = myob.issueRefreshToken();
    const a = await tokenRequest(myob, { grant_type: 'refresh_token', refresh_token: first });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      token_type: 'bearer',
      expires_in: '1200',
      user: { uid: expect.any(String), username: expect.any(String) },
    });
    expect(a.body.scope).toContain('sme-general-ledger');
    expect(a.body.refresh_token).not.toBe(first);
    expect(await tokenRequest(myob, { grant_type: 'refresh_token', refresh_token: first })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await tokenRequest(myob, { grant_type: 'refresh_token', refresh_token: 'made-up' })).toMatchObject({
      body: { error: 'invalid_grant' },
    });
    expect(await tokenRequest(myob, { grant_type: 'refresh_token', refresh_token: a.body.refresh_token }, 'wrong')).toMatchObject({
      status: 400,
      body: { error: 'invalid_client' },
    });
    const b = await tokenRequest(myob, { grant_type: 'refresh_token', refresh_token: a.body.refresh_token });
    expect(b.status).toBe(200);
    expect((await apiWith(myob, b.body.access_token)('GET', '/Company/Preferences')).status).toBe(200);
    expect(myob.stats()).toMatchObject({ tokenRequests: 5, total: 1 });
    const logged = myob.calls.find((c) => c.kind === 'token')!;
    expect(logged.body).toMatchObject({ client_secret: '[redacted]', refresh_token: '[redacted]' });
    expect(logged.response).toMatchObject({ access_token: '[redacted]' });
  });

  it('exchanges an authorization code once, for its redirect URI, within 5 minutes', async () => {
    const myob = await start();
    const redirect = 'http://127.0.0.1:9/callback';
    const code = myob.issueAuthorizationCode(redirect);
    expect((await tokenRequest(myob, { grant_type: 'authorization_code', code, redirect_uri: 'http://elsewhere/' })).body).toEqual({
      error: 'invalid_grant',
    });
    const fresh = myob.issueAuthorizationCode(redirect);
    const tokens = await tokenRequest(myob, { grant_type: 'authorization_code', code: fresh, redirect_uri: redirect });
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toEqual(expect.any(String));
    expect((await tokenRequest(myob, { grant_type: 'authorization_code', code: fresh, redirect_uri: redirect })).body).toEqual({
      error: 'invalid_grant',
    });
    const late = myob.issueAuthorizationCode(redirect);
    myob.clock.advance(5 * 60_000);
    expect((await tokenRequest(myob, { grant_type: 'authorization_code', code: late, redirect_uri: redirect })).body).toEqual({
      error: 'invalid_grant',
    });
    expect((await tokenRequest(myob, { grant_type: 'password' })).body).toEqual({ error: 'unsupported_grant_type' });
  });

  it('expires access tokens after 20 minutes (401 OAuthTokenIsInvalid, 31001); revocation refuses every token until a new consent', async () => {
    const myob = await start();
    const api = await connect(myob, undefined, false);
    myob.clock.advance(20 * 60_000 - 1);
    expect((await api('GET', '/Company/Preferences')).status).toBe(200);
    myob.clock.advance(1);
    const expired = await api('GET', '/Company/Preferences');
    expect(expired.status).toBe(401);
    expect(expired.body.Errors[0]).toMatchObject({ Name: 'OAuthTokenIsInvalid', ErrorCode: 31001, Severity: 'Error' });

    const soon = await connect(myob);
    myob.faults.expireAccessTokens();
    expect((await soon('GET', '/Company/Preferences')).status).toBe(401);

    const refresh = myob.issueRefreshToken();
    const again = await connect(myob);
    myob.faults.revoke();
    expect((await again('GET', '/Company/Preferences')).status).toBe(401);
    expect((await tokenRequest(myob, { grant_type: 'refresh_token', refresh_token: refresh })).body).toEqual({ error: 'invalid_grant' });
    expect((await (await connect(myob))('GET', '/Company/Preferences')).status).toBe(200);
  });

  it('drops a token answer after rotating: the refresh token sent is spent', async () => {
    const myob = await start();
    const refresh = myob.issueRefreshToken();
    myob.faults.dropTokenAnswers(1);
    await expect(tokenRequest(myob, { grant_type: 'refresh_token', refresh_token: refresh })).rejects.toThrow();
    expect((await tokenRequest(myob, { grant_type: 'refresh_token', refresh_token: refresh })).body).toEqual({ error: 'invalid_grant' });
  });
});

describe('headers', () => {
  it('refuses a request without each required header, an unknown company file, path or method, and a token without the scope', async () => {
    const myob = await start();
    const api = await connect(myob);
    const path = '/GeneralLedger/Account';
    expect((await api('GET', path)).status).toBe(200);

    const noKey = await api('GET', path, { headers: { 'x-myobapi-key': undefined } });
    expect(noKey.status).toBe(403);
    expect(noKey.body.Errors[0]).toMatchObject({ Name: 'DeveloperInactive', Message: 'API key is missing or inactive' });
    expect((await api('GET', path, { headers: { 'x-myobapi-key': 'another-key' } })).status).toBe(403);
    const noBearer = await api('GET', path, { headers: { authorization: undefined } });
    expect(noBearer.status).toBe(401);
    expect(errorNames(noBearer)).toEqual(['OAuthTokenIsMissing']);
    expect(errorNames(await api('GET', path, { headers: { authorization: 'Bearer forged' } }))).toEqual(['OAuthTokenIsInvalid']);
    expect((await api('GET', path, { headers: { 'x-myobapi-version': undefined } })).status).toBe(400);
    const noFileToken = await api('GET', path, { headers: { 'x-myobapi-cftoken': undefined } });
    expect(noFileToken.status).toBe(401);
    expect(errorNames(noFileToken)).toEqual(['AccessDenied']);
    const wrongPassword = Buffer.from(`${myob.fileUser}:wrong`).toString('base64');
    expect((await api('GET', path, { headers: { 'x-myobapi-cftoken': wrongPassword } })).status).toBe(401);
    expect((await api('GET', `${myob.apiUrl}/00000000-0000-0000-0000-000000000001${path}`)).status).toBe(404);
    expect((await api('GET', '/Sale/Invoice')).status).toBe(404);
    expect((await api('PATCH', path)).status).toBe(405);
    expect((await api('DELETE', `/Inventory/Item/${accountUid(myob, '1-1320')}`)).status).toBe(501);

    const inventoryOnly = await connect(myob, 'sme-inventory');
    expect((await inventoryOnly('GET', '/Inventory/Item')).status).toBe(200);
    const noScope = await inventoryOnly('GET', path);
    expect(noScope.status).toBe(401);
    expect(noScope.body.Errors[0]).toMatchObject({
      Name: 'OAuthTokenIsInvalid',
      AdditionalDetails: expect.stringContaining('sme-general-ledger'),
    });

    const apiCall = myob.calls.find((c) => c.kind === 'api')!;
    expect(apiCall.headers).toMatchObject({
      authorization: 'Bearer [redacted]',
      'x-myobapi-cftoken': '[redacted]',
      'x-myobapi-key': myob.clientId,
    });
  });

  it('lists the company file at the API root', async () => {
    const myob = await start();
    const api = await connect(myob);
    const files = await api('GET', `${myob.apiUrl}/`);
    expect(files.status).toBe(200);
    expect(files.body).toEqual([expect.objectContaining({ Id: myob.companyFileId, Uri: `${myob.apiUrl}/${myob.companyFileId}` })]);
  });
});

describe('chart, tax codes and preferences', () => {
  it('pages the chart with $top and $skip; NextPageLink is the absolute URL of the next page, null on the last', async () => {
    const myob = await start();
    const api = await connect(myob);
    const seen: { DisplayID: string; IsHeader: boolean; IsActive: boolean; Classification: string; Type: string; URI: string }[] = [];
    let next: string | null = `${myob.apiUrl}/${myob.companyFileId}/GeneralLedger/Account?$top=5`;
    let pages = 0;
    while (next) {
      const page: Reply = await api('GET', next);
      expect(page.status).toBe(200);
      expect(page.body.Count).toBe(myob.accounts.length);
      expect(page.body.Items.length).toBeLessThanOrEqual(5);
      seen.push(...page.body.Items);
      next = page.body.NextPageLink;
      if (next)
        expect(next).toMatch(
          new RegExp(`^${myob.apiUrl}/${myob.companyFileId}/GeneralLedger/Account\\?\\$top=5&\\$skip=${(pages + 1) * 5}$`),
        );
      pages++;
    }
    expect(pages).toBe(Math.ceil(myob.accounts.length / 5));
    expect(seen.map((a) => a.DisplayID)).toEqual(myob.accounts.map((a) => a.DisplayID));
    expect(seen.find((a) => a.DisplayID === '1-1320')).toMatchObject({
      Classification: 'Asset',
      Type: 'OtherCurrentAsset',
      IsHeader: false,
      IsActive: true,
    });
    expect(seen.find((a) => a.DisplayID === '1-1000')).toMatchObject({ IsHeader: true });
    expect(seen.find((a) => a.DisplayID === '1-1390')).toMatchObject({ IsActive: false });
    expect(seen.find((a) => a.DisplayID === '5-1150')).toMatchObject({ Classification: 'CostOfSales', Type: 'CostOfSales' });
    expect(seen[0]!.URI).toBe(`${myob.apiUrl}/${myob.companyFileId}/GeneralLedger/Account/${myob.accounts[0]!.UID}`);

    const all = await api('GET', '/GeneralLedger/Account', { query: { $top: '5000' } });
    expect(all.body).toMatchObject({ NextPageLink: null, Count: myob.accounts.length });
    expect(all.body.Items).toHaveLength(myob.accounts.length);
    expect((await api('GET', '/GeneralLedger/Account', { query: { $top: 'ten' } })).status).toBe(400);
    expect((await api('GET', '/GeneralLedger/Account', { query: { $orderby: 'Name' } })).status).toBe(400);
  });

  it('shows the tax codes and the lock date a test sets (Company/Preferences System.LockPeriodPriorTo)', async () => {
    const myob = await start();
    const api = await connect(myob);
    const codes = await api('GET', '/GeneralLedger/TaxCode');
    expect(codes.body.Items.map((t: { Code: string }) => t.Code)).toEqual(expect.arrayContaining(['GST', 'N-T', 'FRE', 'CAP', 'INP']));
    expect(codes.body.Items.find((t: { Code: string }) => t.Code === 'GST')).toMatchObject({
      Type: 'GST_VAT',
      Rate: 10,
      RowVersion: expect.stringMatching(/^\d+$/),
    });
    expect((await api('GET', '/Company/Preferences')).body.System).toMatchObject({
      LockPeriodPriorTo: null,
      TransactionsCannotBeChangedMustBeReversed: false,
    });
    myob.preferences.System.LockPeriodPriorTo = '2026-03-31';
    expect((await api('GET', '/Company/Preferences')).body.System.LockPeriodPriorTo).toBe('2026-03-31T00:00:00');
  });
});

describe('items', () => {
  it('creates with 201 + Location and an empty body; reads by the UID of the Location and by $filter=Number eq', async () => {
    const myob = await start();
    const api = await connect(myob);
    const created = await api('POST', '/Inventory/Item', { body: item(myob, 'WIDGET-RED-01') });
    expect(created.status).toBe(201);
    expect(created.body).toBeUndefined();
    const location = created.headers.get('location');
    expect(location).toMatch(new RegExp(`^${myob.apiUrl}/${myob.companyFileId}/Inventory/Item/[0-9a-f-]{36}$`));
    const uid = uidOfLocation(location);

    const got = await api('GET', location!);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      UID: uid,
      Number: 'WIDGET-RED-01',
      IsInventoried: false,
      IncomeAccount: { UID: accountUid(myob, '4-1000'), DisplayID: '4-1000' },
      ExpenseAccount: { DisplayID: '6-1000' },
      SellingDetails: { BaseSellingPrice: 24.95, TaxCode: { Code: 'GST' } },
      URI: location,
      RowVersion: expect.stringMatching(/^\d+$/),
    });
    expect((await api('GET', location!, { query: { $filter: "Number eq 'WIDGET-RED-01'" } })).status).toBe(400);
    await api('POST', '/Inventory/Item', { body: item(myob, "O'BRIEN-1") });
    const byNumber = await api('GET', '/Inventory/Item', { query: { $filter: "Number eq 'WIDGET-RED-01' or Number eq 'O''BRIEN-1'" } });
    expect(byNumber.body.Items.map((i: { Number: string }) => i.Number)).toEqual(['WIDGET-RED-01', "O'BRIEN-1"]);
    expect((await api('GET', '/Inventory/Item', { query: { $filter: "Number eq 'widget-red-01'" } })).body.Count).toBe(0);
    expect(myob.items().map((i) => i.Number)).toEqual(['WIDGET-RED-01', "O'BRIEN-1"]);

    const withBody = await api('POST', '/Inventory/Item', { body: item(myob, 'BOLT-M8'), query: { returnBody: 'true' } });
    expect(withBody.status).toBe(201);
    expect(withBody.body).toMatchObject({ Number: 'BOLT-M8', UID: uidOfLocation(withBody.headers.get('location')) });
  });

  it('refuses a second item with the same Number, and stores nothing', async () => {
    const myob = await start();
    const api = await connect(myob);
    expect((await api('POST', '/Inventory/Item', { body: item(myob, 'SKU-1') })).status).toBe(201);
    const again = await api('POST', '/Inventory/Item', { body: item(myob, 'SKU-1', { Name: 'Another name' }) });
    expect(again.status).toBe(400);
    expect(again.body.Errors[0]).toMatchObject({ Name: 'DuplicateItemNumber', Message: expect.stringContaining("'SKU-1'") });
    expect(myob.items()).toHaveLength(1);
  });

  it('updates with PUT only with the current RowVersion (409 otherwise), 404 for an unknown UID; POST with UID or RowVersion is 409', async () => {
    const myob = await start();
    const api = await connect(myob);
    const uid = uidOfLocation((await api('POST', '/Inventory/Item', { body: item(myob, 'SKU-2') })).headers.get('location'));
    const current = (await api('GET', `/Inventory/Item/${uid}`)).body;

    const renamed = { ...current, Name: 'Renamed widget' };
    const stale = await api('PUT', `/Inventory/Item/${uid}`, { body: { ...renamed, RowVersion: '12345' } });
    expect(stale.status).toBe(409);
    expect(errorNames(stale)).toEqual(['IncorrectRowVersionSupplied']);
    const { RowVersion: _dropped, ...withoutVersion } = renamed;
    expect((await api('PUT', `/Inventory/Item/${uid}`, { body: withoutVersion })).status).toBe(409);
    expect(myob.items()[0]!.Name).toBe('Widget SKU-2');

    const updated = await api('PUT', `/Inventory/Item/${uid}`, { body: renamed });
    expect(updated.status).toBe(200);
    const after = (await api('GET', `/Inventory/Item/${uid}`)).body;
    expect(after.Name).toBe('Renamed widget');
    expect(after.RowVersion).not.toBe(current.RowVersion);
    expect((await api('PUT', `/Inventory/Item/${uid}`, { body: renamed })).status).toBe(409);

    const unknown = '6f1c1b4e-0000-4000-8000-000000000000';
    const missing = await api('PUT', `/Inventory/Item/${unknown}`, { body: { ...after, UID: unknown } });
    expect(missing.status).toBe(404);
    expect(missing.body.Errors[0].Message).toBe('PUT only supports update operations for existing records');
    expect((await api('PUT', `/Inventory/Item/${uid}`, { body: { ...after, UID: unknown } })).status).toBe(400);

    expect((await api('POST', '/Inventory/Item', { body: item(myob, 'SKU-3', { RowVersion: after.RowVersion }) })).status).toBe(409);
    expect((await api('POST', '/Inventory/Item', { body: item(myob, 'SKU-3', { UID: uid }) })).status).toBe(409);
    expect(myob.items()).toHaveLength(1);
  });

  it('applies the contract and the account rules: required accounts, header accounts, unknown UIDs, lengths, types, unknown fields', async () => {
    const myob = await start();
    const api = await connect(myob);
    const refused = async (body: unknown) => {
      const r = await api('POST', '/Inventory/Item', { body });
      expect(r.status).toBe(400);
      return r.body.Errors as { Name: string; Message: string }[];
    };
    expect(await refused(item(myob, 'A', { IncomeAccount: undefined }))).toEqual([
      expect.objectContaining({ Name: 'Required', Message: 'IncomeAccount is required' }),
    ]);
    expect(await refused(item(myob, 'A', { IsInventoried: true, ExpenseAccount: null }))).toEqual([
      expect.objectContaining({ Name: 'Required', Message: 'AssetAccount is required' }),
      expect.objectContaining({ Name: 'Required', Message: 'CostOfSalesAccount is required' }),
    ]);
    expect((await refused(item(myob, 'A', { IncomeAccount: { UID: accountUid(myob, '4-0000') } })))[0]!.Name).toBe(
      'AccountHeaderNotAllowed',
    );
    expect((await refused(item(myob, 'A', { IncomeAccount: { UID: '6f1c1b4e-0000-4000-8000-000000000000' } })))[0]).toMatchObject({
      Name: 'NotFound',
      ErrorCode: 150,
    });
    expect(
      (await refused(item(myob, 'A', { SellingDetails: { TaxCode: { UID: '6f1c1b4e-0000-4000-8000-000000000000' } } })))[0]!.Name,
    ).toBe('NotFound');
    expect((await refused(item(myob, 'X'.repeat(31))))[0]!.Name).toBe('MaxLengthExceeded');
    expect(await refused(item(myob, 'A', { IsSold: 'yes' }))).toEqual([
      expect.objectContaining({ Name: 'SerializationError', ErrorCode: 50 }),
    ]);
    expect((await refused(item(myob, 'A', { IncomeAccount: { UID: 'xxxxx' } })))[0]!.Message).toContain("'System.Guid'");
    expect((await refused(item(myob, 'A', { Colour: 'red' })))[0]).toMatchObject({
      Name: 'SerializationError',
      Message: expect.stringContaining("'Colour'"),
    });
    expect(await refused({ Name: 'No number' })).toEqual([
      expect.objectContaining({ Name: 'Required', Message: 'Number is required', ErrorCode: 100 }),
    ]);
    expect(myob.items()).toHaveLength(0);
  });
});

describe('general journals', () => {
  it('stores a balanced journal: 201 + Location; GET shows its UID, GJ000001, lines and RowVersions', async () => {
    const myob = await start();
    const api = await connect(myob);
    const created = await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'Stocktake ST-1 [ext:t:ST-1]') });
    expect(created.status).toBe(201);
    expect(created.body).toBeUndefined();
    const location = created.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${myob.apiUrl}/${myob.companyFileId}/GeneralLedger/GeneralJournal/[0-9a-f-]{36}$`));

    const got = await api('GET', location);
    expect(got.body).toMatchObject({
      UID: uidOfLocation(location),
      DisplayID: 'GJ000001',
      DateOccurred: '2026-06-30T00:00:00',
      Memo: 'Stocktake ST-1 [ext:t:ST-1]',
      GSTReportingMethod: 'Purchase',
      Lines: [
        { RowID: 1, Account: { DisplayID: '1-1320' }, Amount: 36, IsCredit: false, TaxCode: { Code: 'N-T' }, TaxAmount: 0 },
        { RowID: 2, Account: { DisplayID: '5-1150' }, Amount: 36, IsCredit: true },
      ],
      RowVersion: expect.stringMatching(/^\d+$/),
    });
    const second = await api('POST', '/GeneralLedger/GeneralJournal', {
      body: journal(myob, 'second', { date: '2026-07-01T09:30:00' }),
      query: { returnBody: 'true' },
    });
    expect(second.body).toMatchObject({ DisplayID: 'GJ000002', DateOccurred: '2026-07-01T09:30:00' });
    await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'third', { extra: { DisplayID: 'ST-000123' } }) });
    expect(
      myob.journals().map((j) => [j.DisplayID, j.Lines.map((l) => `${l.IsCredit ? 'Cr' : 'Dr'} ${l.AccountDisplayID} ${l.Amount}`)]),
    ).toEqual([
      ['GJ000001', ['Dr 1-1320 36', 'Cr 5-1150 36']],
      ['GJ000002', ['Dr 1-1320 36', 'Cr 5-1150 36']],
      ['ST-000123', ['Dr 1-1320 36', 'Cr 5-1150 36']],
    ]);
  });

  const refusals: [string, (myob: MyobStandIn) => unknown, string][] = [
    ['an unbalanced journal', (m) => journal(m, 'x', { amount: 36, credit: 35.99 }), 'OutOfBalance'],
    ['a header account', (m) => journal(m, 'x', { debitAccount: '1-1000' }), 'Line_AccountHeaderNotAllowed'],
    ['an inactive account', (m) => journal(m, 'x', { debitAccount: '1-1390' }), 'Line_AccountInactive'],
    ['a missing GSTReportingMethod', (m) => ({ ...journal(m, 'x'), GSTReportingMethod: undefined }), 'Required'],
    [
      "GSTReportingMethod 'Accrual' (MYOB's values are Sale and Purchase)",
      (m) => journal(m, 'x', { extra: { GSTReportingMethod: 'Accrual' } }),
      'SerializationError',
    ],
    ['an unknown field', (m) => journal(m, 'x', { extra: { Narration: 'x' } }), 'SerializationError'],
    [
      'Amount as a string',
      (m) => ({ ...journal(m, 'x'), Lines: journal(m, 'x').Lines.map((l) => ({ ...l, Amount: '36' })) }),
      'SerializationError',
    ],
    [
      'a line without IsCredit',
      (m) => ({ ...journal(m, 'x'), Lines: journal(m, 'x').Lines.map(({ IsCredit: _c, ...l }) => l) }),
      'Required',
    ],
    [
      'an unknown account UID',
      (m) => ({
        ...journal(m, 'x'),
        Lines: journal(m, 'x').Lines.map((l) => ({ ...l, Account: { UID: '6f1c1b4e-0000-4000-8000-000000000000' } })),
      }),
      'NotFound',
    ],
    ['a negative Amount', (m) => journal(m, 'x', { amount: -36, credit: -36 }), 'Line_AmountNotPositive'],
    ['a date in another format', (m) => journal(m, 'x', { date: '30/06/2026' }), 'SerializationError'],
    ['one line', (m) => ({ ...journal(m, 'x'), Lines: journal(m, 'x').Lines.slice(0, 1) }), 'Required'],
  ];

  it.each(refusals)('refuses %s with 400 and stores nothing', async (_what, body, name) => {
    const myob = await start();
    const api = await connect(myob);
    const refused = await api('POST', '/GeneralLedger/GeneralJournal', { body: body(myob) });
    expect(refused.status).toBe(400);
    expect(errorNames(refused)).toContain(name);
    expect(refused.body.Errors[0]).toMatchObject({ Message: expect.any(String), Severity: 'Error' });
    expect(myob.journals()).toHaveLength(0);
  });

  it('says which field is required and which member is unknown', async () => {
    const myob = await start();
    const api = await connect(myob);
    const missing = await api('POST', '/GeneralLedger/GeneralJournal', { body: { ...journal(myob, 'x'), GSTReportingMethod: undefined } });
    expect(missing.body.Errors).toEqual([
      expect.objectContaining({ Name: 'Required', Message: 'GSTReportingMethod is required', ErrorCode: 100 }),
    ]);
    const unknown = await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'x', { extra: { Narration: 'x' } }) });
    expect(unknown.body.Errors).toEqual([
      expect.objectContaining({
        Name: 'SerializationError',
        Message: "Could not find member 'Narration' on object of type 'GeneralJournal'",
      }),
    ]);
  });

  it('refuses a date on or before the lock date and before the financial year; accepts the day after the lock', async () => {
    const myob = await start({ lockPeriodPriorTo: '2026-06-30', financialYearStart: '2025-07-01' });
    const api = await connect(myob);
    const locked = await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'locked', { date: '2026-06-30 23:59:59' }) });
    expect(locked.status).toBe(400);
    expect(errorNames(locked)).toEqual(['BusinessEvent_DateOccured_InLockPeriod']);
    const early = await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'early', { date: '2025-06-30 00:00:00' }) });
    expect(early.body.Errors).toEqual([expect.objectContaining({ Name: 'DatePriorToBeginningOfFinancialYear', ErrorCode: 25008 })]);
    expect(
      (await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'open', { date: '2026-07-01 00:00:00' }) })).status,
    ).toBe(201);
    myob.preferences.System.LockPeriodPriorTo = null;
    expect(
      (await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'unlocked', { date: '2026-06-30 00:00:00' }) })).status,
    ).toBe(201);
    expect(myob.journals().map((j) => j.Memo)).toEqual(['open', 'unlocked']);
  });

  it('refuses a POST carrying a RowVersion or a line RowID with 409', async () => {
    const myob = await start();
    const api = await connect(myob);
    expect((await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'x', { extra: { RowVersion: '1' } }) })).status).toBe(
      409,
    );
    const withRow = journal(myob, 'x');
    const rowed = { ...withRow, Lines: withRow.Lines.map((l, i) => ({ ...l, RowID: i + 1 })) };
    expect((await api('POST', '/GeneralLedger/GeneralJournal', { body: rowed })).status).toBe(409);
    expect(myob.journals()).toHaveLength(0);
  });

  it('finds journals by a marker in Memo with substringof (case-sensitive, or-joined, pages keep the filter); other filters are 400', async () => {
    const myob = await start();
    const api = await connect(myob);
    for (const memo of ['Stocktake [ext:a:1]', 'Shipment [ext:a:2]', "Adjustment O'Hara [ext:a:3]", 'Unrelated']) {
      expect((await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, memo) })).status).toBe(201);
    }
    const find = (filter: string, query: Record<string, string> = {}) =>
      api('GET', '/GeneralLedger/GeneralJournal', { query: { $filter: filter, ...query } });
    expect((await find("substringof('[ext:a:2]', Memo) eq true")).body.Items.map((j: { Memo: string }) => j.Memo)).toEqual([
      'Shipment [ext:a:2]',
    ]);
    expect((await find("substringof('[EXT:A:2]', Memo) eq true")).body.Count).toBe(0);
    const either = await find("substringof('[ext:a:1]', Memo) eq true or substringof('O''Hara', Memo) eq true");
    expect(either.body.Items.map((j: { Memo: string }) => j.Memo)).toEqual(['Stocktake [ext:a:1]', "Adjustment O'Hara [ext:a:3]"]);

    const paged = await find("substringof('[ext:a:', Memo) eq true", { $top: '2' });
    expect(paged.body).toMatchObject({ Count: 3 });
    expect(paged.body.Items).toHaveLength(2);
    const rest = await api('GET', paged.body.NextPageLink);
    expect(rest.body.Items.map((j: { Memo: string }) => j.Memo)).toEqual(["Adjustment O'Hara [ext:a:3]"]);
    expect(rest.body.NextPageLink).toBeNull();

    for (const unsupported of [
      "Memo ne 'x'",
      "startswith(Memo, 'S') eq true",
      "substringof('a', Memo) eq true and DisplayID eq 'GJ000001'",
      "substringof('a', Narration) eq true",
      "Memo eq 'unterminated",
    ]) {
      const refused = await find(unsupported);
      expect(refused.status, unsupported).toBe(400);
      expect(errorNames(refused)).toEqual(['InvalidQuery']);
    }
    expect((await api('GET', '/GeneralLedger/Account', { query: { $filter: "DisplayID eq '1-1320'" } })).body.Items).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('answers the ninth call within one second with 403 RateLimitError, and lets calls through again a second later', async () => {
    const myob = await start();
    const api = await connect(myob, undefined, false);
    for (let i = 0; i < 8; i++) expect((await api('GET', '/Company/Preferences')).status).toBe(200);
    const ninth = await api('GET', '/Company/Preferences');
    expect(ninth.status).toBe(403);
    expect(ninth.body.Errors[0]).toMatchObject({ Name: 'RateLimitError', Message: 'API key has exceeded the per-second rate limit' });
    myob.clock.advance(999);
    expect((await api('GET', '/Company/Preferences')).status).toBe(403);
    myob.clock.advance(1);
    expect((await api('GET', '/Company/Preferences')).status).toBe(200);
    expect(await tokenRequest(myob, { grant_type: 'refresh_token', refresh_token: myob.issueRefreshToken() })).toMatchObject({
      status: 200,
    });
    expect(myob.stats()).toMatchObject({ maxPerSecond: 10, total: 11, tokenRequests: 2 });
  });

  it('enforces the day limit, arms bursts of either kind, and counts requests at once', async () => {
    const myob = await start({ limits: { perDay: 3 } });
    const api = await connect(myob, undefined, false);
    myob.faults.rateLimitBurst(1, 'second');
    myob.faults.rateLimitBurst(1, 'day');
    expect((await api('GET', '/Company/Preferences')).body.Errors[0].Message).toBe('API key has exceeded the per-second rate limit');
    expect((await api('GET', '/Company/Preferences')).body.Errors[0].Message).toBe('API key has exceeded the daily rate limit');
    myob.faults.slow(150, 3);
    const together = await Promise.all([1, 2, 3].map(() => api('GET', '/Company/Preferences')));
    expect(together.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(myob.stats().maxConcurrent).toBe(3);
    const over = await api('GET', '/Company/Preferences');
    expect(over.status).toBe(403);
    expect(over.body.Errors[0]).toMatchObject({ Name: 'RateLimitError', Message: 'API key has exceeded the daily rate limit' });
    myob.clock.advance(24 * 3600_000);
    expect((await (await connect(myob))('GET', '/Company/Preferences')).status).toBe(200);
  });
});

describe('faults', () => {
  it('stores the journal and then drops the answer; a look-up by its marker finds it (MYOB has no idempotency key)', async () => {
    const myob = await start();
    const api = await connect(myob);
    myob.faults.dropAnswers(1);
    await expect(api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'Shipment SH-9 [ext:t:SH-9]') })).rejects.toThrow();
    expect(myob.journals().map((j) => j.Memo)).toEqual(['Shipment SH-9 [ext:t:SH-9]']);
    const dropped = myob.calls.filter((c) => c.kind === 'api').at(-1)!;
    expect(dropped).toMatchObject({ status: 0, answeredStatus: 201, dropped: true });
    const found = await api('GET', '/GeneralLedger/GeneralJournal', { query: { $filter: "substringof('[ext:t:SH-9]', Memo) eq true" } });
    expect(found.body.Items).toHaveLength(1);
    expect(found.body.Items[0].UID).toBe(myob.journals()[0]!.UID);
  });

  it('answers 504 GatewayTimeout, 503 and 500 without storing anything; the next request goes through', async () => {
    const myob = await start();
    const api = await connect(myob);
    myob.faults.fail(504);
    const timeout = await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'a') });
    expect(timeout.status).toBe(504);
    expect(timeout.body.Errors[0]).toMatchObject({ Name: 'GatewayTimeout', AdditionalDetails: 'Maximum call time is 120 seconds' });
    myob.faults.fail(503);
    myob.faults.fail(500);
    expect((await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'b') })).status).toBe(503);
    expect((await api('POST', '/Inventory/Item', { body: item(myob, 'SKU-9') })).status).toBe(500);
    expect(myob.journals()).toHaveLength(0);
    expect(myob.items()).toHaveLength(0);
    expect((await api('POST', '/GeneralLedger/GeneralJournal', { body: journal(myob, 'c') })).status).toBe(201);
    expect(myob.journals().map((j) => j.Memo)).toEqual(['c']);
  });

  it('drops answers with a seeded probability, the same ones each run', async () => {
    const outcomes = async () => {
      const myob = await start();
      const api = await connect(myob);
      myob.faults.dropAnswers({ probability: 0.5, seed: 7 });
      const seen: string[] = [];
      for (let i = 0; i < 8; i++) {
        seen.push(
          await api('GET', '/Company/Preferences').then(
            () => 'ok',
            () => 'dropped',
          ),
        );
        myob.clock.advance(1000);
      }
      return seen;
    };
    const first = await outcomes();
    expect(first).toContain('dropped');
    expect(first).toContain('ok');
    expect(await outcomes()).toEqual(first);
  });
});
