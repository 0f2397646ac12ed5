import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { openWorkbook } from './excel/open-workbook.ts';

const root = createRoot(document.getElementById('root')!);
openWorkbook().then(
  (workbook) => root.render(<App workbook={workbook} storage={window.localStorage} defaultServerUrl={window.location.origin} />),
  (error: unknown) =>
    root.render(<p style={{ padding: 12, fontFamily: 'sans-serif' }}>{error instanceof Error ? error.message : String(error)}</p>),
);
