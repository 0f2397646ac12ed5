// Issue #13, connecting Xero or MYOB from a browser: the OAuth 2.0 authorisation-code flow (Xero's
// with PKCE), through the real HTTP server (its tRPC API, the start page and the callback) against
// the Xero and MYOB stand-ins (tests/support/xero, tests/support/myob), whose authorize endpoints
// answer as after the person's consent (or Cancel, or a choice of organisations or company files).
// An admin begins, the browser follows the provider's redirects, and the callback stores the
// connection; every sign-in that cannot go on (used, expired, unknown, denied, a code the provider
// refuses, several organisations or company files, or the wrong one) answers a page saying so and
// changes nothing. Runs on PGlite, or PostgreSQL with TEST_DATABASE_URL.
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { TRPCClientError } from '@trpc/client';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, publicUrlOf } from '../../server/config.ts';
import { createContext } from '../../server/context.ts';
import { createServer } from '../../server/http/server.ts';
import { AUTHORIZATION_TTL_MS, MYOB_SCOPES, OAUTH_CALLBACK_PATH, XERO_SCOPES } from '../../server/modules/accounting/oauth.ts';
import { accountingFor, endpointsFrom, type Accounting } from '../../server/modules/accounting/runtime.ts';
import { createUser } from '../../server/modules/users/service.ts';
import { createCaller, type AppRouter } from '../../server/router.ts';
import { apiClient } from '../helpers/api-client.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { location, plainProduct } from '../helpers/fixtures.ts';
import { key } from '../helpers/app.ts';
import { startMyobStandIn, type MyobStandIn } from '../support/myob/index.ts';
import { MYOB_STAND_IN_MAPPING, myobStandInEndpoints } from '../support/myob/stocksheet.ts';
import { createClock, startXeroStandIn, type XeroClock, type XeroStandIn } from '../support/xero/index.ts';
import { STAND_IN_MAPPING, standInEndpoints } from '../support/xero/stocksheet.ts';

const OTHER = { tenantId: '6f0c1a52-3d55-4c7e-9d1e-2b8f3c4a5e61', tenantName: 'Second Trading Ltd' };
const ORG_NAME = 'Stand-in Widgets Ltd';
/** Another company file the MYOB user has (listed, consentable; the stand-in serves no data of it). */
const OTHER_FILE = { Id: '0d5f3a8e-7b1c-4e2a-9c3d-5e6f7a8b9c0d', Name: 'Second Trading Pty Ltd' };
/** The company file's password, with spaces at both ends: it must reach MYOB as typed. */
const FILE_PASSWORD = '  correct horse battery  ';

let db: TestDatabase;
let xero: XeroStandIn;
let myob: MyobStandIn;
let clock: XeroClock;
let accounting: Accounting;
let server: http.Server;
let baseUrl: string;
const logLines: string[] = [];
const tokens: Record<'admin' | 'admin2' | 'accountant' | 'warehouse', string> = { admin: '', admin2: '', accountant: '', warehouse: '' };
const api = (who: keyof typeof tokens) => apiClient(baseUrl, tokens[who]);

beforeAll(async () => {
  db = await freshDatabase();
  clock = createClock();
  xero = await startXeroStandIn({ clock, tenantName: ORG_NAME, otherTenants: [OTHER] });
  myob = await startMyobStandIn({ clock, filePassword: FILE_PASSWORD, otherCompanyFiles: [OTHER_FILE] });
  for (const role of ['admin', 'accountant', 'warehouse'] as const)
    tokens[role] = (await createUser(db.prisma, { name: `oauth-${role}`, role })).token;
  tokens.admin2 = (await createUser(db.prisma, { name: 'oauth-admin-2', role: 'admin' })).token;
  accounting = accountingFor(db, {
    endpoints: { xero: standInEndpoints(xero), myob: myobStandInEndpoints(myob) },
    now: () => clock.now(),
    requestTimeoutMs: 5000,
  });
  const log = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  server = createServer({ db, log, tls: null, accounting });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  accounting.publicUrl = baseUrl;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    server?.closeAllConnections();
  });
  await xero?.close();
  await myob?.close();
  await db?.drop();
});
beforeEach(() => {
  xero.faults.clear();
  myob.faults.clear();
});

