// Any report as a download, for people without the add-in and for Power Query:
//   GET  /reports/<id>.xlsx?params=<json>   (and .csv), with the bearer token
//   POST /reports/<id>.xlsx  with {"params": {...}} as the body, for parameters too long for a URL
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createHttpContext } from '../../context.ts';
import type { Database } from '../../db/database.ts';
import { DomainError } from '../../domain/errors.ts';
import { HttpRefusal } from '../../http/respond.ts';
import { requireUser } from '../../trpc.ts';
import { readUploadBody, UPLOAD_LIMITS } from '../../uploads/guard.ts';
import { CSV_CONTENT_TYPE, writeReportCsv, writeReportXlsx, XLSX_CONTENT_TYPE } from './downloads.ts';
import { openReport } from './engine.ts';

const DOWNLOAD_PATH = /^\/reports\/([A-Za-z][A-Za-z0-9]{0,63})\.(xlsx|csv)$/;
/** Parameters in a POST body: a pasted list of serials fits, a stray upload does not. */
const MAX_PARAMS_BYTES = 20 * 1024 * 1024;

function paramsFrom(text: string | null, where: string): unknown {
  if (text === null || text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError(
      'INVALID_INPUT',
      `The ${where} is not JSON: send the report's parameters as a JSON object, e.g. {"from":"2026-07-01"}.`,
    );
  }
}

async function requestedParams(req: IncomingMessage, url: URL): Promise<unknown> {
  if (req.method === 'GET') return paramsFrom(url.searchParams.get('params'), '"params" query parameter');
  const body = await readUploadBody(req, { ...UPLOAD_LIMITS, bodyBytes: MAX_PARAMS_BYTES });
  const parsed = z.object({ params: z.unknown().optional() }).safeParse(paramsFrom(body.toString('utf8'), 'body'));
  if (!parsed.success) throw new DomainError('INVALID_INPUT', 'The body must be a JSON object: {"params": {...}}.');
  return parsed.data.params;
}

/** Handles a report download; false when the path is not one. Refusals are answered before the file starts. */
export async function reportDownloadRoute(
  db: Database,
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const match = DOWNLOAD_PATH.exec(url.pathname);
  if (!match) return false;
  if (req.method !== 'GET' && req.method !== 'POST')
    throw new HttpRefusal(405, 'INVALID_INPUT', `${req.method} is not supported here: GET or POST a report download.`, {
      allow: 'GET, POST',
    });
  const user = requireUser((await createHttpContext(db, req)).user);
  const [, id, format] = match as unknown as [string, string, 'xlsx' | 'csv'];
  const report = await openReport(db.prisma, user.role, id, await requestedParams(req, url));
  const day = new Date().toISOString().slice(0, 10);
  res.writeHead(200, {
    'content-type': format === 'xlsx' ? XLSX_CONTENT_TYPE : CSV_CONTENT_TYPE,
    'content-disposition': `attachment; filename="${report.definition.id}-${day}.${format}"`,
    'cache-control': 'no-store',
  });
  try {
    if (format === 'xlsx') await writeReportXlsx(report, { ranBy: user.name, ranAt: new Date() }, res);
    else await writeReportCsv(report, res);
  } catch (error) {
    // The file has started: the only honest answer left is to cut it off, so nobody takes half a report for all of it.
    log.error({ err: error, report: id }, 'report download failed');
    res.destroy(error as Error);
  }
  return true;
}
