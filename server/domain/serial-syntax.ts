// Serial number syntax: expands what a user types or pastes into a list of serials and checks them.
// Pure (no I/O). Hot paths avoid per-serial allocation beyond the serial string itself, so
// 100,000 serials expand and check in a few milliseconds.

export const MAX_SERIAL_LENGTH = 100;
export const MAX_SERIALS_PER_REQUEST = 100_000;

export type SerialReason =
  | 'EMPTY_SERIAL'
  | 'SERIAL_TOO_LONG'
  | 'INVALID_CHARACTERS'
  | 'DUPLICATE_SERIAL'
  | 'INVALID_RANGE'
  | 'RANGE_TOO_LARGE'
  | 'QUANTITY_REQUIRED'
  | 'NO_PREVIOUS_SERIAL'
  | 'SERIAL_COUNT_MISMATCH';

export interface SerialProblem {
  index: number | null;
  token: string | null;
  reason: SerialReason;
  message: string;
  /** For a duplicate: the index of the entry it repeats. */
  firstIndex?: number;
}

export interface ExpandOptions {
  /** The number of serials expected, when known. */
  quantity?: number;
  /** The product's existing serial with the highest trailing number (for `~`); null/undefined = none. */
  highestExisting?: string | null;
}

export interface SerialCheckResult {
  serials: string[];
  /** For each serial, the index of the token (or list entry) it came from: problems found later point there. */
  sources: number[];
  problems: SerialProblem[];
}

// Control, format, unassigned, private-use and surrogate code points: invisible or unprintable.
const BAD_CHARACTER = /\p{C}/u;
// Any whitespace (superset of the required new lines, tabs and spaces, so a pasted NBSP or BOM
// also separates instead of ending up inside a serial), commas and semicolons.
const SEPARATORS = /[\s,;]+/;
// One rule for both kinds of entry: whitespace other than the plain space (no-break and other
// spaces, U+2028/U+2029 line and paragraph separators) is never part of a serial. Text splits on
// it (SEPARATORS); a literal serial (one per cell) that has it inside is refused, so the same
// serial pasted either way is read alike. Plain spaces, commas and semicolons stay literal in a
// cell ("PART 7 REV B"); control characters are refused by BAD_CHARACTER.
const FOREIGN_SPACE = /[^\S ]/u;
const TILDE = /^~(?:\+(\d*))?$/;
// `N+M` / `N+`: N has no `+` of its own and ends in a digit, so `C++` and `A+B` stay literal.
const PLUS = /^([^+]*\d)\+(\d*)$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_BIG = BigInt(MAX_SERIALS_PER_REQUEST);

/** Splits a serial into the text before its trailing digit run and that run; null if it does not end in a digit. */
export function trailingNumber(serial: string): { prefix: string; digits: string } | null {
  // A manual scan from the end: linear even for very long input, unlike a backtracking regex.
  let i = serial.length;
  while (i > 0) {
    const c = serial.charCodeAt(i - 1);
    if (c < 48 || c > 57) break;
    i--;
  }
  if (i === serial.length) return null;
  return { prefix: serial.slice(0, i), digits: serial.slice(i) };
}

/** The serial with the highest trailing number, ordered as the serials module's highestSerial orders them in SQL. */
export function higherSerial(...serials: (string | null)[]): string | null {
  const rank = (s: string) => {
    const t = trailingNumber(s);
    return t ? BigInt(t.digits) : -1n;
  };
  return serials.reduce<string | null>((best, s) => {
    if (s === null || rank(s) < 0n) return best;
    if (best === null) return s;
    const a = rank(s);
    const b = rank(best);
    return a > b || (a === b && (s.length > best.length || (s.length === best.length && s > best))) ? s : best;
  }, null);
}

/** The serial after this one by trailing number, keeping zero padding: 'SN0999' -> 'SN1000', 'A9' -> 'A10'. */
export function nextSerialAfter(serial: string): string | null {
  const t = trailingNumber(serial);
  if (!t) return null;
  return t.prefix + (BigInt(t.digits) + 1n).toString().padStart(t.digits.length, '0');
}

