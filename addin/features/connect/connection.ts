import type { WorkbookSettings } from '../../excel/port.ts';

/**
 * Where the pane remembers its connection. The server URL belongs to the workbook (saved in the
 * workbook's settings, so everyone opening it talks to the same server); the token belongs to the
 * person (kept in this browser's storage only: a token saved in a workbook would travel with it).
 */
const SERVER_SETTING = 'stocksheet.serverUrl';
const tokenKey = (serverUrl: string) => `stocksheet.token:${serverUrl}`;

export interface SavedConnection {
  serverUrl: string;
  token: string | null;
}

export function normaliseServerUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

export function loadConnection(workbook: WorkbookSettings | null, storage: Storage, defaultUrl: string): SavedConnection {
  const serverUrl = workbook?.getWorkbookSetting(SERVER_SETTING) ?? storage.getItem(SERVER_SETTING) ?? defaultUrl;
  return { serverUrl, token: storage.getItem(tokenKey(serverUrl)) };
}

export async function saveConnection(workbook: WorkbookSettings | null, storage: Storage, serverUrl: string, token: string): Promise<void> {
  storage.setItem(tokenKey(serverUrl), token);
  storage.setItem(SERVER_SETTING, serverUrl);
  await workbook?.setWorkbookSetting(SERVER_SETTING, serverUrl);
}

export function forgetToken(storage: Storage, serverUrl: string): void {
  storage.removeItem(tokenKey(serverUrl));
}
