// The browser's side of connecting Xero or MYOB (oauth.ts has the logic):
//   GET /accounting/oauth/start?state=…     sends the browser on to the provider's sign-in (an Office
//        dialog must open on the pane's own domain first; the state is not taken)
//   GET /accounting/oauth/callback?code=…&state=…   (or ?error=access_denied&state=…) the provider's answer:
//        connects, or says why not, in a small page that also tells the pane (Office's messageParent
//        inside an Office dialog, postMessage to the window that opened it otherwise).
// The query is never logged (the server's request log has the path only).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OfficeJsSource } from '../../config.ts';
import { accountingOf } from '../../context.ts';
import type { Database } from '../../db/database.ts';
import { HttpRefusal } from '../../http/respond.ts';
import { OFFICE_JS_CDN_URL, PACKAGED_OFFICE_JS_PATH } from '../../http/static.ts';
import { authorizeUrlFor, finishAuthorization, OAUTH_CALLBACK_PATH, OAUTH_START_PATH, type OAuthOutcome } from './oauth.ts';
import { PROVIDERS } from './providers.ts';
import type { Accounting } from './runtime.ts';

/** What the page posts to the pane: `type` tells it from other messages. */
export const OAUTH_MESSAGE_TYPE = 'stocksheet-oauth';

export interface OAuthRouteOptions {
  db: Database;
  /** Unset, the database's default runtime (as the procedures get). */
  accounting?: Accounting;
  officeJs?: OfficeJsSource;
}

/** Handles the sign-in routes; false when the path is not one of them. */
export async function oauthRoute(options: OAuthRouteOptions, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (url.pathname !== OAUTH_START_PATH && url.pathname !== OAUTH_CALLBACK_PATH) return false;
  if (req.method !== 'GET')
    throw new HttpRefusal(405, 'INVALID_INPUT', `${req.method} is not supported here: the browser comes here with GET.`, { allow: 'GET' });
  const accounting = options.accounting ?? accountingOf(options.db);
  if (url.pathname === OAUTH_START_PATH) {
    const found = await authorizeUrlFor(accounting, url.searchParams.get('state'));
    if ('url' in found) {
      res.writeHead(302, { location: found.url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
      res.end();
    } else sendPage(res, found, options.officeJs);
    return true;
  }
  sendPage(res, await finishAuthorization(accounting, url.searchParams), options.officeJs);
  return true;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON inside a <script>: nothing in it can close the element. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

function sendPage(res: ServerResponse, outcome: OAuthOutcome, officeJs: OfficeJsSource = 'cdn') {
  const title = outcome.ok ? `Connected to ${PROVIDERS[outcome.provider].name}` : outcome.title;
  const message = outcome.ok ? `Connected to ${outcome.tenantName}. You can close this window.` : outcome.message;
  const [nameColumn, idColumn] = (!outcome.ok && outcome.columns) || ['Organisation', 'Tenant id'];
  const tenants =
    !outcome.ok && outcome.tenants?.length
      ? `<table><thead><tr><th>${escapeHtml(nameColumn)}</th><th>${escapeHtml(idColumn)}</th></tr></thead><tbody>${outcome.tenants
          .map((t) => `<tr><td>${escapeHtml(t.tenantName)}</td><td><code>${escapeHtml(t.tenantId)}</code></td></tr>`)
          .join('')}</tbody></table>`
      : '';
  const report = { type: OAUTH_MESSAGE_TYPE, ok: outcome.ok, title, message, ...(outcome.ok ? { organisation: outcome.tenantName } : {}) };
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>Stocksheet: ${escapeHtml(title)}</title>
    <style>
      body { font-family: 'Segoe UI', system-ui, sans-serif; margin: 2rem; max-width: 40rem; line-height: 1.45; color: #242424; }
      h1 { font-size: 1.25rem; color: ${outcome.ok ? '#107c10' : '#a4262c'}; }
      table { border-collapse: collapse; margin: 1rem 0; }
      th, td { border: 1px solid #d1d1d1; padding: 0.25rem 0.5rem; text-align: left; }
    </style>
    <script src="${officeJs === 'packaged' ? PACKAGED_OFFICE_JS_PATH : OFFICE_JS_CDN_URL}"></script>
  </head>
  <body>
    <h1 data-testid="oauth-title">${escapeHtml(title)}</h1>
    <p data-testid="oauth-message">${escapeHtml(message)}</p>
    ${tenants}
    <script>
      (function () {
        var report = ${scriptJson(report)};
        // The code and state are spent: keep them out of the history.
        try { history.replaceState(null, '', location.pathname); } catch (e) {}
        // Outside an Office dialog (a browser window the pane opened): tell the pane directly.
        try { if (window.opener) window.opener.postMessage(report, location.origin); } catch (e) {}
        if (typeof Office === 'undefined' || !Office.onReady) return;
        Office.onReady(function () {
          try {
            if (Office.context && Office.context.ui && Office.context.ui.messageParent) Office.context.ui.messageParent(JSON.stringify(report));
          } catch (e) {}
        });
      })();
    </script>
  </body>
</html>
`;
  res.writeHead(outcome.ok ? 200 : outcome.status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}