/** Checks literal values (one per spreadsheet cell): no syntax is interpreted. */
export function checkSerialList(serials: readonly string[], options: { quantity?: number } = {}): SerialCheckResult {
  const quantity = normalizeQuantity(options.quantity);
  const out: string[] = new Array<string>(serials.length);
  const problems: SerialProblem[] = [];
  const firstSeen = new Map<string, number>();
  for (let i = 0; i < serials.length; i++) {
    const raw = serials[i] ?? '';
    const value = raw.trim();
    out[i] = value;
    const invalid = valueProblem(value);
    if (invalid) {
      problems.push({ index: i, token: raw, ...invalid });
      continue;
    }
    const first = firstSeen.get(value);
    if (first === undefined) firstSeen.set(value, i);
    else problems.push(duplicate(i, raw, value, first, null));
  }
  const mismatch = problems.length === 0 ? countMismatch(out.length, quantity) : null;
  if (mismatch) problems.push(mismatch);
  return { serials: out, sources: Array.from(out.keys()), problems };
}

// A run of consecutive numbers from one token.
interface Run {
  index: number;
  token: string;
  prefix: string;
  start: bigint;
  width: number; // zero padding kept from the start's digit run
  count: bigint; // 0n until an open `+` is filled
  open: boolean; // `N+` / `~+`: fills up to the quantity
  tilde: boolean; // start is decided by the `~` sequence, not the token
}
// One parsed token: a run, or the index of a token that is itself one literal serial
// (a plain number, so pasting 100,000 literal serials allocates nothing per token).
type Item = Run | number;