const client = { clientId: () => xero.clientId, clientSecret: () => xero.clientSecret };
const begin = (extra: { tenantId?: string; clientSecret?: string } = {}, who: keyof typeof tokens = 'admin') =>
  api(who).accounting.beginAuthorization.mutate({
    provider: 'xero',
    clientId: client.clientId(),
    clientSecret: extra.clientSecret ?? client.clientSecret(),
    ...(extra.tenantId ? { tenantId: extra.tenantId } : {}),
  });

/** Follows one redirect without following it further: its Location. */
async function redirectOf(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status, `${new URL(url).pathname} should redirect`).toBe(302);
  return res.headers.get('location')!;
}

/** A page the server answered: its status and its text. */
async function page(url: string) {
  const res = await fetch(url);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  return { status: res.status, html: await res.text() };
}

/** Begins and follows the browser to the callback URL Xero sends back (not yet opened). */
async function toCallback(extra: { tenantId?: string; clientSecret?: string } = {}) {
  const started = await begin(extra);
  const xeroPage = await redirectOf(started.startUrl);
  expect(xeroPage).toBe(started.authorizeUrl);
  return { started, callback: await redirectOf(xeroPage) };
}

/** What connecting would change: the connection rows and which system the settings name. */
async function snapshot() {
  return {
    connections: await db.prisma.accountingConnection.findMany(),
    provider: (await db.prisma.settings.findUnique({ where: { id: 1 } }))?.accountingProvider ?? null,
  };
}
const tokenCalls = () => xero.calls.filter((c) => c.path === '/identity/connect/token').length;

