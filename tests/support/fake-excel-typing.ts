// What Excel makes of text typed into a cell (or written to `range.values`, which Excel reads the
// same way), and what a cell shows for its value and number format (`range.text`): the part of the
// fake Excel (fake-excel.ts) that decides what a cell holds. It follows Excel in the en-US locale,
// as far as the data the add-in handles needs:
// - A cell formatted as Text ("@") keeps what is typed exactly, as text; nothing is converted. (A
//   leading apostrophe is kept too: the cautious reading, so that code relying on either behaviour
//   shows up. The add-in writes its values before it formats a column as Text.)
// - Otherwise: "'x" is the text "x"; "=..." is a formula (and so is "+x" / "-x" / "@x" unless it
//   is a number); TRUE and FALSE are booleans; a number loses its leading zeros and keeps 15
//   significant digits (Excel turns the digits past the 15th into zeros); "1E5" is 100000, shown
//   in scientific form; "12,345", "$5" and "5%" are numbers with a thousands, currency or percent
//   format; "1-2", "3/4", "1/2/2024", "2024-01-02", "Jan 5", "5-Jan" and "10:30" are dates and
//   times: a day number in the workbook's date system (1900 or 1904), shown in a date format.
// - General shows at most 11 digits: a number of 12 digits or more is shown in scientific form
//   ("1.23457E+11"); other formats show what their code says ("yyyy-mm-dd", "#,##0", "0.00E+00"...).
// Pure: no Node imports (the browser tests bundle it with the fake).

export type FakeValue = string | number | boolean;

export const GENERAL = 'General';
export const TEXT_FORMAT = '@';

/** The workbook's date system: day 0 is 1899-12-30 (1900 system) or 1904-01-01 (1904 system). */
export interface DateSystem {
  date1904: boolean;
}

/** What a cell holds after an entry, and the number format Excel gives a General cell for it. */
export interface Entered {
  value: FakeValue;
  formula?: string;
  numberFormat?: string;
}

const DAY_MS = 86_400_000;
const epoch = ({ date1904 }: DateSystem) => (date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30));
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** The day number of a calendar date in the date system, or null for a date that does not exist. */
function daySerial(year: number, month: number, day: number, system: DateSystem): number | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const at = Date.UTC(year, month - 1, day);
  if (new Date(at).getUTCDate() !== day) return null; // 2/30 and the like
  const serial = (at - epoch(system)) / DAY_MS;
  return serial >= 1 ? serial : null;
}

const fullYear = (text: string) => (text.length === 4 ? Number(text) : Number(text) + (Number(text) < 30 ? 2000 : 1900));
const monthOf = (name: string) => {
  const index = MONTHS.indexOf(name.slice(0, 3).toLowerCase());
  return index >= 0 && MONTH_NAMES[index]!.toLowerCase().startsWith(name.toLowerCase()) ? index + 1 : 0;
};

/** A typed date or time as Excel en-US reads it: its day number and the format Excel applies. */
function typedDate(text: string, system: DateSystem, year: number): Entered | null {
  const date = (y: number, m: number, d: number, numberFormat: string): Entered | null => {
    const serial = daySerial(y, m, d, system);
    return serial === null ? null : { value: serial, numberFormat };
  };
  let match = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})$/.exec(text);
  if (match) return date(fullYear(match[3]!), Number(match[1]), Number(match[2]), 'm/d/yyyy');
  match = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(text);
  if (match) return date(Number(match[1]), Number(match[2]), Number(match[3]), 'm/d/yyyy');
  match = /^(\d{1,2})[/-](\d{1,2})$/.exec(text);
  if (match) return date(year, Number(match[1]), Number(match[2]), 'd-mmm');
  match = /^(\d{1,2})[-\s]([A-Za-z]{3,9})(?:[-\s](\d{4}|\d{2}))?$/.exec(text);
  if (match && monthOf(match[2]!)) {
    return date(match[3] ? fullYear(match[3]) : year, monthOf(match[2]!), Number(match[1]), match[3] ? 'd-mmm-yy' : 'd-mmm');
  }
  match = /^([A-Za-z]{3,9})[-\s](\d{1,2})(?:,?\s(\d{4}))?$/.exec(text);
  if (match && monthOf(match[1]!)) return date(match[3] ? Number(match[3]) : year, monthOf(match[1]!), Number(match[2]), 'd-mmm');
  match = /^([A-Za-z]{3,9})[-\s](\d{4})$/.exec(text);
  if (match && monthOf(match[1]!)) return date(Number(match[2]), monthOf(match[1]!), 1, 'mmm-yy');
  match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$/.exec(text);
  if (match) {
    let hours = Number(match[1]);
    const minutes = Number(match[2]);
    const seconds = Number(match[3] ?? 0);
    if (match[4]) {
      if (hours < 1 || hours > 12) return null;
      hours = (hours % 12) + (match[4].toLowerCase() === 'pm' ? 12 : 0);
    }
    if (hours > 23 || minutes > 59 || seconds > 59) return null;
    return { value: (hours * 3600 + minutes * 60 + seconds) / 86_400, numberFormat: 'h:mm' };
  }
  return null;
}

