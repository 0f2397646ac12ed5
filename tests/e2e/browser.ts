import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startApp, type RunningApp } from '../../server/app.ts';
import type { Config } from '../../server/config.ts';
import { buildAddinIfStale } from '../../server/http/addin-build.ts';
import { OFFICE_JS_CDN_URL } from '../../server/http/static.ts';
import { renderSheetGrid } from '../support/sheet-grid.ts';
import type { SheetState } from '../support/sheet-state.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`SKIPPED: the browser tests need Chromium at ${CHROMIUM} (apt-get install chromium); .ci/run installs it.`);
}
export const SCREENSHOTS = path.join(ROOT, 'test-output/screenshots');
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

/**
 * The real server on a fresh embedded database, serving the freshly built pane over HTTPS. `config`
 * adds to its configuration (e.g. `accountingEndpoints` pointing at a stand-in).
 */
export async function startServer(config: Partial<Config> = {}): Promise<RunningApp & { cleanup(): Promise<void> }> {
  await buildAddinIfStale(() => undefined);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stocksheet-e2e-'));
  const app = await startApp(
    { port: 0, dataDir, databaseUrl: undefined, tls: true, adminToken: ADMIN_TOKEN, logLevel: 'silent', ...config },
    pino({ level: 'silent' }),
  );
  return {
    ...app,
    cleanup: async () => {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The in-page stand-in for Office.js: tests/support/fake-excel.ts bundled for the browser and
 * served where the pane loads office.js from (Microsoft's CDN, which the browser never reaches),
 * so the pane runs its real Office.js code path against an in-memory grid (`window.__fake`).
 * `window.__sheetState(name)` reads a sheet of it for the screenshots (tests/support/sheet-state.ts).
 * Office's Dialog API opens real popup windows (office-dialog-shim.ts; `window.__dialogs`).
 */
export async function fakeOfficeScript(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { createFakeExcel } from './tests/support/fake-excel.ts';
        import { readSheetState } from './tests/support/sheet-state.ts';
        import { installDialogShim } from './tests/e2e/office-dialog-shim.ts';
        const fake = createFakeExcel({ latencyMs: 5, userName: 'E2E user' });
        installDialogShim(fake.Office, window);
        fake.install(window);
        window.__fake = fake;
        window.__sheetState = (name) => readSheetState(fake.workbook, name);`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
  });
  return result.outputFiles[0]!.text;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A pane page with the Office stand-in in place of office.js (checked to be the one loaded); the
 * windows it opens (Office dialogs) get the stand-in too.
 */
export async function openPane(browser: Browser, url: string, officeScript: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 360, height: 900 } });
  await context.route(OFFICE_JS_CDN_URL, (route) => route.fulfill({ contentType: 'text/javascript', body: officeScript }));
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (window as any).__fake?.Office === (window as any).Office, undefined, { timeout: 10_000 });
  return page;
}

/**
 * The pane to `<name>.png`, and, unless the sheet is blank, what the person sees in Excel to
 * `<name>-excel.png`: the sheet (default the active one) drawn by tests/support/sheet-grid.ts with
 * the pane beside it.
 */
export async function screenshot(page: Page, name: string, sheet?: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const pane = await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const state: SheetState = await page.evaluate(
    (wanted) => (window as any).__sheetState(wanted ?? (window as any).__fake.workbook.activeSheet()),
    sheet,
  );
  if (!state.rows.some((row) => row.cells.some((cell) => cell.value !== '' || cell.fill || cell.comment))) return;
  const browser = page.context().browser()!;
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const view = await context.newPage();
  await view.setContent(renderSheetGrid(state, { paneImage: `data:image/png;base64,${pane.toString('base64')}` }));
  await view.locator('.window').screenshot({ path: path.join(SCREENSHOTS, `${name}-excel.png`) });
  await context.close();
}

/** Connects the pane with a token and, when named, opens one of its tabs. */
export async function connectPane(page: Page, token: string, tab?: string) {
  await page.locator('input[name=token]').fill(token);
  await page.getByRole('button', { name: 'Connect' }).click();
  if (tab) await page.getByRole('tab', { name: tab }).click();
}

/** Calls one of the fake workbook's test helpers (values, cell, setCells, selection, …) inside the page. */
export const fakeWorkbook = <T>(page: Page, fn: string, ...args: unknown[]) =>
  page.evaluate(([f, a]) => (window as any).__fake.workbook[f as string](...(a as unknown[])), [fn, args] as const) as Promise<T>;

/** How many cells of a sheet carry a problem fill. */
export const fillCount = (page: Page, sheet: string) =>
  page.evaluate((name) => (window as any).__fake.workbook.fills(name).size as number, sheet);