/** Expands typed/pasted serial syntax (ranges, `::`, `+`, `~`) and checks the result. */
export function expandSerialText(text: string, options: ExpandOptions = {}): SerialCheckResult {
  const quantity = normalizeQuantity(options.quantity);
  const tokens = text.split(SEPARATORS).filter((t) => t !== '');
  const problems: SerialProblem[] = [];
  const report = (index: number | null, reason: SerialReason, message: string) =>
    problems.push({ index, token: index === null ? null : (tokens[index] ?? null), reason, message });

  // Where `~` continues from: the serial after the product's highest one.
  const highest = options.highestExisting?.trim() ?? '';
  const tildeNext = highest === '' ? null : nextSerialAfter(highest);
  const tildeBase = tildeNext === null ? null : trailingNumber(tildeNext);

  // 1. Parse every token; tokens with a syntax problem are reported and dropped.
  let items: Item[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const item = parseToken(tokens[i] as string, i, quantity, tildeBase, highest, report);
    if (item !== null) items.push(item);
  }

  // 2. Size guard before expanding anything: a single run may not exceed the quantity or the limit.
  items = items.filter((item) => typeof item === 'number' || item.open || !tooLarge(item, quantity, report));

  // An open `+` gets whatever the other tokens leave of the quantity.
  const open = items.filter((item): item is Run => typeof item !== 'number' && item.open);
  if (open.length > 1) {
    for (const item of open) {
      report(
        item.index,
        'INVALID_RANGE',
        `"${show(item.token)}" fills up to the quantity, but only one entry may do that; ` + `give the others a count, e.g. "SN5+3".`,
      );
    }
    items = items.filter((item) => typeof item === 'number' || !item.open);
  } else if (open.length === 1 && quantity !== undefined) {
    const item = open[0] as Run;
    let others = 0n;
    for (const other of items) {
      if (other !== item) others += typeof other === 'number' ? 1n : other.count;
    }
    const needed = BigInt(quantity) - others;
    if (needed < 1n) {
      report(
        item.index,
        'INVALID_RANGE',
        `"${show(item.token)}" fills up to the quantity of ${quantity}, but the other entries already ` +
          `give ${plural(others, 'serial')}; remove "${show(item.token)}" or some of the other serials.`,
      );
      items = items.filter((other) => other !== item);
    } else {
      item.count = needed;
      if (tooLarge(item, quantity, report)) items = items.filter((other) => other !== item);
    }
  }

  let total = 0;
  for (const item of items) total += typeof item === 'number' ? 1 : Number(item.count);
  if (total > MAX_SERIALS_PER_REQUEST) {
    report(
      null,
      'RANGE_TOO_LARGE',
      `This would give ${total} serials, more than the ${MAX_SERIALS_PER_REQUEST} allowed at once; ` + `split them into smaller batches.`,
    );
    return { serials: [], sources: [], problems: sortProblems(problems) };
  }

  // 3. Expand, checking every serial and duplicates across the whole text.
  const serials: string[] = [];
  const sources: number[] = [];
  const firstSeen = new Map<string, number>();
  // One token cannot repeat itself (a run's numbers only go up), so skip the costly map then.
  const checkDuplicates = items.length > 1;
  const add = (value: string, index: number, badChar: string | null) => {
    serials.push(value);
    sources.push(index);
    if (value.length > MAX_SERIAL_LENGTH) {
      problems.push({ index, token: tokens[index] ?? null, ...tooLong(value) });
    } else if (badChar !== null) {
      problems.push({ index, token: tokens[index] ?? null, ...badCharacter(value, badChar) });
    } else if (checkDuplicates) {
      const first = firstSeen.get(value);
      if (first === undefined) firstSeen.set(value, index);
      else problems.push(duplicate(index, tokens[index] ?? '', value, first, tokens[first] ?? ''));
    }
  };

  let tildeOffset = 0n; // how far the `~` sequence has advanced
  for (const item of items) {
    if (typeof item === 'number') {
      const value = tokens[item] as string;
      add(value, item, value.length > MAX_SERIAL_LENGTH ? null : findBadCharacter(value));
      continue;
    }
    let start = item.start;
    if (item.tilde) {
      start += tildeOffset;
      tildeOffset += item.count;
    }
    // Digits are always printable, so the prefix decides the characters check for the whole run.
    const badChar = findBadCharacter(item.prefix);
    const { prefix, width, index } = item;
    const last = start + item.count - 1n;
    if (last <= MAX_SAFE) {
      // Plain numbers are much faster than BigInt when they fit.
      const from = Number(start);
      const to = Number(last);
      for (let n = from; n <= to; n++) {
        const digits = String(n);
        add(prefix + (digits.length < width ? digits.padStart(width, '0') : digits), index, badChar);
      }
    } else {
      for (let n = start; n <= last; n++) add(prefix + n.toString().padStart(width, '0'), index, badChar);
    }
  }

  const mismatch = problems.length === 0 ? countMismatch(serials.length, quantity) : null;
  if (mismatch) problems.push(mismatch);
  return { serials, sources, problems: sortProblems(problems) };
}

type Report = (index: number | null, reason: SerialReason, message: string) => void;

