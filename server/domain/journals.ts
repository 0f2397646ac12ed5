/**
 * What the accounting system receives for a set of stock movements: one balanced journal, one line
 * per account, in cents. Values are exact (quantity × the unit cost the ledger recorded, in integer
 * arithmetic); each account's net is rounded half away from zero to the cent, and any cent the
 * rounding leaves goes to the largest line off the stock accounts, so every journal balances to the
 * cent and each stock account line is exactly its movements' value, rounded.
 */
import { QUANTITY_COLUMN, MONEY_COLUMN } from './limits.ts';

export type ValuedKind = 'opening' | 'adjustment' | 'receipt' | 'stocktake' | 'sale' | 'production';

/** The kinds that change the stock's value (the database enqueues postings for exactly these). */
export const VALUED_KINDS: readonly ValuedKind[] = ['opening', 'adjustment', 'receipt', 'stocktake', 'sale', 'production'];

/** The accounts journals post to, by role (codes in the accounting system's chart). */
export interface PostingAccounts {
  stockAccount: string | null;
  costOfSalesAccount: string | null;
  receivedNotBilledAccount: string | null;
  adjustmentAccount: string | null;
  openingBalanceAccount: string | null;
}

export type AccountRole = keyof PostingAccounts;

export const ACCOUNT_ROLE_NAMES: Record<AccountRole, string> = {
  stockAccount: 'stock on hand',
  costOfSalesAccount: 'cost of sales',
  receivedNotBilledAccount: 'stock received not billed',
  adjustmentAccount: 'stock adjustments',
  openingBalanceAccount: 'opening balances',
};

/**
 * Where each kind's other side goes: a receipt owes the supplier until the bill comes, a sale is
 * cost of sales, counts and adjustments go to their GL code or the adjustments account, opening
 * stock to opening balances. A work order moves value between stock accounts; what the outputs
 * carry beyond the inputs (rounding of the unit cost) goes to the adjustments account.
 */
const OFFSET_ROLE: Record<ValuedKind, AccountRole> = {
  receipt: 'receivedNotBilledAccount',
  sale: 'costOfSalesAccount',
  adjustment: 'adjustmentAccount',
  stocktake: 'adjustmentAccount',
  opening: 'openingBalanceAccount',
  production: 'adjustmentAccount',
};

export interface ValuedMovement {
  sku: string;
  /** Signed, as the ledger stores it (numeric(18,4) text). */
  quantity: string;
  /** The cost recorded on the movement (numeric(18,6) text). */
  unitCost: string;
  /** The movement's own GL code (adjustments, stocktakes): its other side. */
  glCode: string | null;
  /** The product's asset GL code: overrides the stock account. */
  assetGlCode: string | null;
  /** The product's cost-of-sales GL code: overrides the cost-of-sales account. */
  cogsGlCode: string | null;
}

export interface JournalLine {
  account: string;
  /** Debit positive, credit negative. */
  cents: bigint;
  /** Which side: the stock account(s), or the other side. */
  side: 'stock' | 'offset';
}

export type JournalResult =
  { journal: { lines: JournalLine[]; debitCents: bigint } } | { nothing: string } | { missing: { role: AccountRole; message: string } };

const VALUE_SCALE = QUANTITY_COLUMN.scale + MONEY_COLUMN.scale;

/** "12.3400" at scale 4 -> 123400n: exact, whatever the number's size. */
export function scaled(decimal: string, scale: number): bigint {
  const text = decimal.trim();
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace(/^[-+]/, '').split('.');
  const digits = `${whole}${fraction.padEnd(scale, '0').slice(0, scale)}`;
  const value = BigInt(digits === '' ? '0' : digits);
  return negative ? -value : value;
}

/** Rounds a value at `scale` to cents, half away from zero. */
export function toCents(value: bigint, scale: number): bigint {
  const unit = 10n ** BigInt(scale - 2);
  const half = unit / 2n;
  return value >= 0n ? (value + half) / unit : -((-value + half) / unit);
}

