// What a sheet cell holds, read as what a person typed: serials, batch numbers, SKUs and bays as
// text, expiry dates as calendar days. Excel changes what is typed or pasted into a cell that is
// not formatted as Text (00123 becomes 123, 1-2 a date, 1E5 100000, digits past the 15th zeros),
// so a number is taken only when what the cell shows is exactly that number, and a date only as the
// day it shows. Shared by the add-in, which reads Excel's `values` and `text` (what each cell
// shows), and the server's .xlsx upload, which has the values only. Pure.

/** What a cell can hold: text, a number (dates are day numbers) or a boolean. */
export type SheetCell = string | number | boolean;

/** A cell read as text, or why it cannot be trusted to be what was typed. */
export type CellText = { text: string } | { problem: string };

/** A cell read as a date (yyyy-mm-dd, or null when blank), or what it shows when that is not a date for sure. */
export type CellDate = { date: string | null } | { unreadable: string };

const TEXT_FIX = 'format the column as Text and paste again';

/**
 * The number a cell shows in Excel's plain, thousands, currency, percent or accounting form
 * ("1.5", "12,345", "$5.50", "-$5", "5%", "(5)"), or null when it shows something else (a date, a
 * time, scientific form).
 */
function shownNumber(shown: string): { value: number; digits: string } | null {
  let text = shown.trim();
  let negative = false;
  if (/^\(.*\)$/.test(text)) {
    negative = true;
    text = text.slice(1, -1).trim();
  }
  if (text.startsWith('-')) {
    negative = !negative;
    text = text.slice(1);
  }
  text = text.replace(/^[$€£¥]\s?/, '');
  const percent = text.endsWith('%');
  if (percent) text = text.slice(0, -1).trim();
  if (!/^(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)$/.test(text)) return null;
  const plain = text.replaceAll(',', '');
  const value = Number(plain) / (percent ? 100 : 1);
  return { value: negative ? -value : value, digits: plain.replace('.', '') };
}

/** Digits from the first non-zero one on: more than 15 and Excel has made the rest zeros. */
const significantDigits = (digits: string) => digits.replace(/^0+/, '').length;

/**
 * A cell as text. Text is taken trimmed, a boolean as Excel shows it (TRUE); a number only as the
 * text the cell shows (`shown`, Excel's `text`) when that text is exactly the number and has at
 * most 15 significant digits. Anything else (a date, scientific form, a rounded display, digits
 * Excel cut) is a problem to report at the cell: the serial typed there may have been different.
 * Without `shown` (an uploaded file gives values only) the number's own digits are checked the same
 * way.
 */
export function cellText(value: SheetCell | undefined | null, shown?: string): CellText {
  if (value === undefined || value === null) return { text: '' };
  if (typeof value === 'string') return { text: value.trim() };
  if (typeof value === 'boolean') return { text: value ? 'TRUE' : 'FALSE' };
  const display = (shown ?? String(value)).trim();
  const number = shownNumber(display);
  if (number === null) {
    const date = !/\dE[+-]?\d/i.test(display) && /[/:-]|[A-Za-z]{3}/.test(display);
    return { problem: `Excel stored this as ${date ? 'a date' : 'a number'} (it shows "${display}"): ${TEXT_FIX}` };
  }
  const exact = Math.abs(number.value - value) <= 1e-12 * Math.max(1, Math.abs(value));
  if (!exact || significantDigits(number.digits) > 15) {
    return { problem: `Excel stored this as a number (it shows "${display}"), which may not be what was typed: ${TEXT_FIX}` };
  }
  return { text: display };
}

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function isIsoDay(text: string): boolean {
  const match = ISO_DAY.exec(text);
  if (!match) return false;
  const at = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return at.getUTCMonth() === Number(match[2]) - 1 && at.getUTCDate() === Number(match[3]);
}

/** The day a day number stands for in the 1900 or the 1904 date system, or null when it is none. */
function dayOf(serial: number, date1904: boolean): string | null {
  if (!(serial >= 1 && serial < 2_958_466)) return null; // Excel's dates: up to 9999-12-31
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  return new Date(epoch + Math.floor(serial) * DAY_MS).toISOString().slice(0, 10);
}

/** True when the text a cell shows names this day: its year (four digits, or two) and its day of the month. */
function shows(day: string, shown: string): boolean {
  const numbers: string[] = shown.match(/\d+/g) ?? [];
  const [year, , date] = day.split('-').map(Number) as [number, number, number];
  const fullYear = numbers.some((n) => n.length === 4);
  const yearShown = fullYear ? numbers.includes(String(year)) : numbers.some((n) => n.length === 2 && Number(n) === year % 100);
  return yearShown && numbers.some((n) => n.length <= 2 && Number(n) === date);
}

/**
 * A cell as a date. Text must be yyyy-mm-dd. A number is a day number in the workbook's date system,
 * which Office.js does not report (Workbook.use1904DateSystem is a preview API): it is read from
 * what the cell shows (`shown`) - the day itself when the column has the yyyy-mm-dd format the
 * add-in gives expiry columns, else the one day of the 1900 and 1904 systems whose year and day of
 * the month the cell shows. When that cannot be told, the shown text comes back as unreadable.
 * Without `shown` (an uploaded file) the 1900 system is assumed.
 */
export function cellDate(value: SheetCell | undefined | null, shown?: string): CellDate {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return { date: null };
  if (typeof value === 'string') return isIsoDay(value.trim()) ? { date: value.trim() } : { unreadable: value.trim() };
  if (typeof value === 'boolean') return { unreadable: value ? 'TRUE' : 'FALSE' };
  if (shown === undefined) {
    const day = dayOf(value, false);
    return day ? { date: day } : { unreadable: String(value) };
  }
  const display = shown.trim();
  if (isIsoDay(display)) return { date: display };
  const days = [dayOf(value, false), dayOf(value, true)].filter((day): day is string => day !== null && shows(day, display));
  return days.length === 1 ? { date: days[0]! } : { unreadable: display };
}