/** A number written in digits, with the digits past the 15th significant one made zeros (as Excel stores it). */
function fifteenDigits(text: string): number {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return NaN;
  const [, sign, whole = '', fraction = '', exponent] = match;
  const digits = whole + fraction;
  const first = digits.search(/[1-9]/);
  if (first < 0 || digits.length - first <= 15) return Number(text);
  const kept = digits.slice(0, first + 15) + '0'.repeat(digits.length - first - 15);
  return Number(`${sign}${kept.slice(0, whole.length) || '0'}.${kept.slice(whole.length)}${exponent ? `e${exponent}` : ''}`);
}

/** A typed number in any of the forms Excel reads, with the format it applies, or null. */
function typedNumber(text: string): Entered | null {
  const decimals = (digits: string | undefined) => (digits ? '.00' : '');
  let match = /^([+-]?)(\d+\.?\d*|\.\d+)$/.exec(text);
  if (match) return { value: fifteenDigits(text) };
  match = /^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/.exec(text);
  if (match) return { value: fifteenDigits(text), numberFormat: '0.00E+00' };
  match = /^([+-]?)(\d{1,3}(?:,\d{3})+)(\.\d+)?$/.exec(text);
  if (match) return { value: fifteenDigits(text.replaceAll(',', '')), numberFormat: `#,##0${decimals(match[3])}` };
  match = /^([+-]?)\$\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$/.exec(text);
  if (match) {
    return {
      value: fifteenDigits(`${match[1]}${match[2]!.replaceAll(',', '')}${match[3] ?? ''}`),
      numberFormat: `$#,##0${decimals(match[3])}`,
    };
  }
  match = /^([+-]?)(\d+)(\.\d+)?\s?%$/.exec(text);
  if (match) return { value: fifteenDigits(`${match[1]}${match[2]}${match[3] ?? ''}`) / 100, numberFormat: `0${decimals(match[3])}%` };
  match = /^\((\d+\.?\d*)\)$/.exec(text);
  if (match) return { value: -fifteenDigits(match[1]!) };
  return null;
}

/**
 * What a cell holds after `input` was typed into it (or written to `range.values`), given the
 * cell's number format. Numbers and booleans are taken as they are.
 */
export function enterValue(input: FakeValue, cellFormat: string, system: DateSystem, year: number): Entered {
  if (typeof input !== 'string') return { value: input };
  if (cellFormat === TEXT_FORMAT) return { value: input };
  if (input.startsWith("'")) return { value: input.slice(1) };
  if (input.startsWith('=')) return { value: input, formula: input };
  const trimmed = input.trim();
  const number = trimmed === '' ? null : (typedNumber(trimmed) ?? typedDate(trimmed, system, year));
  if (number) return number;
  if (/^[+\-@]/.test(input)) return { value: input, formula: `=${input}` };
  if (/^(true|false)$/i.test(trimmed)) return { value: trimmed.toLowerCase() === 'true' };
  return { value: input };
}

// ---------------------------------------------------------------------------------------------
// Display

/** "1.23457E+11" style: `digits` decimals (trailing zeros dropped when `trim`), a signed two-digit exponent. */
function scientific(n: number, digits: number, trim: boolean): string {
  const [mantissa, exponent] = n.toExponential(digits).split('e') as [string, string];
  const shown = trim ? mantissa.replace(/\.?0+$/, '') : mantissa;
  const power = Number(exponent);
  return `${shown}E${power < 0 ? '-' : '+'}${String(Math.abs(power)).padStart(2, '0')}`;
}

