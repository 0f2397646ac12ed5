// The sheet as a person would see it in Excel, drawn as an HTML page from its state (sheet-state.ts)
// for the browser tests' screenshots: a grid with row numbers and column letters, values (numbers
// right-aligned), fills and bold, conditional formats evaluated (the Status column's green OK and
// red problems), a corner mark on cells with a comment or a note and the comments listed under the
// grid, locked cells of a protected sheet tinted grey, frozen rows ruled off, the sheet tabs, and
// optionally the task pane's screenshot beside it as Excel shows it. Pure: state in, HTML out.
import { cellAddress, columnIndex, columnName } from '../../addin/excel/addresses.ts';
import type { FakeValue } from './fake-excel.ts';
import type { GridCell, SheetState } from './sheet-state.ts';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const shownValue = (value: FakeValue) => (typeof value === 'boolean' ? String(value).toUpperCase() : String(value));
const shown = (cell: GridCell) => cell.text ?? shownValue(cell.value);

// ---------------------------------------------------------------------------------------------
// Conditional formats: enough of Excel's formula language for the rules the add-in writes
// (literals, cell references relative to the format's first cell, = <> < > <= >=, &, AND/OR/NOT).

type Lookup = (row: number, column: number) => FakeValue | undefined;
class Unsupported extends Error {}

const TOKEN =
  /\s*(?:("(?:[^"]|"")*")|(\d+(?:\.\d+)?)|(\$?[A-Za-z]{1,3}\$?\d+)(?![\w(])|([A-Za-z][A-Za-z0-9.]*)(?=\()|(TRUE|FALSE)\b|(<>|<=|>=|[=<>(),&]))/iy;

function tokenize(formula: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < formula.length) {
    const match = TOKEN.exec(formula);
    if (!match) {
      if (formula.slice(TOKEN.lastIndex).trim() === '') break;
      throw new Unsupported(formula);
    }
    tokens.push(match[0].trim());
  }
  return tokens;
}

/** Excel's comparison: text case-insensitively, an empty cell equal to "" and 0; number < text < boolean. */
function compare(a: FakeValue, b: FakeValue): number {
  const rank = (v: FakeValue) => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2);
  if (a === '' && typeof b === 'number') a = 0;
  if (b === '' && typeof a === 'number') b = 0;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'string') return a.toLowerCase().localeCompare((b as string).toLowerCase());
  return Number(a) - Number(b);
}

/** The value of `formula` for the cell at (row, column) of a format whose first cell is `anchor`. */
function evaluate(formula: string, anchor: { top: number; left: number }, row: number, column: number, lookup: Lookup): FakeValue {
  const tokens = tokenize(formula.replace(/^=/, ''));
  let at = 0;
  const next = () => tokens[at++] ?? '';
  const expect = (token: string) => {
    if (next() !== token) throw new Unsupported(formula);
  };
  const primary = (): FakeValue => {
    const token = next();
    if (token.startsWith('"')) return token.slice(1, -1).replaceAll('""', '"');
    if (/^\d/.test(token)) return Number(token);
    if (/^(TRUE|FALSE)$/i.test(token)) return token.toUpperCase() === 'TRUE';
    if (token === '(') {
      const value = comparison();
      expect(')');
      return value;
    }
    const ref = /^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$/.exec(token);
    if (ref) {
      const refColumn = columnIndex(ref[2]!);
      const refRow = Number(ref[4]) - 1;
      const value = lookup(ref[3] ? refRow : refRow + row - anchor.top, ref[1] ? refColumn : refColumn + column - anchor.left);
      if (value === undefined) throw new Unsupported(formula);
      return value;
    }
    const fn = token.toUpperCase();
    if (!['AND', 'OR', 'NOT'].includes(fn)) throw new Unsupported(formula);
    expect('(');
    const args: FakeValue[] = [];
    while (tokens[at] !== ')') {
      args.push(comparison());
      if (tokens[at] === ',') next();
      else if (tokens[at] !== ')') throw new Unsupported(formula);
    }
    expect(')');
    if (fn === 'NOT') return !args[0];
    return fn === 'AND' ? args.every(Boolean) : args.some(Boolean);
  };
  const concat = (): FakeValue => {
    let value = primary();
    while (tokens[at] === '&') {
      next();
      value = shownValue(value) + shownValue(primary());
    }
    return value;
  };
  const comparison = (): FakeValue => {
    const left = concat();
    const op = tokens[at];
    if (!op || !['=', '<>', '<', '>', '<=', '>='].includes(op)) return left;
    next();
    const order = compare(left, concat());
    return { '=': order === 0, '<>': order !== 0, '<': order < 0, '>': order > 0, '<=': order <= 0, '>=': order >= 0 }[op]!;
  };
  const value = comparison();
  if (at !== tokens.length) throw new Unsupported(formula);
  return value;
}

