// The one way an uploaded file comes in (the .xlsx count sheet today; product import and reports
// later). A zipped workbook can hold a thousand times its size: 19 MB of .xlsx unzipped to 2.35
// million rows, took 114 s and 4 GB in ExcelJS's in-memory reader, and the server answered nothing
// else meanwhile. So every limit is checked before the work it protects:
//   - the body as sent, while it is read (and from Content-Length before);
//   - the zip's central directory: how many files and how large they say they are unzipped, before
//     anything is inflated;
//   - while inflating: each file may not grow past the size it declared (a lying header stops there);
//   - while parsing: rows and cells, counted as ExcelJS's streaming reader hands them over.
// Parsing yields to the event loop every few milliseconds, so other requests are answered meanwhile.
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createInflateRaw } from 'node:zlib';
import ExcelJS from 'exceljs';
import { DomainError } from '../domain/errors.ts';
import { HttpRefusal } from '../http/respond.ts';

export interface UploadLimits {
  /** The body as sent (the zipped file). */
  bodyBytes: number;
  /** All files in the zip together, unzipped, as declared and as inflated. */
  unzippedBytes: number;
  /** Files in the zip (a workbook has a dozen or so, plus one per worksheet). */
  zipEntries: number;
  /** Rows of all worksheets read together (a row number past this is refused too). */
  rows: number;
  /** Cells kept of all worksheets read together (a row's cells count up to its last filled one). */
  cells: number;
  /** Columns read per row; cells further right are ignored. */
  columns: number;
}

/**
 * A 50,000-line count sheet is 2.7 MB zipped and 21 MB unzipped (measured; read here in about 3 s);
 * submitCounts takes up to 100,000 rows per sheet. These leave room for a count four times that
 * size (about 85 MB unzipped), and keep one upload's memory to a few hundred MB at most.
 */
export const UPLOAD_LIMITS: Readonly<UploadLimits> = {
  bodyBytes: 20 * 1024 * 1024,
  unzippedBytes: 150 * 1024 * 1024,
  zipEntries: 1_000,
  rows: 200_000,
  cells: 2_500_000,
  columns: 128,
};

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
const count = (n: number) => n.toLocaleString('en-US');

export function describeLimits(limits: UploadLimits = UPLOAD_LIMITS): string {
  return (
    `an upload may be at most ${mb(limits.bodyBytes)} as sent and ${mb(limits.unzippedBytes)} unzipped, ` +
    `with at most ${count(limits.rows)} rows and ${count(limits.cells)} cells in all its worksheets`
  );
}

/** 413 with reason UPLOAD_TOO_LARGE: what was too large, and the limits. */
export class UploadTooLarge extends HttpRefusal {
  constructor(what: string, limits: UploadLimits, headers: Record<string, string> = {}) {
    super(413, 'UPLOAD_TOO_LARGE', `${what}: ${describeLimits(limits)}. Split it into several files and upload each.`, headers);
  }
}

const NOT_XLSX = 'The upload is not an .xlsx workbook: send the file (.xlsx) as the request body.';
const notXlsx = (detail?: string) => new DomainError('INVALID_INPUT', detail ? `${NOT_XLSX} (${detail})` : NOT_XLSX);

