// Issue #13, connecting Xero from a browser: the OAuth 2.0 authorisation-code flow with PKCE, through
// the real HTTP server (its tRPC API, the start page and the callback) against the Xero stand-in
// (tests/support/xero), whose authorize endpoint answers as after the person's consent (or Cancel,
// or a choice of organisations). An admin begins, the browser follows Xero's redirects, and the
// callback stores the connection; every sign-in that cannot go on (used, expired, unknown, denied,
// a code Xero refuses, several organisations or the wrong one) answers a page saying so and changes
// nothing. Runs on PGlite, or PostgreSQL with TEST_DATABASE_URL.
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { TRPCClientError } from '@trpc/client';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, publicUrlOf } from '../../server/config.ts';
import { createContext } from '../../server/context.ts';
import { createServer } from '../../server/http/server.ts';
import { AUTHORIZATION_TTL_MS, OAUTH_CALLBACK_PATH, XERO_SCOPES } from '../../server/modules/accounting/oauth.ts';
import { accountingFor, DEFAULT_ENDPOINTS, endpointsFrom, type Accounting } from '../../server/modules/accounting/runtime.ts';
import { createUser } from '../../server/modules/users/service.ts';
import { createCaller, type AppRouter } from '../../server/router.ts';
import { apiClient } from '../helpers/api-client.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { location, plainProduct } from '../helpers/fixtures.ts';
import { key } from '../helpers/app.ts';
import { createClock, startXeroStandIn, type XeroClock, type XeroStandIn } from '../support/xero/index.ts';
import { STAND_IN_MAPPING, standInEndpoints } from '../support/xero/stocksheet.ts';

const OTHER = { tenantId: '6f0c1a52-3d55-4c7e-9d1e-2b8f3c4a5e61', tenantName: 'Second Trading Ltd' };
const ORG_NAME = 'Stand-in Widgets Ltd';

let db: TestDatabase;
let xero: XeroStandIn;
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
  for (const role of ['admin', 'accountant', 'warehouse'] as const)
    tokens[role] = (await createUser(db.prisma, { name: `oauth-${role}`, role })).token;
  tokens.admin2 = (await createUser(db.prisma, { name: 'oauth-admin-2', role: 'admin' })).token;
  accounting = accountingFor(db, {
    endpoints: { xero: standInEndpoints(xero), myob: DEFAULT_ENDPOINTS.myob },
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
  await db?.drop();
});
beforeEach(() => xero.faults.clear());

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

  it('only an admin may begin, with inputs in bounds, for Xero', async () => {
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
    // @ts-expect-error MYOB connects with a refresh token
    expect(await refusedCode(admin.mutate({ provider: 'myob', clientId: 'a', clientSecret: 'b' }))).toBe('BAD_REQUEST');
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
});
