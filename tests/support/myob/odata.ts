// The OData (v3) query options the stand-in understands on collections, as MYOB documents them
// (https://developer.myob.com/api/myob-business-api/api-overview/retrieving-data; answers
// `{Items, NextPageLink, Count}`, 400 a page by default, at most 1,000):
//   $top (1–1000, default 400; more is capped at 1,000), $skip (default 0), and a $filter of
//     Field eq 'text'                       strings in single quotes, '' for a quote
//     substringof('text', Field) eq true    a case-sensitive "contains" (`eq true` optional)
//   joined by ` or `, optionally in parentheses, on the string fields each collection names.
// Anything else — another operator, `and`, another field, another `$` option ($orderby, $select,
// …) — is refused with 400 naming what is not supported: never silently ignored. `eq` compares
// exactly (MYOB's collation is not documented).
import { json, type Answer } from './answers.ts';
import type { OpContext } from './state.ts';

export class ODataError extends Error {}

export const DEFAULT_PAGE = 400;
export const MAX_PAGE = 1000;

type Term = { kind: 'eq' | 'contains'; field: string; value: string };
type Token = { t: 'id'; v: string } | { t: 'str'; v: string } | { t: 'punct'; v: '(' | ')' | ',' };

export type Predicate = (row: Record<string, unknown>) => boolean;

/** Parses a `$filter` over the string `fields` of `typeName`; throws ODataError for anything else. */
export function parseFilter(text: string, fields: readonly string[], typeName: string): Predicate {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const isId = (v: string) => peek()?.t === 'id' && peek()!.v === v;
  const isPunct = (v: string) => peek()?.t === 'punct' && peek()!.v === v;
  const expectPunct = (v: '(' | ')' | ',') => {
    if (!isPunct(v)) throw new ODataError(`'${v}' expected in $filter at token ${i + 1}`);
    i++;
  };
  const str = (): string => {
    const tok = tokens[i++];
    if (tok?.t !== 'str') throw new ODataError(`a string literal in single quotes was expected in $filter at token ${i}`);
    return tok.v;
  };
  const field = (): string => {
    const tok = tokens[i++];
    if (tok?.t !== 'id' || !fields.includes(tok.v)) {
      throw new ODataError(
        `the MYOB stand-in filters ${typeName} on ${fields.join(', ')} only, not '${tok ? tok.v : '(end)'}' (field names are case-sensitive)`,
      );
    }
    return tok.v;
  };
  const unsupported = (what: string): never => {
    throw new ODataError(
      `the MYOB stand-in's $filter supports Field eq 'text' and substringof('text', Field) eq true joined by 'or', not ${what}`,
    );
  };

  const orExpr = (): Term[][] => {
    const terms = [primary()];
    for (;;) {
      if (isId('or')) {
        i++;
        terms.push(primary());
      } else if (isId('and')) {
        unsupported("'and'");
      } else {
        return terms;
      }
    }
  };
  const primary = (): Term[] => {
    if (isPunct('(')) {
      i++;
      const inner = orExpr().flat();
      expectPunct(')');
      return inner;
    }
    if (isId('substringof')) {
      i++;
      expectPunct('(');
      const value = str();
      expectPunct(',');
      const name = field();
      expectPunct(')');
      if (isId('eq')) {
        i++;
        if (!isId('true')) unsupported(`substringof(…) eq ${peek()?.v ?? '(end)'}`);
        i++;
      }
      return [{ kind: 'contains', field: name, value }];
    }
    const name = field();
    if (!isId('eq')) unsupported(`'${peek()?.v ?? '(end)'}' after ${name}`);
    i++;
    return [{ kind: 'eq', field: name, value: str() }];
  };

  const terms = orExpr().flat();
  if (i < tokens.length) unsupported(`'${tokens[i]!.v}' (token ${i + 1})`);
  return (row) =>
    terms.some((term) => {
      const value = row[term.field];
      if (typeof value !== 'string') return false;
      return term.kind === 'eq' ? value === term.value : value.includes(term.value);
    });
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ODataError('unterminated string literal in $filter');
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else {
          value += text[i++];
        }
      }
      tokens.push({ t: 'str', v: value });
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: 'punct', v: c });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      throw new ODataError(`the MYOB stand-in's $filter cannot read '${text.slice(i, i + 10)}'`);
    }
  }
  if (tokens.length === 0) throw new ODataError('$filter is empty');
  return tokens;
}

const KNOWN_OPTIONS = ['$filter', '$top', '$skip'];

/** Refuses `$` options the stand-in does not model (and `$filter` where the collection takes none). */
export function checkQueryOptions(query: Record<string, string>, filterable: boolean): void {
  for (const name of Object.keys(query)) {
    if (!name.startsWith('$')) continue;
    if (!KNOWN_OPTIONS.includes(name) || (name === '$filter' && !filterable)) {
      throw new ODataError(`the MYOB stand-in does not support the query option '${name}' here (it models ${KNOWN_OPTIONS.join(', ')})`);
    }
  }
}

/** Filters, pages and renders a collection: `{Items, NextPageLink, Count}` with Count the matching total. */
export function collection<T>(
  ctx: OpContext,
  rows: T[],
  view: (row: T) => Record<string, unknown>,
  fields: readonly string[],
  typeName: string,
): Answer {
  checkQueryOptions(ctx.query, fields.length > 0);
  const filter = ctx.query.$filter;
  const match = filter === undefined ? undefined : parseFilter(filter, fields, typeName);
  const views = rows.map(view);
  const matching = match ? views.filter(match) : views;
  const top = Math.min(MAX_PAGE, count(ctx.query.$top, '$top', DEFAULT_PAGE, 1));
  const skip = count(ctx.query.$skip, '$skip', 0, 0);
  const next = skip + top < matching.length;
  const query = [...(filter !== undefined ? [`$filter=${encodeURIComponent(filter)}`] : []), `$top=${top}`, `$skip=${skip + top}`].join(
    '&',
  );
  return json(200, {
    Items: matching.slice(skip, skip + top),
    NextPageLink: next ? `${ctx.fileUrl}/${ctx.resource}?${query}` : null,
    Count: matching.length,
  });
}

function count(text: string | undefined, name: string, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min) throw new ODataError(`${name} must be a whole number of at least ${min}, not '${text}'`);
  return Number(text);
}
