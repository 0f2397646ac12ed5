// Where the served task pane loads Office.js from: Microsoft's CDN by default, the server's copy of
// the @microsoft/office-js package with STOCKSHEET_OFFICE_JS=packaged. No internet here, so the
// CDN itself is never fetched: the page is checked for the script it names.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { buildAddinIfStale } from '../../server/http/addin-build.ts';
import { OFFICE_JS_CDN_URL, PACKAGED_OFFICE_JS_DIR, PACKAGED_OFFICE_JS_PATH } from '../../server/http/static.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const scripts = (html: string) => [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);

const apps: RunningApp[] = [];
const dirs: string[] = [];
/** The server started with the environment given (on a fresh embedded database, plain HTTP). */
async function serverWith(env: NodeJS.ProcessEnv): Promise<RunningApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-office-js-'));
  dirs.push(dataDir);
  const config: Config = { ...loadConfig({ ...env, STOCKSHEET_TLS: 'off', PORT: '0' }), dataDir, databaseUrl: undefined };
  const app = await startApp(config, pino({ level: 'silent' }));
  apps.push(app);
  return app;
}

beforeAll(() => buildAddinIfStale(() => undefined), 120_000);
afterAll(async () => {
  for (const app of apps) await app.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the Office.js the task pane loads', () => {
  it("is named by the source page as Microsoft's CDN script, before the pane code", () => {
    const html = fs.readFileSync(path.join(ROOT, 'addin/index.html'), 'utf8');
    expect(scripts(html)).toEqual([OFFICE_JS_CDN_URL, './main.tsx']);
  });

  describe('by default', () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await serverWith({});
    });

    it("is Microsoft's CDN copy: the served page names it and nothing on this server", async () => {
      for (const page of ['/', '/index.html']) {
        const response = await fetch(new URL(page, app.url));
        expect(response.status).toBe(200);
        const served = scripts(await response.text());
        expect(served[0]).toBe(OFFICE_JS_CDN_URL);
        expect(served.filter((src) => src.includes('office-js') || src.endsWith('office.js'))).toEqual([OFFICE_JS_CDN_URL]);
      }
    });

    it('leaves the packaged copy unserved', async () => {
      const response = await fetch(new URL(PACKAGED_OFFICE_JS_PATH, app.url));
      expect(response.status).toBe(404);
    });
  });

  describe('with STOCKSHEET_OFFICE_JS=packaged (closed networks)', () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await serverWith({ STOCKSHEET_OFFICE_JS: 'packaged' });
    });

    it('is the packaged copy: the served page names this server instead of the CDN', async () => {
      for (const page of ['/', '/index.html']) {
        const html = await (await fetch(new URL(page, app.url))).text();
        expect(scripts(html)[0]).toBe(PACKAGED_OFFICE_JS_PATH);
        expect(html).not.toContain('appsforoffice.microsoft.com');
      }
    });

    it('which the server serves from the @microsoft/office-js package, with the files it loads next', async () => {
      const response = await fetch(new URL(PACKAGED_OFFICE_JS_PATH, app.url));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await response.text()).toBe(fs.readFileSync(path.join(PACKAGED_OFFICE_JS_DIR, 'office.js'), 'utf8'));
      // office.js loads Excel's script from beside itself.
      expect((await fetch(new URL('/office-js/excel-web-16.00.js', app.url))).status).toBe(200);
    });
  });
});