function parseToken(
  token: string,
  index: number,
  quantity: number | undefined,
  tildeBase: { prefix: string; digits: string } | null,
  highest: string,
  report: Report,
): Item | null {
  // `~`, `~+M`, `~+`: continue from the product's highest serial.
  const tilde = TILDE.exec(token);
  if (tilde) {
    const open = tilde[1] === '';
    if (!tildeBase) {
      report(
        index,
        'NO_PREVIOUS_SERIAL',
        highest === ''
          ? `"${show(token)}": ~ continues from the product's highest serial number, but this product has none yet; type the first serial.`
          : `"${show(token)}": ~ continues from the product's highest serial number, but "${show(highest)}" does not end in a number; type the first serial.`,
      );
    }
    if (open && quantity === undefined) requireQuantity(token, index, report);
    if (!tildeBase || (open && quantity === undefined)) return null;
    const count = tilde[1] === undefined ? 1n : open ? 0n : BigInt(tilde[1]) + 1n;
    return run(index, token, tildeBase, count, open, true);
  }

  // `START::END`: END replaces the last characters of START. A `::` always means a range.
  const colons = token.indexOf('::');
  if (colons >= 0) {
    const startText = token.slice(0, colons);
    const endText = token.slice(colons + 2);
    const start = trailingNumber(startText);
    const fail = (why: string) => {
      report(index, 'INVALID_RANGE', `"${show(token)}" is not a valid range: ${why}`);
      return null;
    };
    if (!start) return fail(`the start "${show(startText)}" must end in a number (e.g. "SN0009::12").`);
    if (endText === '') return fail(`the end after "::" is missing (e.g. "SN0009::12").`);
    if (endText.length > startText.length) {
      return fail(
        `the end "${show(endText)}" is longer than the start "${show(startText)}"; after "::" type only the last characters that change.`,
      );
    }
    const endFull = startText.slice(0, startText.length - endText.length) + endText;
    const end = trailingNumber(endFull);
    if (!end || end.prefix !== start.prefix) {
      return fail(`it ends at "${show(endFull)}", which does not continue the numbering of "${show(startText)}".`);
    }
    const from = BigInt(start.digits);
    const to = BigInt(end.digits);
    if (to <= from) {
      return fail(`it ends at "${show(endFull)}"; the end of a range must be greater than the start "${show(startText)}".`);
    }
    return run(index, token, start, to - from + 1n, false, false);
  }

  // `A-B` with exactly one hyphen and the same prefix on both sides.
  const hyphen = token.indexOf('-');
  if (hyphen > 0 && hyphen === token.lastIndexOf('-') && hyphen < token.length - 1) {
    const start = trailingNumber(token.slice(0, hyphen));
    const end = trailingNumber(token.slice(hyphen + 1));
    if (start && end && start.prefix === end.prefix) {
      const from = BigInt(start.digits);
      const to = BigInt(end.digits);
      if (to <= from) {
        report(
          index,
          'INVALID_RANGE',
          `"${show(token)}" is not a valid range: the end must be greater than the start. ` +
            `If it is a single serial that contains a hyphen, enter it as a cell/list value instead.`,
        );
        return null;
      }
      return run(index, token, start, to - from + 1n, false, false);
    }
    // Not a range: a hyphenated serial, which may still take a `+` count below (`AB-12+3`).
  }

  // `N+M` (N and the M after it) or `N+` (fill up to the quantity).
  const plus = PLUS.exec(token);
  if (plus) {
    const open = plus[2] === '';
    if (open && quantity === undefined) {
      requireQuantity(token, index, report);
      return null;
    }
    const start = trailingNumber(plus[1] as string) as { prefix: string; digits: string };
    return run(index, token, start, open ? 0n : BigInt(plus[2] as string) + 1n, open, false);
  }

  return index;
}

function run(index: number, token: string, start: { prefix: string; digits: string }, count: bigint, open: boolean, tilde: boolean): Run {
  const { prefix, digits } = start;
  return { index, token, prefix, start: BigInt(digits), width: digits.length, count, open, tilde };
}

function requireQuantity(token: string, index: number, report: Report): void {
  report(
    index,
    'QUANTITY_REQUIRED',
    `"${show(token)}" fills up to the quantity, but no quantity is set; enter the quantity or give a count, e.g. "${show(token)}3".`,
  );
}

/** Reports a run that would produce more than the quantity or the per-request limit. */
function tooLarge(item: Run, quantity: number | undefined, report: Report): boolean {
  if (quantity !== undefined && quantity < MAX_SERIALS_PER_REQUEST && item.count > BigInt(quantity)) {
    report(
      item.index,
      'RANGE_TOO_LARGE',
      `"${show(item.token)}" would give ${item.count} serials, but the quantity is only ${quantity}; check the start and end.`,
    );
    return true;
  }
  if (item.count > MAX_BIG) {
    report(
      item.index,
      'RANGE_TOO_LARGE',
      `"${show(item.token)}" would give ${item.count} serials, more than the ${MAX_SERIALS_PER_REQUEST} allowed at once; split it into smaller ranges.`,
    );
    return true;
  }
  return false;
}