const CELL_VALUE_TESTS: Record<string, (order1: number, order2: number) => boolean> = {
  EqualTo: (o) => o === 0,
  NotEqualTo: (o) => o !== 0,
  GreaterThan: (o) => o > 0,
  GreaterThanOrEqual: (o) => o >= 0,
  LessThan: (o) => o < 0,
  LessThanOrEqual: (o) => o <= 0,
  Between: (o1, o2) => o1 >= 0 && o2 <= 0,
  NotBetween: (o1, o2) => o1 < 0 || o2 > 0,
};

interface Shown {
  fill: string | null;
  fontColor: string | null;
}

/** The fill and font colour the sheet's conditional formats give a cell, and the rules that could not be evaluated. */
function conditionalLook(state: SheetState, row: number, column: number, lookup: Lookup, unevaluated: Set<string>): Shown {
  const look: Shown = { fill: null, fontColor: null };
  for (const format of state.conditionalFormats) {
    const area = format.areas.find((a) => row >= a.top && row < a.top + a.rowCount && column >= a.left && column < a.left + a.columnCount);
    if (!area || !format.rule) continue;
    const anchor = format.areas[0]!;
    let applies: boolean;
    try {
      if ('formula' in format.rule) applies = Boolean(evaluate(format.rule.formula, anchor, row, column, lookup));
      else {
        const test = CELL_VALUE_TESTS[format.rule.operator];
        if (!test) throw new Unsupported(format.rule.operator);
        const value = lookup(row, column) ?? '';
        const bound = (formula: string | undefined) =>
          formula === undefined ? 0 : compare(value, evaluate(formula, anchor, row, column, lookup));
        applies = test(bound(format.rule.formula1), bound(format.rule.formula2));
      }
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      unevaluated.add(`${format.address}: ${JSON.stringify(format.rule)}`);
      continue;
    }
    if (!applies) continue;
    look.fill ??= format.fill;
    look.fontColor ??= format.fontColor;
  }
  return look;
}

// ---------------------------------------------------------------------------------------------
// The page

const STYLE = `
  body { margin: 0; background: #fff; font: 12px 'Segoe UI', Calibri, 'DejaVu Sans', Arial, sans-serif; color: #222; }
  .window { display: flex; align-items: flex-start; width: max-content; }
  .book { flex: 1; min-width: 0; padding: 8px; }
  .bar { display: flex; gap: 12px; align-items: center; margin-bottom: 6px; }
  .namebox { border: 1px solid #c8c8c8; padding: 2px 6px; min-width: 80px; }
  .grid { border-collapse: collapse; }
  .grid th { background: #f0f0f0; color: #555; font-weight: normal; border: 1px solid #d0d0d0; padding: 1px 4px; }
  .grid td { border: 1px solid #e1e1e1; padding: 1px 4px; height: 18px; position: relative; }
  .grid td span { display: block; max-width: 180px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
  .grid td.num { text-align: right; }
  .grid td.bool { text-align: center; }
  .grid td.locked { background: #ececec; }
  .grid td.comment::after, .grid td.note::after { content: ''; position: absolute; top: 0; right: 0; border-style: solid; border-width: 0 7px 7px 0; }
  .grid td.comment::after { border-color: transparent #7b2fbe transparent transparent; }
  .grid td.note::after { border-color: transparent #d13438 transparent transparent; }
  .grid tr.frozen td, .grid tr.frozen th { border-bottom: 2px solid #8a8a8a; }
  .grid tr.gap th, .grid tr.gap td { background: #fafafa; color: #777; font-style: italic; text-align: left; }
  .tabs { display: flex; gap: 2px; margin-top: 6px; }
  .tabs span { border: 1px solid #c8c8c8; border-top: none; padding: 2px 10px; background: #f0f0f0; }
  .tabs span.active { background: #fff; color: #107c41; font-weight: 600; border-bottom: 2px solid #107c41; }
  .notes { margin: 8px 0 0; padding-left: 18px; }
  .notes li { margin: 2px 0; max-width: 900px; }
  .legend { color: #666; margin: 6px 0 0; }
  .pane { flex: none; width: 360px; border-left: 1px solid #c8c8c8; }
`;

