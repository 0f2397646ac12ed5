// The parameter form of a report, built from the descriptions reports.list() gives (no code per
// report): which field each parameter gets, what it starts with, what the form's values send to
// reports.run, and how each value is shown in the block above a report's table. Pure.

/** A parameter as reports.list() describes it. */
export interface ParamDescription {
  key: string;
  label: string;
  /** productId, locationId, bayId, customerId, userId, serials, date, integer, choice, text, list, boolean; others are text. */
  kind: string;
  required: boolean;
  options?: readonly string[];
  default?: unknown;
  hint?: string;
}

/** The field the pane shows for a parameter. */
export type FieldKind =
  'product' | 'location' | 'bay' | 'customer' | 'user' | 'serials' | 'list' | 'date' | 'integer' | 'choice' | 'boolean' | 'text';

const ENTITY_KINDS: Record<string, FieldKind> = {
  productId: 'product',
  locationId: 'location',
  bayId: 'bay',
  customerId: 'customer',
  userId: 'user',
};

export const isEntity = (kind: FieldKind) =>
  kind === 'product' || kind === 'location' || kind === 'bay' || kind === 'customer' || kind === 'user';

/** The field for a parameter: by its kind; a choice without options, or a kind the pane does not know, is typed as text. */
export function fieldKind(param: ParamDescription): FieldKind {
  const entity = ENTITY_KINDS[param.kind];
  if (entity) return entity;
  switch (param.kind) {
    case 'serials':
    case 'list':
    case 'date':
    case 'integer':
    case 'boolean':
      return param.kind;
    case 'choice':
      return param.options && param.options.length > 0 ? 'choice' : 'text';
    default:
      return param.options && param.options.length > 0 ? 'choice' : 'text';
  }
}

/** An id picked from a list, with what the list showed for it. */
export interface Picked {
  id: number;
  label: string;
}

/**
 * What one field holds: the picked entity (or null), the text typed (serials and lists one per
 * line), or the box ticked.
 */
export type FieldValue = Picked | null | string | boolean;
export type FormValues = Record<string, FieldValue>;

/** The value a field starts with: the parameter's default, else empty. */
export function initialValue(param: ParamDescription): FieldValue {
  const kind = fieldKind(param);
  const given = param.default;
  if (isEntity(kind)) return typeof given === 'number' ? { id: given, label: `#${given}` } : null;
  if (kind === 'boolean') return given === true;
  if (given === undefined || given === null) return '';
  if (Array.isArray(given)) return given.map(String).join('\n');
  return String(given);
}

export function initialValues(params: readonly ParamDescription[]): FormValues {
  return Object.fromEntries(params.map((p) => [p.key, initialValue(p)]));
}

/** One entry per line (or tab: cells pasted from a sheet), trimmed, blanks left out. */
export function splitLines(text: string): string[] {
  return text
    .split(/[\r\n\t]+/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real day written yyyy-mm-dd (no 31 February). */
export function isIsoDay(text: string): boolean {
  const match = ISO_DAY.exec(text);
  if (!match) return false;
  const at = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return at.getUTCFullYear() === Number(match[1]) && at.getUTCMonth() === Number(match[2]) - 1 && at.getUTCDate() === Number(match[3]);
}

export interface FormProblem {
  key: string;
  message: string;
}

/**
 * What the form sends: each filled field as its parameter's value (ids as numbers, serials and
 * lists as arrays, dates as yyyy-mm-dd, whole numbers as numbers), empty optional ones left out
 * (the server refuses parameters a report does not have, and reads a missing one as "any"). A
 * required field left empty, or a value that is not what its field takes, is a problem instead.
 */
export function formParams(
  params: readonly ParamDescription[],
  values: FormValues,
): { params: Record<string, unknown>; problems: FormProblem[] } {
  const out: Record<string, unknown> = {};
  const problems: FormProblem[] = [];
  const missing = (p: ParamDescription, what: string) => {
    if (p.required) problems.push({ key: p.key, message: `${p.label}: ${what}.` });
  };
  for (const p of params) {
    const kind = fieldKind(p);
    const value = values[p.key] ?? initialValue(p);
    if (isEntity(kind)) {
      if (value !== null && typeof value === 'object') out[p.key] = value.id;
      else missing(p, `choose a ${p.label.toLowerCase()}`);
      continue;
    }
    if (kind === 'boolean') {
      out[p.key] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (kind === 'serials' || kind === 'list') {
      const items = splitLines(typeof value === 'string' ? value : '');
      if (items.length > 0) out[p.key] = items;
      else missing(p, kind === 'serials' ? 'give at least one serial' : 'give at least one value');
      continue;
    }
    if (text === '') {
      missing(p, 'fill it in');
      continue;
    }
    if (kind === 'date') {
      if (isIsoDay(text)) out[p.key] = text;
      else problems.push({ key: p.key, message: `${p.label}: "${text}" is not a day like 2026-07-01.` });
    } else if (kind === 'integer') {
      if (/^-?\d{1,15}$/.test(text)) out[p.key] = Number(text);
      else problems.push({ key: p.key, message: `${p.label}: "${text}" is not a whole number.` });
    } else if (kind === 'choice') {
      if (p.options?.includes(text)) out[p.key] = text;
      else problems.push({ key: p.key, message: `${p.label}: choose one of ${(p.options ?? []).join(', ')}.` });
    } else out[p.key] = text;
  }
  return { params: out, problems };
}

/** How many entries of a list a caption line names before "and N more". */
const SHOWN_ENTRIES = 5;

/**
 * What a parameter's value reads as in the block above a report's table: the picked product or
 * place as the list showed it, a list's first entries and its count, Yes or No, the day, or
 * "(any)" when it was left empty (a filter left empty filters nothing).
 */
export function shownValue(param: ParamDescription, value: unknown, picked?: string): string {
  const kind = fieldKind(param);
  if (value === undefined || value === null || value === '') return kind === 'date' || kind === 'integer' ? '(not set)' : '(any)';
  if (isEntity(kind)) return picked ?? `#${String(value)}`;
  if (kind === 'boolean') return value === true ? 'Yes' : 'No';
  if (Array.isArray(value)) {
    const first = value.slice(0, SHOWN_ENTRIES).map(String).join(', ');
    const more = value.length > SHOWN_ENTRIES ? ` and ${value.length - SHOWN_ENTRIES} more` : '';
    return `${value.length} ${kind === 'serials' ? (value.length === 1 ? 'serial' : 'serials') : value.length === 1 ? 'value' : 'values'}: ${first}${more}`;
  }
  return String(value);
}

/** A report as reports.list() gives it, as far as the search needs. */
export interface SearchableReport {
  id: string;
  title: string;
  description?: string;
  keywords?: readonly string[];
}

/**
 * The reports whose title, id, keywords or description hold every word of `query`
 * (case-insensitively), those whose title matches first; an empty query lists them all.
 */
export function searchReports<R extends SearchableReport>(reports: readonly R[], query: string): R[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...reports];
  const text = (r: R) => [r.title, r.id, ...(r.keywords ?? []), r.description ?? ''].join(' ').toLowerCase();
  const found = reports.filter((r) => words.every((w) => text(r).includes(w)));
  const inTitle = (r: R) => words.every((w) => r.title.toLowerCase().includes(w));
  return [...found.filter(inTitle), ...found.filter((r) => !inTitle(r))];
}
