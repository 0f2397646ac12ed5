// Office's Dialog API for the browser tests, added to the fake Office.js (tests/support/fake-excel.ts
// has the workbook; this has the window): `displayDialogAsync` opens the page in a real popup window,
// as Office on the web does, and keeps Office's rules that matter to a sign-in:
// - the page it opens must be on the pane's own origin (12004 otherwise, as Office refuses a domain
//   the add-in does not trust); it may then go anywhere (Xero's sign-in) and come back;
// - one dialog at a time (12007);
// - a page in the dialog that loads Office.js (this same script, served in its place) gets
//   `Office.context.ui.messageParent`, which reaches the pane's DialogMessageReceived handler only
//   from the pane's origin;
// - the person closing the window is DialogEventReceived with error 12006; `dialog.close()` is not.
// `window.__dialogs` lists what was opened, for the test to look at. No Node imports: bundled into the page.

interface DialogRecord {
  url: string;
  popup: Window;
  closedByPane: boolean;
  closed: boolean;
  handlers: Record<string, (arg: unknown) => void>;
  messages: string[];
}

interface DialogHost {
  deliver(from: Window, message: string): void;
}

type Callback = (result: { status: string; value?: unknown; error?: { code: number; message: string } }) => void;

const MESSAGE = 'dialogMessageReceived';
const EVENT = 'dialogEventReceived';

export function installDialogShim(office: any, win: Window & Record<string, any>): void {
  const requirements = office.context.requirements;
  const isSetSupported = requirements.isSetSupported.bind(requirements);
  requirements.isSetSupported = (name: string, version?: string) =>
    name === 'DialogApi' ? ['1.1', '1.2'].includes(String(version ?? '1.1')) : isSetSupported(name, version);
  office.EventType = { ...office.EventType, DialogMessageReceived: MESSAGE, DialogEventReceived: EVENT };

  const dialogs: DialogRecord[] = [];
  win.__dialogs = dialogs;
  const host: DialogHost = {
    deliver(from, message) {
      const record = dialogs.find((d) => d.popup === from && !d.closed);
      if (!record) throw new Error('messageParent: this window is not an open dialog');
      if (from.location.origin !== win.location.origin)
        throw new Error(`messageParent: ${from.location.origin} is not the add-in's origin (${win.location.origin})`);
      record.messages.push(message);
      record.handlers[MESSAGE]?.({ message, origin: from.location.origin });
    },
  };
  win.__dialogHost = host;

  // In a dialog: its pane is the window that opened it.
  let parent: DialogHost | undefined;
  try {
    parent = (win.opener as (Window & { __dialogHost?: DialogHost }) | null)?.__dialogHost;
  } catch {
    parent = undefined; // the opener is on another origin
  }

  office.context.ui = {
    displayDialogAsync(url: string, options: unknown, callback?: Callback) {
      const done = (typeof options === 'function' ? options : callback) as Callback | undefined;
      const fail = (code: number, message: string) => setTimeout(() => done?.({ status: 'failed', error: { code, message } }), 0);
      let absolute: URL;
      try {
        absolute = new URL(url, win.location.href);
      } catch {
        return fail(12003, 'The dialog URL is not valid.');
      }
      if (absolute.protocol !== 'https:') return fail(12005, 'The dialog URL must use HTTPS.');
      if (absolute.origin !== win.location.origin) return fail(12004, `The domain of ${absolute.origin} is not trusted.`);
      if (dialogs.some((d) => !d.closed)) return fail(12007, 'A dialog box is already opened from this host window.');
      const popup = win.open(absolute.toString(), '_blank', 'popup,width=500,height=700');
      if (!popup) return fail(12011, 'The browser blocked the dialog window.');
      const record: DialogRecord = { url: absolute.toString(), popup, closedByPane: false, closed: false, handlers: {}, messages: [] };
      dialogs.push(record);
      const watch = win.setInterval(() => {
        if (!popup.closed) return;
        win.clearInterval(watch);
        record.closed = true;
        if (!record.closedByPane) record.handlers[EVENT]?.({ error: 12006 });
      }, 100);
      const dialog = {
        addEventHandler(type: string, handler: (arg: unknown) => void) {
          record.handlers[type] = handler;
        },
        close() {
          record.closedByPane = true;
          record.closed = true;
          popup.close();
        },
        messageChild() {},
      };
      setTimeout(() => done?.({ status: 'succeeded', value: dialog }), 0);
    },
    messageParent(message: string) {
      if (!parent) throw new Error('messageParent is only available in a dialog.');
      parent.deliver(win, String(message));
    },
  };
}