/** Length and character checks for one trimmed value. */
/**
 * The values that could be a stored serial: what is looked up in the database. One the serial rules
 * refuse (blank, too long, NUL or other invisible characters) exists nowhere, and never reaches a query.
 */
export function storableSerials(serials: readonly string[]): string[] {
  return serials.filter((serial) => valueProblem(serial.trim()) === null);
}

function valueProblem(value: string): { reason: SerialReason; message: string } | null {
  if (value === '') return { reason: 'EMPTY_SERIAL', message: 'A serial is blank; type the serial or remove the empty entry.' };
  if (value.length > MAX_SERIAL_LENGTH) return tooLong(value);
  const bad = findBadCharacter(value);
  if (bad !== null) return badCharacter(value, bad);
  const space = FOREIGN_SPACE.exec(value);
  return space ? separatorInside(value, space[0]) : null;
}

function separatorInside(value: string, space: string): { reason: SerialReason; message: string } {
  const code = (space.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  const what =
    space === '\u00A0' ? 'a no-break space' : /[\u2028\u2029]/.test(space) ? 'a line separator' : 'a space other than the plain one';
  return {
    reason: 'INVALID_CHARACTERS',
    message: `Serial "${show(value)}" contains ${what} (U+${code}), which typed or pasted text reads as a break between serials; replace it with a plain space, or enter the parts as two serials.`,
  };
}

function findBadCharacter(value: string): string | null {
  const match = BAD_CHARACTER.exec(value);
  return match ? match[0] : null;
}

function tooLong(value: string): { reason: SerialReason; message: string } {
  return {
    reason: 'SERIAL_TOO_LONG',
    message: `Serial "${show(value)}" is ${value.length} characters long; the most allowed is ${MAX_SERIAL_LENGTH}.`,
  };
}

function badCharacter(value: string, bad: string): { reason: SerialReason; message: string } {
  const code = (bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return {
    reason: 'INVALID_CHARACTERS',
    message: `Serial "${show(value)}" contains an invisible or control character (U+${code}); retype it without that character.`,
  };
}

function duplicate(index: number, token: string, value: string, first: number, firstToken: string | null): SerialProblem {
  // List input points at cells, which the client names better than we can: it gets `firstIndex`.
  const where = firstToken === null ? '' : firstToken === value ? ` (first as entry ${first + 1})` : ` (first in "${show(firstToken)}")`;
  return {
    index,
    token,
    reason: 'DUPLICATE_SERIAL',
    message: `Serial "${show(value)}" is listed more than once${where}; remove the repeat.`,
    firstIndex: first,
  };
}

function countMismatch(count: number, quantity: number | undefined): SerialProblem | null {
  if (quantity === undefined || count === quantity) return null;
  const diff = Math.abs(count - quantity);
  const fix = count < quantity ? `add ${diff} more` : `remove ${diff}`;
  return {
    index: null,
    token: null,
    reason: 'SERIAL_COUNT_MISMATCH',
    message: `${plural(count, 'serial')} given but the quantity is ${quantity}: ${fix}`,
  };
}

function plural(n: number | bigint, word: string): string {
  return `${n} ${n === 1 || n === 1n ? word : `${word}s`}`;
}

// A quantity only counts when it is a whole number of serials; anything else is treated as not given.
function normalizeQuantity(quantity: number | undefined): number | undefined {
  return typeof quantity === 'number' && Number.isSafeInteger(quantity) && quantity >= 0 ? quantity : undefined;
}

// Messages quote user text; keep pasted junk from flooding them, but keep the end, where serials differ.
function show(text: string): string {
  return text.length > 50 ? `${text.slice(0, 30)}...${text.slice(-17)}` : text;
}

function sortProblems(problems: SerialProblem[]): SerialProblem[] {
  // Stable sort: problems of the same token keep the order they were found in; nulls go last.
  return problems.sort((a, b) => (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER));
}
