// Settings saved in the workbook itself, through Office's document settings.

import type { WorkbookSettings } from './port.ts';

export function officeWorkbookSettings(): WorkbookSettings {
  return {
    getWorkbookSetting(key) {
      const value: unknown = Office.context.document.settings.get(key);
      if (value === null || value === undefined) return null;
      return typeof value === 'string' ? value : String(value);
    },

    setWorkbookSetting(key, value) {
      const store = Office.context.document.settings;
      store.set(key, value);
      return new Promise<void>((resolve, reject) => {
        store.saveAsync((result) => {
          if (result.status === Office.AsyncResultStatus.Failed) {
            reject(new Error(`Could not save "${key}" in the workbook: ${result.error?.message ?? 'unknown error'}.`));
          } else {
            resolve();
          }
        });
      });
    },
  };
}