export interface GridOptions {
  /** The task pane's screenshot (a URL, e.g. data:image/png;base64,...), shown to the right. */
  paneImage?: string;
}

/** The sheet (and the pane beside it) as a complete HTML page. */
export function renderSheetGrid(state: SheetState, options: GridOptions = {}): string {
  const byRow = new Map(state.rows.map((row) => [row.index, row.cells]));
  const lookup: Lookup = (row, column) => (column < 0 || column >= state.columnCount ? undefined : byRow.get(row)?.[column]?.value);
  const unevaluated = new Set<string>();
  const columns = Array.from({ length: state.columnCount }, (_, c) => `<th>${columnName(c)}</th>`).join('');
  const lines: string[] = [];
  const marks: string[] = [];
  let previous = -1;
  for (const { index, cells } of state.rows) {
    if (index > previous + 1) lines.push(gapRow(previous + 1, index - 1, state.columnCount));
    previous = index;
    const tds = cells.map((cell, column) => {
      const address = cellAddress(index, column);
      const look = conditionalLook(state, index, column, lookup, unevaluated);
      const fill = look.fill ?? cell.fill;
      const classes = [
        typeof cell.value === 'number' ? 'num' : typeof cell.value === 'boolean' ? 'bool' : '',
        state.protected && cell.locked && !fill ? 'locked' : '',
        cell.comment !== null ? 'comment' : cell.note !== undefined ? 'note' : '',
      ].filter(Boolean);
      const style = [fill ? `background:${fill}` : '', look.fontColor ? `color:${look.fontColor}` : '', cell.bold ? 'font-weight:bold' : '']
        .filter(Boolean)
        .join(';');
      if (cell.comment !== null) marks.push(`<li><b>${address}</b> comment: ${escape(cell.comment)}</li>`);
      if (cell.note !== undefined) marks.push(`<li><b>${address}</b> note: ${escape(cell.note)}</li>`);
      const attributes = `data-cell="${address}"${classes.length ? ` class="${classes.join(' ')}"` : ''}${style ? ` style="${style}"` : ''}`;
      return `<td ${attributes}><span>${escape(shown(cell))}</span></td>`;
    });
    const frozen = state.frozenRows > 0 && index === state.frozenRows - 1 ? ' class="frozen"' : '';
    lines.push(`<tr${frozen}><th>${index + 1}</th>${tds.join('')}</tr>`);
  }
  if (state.moreBelow) lines.push(gapRow(previous + 1, null, state.columnCount));
  const facts = [state.protected ? 'protected: grey cells are locked, white ones take typing' : 'not protected'];
  if (state.frozenRows) facts.push(`${state.frozenRows} frozen row${state.frozenRows === 1 ? '' : 's'}`);
  const tabs = state.sheetNames.map((name) => `<span${name === state.name ? ' class="active"' : ''}>${escape(name)}</span>`).join('');
  const legend = [...unevaluated].map((rule) => `<p class="legend">Conditional format not drawn (not evaluated here): ${escape(rule)}</p>`);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(state.name)}</title><style>${STYLE}</style></head>
<body><div class="window"><div class="book">
<div class="bar">${state.selection ? `<span class="namebox">${escape(state.selection)}</span>` : ''}<b>${escape(state.name)}</b><span>${escape(facts.join(' · '))}</span></div>
<table class="grid"><thead><tr><th></th>${columns}</tr></thead><tbody>
${lines.join('\n')}
</tbody></table>
<div class="tabs">${tabs}</div>
${marks.length ? `<ol class="notes">${marks.join('')}</ol>` : ''}
${legend.join('\n')}
</div>${options.paneImage ? `<img class="pane" src="${escape(options.paneImage)}" alt="task pane">` : ''}</div></body></html>
`;
}

function gapRow(first: number, last: number | null, columnCount: number): string {
  const which = last === null ? `rows from ${first + 1} on` : first === last ? `row ${first + 1}` : `rows ${first + 1} to ${last + 1}`;
  return `<tr class="gap"><th>⋮</th><td colspan="${columnCount}">${which} not shown</td></tr>`;
}