/** The request body, refused with 413 as soon as it passes the limit. */
export async function readUploadBody(req: IncomingMessage, limits: UploadLimits = UPLOAD_LIMITS): Promise<Buffer> {
  // Connection: close, because the rest of the body is not read.
  const tooLarge = () => new UploadTooLarge(`The upload is larger than ${mb(limits.bodyBytes)}`, limits, { connection: 'close' });
  if (Number(req.headers['content-length'] ?? 0) > limits.bodyBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limits.bodyBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------------------------------------
// The zip, read from its central directory (the list at its end), never from the local headers in
// front of each file: a file the directory does not list is never read.

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function centralDirectory(zip: Buffer, limits: UploadLimits): Map<string, ZipEntry> {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw notXlsx();
  const total = zip.readUInt16LE(end + 10);
  const directorySize = zip.readUInt32LE(end + 12);
  const directoryOffset = zip.readUInt32LE(end + 16);
  if (total === 0xffff || directoryOffset === 0xffffffff) throw notXlsx('ZIP64 archives are not read');
  if (total > limits.zipEntries) throw new UploadTooLarge(`The upload holds ${count(total)} files`, limits);
  if (directoryOffset + directorySize > end) throw notXlsx();

  const entries = new Map<string, ZipEntry>();
  let unzipped = 0;
  let at = directoryOffset;
  for (let i = 0; i < total; i++) {
    if (at + 46 > end || zip.readUInt32LE(at) !== CENTRAL) throw notXlsx();
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    if (next > end) throw notXlsx();
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (flags & 1) throw notXlsx('it is encrypted');
    if (size === 0xffffffff || compressedSize === 0xffffffff) throw notXlsx('ZIP64 archives are not read');
    if (method !== 0 && method !== 8) throw notXlsx(`unknown compression ${method}`);
    if (entries.has(name)) throw notXlsx(`${name} is in it twice`);
    unzipped += size;
    if (unzipped > limits.unzippedBytes) throw new UploadTooLarge(`The upload unzips to more than ${mb(limits.unzippedBytes)}`, limits);
    entries.set(name, { name, method, compressedSize, size, localOffset: zip.readUInt32LE(at + 42) });
    at = next;
  }
  return entries;
}

/** One file's bytes as strings, inflated a chunk at a time, never past the size the directory gave. */
async function* unzipEntry(zip: Buffer, entry: ZipEntry, limits: UploadLimits): AsyncGenerator<string> {
  const at = entry.localOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL) throw notXlsx();
  const nameLength = zip.readUInt16LE(at + 26);
  if (zip.toString('utf8', at + 30, at + 30 + nameLength) !== entry.name) throw notXlsx();
  const start = at + 30 + nameLength + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (start + entry.compressedSize > zip.length) throw notXlsx();
  const lying = () =>
    new UploadTooLarge(`${entry.name} in the upload unzips to more than the ${count(entry.size)} bytes its zip header says`, limits);

  const decoder = new StringDecoder('utf8');
  if (entry.method === 0) {
    if (data.length !== entry.size) throw lying();
    for (let i = 0; i < data.length; i += 64 * 1024) {
      yield decoder.write(data.subarray(i, i + 64 * 1024));
      await nextTurn(); // inflating yields by itself (zlib works off the event loop); stored bytes do not
    }
  } else {
    const inflate = createInflateRaw({ chunkSize: 64 * 1024 });
    inflate.end(data);
    let produced = 0;
    try {
      for await (const chunk of inflate as AsyncIterable<Buffer>) {
        produced += chunk.length;
        if (produced > entry.size) throw lying();
        yield decoder.write(chunk);
      }
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw notXlsx(`${entry.name} is damaged`);
    } finally {
      inflate.destroy();
    }
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

// ---------------------------------------------------------------------------------------------
// The workbook: ExcelJS's streaming reader parses each part, fed from the checked zip above (its own
// unzipper would read the local headers, unchecked). Only the parts asked for are read.

export type UploadCell = string | number | boolean;

export interface UploadedWorksheet {
  name: string;
  state: 'visible' | 'hidden' | 'veryHidden';
}

export interface XlsxUpload {
  /** In the workbook's order. */
  worksheets: UploadedWorksheet[];
  /**
   * One worksheet's cells, header first: row r of the worksheet is values[r - 1], empty rows are [].
   * Rows and cells count against the upload's limits across every call.
   */
  values(worksheetName: string): Promise<UploadCell[][]>;
}

/** The parts of ExcelJS's WorkbookReader used here (not in its typings). */
interface ReaderInternals {
  model?: { sheets?: { name: string; state?: string; rId: string }[] };
  workbookRels?: { Id: string; Target: string }[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(iterator: AsyncIterable<string>, sheetNo: string): Generator<{ eventType: string; value: AsyncIterable<ExcelJS.Row> }>;
}

/** How long parsing may hold the event loop before it lets other requests in. */
const SLICE_MS = 10;

/** Opens an uploaded .xlsx within the limits: INVALID_INPUT when it is no workbook, UPLOAD_TOO_LARGE past a limit. */
export async function openXlsxUpload(zip: Buffer, limits: UploadLimits = UPLOAD_LIMITS): Promise<XlsxUpload> {
  const entries = centralDirectory(zip, limits);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([]), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'ignore',
  }) as unknown as ReaderInternals;
  for (const method of ['_parseRels', '_parseWorkbook', '_parseSharedStrings', '_parseStyles', '_parseWorksheet'] as const) {
    if (typeof reader[method] !== 'function')
      throw new Error(`ExcelJS changed its WorkbookReader (no ${method}): check server/uploads/guard.ts`);
  }
  const part = (name: string) => {
    const entry = entries.get(name);
    return entry ? Readable.from(unzipEntry(zip, entry, limits)) : null;
  };
  const parsing = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw notXlsx();
    }
  };

  const workbookPart = part('xl/workbook.xml');
  if (!workbookPart) throw notXlsx('it has no xl/workbook.xml');
  await parsing(async () => {
    const rels = part('xl/_rels/workbook.xml.rels');
    if (rels) await reader._parseRels(rels);
    await reader._parseWorkbook(workbookPart);
    const strings = part('xl/sharedStrings.xml');
    if (strings) {
      const cached = reader._parseSharedStrings(strings); // with sharedStrings: 'cache' it yields nothing
      while (!(await cached.next()).done);
    }
    const styles = part('xl/styles.xml');
    if (styles) await reader._parseStyles(styles);
  });

  // Each worksheet's part, through the workbook's relationships (absolute or relative to xl/).
  const targets = new Map((reader.workbookRels ?? []).map((rel) => [rel.Id, rel.Target]));
  const sheets = (reader.model?.sheets ?? []).map((sheet) => {
    const target = targets.get(sheet.rId) ?? '';
    const path = target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
    const state = sheet.state === 'hidden' || sheet.state === 'veryHidden' ? sheet.state : 'visible';
    return { name: sheet.name, state, path } as UploadedWorksheet & { path: string };
  });

  let rows = 0;
  let cells = 0;
  let sliceStarted = performance.now();
  const values = async (worksheetName: string): Promise<UploadCell[][]> => {
    const sheet = sheets.find((s) => s.name === worksheetName);
    const entry = sheet && entries.get(sheet.path);
    if (!sheet || !entry) throw notXlsx(`the worksheet "${worksheetName}" is missing`);
    const sheetNo = /(\d+)\.xml$/.exec(sheet.path)?.[1] ?? '0';
    const out: UploadCell[][] = [];
    await parsing(async () => {
      const [emitted] = [...reader._parseWorksheet(unzipEntry(zip, entry, limits), sheetNo)];
      if (!emitted) return;
      for await (const row of emitted.value) {
        // Every <row> counts, empty or not: a million empty rows cost the parse as much as full ones.
        if (++rows > limits.rows) throw new UploadTooLarge(`The upload has more than ${count(limits.rows)} rows`, limits);
        const kept: UploadCell[] = [];
        row.eachCell({ includeEmpty: false }, (cell, column) => {
          if (column > limits.columns) return;
          while (kept.length < column - 1) kept.push('');
          kept.push(cellValue(cell.value));
        });
        cells += kept.length;
        if (cells > limits.cells) throw new UploadTooLarge(`The upload has more than ${count(limits.cells)} cells`, limits);
        if (kept.length > 0) {
          // A row without its number (allowed) follows the one before.
          const number = Number.isInteger(row.number) && row.number > 0 ? row.number : out.length + 1;
          if (number > limits.rows) throw new UploadTooLarge(`Row ${count(number)} is filled in`, limits);
          while (out.length < number - 1) out.push([]);
          out[number - 1] = kept;
        }
        if (performance.now() - sliceStarted > SLICE_MS) {
          await nextTurn();
          sliceStarted = performance.now();
        }
      }
    });
    return out;
  };
  return { worksheets: sheets.map(({ name, state }) => ({ name, state })), values };
}

/** The one guard for an uploaded .xlsx: the body within its limit, then the workbook opened within its own. */
export async function receiveXlsxUpload(
  req: IncomingMessage,
  limits: UploadLimits = UPLOAD_LIMITS,
): Promise<{ bytes: Buffer; workbook: XlsxUpload }> {
  const bytes = await readUploadBody(req, limits);
  if (bytes.length === 0) {
    throw new DomainError(
      'INVALID_INPUT',
      'The request body is empty: send the .xlsx file as the body (for example curl --data-binary @count.xlsx).',
    );
  }
  return { bytes, workbook: await openXlsxUpload(bytes, limits) };
}

/** A cell as uploads read it: text, number or boolean; a date as an ISO date (with the time only when it has one). */
export function cellValue(value: ExcelJS.CellValue | undefined): UploadCell {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return '';
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('error' in value) return value.error;
  if ('formula' in value || 'sharedFormula' in value) return cellValue(value.result as ExcelJS.CellValue | undefined);
  if ('hyperlink' in value) return typeof value.text === 'string' ? value.text : cellValue(value.text as ExcelJS.CellValue);
  return '';
}
