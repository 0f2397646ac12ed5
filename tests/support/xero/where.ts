// The subset of Xero's `where` and `order` query syntax the stand-in understands (Xero evaluates
// them with .NET Dynamic LINQ; its parse errors come back as 400 QueryParseException, ErrorNumber
// 16, e.g. "Expression expected"):
//   Field == "text" | Field != "text" | Field = "text"      strings, numbers, true/false, null,
//   Field > < >= <= number | DateTime(2026, 06, 30)          GUID("…"), DateTime(y, m, d[, h, m, s]),
//   Field.Contains("…") | .StartsWith("…") | .EndsWith("…")  DateTime.Parse("2026-06-30")
//   a AND b, a && b, a OR b, a || b, ( … )
// Field names are matched case-insensitively and may be dotted (Contact.Name); string comparisons
// ignore case (assumed, as SQL Server's default collation would); a string method on a missing
// value is false. Anything else is refused with a QueryParseException naming what is unsupported.

export class QueryParseError extends Error {}

type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: number };

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'compare'; path: string[]; op: '==' | '!=' | '>' | '<' | '>=' | '<='; literal: Literal }
  | { kind: 'method'; path: string[]; method: 'contains' | 'startswith' | 'endswith'; value: string };

type Token = { t: 'id'; v: string } | { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'op'; v: string };

export type Predicate = (record: Record<string, unknown>) => boolean;

/**
 * Parses a `where` expression. `fields` are the property names the resource has (from the spec's
 * schema) and `typeName` the name Xero's message uses for the resource.
 */
export function parseWhere(text: string, fields: string[], typeName: string): Predicate {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const isOp = (v: string) => peek()?.t === 'op' && peek()!.v === v;
  const isWord = (...words: string[]) => {
    const tok = peek();
    return tok?.t === 'id' && words.includes(tok.v.toUpperCase());
  };
  const expect = (v: string) => {
    if (!isOp(v)) throw new QueryParseError(`'${v}' expected`);
    i++;
  };
  const known = new Map(fields.map((f) => [f.toLowerCase(), f]));

  const orExpr = (): Node => {
    let left = andExpr();
    while (isOp('||') || isWord('OR')) {
      i++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): Node => {
    let left = primary();
    while (isOp('&&') || isWord('AND')) {
      i++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const primary = (): Node => {
    if (isOp('(')) {
      i++;
      const inner = orExpr();
      expect(')');
      return inner;
    }
    const first = next();
    if (!first || first.t !== 'id') throw new QueryParseError('Expression expected');
    if (!known.has(first.v.toLowerCase())) throw new QueryParseError(`No property or field '${first.v}' exists in type '${typeName}'`);
    const path = [first.v];
    while (isOp('.')) {
      i++;
      const name = next();
      if (!name || name.t !== 'id') throw new QueryParseError('Identifier expected');
      if (isOp('(')) {
        const method = name.v.toLowerCase();
        if (method !== 'contains' && method !== 'startswith' && method !== 'endswith') {
          throw new QueryParseError(`The Xero stand-in's where filter does not support the method '${name.v}'`);
        }
        i++;
        const arg = next();
        if (!arg || arg.t !== 'str') throw new QueryParseError(`${name.v} takes one string literal in the Xero stand-in`);
        expect(')');
        return { kind: 'method', path, method, value: arg.v };
      }
      path.push(name.v);
    }
    const op = next();
    if (!op || op.t !== 'op' || !['==', '=', '!=', '>', '<', '>=', '<='].includes(op.v)) throw new QueryParseError('Expression expected');
    return { kind: 'compare', path, op: (op.v === '=' ? '==' : op.v) as '==', literal: literal() };
  };
  const literal = (): Literal => {
    const tok = next();
    if (!tok) throw new QueryParseError('Expression expected');
    if (tok.t === 'str') return { kind: 'string', value: tok.v };
    if (tok.t === 'num') return { kind: 'number', value: tok.v };
    if (tok.t === 'op') throw new QueryParseError('Expression expected');
    const word = tok.v.toUpperCase();
    if (word === 'NULL') return { kind: 'null' };
    if (word === 'TRUE' || word === 'FALSE') return { kind: 'bool', value: word === 'TRUE' };
    if (word === 'GUID') {
      expect('(');
      const arg = next();
      if (!arg || arg.t !== 'str') throw new QueryParseError('GUID takes a string literal');
      expect(')');
      return { kind: 'string', value: arg.v };
    }
    if (word === 'DATETIME') {
      if (isOp('.')) {
        i++;
        const parse = next();
        if (!parse || parse.t !== 'id' || parse.v.toLowerCase() !== 'parse') throw new QueryParseError('DateTime.Parse expected');
        expect('(');
        const arg = next();
        if (!arg || arg.t !== 'str') throw new QueryParseError('DateTime.Parse takes a string literal');
        expect(')');
        const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(arg.v) || arg.v.length <= 10 ? arg.v : `${arg.v}Z`);
        if (Number.isNaN(ms)) throw new QueryParseError(`String '${arg.v}' was not recognized as a valid DateTime.`);
        return { kind: 'date', value: ms };
      }
      expect('(');
      const parts: number[] = [];
      for (;;) {
        const n = next();
        if (!n || n.t !== 'num') throw new QueryParseError('DateTime takes numbers');
        parts.push(n.v);
        if (isOp(',')) {
          i++;
          continue;
        }
        expect(')');
        break;
      }
      if (parts.length !== 3 && parts.length !== 6)
        throw new QueryParseError('DateTime takes (year, month, day) or (year, month, day, hour, minute, second)');
      const [y, mo, d, h = 0, mi = 0, s = 0] = parts as [number, number, number, number?, number?, number?];
      return { kind: 'date', value: Date.UTC(y, mo - 1, d, h, mi, s) };
    }
    throw new QueryParseError(`No property or field '${tok.v}' exists in type '${typeName}'`);
  };

  const tree = orExpr();
  if (i < tokens.length) throw new QueryParseError('Syntax error');
  return (record) => evaluate(tree, record);
}

/** Parses `order`: `Field [ASC|DESC]`, comma-separated. */
export function parseOrder(
  text: string,
  fields: string[],
  typeName: string,
): (a: Record<string, unknown>, b: Record<string, unknown>) => number {
  const known = new Map(fields.map((f) => [f.toLowerCase(), f]));
  const keys = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s+(ASC|DESC))?$/i.exec(part);
      if (!m) throw new QueryParseError(`The Xero stand-in cannot order by '${part}'`);
      if (!known.has(m[1]!.toLowerCase())) throw new QueryParseError(`No property or field '${m[1]}' exists in type '${typeName}'`);
      return { field: m[1]!, desc: (m[2] ?? '').toUpperCase() === 'DESC' };
    });
  return (a, b) => {
    for (const { field, desc } of keys) {
      const c = compareValues(lookup(a, [field]), lookup(b, [field]));
      if (c) return desc ? -c : c;
    }
    return 0;
  };
}

