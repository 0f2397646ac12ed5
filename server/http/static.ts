import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built task pane (vite build → dist/addin). */
export const ADDIN_DIR = path.join(ROOT, 'dist/addin');
/** Office.js from the @microsoft/office-js package, served at /office-js/ (no CDN on a closed network). */
const OFFICE_JS_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('@microsoft/office-js/package.json')), 'dist');

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

/** Serves the task pane and Office.js; answers false when the path is not one of theirs. */
export function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let file: string | null;
  let cache: string;
  if (pathname.startsWith('/office-js/')) {
    file = fileUnder(OFFICE_JS_DIR, pathname.slice('/office-js'.length));
    cache = 'public, max-age=86400';
  } else {
    file = fileUnder(ADDIN_DIR, pathname === '/' ? '/index.html' : pathname);
    // Built assets carry a content hash in their names; the page itself must always be fresh.
    cache = pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  }
  if (!file) return false;
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': cache });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}
