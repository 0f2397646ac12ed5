// LibreOffice (headless) as the tests' real spreadsheet program: converts a workbook we wrote (to
// CSV per sheet, .fods, or .xlsx saved again) so a test reads what a person would see. Needs
// `soffice` (Debian package libreoffice-calc-nogui, which .ci/run installs).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SOFFICE = (process.env.PATH ?? '')
  .split(path.delimiter)
  .map((dir) => path.join(dir, 'soffice'))
  .find((file) => fs.existsSync(file));

/** LibreOffice's first start (a new profile) is slow on a 2-core machine. */
export const LIBREOFFICE_TIMEOUT = 240_000;
/** CSV export: comma, double quotes, UTF-8, raw values (not as shown), every sheet to its own file (LibreOffice 7.2+). */
export const CSV_FILTER = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1';
/** The same, with values as shown (formatted), for checking number formats. */
export const CSV_AS_SHOWN_FILTER = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1';

/** Converts with LibreOffice headless into a new folder under `dir`; its own profile there, so parallel runs do not clash. */
export async function convert(dir: string, file: string, target: string): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(dir, 'out-'));
  const profile = path.join(dir, 'profile');
  const { stdout, stderr } = await run(
    SOFFICE!,
    [
      `-env:UserInstallation=${pathToFileURL(profile).href}`,
      '--headless',
      '--norestore',
      '--nolockcheck',
      '--convert-to',
      target,
      '--outdir',
      outdir,
      file,
    ],
    { timeout: LIBREOFFICE_TIMEOUT, env: { ...process.env, HOME: dir } },
  );
  if (fs.readdirSync(outdir).length === 0) throw new Error(`LibreOffice wrote nothing.\nstdout: ${stdout}\nstderr: ${stderr}`);
  return outdir;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
