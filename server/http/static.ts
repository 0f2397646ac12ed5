import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OfficeJsSource } from '../config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built task pane (vite build → dist/addin). */
export const ADDIN_DIR = path.join(ROOT, 'dist/addin');
/** Where addin/index.html loads Office.js from: Microsoft's CDN (AppSource policy 1120.1). */
export const OFFICE_JS_CDN_URL = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
/** Where the pane loads Office.js from with STOCKSHEET_OFFICE_JS=packaged: this server. */
export const PACKAGED_OFFICE_JS_PATH = '/office-js/office.js';
/** The @microsoft/office-js package's files, served at /office-js/ only with STOCKSHEET_OFFICE_JS=packaged. */
export const PACKAGED_OFFICE_JS_DIR = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@microsoft/office-js/package.json')),
  'dist',
);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The file under `dir` that a URL path names, or null (never outside `dir`). */
function fileUnder(dir: string, urlPath: string): string | null {
  const file = path.resolve(dir, `.${decodeURIComponent(urlPath)}`);
  if (file !== dir && !file.startsWith(dir + path.sep)) return null;
  return existsSync(file) && statSync(file).isFile() ? file : null;
}

/** The built pane page with its Office.js script taken from this server instead of the CDN. */
function pageWithPackagedOfficeJs(file: string): string {
  const html = readFileSync(file, 'utf8');
  const cdnScript = `src="${OFFICE_JS_CDN_URL}"`;
  if (!html.includes(cdnScript)) throw new Error(`${file} does not load Office.js from ${OFFICE_JS_CDN_URL}: rebuild the task pane.`);
  return html.replace(cdnScript, `src="${PACKAGED_OFFICE_JS_PATH}"`);
}

/**
 * Serves the task pane, and with `officeJs` "packaged" the packaged Office.js at /office-js/ (the
 * page's script pointed there); answers false when the path is not one of theirs.
 */
export function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string, officeJs: OfficeJsSource = 'cdn'): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const packaged = officeJs === 'packaged';
  let file: string | null;
  let cache: string;
  if (pathname.startsWith('/office-js/')) {
    file = packaged ? fileUnder(PACKAGED_OFFICE_JS_DIR, pathname.slice('/office-js'.length)) : null;
    cache = 'public, max-age=86400';
  } else {
    file = fileUnder(ADDIN_DIR, pathname === '/' ? '/index.html' : pathname);
    // Built assets carry a content hash in their names; the page itself must always be fresh.
    cache = pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  }
  if (!file) return false;
  const body = packaged && file === path.join(ADDIN_DIR, 'index.html') ? pageWithPackagedOfficeJs(file) : null;
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': cache });
  if (req.method === 'HEAD') res.end();
  else if (body !== null) res.end(body);
  else createReadStream(file).pipe(res);
  return true;
}