async function refusedCode(call: Promise<unknown>) {
  const error = await call.then(
    () => expect.fail('expected a refusal'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return (error as TRPCClientError<AppRouter>).data?.code;
}

describe('beginning', () => {
  it('gives Xero’s authorize address with PKCE (S256), the scopes, a state and the redirect URI, for 10 minutes', async () => {
    const before = clock.now();
    const started = await begin();
    const url = new URL(started.authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(xero.authorizeUrl);
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({
      response_type: 'code',
      client_id: xero.clientId,
      redirect_uri: `${baseUrl}${OAUTH_CALLBACK_PATH}`,
      scope: XERO_SCOPES,
      code_challenge_method: 'S256',
    });
    expect(q.state).toMatch(/^[\w-]{43}$/);
    expect(q.code_challenge).toMatch(/^[\w-]{43}$/);
    expect(started.redirectUri).toBe(`${baseUrl}/accounting/oauth/callback`);
    expect(started.startUrl).toBe(`${baseUrl}/accounting/oauth/start?state=${q.state}`);
    const expires = new Date(started.expiresAt).getTime();
    expect(expires - before).toBeGreaterThanOrEqual(AUTHORIZATION_TTL_MS);
    expect(expires - clock.now()).toBeLessThanOrEqual(AUTHORIZATION_TTL_MS);

    // Stored sealed: neither the client secret, the verifier nor the state is in the clear.
    const rows = await db.prisma.accountingAuthorization.findMany();
    const row = rows.at(-1)!;
    expect(row).toMatchObject({ provider: 'xero', clientId: xero.clientId, tenantId: null, usedAt: null });
    expect(row.clientSecret).toMatch(/^v1\./);
    expect(row.codeVerifier).toMatch(/^v1\./);
    expect(JSON.stringify(rows)).not.toContain(xero.clientSecret);
    expect(JSON.stringify(rows)).not.toContain(q.state);
  });

  it('only an admin may begin, with inputs in bounds, for Xero or MYOB', async () => {
    expect(await refusedCode(begin({}, 'accountant'))).toBe('FORBIDDEN');
    expect(await refusedCode(begin({}, 'warehouse'))).toBe('FORBIDDEN');
    const anonymous = apiClient(baseUrl).accounting.beginAuthorization.mutate({ provider: 'xero', clientId: 'a', clientSecret: 'b' });
    expect(await refusedCode(anonymous)).toBe('UNAUTHORIZED');
    const admin = api('admin').accounting.beginAuthorization;
    expect(await refusedCode(admin.mutate({ provider: 'xero', clientId: 'x'.repeat(201), clientSecret: 'b' }))).toBe('BAD_REQUEST');
    expect(await refusedCode(admin.mutate({ provider: 'xero', clientId: 'a', clientSecret: '  ' }))).toBe('BAD_REQUEST');
    expect(await refusedCode(admin.mutate({ provider: 'xero', clientId: 'a', clientSecret: 'b', tenantId: 't'.repeat(101) }))).toBe(
      'BAD_REQUEST',
    );
    // @ts-expect-error not a provider Stocksheet connects to
    expect(await refusedCode(admin.mutate({ provider: 'sage', clientId: 'a', clientSecret: 'b' }))).toBe('BAD_REQUEST');
    expect(await refusedCode(admin.mutate({ provider: 'myob', clientId: 'a', clientSecret: 'b', companyFileId: 'not-a-guid' }))).toBe(
      'BAD_REQUEST',
    );
    expect(await refusedCode(admin.mutate({ provider: 'myob', clientId: 'a', clientSecret: 'b', companyFileUser: 'u'.repeat(101) }))).toBe(
      'BAD_REQUEST',
    );
    expect(
      await refusedCode(api('accountant').accounting.beginAuthorization.mutate({ provider: 'myob', clientId: 'a', clientSecret: 'b' })),
    ).toBe('FORBIDDEN');
  });
});

describe('the callback', () => {
  it('connects: the browser goes to Xero and back, the connection is stored with the organisation’s name, and postings flow', async () => {
    expect((await snapshot()).connections).toHaveLength(0);
    const { callback } = await toCallback();
    expect(callback.startsWith(`${baseUrl}${OAUTH_CALLBACK_PATH}?`)).toBe(true);
    const answer = await page(callback);
    expect(answer.status).toBe(200);
    expect(answer.html).toContain(`Connected to ${ORG_NAME}. You can close this window.`);
    // Tells the pane: Office's messageParent inside a dialog, postMessage to the opener otherwise.
    expect(answer.html).toContain('Office.context.ui.messageParent(JSON.stringify(report))');
    expect(answer.html).toContain('window.opener.postMessage(report, location.origin)');
    expect(answer.html).toContain('https://appsforoffice.microsoft.com/lib/1/hosted/office.js');

    const status = await api('accountant').accounting.status.query();
    expect(status).toMatchObject({ provider: 'xero', connected: true, tenantId: xero.tenantId, pausedReason: null });
    const stored = await db.prisma.accountingConnection.findUniqueOrThrow({ where: { provider: 'xero' } });
    expect(stored).toMatchObject({ tenantId: xero.tenantId, tenantName: ORG_NAME, clientId: xero.clientId, pausedReason: null });
    expect(stored.refreshToken).toMatch(/^v1\./);
    expect(stored.clientSecret).not.toContain(xero.clientSecret);
    // The code went with the verifier and the same redirect URI.
    const exchange = xero.calls.filter((c) => c.path === '/identity/connect/token').at(-1)!;
    expect(exchange.body).toMatchObject({
      grant_type: 'authorization_code',
      redirect_uri: `${baseUrl}${OAUTH_CALLBACK_PATH}`,
      code_verifier: expect.stringMatching(/^[\w-]{43,128}$/),
    });
    expect(exchange.headers.authorization).toMatch(/^Basic /);
    expect(exchange.status).toBe(200);

    // Postings flow through the connection the browser made.
    const user = await db.prisma.user.findUniqueOrThrow({ where: { name: 'oauth-admin' }, select: { id: true, name: true, role: true } });
    const admin = createCaller(createContext(db, user, undefined, accounting));
    await admin.settings.update({ accounting: STAND_IN_MAPPING });
    const product = await plainProduct(admin, { assetGlCode: '1410' });
    const loc = await location(admin);
    await admin.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      quantity: 3,
      glCode: '5150',
      unitCost: 4,
      idempotencyKey: key(),
    });
    const synced = await api('accountant').accounting.syncNow.mutate();
    expect(synced.status.counts.failed).toBe(0);
    const journals = xero.journals();
    expect(journals).toHaveLength(1);
    expect(journals[0]!.JournalLines.map((l) => [l.AccountCode, l.LineAmount])).toEqual([
      ['1410', 12],
      ['5150', -12],
    ]);
    expect(xero.items().map((i) => i.Code)).toContain(product.sku);
  });

  it('answers a state used twice with a page, and changes nothing (the code is not sent again)', async () => {
    const { callback } = await toCallback();
    expect((await page(callback)).status).toBe(200);
    const before = await snapshot();
    const calls = tokenCalls();
    const again = await page(callback);
    expect(again.status).toBe(400);
    expect(again.html).toContain('This sign-in was already used');
    expect(again.html).toContain('Connect with Xero');
    expect(tokenCalls()).toBe(calls);
    expect(await snapshot()).toEqual(before);
  });

  it('answers an expired sign-in (past 10 minutes on the clock) with a page, at the start page and the callback, and changes nothing', async () => {
    const started = await begin();
    const xeroPage = await redirectOf(started.startUrl);
    clock.advance(AUTHORIZATION_TTL_MS + 1000);
    const lateStart = await page(started.startUrl);
    expect(lateStart.status).toBe(400);
    expect(lateStart.html).toContain('This sign-in has expired');
    const callback = await redirectOf(xeroPage);
    const before = await snapshot();
    const calls = tokenCalls();
    const answer = await page(callback);
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('This sign-in has expired');
    expect(answer.html).toContain('within 10 minutes');
    expect(tokenCalls()).toBe(calls);
    expect(await snapshot()).toEqual(before);
  });

  it('answers a state it did not make, or none, with a page, and changes nothing', async () => {
    const { callback } = await toCallback();
    const code = new URL(callback).searchParams.get('code')!;
    const before = await snapshot();
    const calls = tokenCalls();
    for (const query of [`code=${code}&state=not-a-state-of-ours`, `code=${code}`, `state=${'s'.repeat(500)}&code=${code}`]) {
      const answer = await page(`${baseUrl}${OAUTH_CALLBACK_PATH}?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.html).toContain('This sign-in is not one Stocksheet started');
    }
    expect((await page(`${baseUrl}/accounting/oauth/start?state=nope`)).html).toContain('not one Stocksheet started');
    expect(tokenCalls()).toBe(calls);
    expect(await snapshot()).toEqual(before);
    // The real state still works afterwards (the wrong ones took nothing).
    expect((await page(callback)).status).toBe(200);
  });

  it('answers Cancel in Xero (error=access_denied) with a page, takes the state, and changes nothing', async () => {
    const before = await snapshot();
    xero.answerNextConsent({ deny: true });
    const { callback } = await toCallback();
    const query = new URL(callback).searchParams;
    expect(query.get('error')).toBe('access_denied');
    expect(query.get('code')).toBeNull();
    const calls = tokenCalls();
    const answer = await page(callback);
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('Stocksheet was not allowed to connect');
    expect(answer.html).toContain('access_denied');
    expect(tokenCalls()).toBe(calls);
    expect(await snapshot()).toEqual(before);
    expect((await page(callback)).html).toContain('This sign-in was already used');
  });

  it('answers a code Xero refuses (not its code; a PKCE challenge the verifier does not match) with Xero’s words, and changes nothing', async () => {
    const before = await snapshot();
    const { callback } = await toCallback();
    const forged = new URL(callback);
    forged.searchParams.set('code', 'a-code-xero-never-gave');
    const answer = await page(forged.toString());
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('Xero did not accept the sign-in');
    expect(answer.html).toContain('invalid_grant');
    expect(await snapshot()).toEqual(before);

    // The browser sent to Xero with another challenge: Xero refuses the verifier Stocksheet sends.
    const started = await begin();
    const tampered = new URL(started.authorizeUrl);
    tampered.searchParams.set('code_challenge', 'x'.repeat(43));
    const refused = await page(await redirectOf(tampered.toString()));
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('invalid_grant');
    expect(xero.calls.filter((c) => c.path === '/identity/connect/token').at(-1)!.status).toBe(400);
    expect(await snapshot()).toEqual(before);

    // A wrong client secret: Xero refuses the client at the exchange.
    const { callback: wrongClient } = await toCallback({ clientSecret: 'not-the-secret' });
    const wrong = await page(wrongClient);
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('invalid_client');
    expect(await snapshot()).toEqual(before);
  });

  it('several organisations granted and none asked for: lists them and says to start again choosing one, changing nothing', async () => {
    const before = await snapshot();
    xero.answerNextConsent({ tenants: [xero.tenantId, OTHER.tenantId] });
    const { callback } = await toCallback();
    const answer = await page(callback);
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('Choose one organisation');
    expect(answer.html).toContain('granted access to 2 organisations');
    for (const text of [ORG_NAME, xero.tenantId, OTHER.tenantName, OTHER.tenantId]) expect(answer.html).toContain(text);
    expect(await snapshot()).toEqual(before);

    // Started again naming one: that one is connected, though Xero granted both.
    xero.answerNextConsent({ tenants: [OTHER.tenantId, xero.tenantId] });
    const { callback: chosen } = await toCallback({ tenantId: xero.tenantId });
    const connected = await page(chosen);
    expect(connected.status).toBe(200);
    expect(connected.html).toContain(`Connected to ${ORG_NAME}.`);
    expect(await db.prisma.accountingConnection.findUniqueOrThrow({ where: { provider: 'xero' } })).toMatchObject({
      tenantId: xero.tenantId,
      tenantName: ORG_NAME,
    });
  });

  it('an organisation asked for that Xero did not grant: says so, changing nothing', async () => {
    const before = await snapshot();
    const { callback } = await toCallback({ tenantId: OTHER.tenantId });
    const answer = await page(callback);
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('That organisation was not granted');
    expect(answer.html).toContain(`asked for the organisation ${OTHER.tenantId}`);
    expect(answer.html).toContain(ORG_NAME);
    expect(await snapshot()).toEqual(before);
  });

  it('reads the organisations this sign-in granted (its authEventId), not every one connected to the app before', async () => {
    // The other organisation was connected once (its connection stays in Xero's list) …
    xero.answerNextConsent({ tenants: [OTHER.tenantId] });
    expect((await page((await toCallback({ tenantId: OTHER.tenantId })).callback)).status).toBe(200);
    expect((await snapshot()).connections[0]!.tenantId).toBe(OTHER.tenantId);
    // … a sign-in that grants the default one connects it, without asking which: the other is not "several".
    xero.answerNextConsent({ tenants: [xero.tenantId] });
    const answer = await page((await toCallback()).callback);
    expect(answer.status).toBe(200);
    expect(answer.html).toContain(`Connected to ${ORG_NAME}.`);
    const listing = xero.calls.filter((c) => c.path === '/connections').at(-1)!;
    expect(listing.query.authEventId).toEqual(expect.any(String));
    expect(listing.response).toEqual([expect.objectContaining({ tenantId: xero.tenantId })]);
    expect((await snapshot()).connections.map((c) => [c.tenantId, c.tenantName])).toEqual([[xero.tenantId, ORG_NAME]]);
  });

  it('a sign-in begun by an admin who is no longer one does not connect', async () => {
    const started = await begin({}, 'admin2');
    await db.prisma.user.update({ where: { name: 'oauth-admin-2' }, data: { role: 'viewer' } });
    const before = await snapshot();
    const answer = await page(await redirectOf(await redirectOf(started.startUrl)));
    expect(answer.status).toBe(403);
    expect(answer.html).toContain('may no longer connect');
    expect(await snapshot()).toEqual(before);
  });

  it('takes GET only, escapes what Xero says, and never logs a code, state, token or secret', async () => {
    const res = await fetch(`${baseUrl}${OAUTH_CALLBACK_PATH}`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    const { started } = await toCallback();
    const state = new URL(started.authorizeUrl).searchParams.get('state')!;
    const odd = await page(`${baseUrl}${OAUTH_CALLBACK_PATH}?state=${state}&error=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(odd.status).toBe(400);
    expect(odd.html).not.toContain('<script>alert(1)</script>');
    expect(odd.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    const log = logLines.join('\n');
    expect(log).toContain('/accounting/oauth/callback');
    const secrets = [xero.clientSecret, state];
    for (const call of xero.calls) {
      const body = call.body as Record<string, string> | undefined;
      if (call.path === '/identity/connect/token' && body) secrets.push(body.code ?? '', body.code_verifier ?? '');
      const answer = call.response as Record<string, string> | undefined;
      if (call.path === '/identity/connect/token' && answer?.access_token) secrets.push(answer.access_token, answer.refresh_token ?? '');
    }
    for (const secret of secrets.filter((s) => s.length > 8)) expect(log).not.toContain(secret);
    expect(secrets.length).toBeGreaterThan(6);
  });
});

describe('MYOB', () => {
  const fileToken = () => Buffer.from(`${myob.fileUser}:${FILE_PASSWORD}`).toString('base64');
  const file = { companyFileUser: () => myob.fileUser, companyFilePassword: FILE_PASSWORD };
  const beginMyob = (extra: { companyFileId?: string; clientSecret?: string; withoutFileSignIn?: boolean } = {}) =>
    api('admin').accounting.beginAuthorization.mutate({
      provider: 'myob',
      clientId: myob.clientId,
      clientSecret: extra.clientSecret ?? myob.clientSecret,
      ...(extra.companyFileId ? { companyFileId: extra.companyFileId } : {}),
      ...(extra.withoutFileSignIn ? {} : { companyFileUser: file.companyFileUser(), companyFilePassword: file.companyFilePassword }),
    });
  /** Begins and follows the browser to the callback URL MYOB sends back (not yet opened). */
  async function toMyobCallback(extra: Parameters<typeof beginMyob>[0] = {}) {
    const started = await beginMyob(extra);
    const myobPage = await redirectOf(started.startUrl);
    expect(myobPage).toBe(started.authorizeUrl);
    return { started, callback: await redirectOf(myobPage) };
  }
  const exchanges = () =>
    myob.calls.filter((c) => c.kind === 'token' && (c.body as Record<string, string>)?.grant_type === 'authorization_code');

  it('begins: MYOB’s authorize address with the scopes, a state and the consent page; the file sign-in sealed', async () => {
    const started = await beginMyob();
    const url = new URL(started.authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(myob.authorizeUrl);
    const q = Object.fromEntries(url.searchParams);
    expect(q).toEqual({
      response_type: 'code',
      client_id: myob.clientId,
      redirect_uri: `${baseUrl}${OAUTH_CALLBACK_PATH}`,
      scope: MYOB_SCOPES,
      state: expect.stringMatching(/^[\w-]{43}$/),
      // MYOB names the company file consented to only after its consent page.
      prompt: 'consent',
    });
    expect(started.startUrl).toBe(`${baseUrl}/accounting/oauth/start?state=${q.state}`);
    const row = (await db.prisma.accountingAuthorization.findMany({ orderBy: { id: 'asc' } })).at(-1)!;
    expect(row).toMatchObject({ provider: 'myob', clientId: myob.clientId, tenantId: null, usedAt: null });
    expect(row.clientSecret).toMatch(/^v1\./);
    expect(row.codeVerifier).toMatch(/^v1\./);
    const text = JSON.stringify(row);
    for (const secret of [myob.clientSecret, FILE_PASSWORD.trim(), fileToken(), q.state!]) expect(text).not.toContain(secret);
  });

  it('connects: MYOB’s consent names the company file, the code goes with the client in the form, and a journal posts with the file’s sign-in', async () => {
    const { callback } = await toMyobCallback();
    const back = new URL(callback).searchParams;
    expect(back.get('businessId')).toBe(myob.companyFileId);
    const answer = await page(callback);
    expect(answer.status).toBe(200);
    expect(answer.html).toContain('Connected to MYOB');
    expect(answer.html).toContain(`Connected to ${myob.companyFileName}. You can close this window.`);

    const status = await api('accountant').accounting.status.query();
    expect(status).toMatchObject({
      provider: 'myob',
      connected: true,
      tenantId: myob.companyFileId,
      tenantName: myob.companyFileName,
      pausedReason: null,
    });
    const stored = await db.prisma.accountingConnection.findUniqueOrThrow({ where: { provider: 'myob' } });
    expect(stored).toMatchObject({ tenantId: myob.companyFileId, tenantName: myob.companyFileName, clientId: myob.clientId });
    expect(stored.companyFileAuth).toMatch(/^v1\./);
    expect(stored.companyFileAuth).not.toContain(fileToken());
    // MYOB takes the client in the form (no Basic header), with the same redirect URI, and no PKCE.
    const exchange = exchanges().at(-1)!;
    expect(exchange.body).toEqual({
      client_id: myob.clientId,
      client_secret: '[redacted]',
      code: '[redacted]',
      redirect_uri: `${baseUrl}${OAUTH_CALLBACK_PATH}`,
      grant_type: 'authorization_code',
    });
    expect(exchange.headers.authorization).toBeUndefined();
    expect(exchange.status).toBe(200);

    // Postings flow to the company file, each call carrying its sign-in (the stand-in refuses them otherwise).
    const user = await db.prisma.user.findUniqueOrThrow({ where: { name: 'oauth-admin' }, select: { id: true, name: true, role: true } });
    const admin = createCaller(createContext(db, user, undefined, accounting));
    await admin.settings.update({ accounting: MYOB_STAND_IN_MAPPING });
    const product = await plainProduct(admin, { assetGlCode: '1-1320' });
    const loc = await location(admin);
    await admin.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      quantity: 2,
      glCode: '5-1150',
      unitCost: 3.5,
      idempotencyKey: key(),
    });
    const synced = await api('accountant').accounting.syncNow.mutate();
    expect(synced.status.counts).toMatchObject({ failed: 0, pending: 0, in_flight: 0 });
    const journals = myob.journals();
    expect(journals).toHaveLength(1);
    expect(journals[0]!.Lines.map((l) => [l.AccountDisplayID, l.IsCredit ? -l.Amount : l.Amount])).toEqual([
      ['1-1320', 7],
      ['5-1150', -7],
    ]);
    expect(myob.items().map((i) => i.Number)).toContain(product.sku);
    const fileCalls = myob.calls.filter((c) => c.kind === 'api' && c.path.startsWith(`/accountright/${myob.companyFileId}/`));
    expect(fileCalls.length).toBeGreaterThan(0);
    expect(fileCalls.every((c) => c.status < 400 && c.headers['x-myobapi-cftoken'] === '[redacted]')).toBe(true);
  });

  it('answers a state used twice, or past 10 minutes, with a page, and changes nothing (the code is not sent again)', async () => {
    const { callback } = await toMyobCallback();
    expect((await page(callback)).status).toBe(200);
    const before = await snapshot();
    const calls = exchanges().length;
    const again = await page(callback);
    expect(again.status).toBe(400);
    expect(again.html).toContain('This sign-in was already used');
    expect(again.html).toContain('Connect with MYOB');

    const started = await beginMyob();
    const myobPage = await redirectOf(started.startUrl);
    clock.advance(AUTHORIZATION_TTL_MS + 1000);
    expect((await page(started.startUrl)).html).toContain('This sign-in has expired');
    const late = await page(await redirectOf(myobPage));
    expect(late.status).toBe(400);
    expect(late.html).toContain('This sign-in has expired');
    expect(late.html).toContain('Connect with MYOB');
    expect(exchanges().length).toBe(calls);
    expect(await snapshot()).toEqual(before);
  });

  it('answers Cancel in MYOB (error=access_denied) and a client MYOB refuses with a page, changing nothing', async () => {
    const before = await snapshot();
    myob.answerNextConsent({ deny: true });
    const { callback } = await toMyobCallback();
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    const calls = exchanges().length;
    const denied = await page(callback);
    expect(denied.status).toBe(400);
    expect(denied.html).toContain('Stocksheet was not allowed to connect');
    expect(denied.html).toContain('cancelled in MYOB (access_denied)');
    expect(exchanges().length).toBe(calls);
    expect((await page(callback)).html).toContain('This sign-in was already used');

    const { callback: wrongClient } = await toMyobCallback({ clientSecret: 'not-the-secret' });
    const wrong = await page(wrongClient);
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('MYOB did not accept the sign-in');
    expect(wrong.html).toContain('invalid_client');
    expect(await snapshot()).toEqual(before);
  });

  it('a company file asked for that MYOB’s consent did not name: says so, listing the one granted, and changes nothing', async () => {
    const before = await snapshot();
    const { callback } = await toMyobCallback({ companyFileId: OTHER_FILE.Id });
    const answer = await page(callback);
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('That company file was not granted');
    expect(answer.html).toContain(`asked for the company file ${OTHER_FILE.Id}`);
    expect(answer.html).toContain('<th>Company file</th><th>Company file id</th>');
    expect(answer.html).toContain(myob.companyFileName);
    expect(await snapshot()).toEqual(before);
  });

  it('a consent that names no company file: the file list decides; several and none asked for is a page, one asked for connects', async () => {
    const before = await snapshot();
    myob.answerNextConsent({ allFiles: true });
    const { callback } = await toMyobCallback();
    expect(new URL(callback).searchParams.get('businessId')).toBeNull();
    const listed = () => myob.calls.filter((c) => c.kind === 'api' && c.method === 'GET' && c.path === '/accountright/').length;
    const lists = listed();
    const answer = await page(callback);
    expect(listed()).toBe(lists + 1);
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('Choose one company file');
    expect(answer.html).toContain('MYOB granted access to 2 company files');
    expect(answer.html).toContain('Start again with the company file id of the one to connect');
    for (const text of [myob.companyFileName, myob.companyFileId, OTHER_FILE.Name, OTHER_FILE.Id]) expect(answer.html).toContain(text);
    expect(await snapshot()).toEqual(before);

    // Asked for one the list has: connected, named from the list.
    myob.answerNextConsent({ allFiles: true });
    const chosen = await page((await toMyobCallback({ companyFileId: myob.companyFileId.toUpperCase() })).callback);
    expect(chosen.status).toBe(200);
    expect(await db.prisma.accountingConnection.findUniqueOrThrow({ where: { provider: 'myob' } })).toMatchObject({
      tenantId: myob.companyFileId,
      tenantName: myob.companyFileName,
    });
    // Asked for one it does not have: not granted.
    myob.answerNextConsent({ allFiles: true });
    const missing = await page((await toMyobCallback({ companyFileId: '11111111-2222-4333-8444-555555555555' })).callback);
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('That company file was not granted');
  });

  it('never logs the company file’s password or sign-in, the code or the tokens', async () => {
    const log = logLines.join('\n');
    const secrets = [myob.clientSecret, FILE_PASSWORD.trim(), fileToken()];
    for (const secret of secrets) expect(log).not.toContain(secret);
    expect(exchanges().length).toBeGreaterThan(3);
  });
});

describe('settings', () => {
  it('STOCKSHEET_PUBLIC_URL, else the local address served; the Xero sign-in addresses default to Xero’s own', () => {
    expect(publicUrlOf(loadConfig({}))).toBe('https://localhost:3000');
    expect(publicUrlOf(loadConfig({ PORT: '8443', STOCKSHEET_TLS: 'off' }))).toBe('http://localhost:8443');
    expect(publicUrlOf(loadConfig({ PORT: '0' }), 51234)).toBe('https://localhost:51234');
    expect(loadConfig({ STOCKSHEET_PUBLIC_URL: 'https://stock.example.com/' }).publicUrl).toBe('https://stock.example.com');
    expect(() => loadConfig({ STOCKSHEET_PUBLIC_URL: 'stock.example.com' })).toThrow(/STOCKSHEET_PUBLIC_URL must be/);
    expect(() => loadConfig({ STOCKSHEET_PUBLIC_URL: 'https://stock.example.com/?a=1' })).toThrow(/STOCKSHEET_PUBLIC_URL must be/);
    const configured = loadConfig({
      STOCKSHEET_XERO_AUTHORIZE_URL: 'http://127.0.0.1:9/identity/connect/authorize',
      STOCKSHEET_XERO_CONNECTIONS_URL: 'http://127.0.0.1:9/connections/',
    });
    expect(endpointsFrom(configured.accountingEndpoints).xero).toMatchObject({
      authorizeUrl: 'http://127.0.0.1:9/identity/connect/authorize',
      connectionsUrl: 'http://127.0.0.1:9/connections',
    });
    expect(endpointsFrom(loadConfig({}).accountingEndpoints).xero).toEqual({
      apiUrl: 'https://api.xero.com/api.xro/2.0',
      identityUrl: 'https://identity.xero.com',
      authorizeUrl: 'https://login.xero.com/identity/connect/authorize',
      connectionsUrl: 'https://api.xero.com/connections',
    });
    expect(() => loadConfig({ STOCKSHEET_XERO_AUTHORIZE_URL: 'login.xero.com' })).toThrow(/STOCKSHEET_XERO_AUTHORIZE_URL/);
  });

  it('MYOB’s sign-in address defaults to MYOB’s own; STOCKSHEET_MYOB_AUTHORIZE_URL points it elsewhere', () => {
    expect(endpointsFrom(loadConfig({}).accountingEndpoints).myob).toEqual({
      apiUrl: 'https://api.myob.com/accountright',
      identityUrl: 'https://secure.myob.com',
      authorizeUrl: 'https://secure.myob.com/oauth2/account/authorize',
    });
    expect(
      endpointsFrom(
        loadConfig({ STOCKSHEET_MYOB_AUTHORIZE_URL: 'http://127.0.0.1:9/identity/oauth2/account/authorize/' }).accountingEndpoints,
      ).myob.authorizeUrl,
    ).toBe('http://127.0.0.1:9/identity/oauth2/account/authorize');
    expect(() => loadConfig({ STOCKSHEET_MYOB_AUTHORIZE_URL: 'secure.myob.com' })).toThrow(/STOCKSHEET_MYOB_AUTHORIZE_URL/);
  });
});