function evaluate(node: Node, record: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, record) && evaluate(node.right, record);
    case 'or':
      return evaluate(node.left, record) || evaluate(node.right, record);
    case 'method': {
      const value = lookup(record, node.path);
      if (typeof value !== 'string') return false;
      const [v, arg] = [value.toLowerCase(), node.value.toLowerCase()];
      return node.method === 'contains' ? v.includes(arg) : node.method === 'startswith' ? v.startsWith(arg) : v.endsWith(arg);
    }
    case 'compare': {
      const value = lookup(record, node.path);
      const lit = node.literal;
      if (node.op === '==' || node.op === '!=') {
        const equal =
          lit.kind === 'null'
            ? value === undefined || value === null
            : value !== undefined && value !== null && compareValues(value, literalValue(lit)) === 0;
        return node.op === '==' ? equal : !equal;
      }
      if (value === undefined || value === null || lit.kind === 'null') return false;
      if (typeof value !== 'number' || (lit.kind !== 'number' && lit.kind !== 'date')) {
        throw new QueryParseError(`Operator '${node.op}' incompatible with operand types`);
      }
      const c = compareValues(value, lit.value);
      return node.op === '>' ? c > 0 : node.op === '<' ? c < 0 : node.op === '>=' ? c >= 0 : c <= 0;
    }
  }
}

function literalValue(lit: Literal): unknown {
  return lit.kind === 'null' ? null : lit.value;
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'string' && typeof b === 'string') {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).toLowerCase() < String(b).toLowerCase() ? -1 : String(a).toLowerCase() > String(b).toLowerCase() ? 1 : 0;
}

function lookup(record: unknown, path: string[]): unknown {
  let current: unknown = record;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    const entry = Object.entries(current as Record<string, unknown>).find(([k]) => k.toLowerCase() === step.toLowerCase());
    current = entry?.[1];
  }
  return current;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new QueryParseError('Unterminated string literal');
        const ch = text[i]!;
        if (ch === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (ch === '"' && text[i + 1] === '"' && value !== '') {
          value += '"';
          i += 2;
        } else if (ch === '"') {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
      tokens.push({ t: 'str', v: value });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i))!;
      tokens.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const two = text.slice(i, i + 2);
      if (['==', '!=', '>=', '<=', '&&', '||'].includes(two)) {
        tokens.push({ t: 'op', v: two });
        i += 2;
      } else if ('=<>().,'.includes(c)) {
        tokens.push({ t: 'op', v: c });
        i++;
      } else {
        throw new QueryParseError(`Syntax error '${c}'`);
      }
    }
  }
  return tokens;
}
