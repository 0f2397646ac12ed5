import { describe, expect, it } from 'vitest';
import { mappingForm, mappingUpdate } from '../../addin/features/accounting/account-mapping.ts';
import {
  documentLabel,
  FAILED_COLUMN_FORMATS,
  FAILED_COLUMNS,
  failedRows,
  firstOpenDay,
  idList,
  journalDay,
  kindLabel,
  selectedPostings,
  type FailedPosting,
} from '../../addin/features/accounting/postings-sheet.ts';
import { connectionLine, syncSummary, type AccountingStatus } from '../../addin/features/accounting/status-text.ts';

const posting = (extra: Partial<FailedPosting> = {}): FailedPosting => ({
  id: 7,
  entity: 'journal',
  kind: 'adjustment',
  document: null,
  productId: null,
  occurredAt: new Date('2026-03-31T12:30:00Z'),
  redatedTo: null,
  amount: null,
  attempts: 1,
  lastError: 'The account 630 (Inventory) is an inventory-type account',
  lastErrorCode: 'ACCOUNT_INVALID',
  ...extra,
});

describe('failed postings as sheet rows', () => {
  it('one row per posting under the columns, the error code and the provider’s words kept', () => {
    expect([...FAILED_COLUMNS]).toEqual(['Id', 'Kind', 'Document', 'Date', 'Amount', 'Attempts', 'Error code', 'Error']);
    expect(Object.keys(FAILED_COLUMN_FORMATS).every((name) => (FAILED_COLUMNS as readonly string[]).includes(name))).toBe(true);
    expect(failedRows([posting()], 'UTC')).toEqual([
      [7, 'Stock adjustment', '', '2026-03-31', '', 1, 'ACCOUNT_INVALID', 'The account 630 (Inventory) is an inventory-type account'],
    ]);
    expect(
      failedRows(
        [
          posting({
            id: 9,
            kind: 'receipt',
            document: { type: 'purchase_order', id: 3 },
            amount: 13.33,
            attempts: 2,
            lastErrorCode: null,
            lastError: null,
          }),
        ],
        'UTC',
      ),
    ).toEqual([[9, 'Receipt', 'Purchase order #3', '2026-03-31', 13.33, 2, '', '']]);
  });

  it('names items by their product and documents by type and number', () => {
    expect(kindLabel({ entity: 'item', kind: null })).toBe('Item');
    expect(documentLabel({ entity: 'item', document: null, productId: 12 })).toBe('Product #12');
    expect(documentLabel({ entity: 'journal', document: { type: 'work_order', id: 4 }, productId: null })).toBe('Work order #4');
    expect(documentLabel({ entity: 'journal', document: { type: 'invoice', id: 8 }, productId: null })).toBe('Invoice #8');
    expect(kindLabel({ entity: 'journal', kind: 'sale' })).toBe('Cost of sales');
  });

  it('dates a journal on the day it happened in the organisation’s time zone, or on the day it was re-dated to', () => {
    const late = { occurredAt: new Date('2026-03-31T12:30:00Z'), redatedTo: null };
    expect(journalDay(late, 'UTC')).toBe('2026-03-31');
    expect(journalDay(late, 'Pacific/Auckland')).toBe('2026-04-01');
    expect(journalDay({ ...late, occurredAt: '2026-03-31T12:30:00.000Z' }, 'America/Los_Angeles')).toBe('2026-03-31');
    expect(journalDay({ ...late, redatedTo: '2026-05-01' }, 'Pacific/Auckland')).toBe('2026-05-01');
  });
});

describe('the postings in the selected rows', () => {
  const sheet = [
    [...FAILED_COLUMNS],
    ...failedRows(
      [
        posting({ id: 3 }),
        posting({ id: 5, lastErrorCode: 'PERIOD_LOCKED', lastError: 'locked up to 2026-03-31: re-date it' }),
        posting({ id: 8 }),
      ],
      'UTC',
    ),
  ];

  it('reads the Id of every selected row wherever in the row the selection is, below the header', () => {
    // C2:D3 — the Kind and Document of the first two postings.
    expect(selectedPostings({ top: 1, rowCount: 2 }, sheet)).toEqual({
      postings: [
        { id: 3, row: 1, errorCode: 'ACCOUNT_INVALID', error: 'The account 630 (Inventory) is an inventory-type account' },
        { id: 5, row: 2, errorCode: 'PERIOD_LOCKED', error: 'locked up to 2026-03-31: re-date it' },
      ],
    });
    // The whole table with its header, and rows past its end.
    const all = selectedPostings({ top: 0, rowCount: 50 }, sheet);
    expect('postings' in all && all.postings.map((p) => p.id)).toEqual([3, 5, 8]);
    expect(selectedPostings({ top: 0, rowCount: 1 }, sheet)).toEqual({ postings: [] });
  });

  it('finds the columns by name after a person moved them, takes an id given as text, passes blank rows and repeats', () => {
    const moved = [
      ['Error', 'ID', 'Error code'],
      ['bad account', '12', 'ACCOUNT_INVALID'],
      ['', '', ''],
      ['bad account', 12, 'ACCOUNT_INVALID'],
      ['locked', 14, 'PERIOD_LOCKED'],
    ];
    expect(selectedPostings({ top: 1, rowCount: 4 }, moved)).toEqual({
      postings: [
        { id: 12, row: 1, errorCode: 'ACCOUNT_INVALID', error: 'bad account' },
        { id: 14, row: 4, errorCode: 'PERIOD_LOCKED', error: 'locked' },
      ],
    });
  });

  it('refuses a sheet without an Id column, and Id cells that hold no posting id, naming the rows', () => {
    expect(selectedPostings({ top: 1, rowCount: 1 }, [['Serial'], ['S1']])).toEqual({
      error: expect.stringContaining('"Id"'),
    });
    const typed = [['Id'], [3], ['x'], [2.5], [-1]];
    const result = selectedPostings({ top: 1, rowCount: 4 }, typed);
    expect(result).toEqual({ error: expect.stringContaining('row 3 ("x"), row 4 ("2.5") and row 5 ("-1")') });
  });
});

