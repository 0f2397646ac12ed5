// A sign-in window for connecting an accounting system: Office's dialog inside Office (the Dialog API),
// a browser window outside it (the pane opened in a plain browser tab).

/** What the sign-in page reports when it is done (server/modules/accounting/oauth-routes.ts). */
export interface SignInReport {
  ok: boolean;
  title: string;
  message: string;
  /** The organisation connected, when ok. */
  organisation?: string;
}

/** The page's messages carry this type (oauth-routes.ts, OAUTH_MESSAGE_TYPE). */
const REPORT_TYPE = 'stocksheet-oauth';

export interface SignInWindow {
  /** What the page reported, or null once the window was closed (or could not show the page) without a report. */
  result: Promise<SignInReport | null>;
  close(): void;
}

function reportOf(data: unknown): SignInReport | null {
  const value = typeof data === 'string' ? safeParse(data) : data;
  if (!value || typeof value !== 'object') return null;
  const report = value as Record<string, unknown>;
  if (report.type !== REPORT_TYPE || typeof report.ok !== 'boolean') return null;
  return {
    ok: report.ok,
    title: String(report.title ?? ''),
    message: String(report.message ?? ''),
    ...(typeof report.organisation === 'string' ? { organisation: report.organisation } : {}),
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Inside Office with the Dialog API (every Excel that runs the pane has it). */
function officeDialogs(): boolean {
  try {
    return (
      typeof Office !== 'undefined' &&
      typeof Office.context?.ui?.displayDialogAsync === 'function' &&
      Office.context.requirements.isSetSupported('DialogApi', '1.1')
    );
  } catch {
    return false;
  }
}

/** Office's dialog errors, said so a person can act on them. */
function dialogFailure(code: number, message: string): Error {
  const known: Record<number, string> = {
    12004: 'Office does not trust the sign-in page’s address: it must be the address the pane is served from (STOCKSHEET_PUBLIC_URL).',
    12005: 'The sign-in page must be served over HTTPS.',
    12007: 'A sign-in window is already open: finish or close it first.',
    12009: 'The sign-in window was not allowed to open.',
    12011: 'The browser blocked the sign-in window: allow pop-ups for Excel, then try again.',
  };
  return new Error(`${known[code] ?? `Office could not open the sign-in window (${message || code}).`}`);
}

function openOfficeDialog(url: string): Promise<SignInWindow> {
  return new Promise((resolve, reject) => {
    // Sized as a share of the screen; Office on the web asks the person first (a blocked pop-up otherwise).
    Office.context.ui.displayDialogAsync(url, { height: 70, width: 40 }, (opened) => {
      if (opened.status === Office.AsyncResultStatus.Failed) {
        reject(dialogFailure(opened.error.code, opened.error.message));
        return;
      }
      const dialog = opened.value;
      let settle: (report: SignInReport | null) => void = () => undefined;
      const result = new Promise<SignInReport | null>((done) => (settle = done));
      dialog.addEventHandler(Office.EventType.DialogMessageReceived, (arg) => {
        if ('message' in arg) settle(reportOf(arg.message));
      });
      // Closed by the person (12006), or a page it could not load (12002, 12003).
      dialog.addEventHandler(Office.EventType.DialogEventReceived, () => settle(null));
      resolve({
        result,
        close: () => {
          try {
            dialog.close();
          } catch {
            // already closed
          }
        },
      });
    });
  });
}

/**
 * Outside Office: a browser window, opened at once (while the click still counts, so it is not
 * blocked as a pop-up) and sent to the address when it is known. The page tells this window with
 * postMessage; closing it without that resolves null.
 */
function openBrowserWindow(url: Promise<string>): Promise<SignInWindow> {
  const opened = window.open('', 'stocksheet-sign-in', 'popup,width=560,height=720');
  if (!opened) return Promise.reject(new Error('The browser blocked the sign-in window: allow pop-ups for this page, then try again.'));
  let settle: (report: SignInReport | null) => void = () => undefined;
  const result = new Promise<SignInReport | null>((done) => (settle = done));
  let origin: string | null = null;
  const onMessage = (event: MessageEvent) => {
    if (event.origin !== origin) return;
    const report = reportOf(event.data);
    if (report) settle(report);
  };
  const watch = window.setInterval(() => opened.closed && settle(null), 500);
  void result.then(() => {
    window.clearInterval(watch);
    window.removeEventListener('message', onMessage);
  });
  const close = () => {
    settle(null);
    if (!opened.closed) opened.close();
  };
  return url.then(
    (address) => {
      origin = new URL(address, window.location.href).origin;
      window.addEventListener('message', onMessage);
      opened.location.href = address;
      return { result, close };
    },
    (error: unknown) => {
      close();
      throw error;
    },
  );
}

/**
 * Opens the sign-in page at `url` (a page of this server's: Office's dialog must start on the
 * pane's domain). Call it straight from the click, before awaiting anything: outside Office the
 * window is opened at once and sent to the address when `url` resolves.
 */
export function openSignInWindow(url: Promise<string>): Promise<SignInWindow> {
  if (!officeDialogs()) return openBrowserWindow(url);
  return url.then(openOfficeDialog);
}
