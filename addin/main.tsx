import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { createOfficeWorkbook } from './excel/office-workbook.ts';
import type { WorkbookPort } from './excel/port.ts';

/** Waits for Office.js; outside Excel (a plain browser tab) the pane still connects and takes typed serials. */
async function openWorkbook(): Promise<WorkbookPort | null> {
  if (typeof Office === 'undefined') return null;
  const info = await Office.onReady();
  return info.host === Office.HostType.Excel ? createOfficeWorkbook() : null;
}

void openWorkbook().then((workbook) => {
  createRoot(document.getElementById('root')!).render(
    <App workbook={workbook} storage={window.localStorage} defaultServerUrl={window.location.origin} />,
  );
});