describe('re-dating and lists', () => {
  it('proposes the day after the latest lock date the errors name', () => {
    expect(firstOpenDay(['The journal is dated 2026-03-30, but Xero is locked up to 2026-03-31: re-date it'])).toBe('2026-04-01');
    expect(firstOpenDay(['locked up to 2025-12-31', 'locked up to 2026-02-28', 'no date here'])).toBe('2026-03-01');
    expect(firstOpenDay(['The document date cannot be before the period lock date, currently set at 31-Mar-2026'])).toBe('2026-04-01');
    expect(firstOpenDay(['… the end of year lock date, currently set at 5-Dec-2025', 'locked up to 2025-12-31'])).toBe('2026-01-01');
    expect(firstOpenDay(['The account 630 is an inventory-type account'])).toBeNull();
  });

  it('lists ids the way a sentence does', () => {
    expect(idList([3])).toBe('#3');
    expect(idList([3, 5])).toBe('#3 and #5');
    expect(idList([3, 5, 9])).toBe('#3, #5 and #9');
  });
});

describe('the account mapping form', () => {
  it('shows the settings’ codes and sends blanks as unmapped, the time zone only when given, and whether opening stock is posted', () => {
    const form = mappingForm({
      stockAccount: '1410',
      costOfSalesAccount: null,
      receivedNotBilledAccount: '2150',
      adjustmentAccount: '5150',
      openingBalanceAccount: null,
      timezone: 'Pacific/Auckland',
    });
    expect(form).toEqual({
      stockAccount: '1410',
      costOfSalesAccount: '',
      receivedNotBilledAccount: '2150',
      adjustmentAccount: '5150',
      openingBalanceAccount: '',
      timezone: 'Pacific/Auckland',
      openingStock: 'post',
    });
    expect(mappingUpdate({ ...form, stockAccount: ' 630 ', receivedNotBilledAccount: '  ', openingStock: 'in_ledger' })).toEqual({
      stockAccount: '630',
      costOfSalesAccount: null,
      receivedNotBilledAccount: null,
      adjustmentAccount: '5150',
      openingBalanceAccount: null,
      timezone: 'Pacific/Auckland',
      openingStock: 'in_ledger',
    });
    expect(mappingForm({ openingStock: 'in_ledger' }).openingStock).toBe('in_ledger');
    expect(mappingUpdate({ ...form, timezone: '' })).not.toHaveProperty('timezone');
  });
});

describe('what the panel says', () => {
  const status = (extra: Partial<AccountingStatus> = {}): AccountingStatus => ({
    provider: 'xero',
    connected: true,
    tenantId: 'tenant-1',
    pausedReason: null,
    counts: { pending: 0, in_flight: 0, posted: 3, failed: 1, skipped: 0 },
    lastPostedAt: null,
    ...extra,
  });

  it('says whom it is connected to, or why not', () => {
    expect(connectionLine(status())).toBe('Connected to Xero (organisation tenant-1).');
    expect(connectionLine(status({ tenantName: 'Demo Company (NZ)' }))).toBe('Connected to Xero (Demo Company (NZ)).');
    expect(connectionLine(status({ connected: false, pausedReason: 'Xero refused the connection: reconnect.' }))).toBe(
      'Xero refused the connection: reconnect.',
    );
    expect(connectionLine(status({ provider: null, connected: false }))).toBe('No accounting system is connected.');
  });

  it('sums up a sync: sent, failed, still waiting; nothing when paused', () => {
    expect(syncSummary({ state: 'idle', sent: 2, status: status() })).toBe(
      '2 postings sent to Xero; 1 posting failed (write them to a sheet to see why).',
    );
    expect(
      syncSummary({ state: 'idle', sent: 0, status: status({ counts: { pending: 0, in_flight: 0, posted: 3, failed: 0, skipped: 1 } }) }),
    ).toBe('Nothing was waiting: every posting has gone to Xero (or was skipped).');
    expect(
      syncSummary({ state: 'idle', sent: 1, status: status({ counts: { pending: 2, in_flight: 0, posted: 3, failed: 0, skipped: 0 } }) }),
    ).toBe('1 posting sent to Xero; 2 postings still waiting (due later, or held back by Xero’s limits).');
    expect(syncSummary({ state: 'paused', sent: 0, status: status({ connected: false, pausedReason: 'Reconnect Xero.' }) })).toBe(
      'Nothing was sent: Reconnect Xero.',
    );
  });
});