/** Excel's General format: up to 11 digits; 12 or more in scientific form. */
function general(n: number): string {
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (Number.isInteger(n) && abs < 1e11) return String(n);
  if (abs >= 1e11 || abs < 1e-9) return scientific(n, 5, true);
  const shown = String(Number(n.toPrecision(10)));
  return /e/.test(shown) ? scientific(n, 5, true) : shown;
}

/** Fixed decimals, with Excel's 15 significant digits for big numbers (the rest zeros). */
function fixed(n: number, digits: number): string {
  if (Math.abs(n) < 1e15) return n.toFixed(digits);
  const [mantissa, exponent] = n.toPrecision(15).split('e+') as [string, string];
  const [whole, fraction = ''] = mantissa.split('.') as [string, string?];
  const integer = whole + fraction.padEnd(Number(exponent), '0');
  return digits > 0 ? `${integer}.${'0'.repeat(digits)}` : integer;
}

function grouped(n: number, digits: number): string {
  const [whole, fraction] = fixed(Math.abs(n), digits).split('.') as [string, string?];
  const withCommas = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${n < 0 ? '-' : ''}${withCommas}${fraction ? `.${fraction}` : ''}`;
}

function formatDate(serial: number, format: string, system: DateSystem): string {
  const at = new Date(epoch(system) + Math.floor(serial) * DAY_MS);
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth() + 1;
  const d = at.getUTCDate();
  const two = (n: number) => String(n).padStart(2, '0');
  const parts: Record<string, string> = {
    yyyy: String(y),
    yy: two(y % 100),
    mmmm: MONTH_NAMES[m - 1]!,
    mmm: MONTH_NAMES[m - 1]!.slice(0, 3),
    mm: two(m),
    m: String(m),
    dd: two(d),
    d: String(d),
  };
  return format.replace(/yyyy|yy|mmmm|mmm|mm|m|dd|d/g, (token) => parts[token]!);
}

function formatTime(serial: number): string {
  const minutes = Math.round((serial - Math.floor(serial)) * 1440);
  return `${Math.floor(minutes / 60) % 24}:${String(minutes % 60).padStart(2, '0')}`;
}

/** What a cell shows (`range.text`) for its value in its number format. */
export function displayText(value: FakeValue, format: string, system: DateSystem): string {
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return value;
  switch (format) {
    case GENERAL:
    case TEXT_FORMAT:
      return general(value);
    case '0':
      return fixed(value, 0);
    case '0.00':
      return fixed(value, 2);
    case '#,##0':
      return grouped(value, 0);
    case '#,##0.00':
      return grouped(value, 2);
    case '$#,##0':
    case '$#,##0.00': {
      const amount = grouped(Math.abs(value), format.endsWith('.00') ? 2 : 0);
      return `${value < 0 ? '-' : ''}$${amount}`;
    }
    case '0%':
      return `${(value * 100).toFixed(0)}%`;
    case '0.00%':
      return `${(value * 100).toFixed(2)}%`;
    case '0.00E+00':
      return scientific(value, 2, false);
    case 'h:mm':
      return formatTime(value);
  }
  // Fixed and variable decimals: "0.0###", "#,##0.0###" (at least one decimal, at most four).
  const decimals = /^(#,##)?0(?:\.(0*)(#*))?$/.exec(format);
  if (decimals) {
    const least = decimals[2]?.length ?? 0;
    const most = least + (decimals[3]?.length ?? 0);
    let shown = decimals[1] ? grouped(value, most) : fixed(value, most);
    if (most > least) shown = shown.replace(new RegExp(`(\\.\\d{${least}}\\d*?)0+$`), '$1').replace(/\.$/, '');
    return shown;
  }
  // A day and a time: "yyyy-mm-dd hh:mm".
  const dateTime = /^([dmy\s/\-.,]+)\s+hh:mm$/i.exec(format);
  if (dateTime) {
    const minutes = Math.round((value - Math.floor(value)) * 1440);
    const day = minutes === 1440 ? Math.floor(value) + 1 : Math.floor(value);
    const time = minutes % 1440;
    const two = (n: number) => String(n).padStart(2, '0');
    return `${formatDate(day, dateTime[1]!.trim(), system)} ${two(Math.floor(time / 60))}:${two(time % 60)}`;
  }
  if (/^[dmy\s/\-.,]+$/i.test(format)) return formatDate(value, format, system);
  return general(value);
}