/** 12345n -> "123.45"; -5n -> "-0.05". */
export function centsText(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** The journal for movements of one kind written together (one business event). */
export function buildJournal(kind: ValuedKind, movements: readonly ValuedMovement[], accounts: PostingAccounts): JournalResult {
  const exact = new Map<string, { value: bigint; side: 'stock' | 'offset' }>();
  const add = (account: string, value: bigint, side: 'stock' | 'offset') => {
    const line = exact.get(`${side}|${account}`) ?? { value: 0n, side };
    line.value += value;
    exact.set(`${side}|${account}`, line);
  };
  const need = (role: AccountRole): string | { role: AccountRole; message: string } =>
    accounts[role] ?? {
      role,
      message: `No ${ACCOUNT_ROLE_NAMES[role]} account is set: choose one in the accounting settings, then retry.`,
    };

  let residual = 0n;
  for (const m of movements) {
    const value = scaled(m.quantity, QUANTITY_COLUMN.scale) * scaled(m.unitCost, MONEY_COLUMN.scale);
    if (value === 0n) continue;
    const stock = m.assetGlCode ?? need('stockAccount');
    if (typeof stock !== 'string') return { missing: stock };
    add(stock, value, 'stock');
    if (kind === 'production') {
      residual -= value;
      continue;
    }
    const own = kind === 'adjustment' || kind === 'stocktake' ? m.glCode : kind === 'sale' ? m.cogsGlCode : null;
    const offset = own ?? need(OFFSET_ROLE[kind]);
    if (typeof offset !== 'string') return { missing: offset };
    add(offset, -value, 'offset');
  }
  if (residual !== 0n) {
    const offset = need(OFFSET_ROLE.production);
    if (typeof offset !== 'string') return { missing: offset };
    add(offset, residual, 'offset');
  }

  const lines: JournalLine[] = [];
  for (const [key, line] of exact) {
    const cents = toCents(line.value, VALUE_SCALE);
    if (cents !== 0n) lines.push({ account: key.slice(key.indexOf('|') + 1), cents, side: line.side });
  }
  const imbalance = lines.reduce((sum, l) => sum + l.cents, 0n);
  if (imbalance !== 0n) {
    const offsets = lines.filter((l) => l.side === 'offset');
    const target = (offsets.length > 0 ? offsets : lines).reduce((a, b) => (abs(b.cents) > abs(a.cents) ? b : a), offsets[0] ?? lines[0]!);
    target.cents -= imbalance;
  }
  const kept = lines.filter((l) => l.cents !== 0n);
  if (kept.length === 0) return { nothing: 'The movements net to zero value: there is nothing to post.' };
  kept.sort((a, b) => (a.side === b.side ? a.account.localeCompare(b.account) : a.side === 'stock' ? -1 : 1));
  return { journal: { lines: kept, debitCents: kept.reduce((sum, l) => (l.cents > 0n ? sum + l.cents : sum), 0n) } };
}

const abs = (n: bigint) => (n < 0n ? -n : n);

/** What a chart of accounts says of one account, as the provider reports it. */
export interface ChartAccount {
  code: string | null;
  name: string;
  /** The provider's type: Xero's INVENTORY is reserved for its own tracked items. */
  type: string;
  active: boolean;
  /** A heading that groups accounts (MYOB): nothing can be posted to it. */
  header?: boolean;
  /** The provider's own id for it, where requests name accounts by id (MYOB's UID). */
  id?: string;
}

/**
 * Checks a mapped account against the provider's chart before anything is posted to it: it must
 * exist, be active, and not be an inventory-type account (Xero refuses manual journals on those).
 */
export function accountProblem(code: string, role: string, chart: ReadonlyMap<string, ChartAccount>): string | null {
  const account = chart.get(code);
  if (!account) return `The ${role} account ${code} is not in the chart of accounts: choose an account that exists, then retry.`;
  if (!account.active) return `The ${role} account ${code} (${account.name}) is archived: choose an active account, then retry.`;
  if (account.header)
    return `The ${role} account ${code} (${account.name}) is a header account, which groups others and takes no postings: choose one of the accounts under it, then retry.`;
  if (account.type === 'INVENTORY')
    return `The ${role} account ${code} (${account.name}) is an inventory-type account, which only the accounting system's own tracked items may use: choose a current asset or expense account instead.`;
  return null;
}
