import { centsText, type ChartAccount } from '../../../domain/journals.ts';
import { fitted, itemTaxesAndCode, purchaseAccountOf, type ProviderClient } from '../client.ts';
import {
  generalJournalsWithMarkers,
  myobChart,
  myobJournalTransactions,
  myobLockDate,
  myobTaxCodes,
  postGeneralJournals,
  pushItems,
  refreshMyobTokens,
  type MyobGeneralJournal,
  type MyobItemPush,
  type MyobRef,
} from './client.ts';

// Item Number and Name are string(30) each; a journal's Memo string(255) (MYOB's Item and GeneralJournal contracts).
const CODE_MAX = 30;
const NAME_MAX = 30;
const MEMO_MAX = 255;
/** MYOB's tax code for what is not a taxable supply; stock moving is not a tax event. */
const NOT_REPORTABLE = 'N-T';

/** The account's UID (requests name accounts by UID); the chart was checked before any body is made. */
function accountRef(chart: ReadonlyMap<string, ChartAccount>, code: string): MyobRef {
  const id = chart.get(code)?.id;
  if (!id) throw new Error(`MYOB account ${code} has no UID in the chart read`);
  return { UID: id };
}

export const myobClient: ProviderClient = {
  refresh: (accounting, connection, token) => refreshMyobTokens(accounting, connection, token),
  chart: myobChart,
  lockDate: myobLockDate,
  journalBody(journal, facts): MyobGeneralJournal {
    const taxCode = facts.taxRates.find((r) => r.code === NOT_REPORTABLE)?.id;
    const narration = journal.narration.slice(0, MEMO_MAX - journal.marker.length - 1);
    return {
      DateOccurred: `${journal.date}T00:00:00`,
      Memo: `${narration} ${journal.marker}`,
      GSTReportingMethod: 'Purchase',
      IsTaxInclusive: false,
      IsYearEndAdjustment: false,
      Lines: journal.lines.map((l) => ({
        Account: accountRef(facts.chart, l.account),
        Amount: Number(centsText(l.cents < 0n ? -l.cents : l.cents)),
        IsCredit: l.cents < 0n,
        Memo: fitted(l.side === 'stock' ? `${narration}: stock on hand` : narration, MEMO_MAX),
        ...(taxCode ? { TaxCode: { UID: taxCode } } : {}),
      })),
    };
  },
  postJournals: (accounting, connection, bodies) => postGeneralJournals(accounting, connection, bodies as MyobGeneralJournal[]),
  // MYOB cannot filter journals by when they were stored: the markers alone find them.
  findJournals: (accounting, connection, markers) => generalJournalsWithMarkers(accounting, connection, [...markers]),
  taxRates: myobTaxCodes,
  itemBody(product, stockAccount, { chart, taxRates }) {
    const taxes = itemTaxesAndCode(product, taxRates, { name: 'MYOB', codeMax: CODE_MAX });
    if ('problem' in taxes) return taxes;
    // MYOB needs the account of each side it is told the item has.
    const account = (code: string | null, use: string): MyobRef | string => {
      if (!code) return `MYOB needs ${use} for ${product.sku}: set its GL code, then retry.`;
      const found = chart.get(code);
      if (!found?.id || !found.active || found.header)
        return `${product.sku}'s account ${code} (${use}) is not an active, postable account in MYOB's chart: choose one that is, then retry.`;
      return { UID: found.id };
    };
    const income = product.sellable ? account(product.saleGlCode, 'a sales account') : null;
    const expense = product.purchasable ? account(purchaseAccountOf(product, stockAccount), 'a purchase account') : null;
    if (typeof income === 'string') return { problem: income };
    if (typeof expense === 'string') return { problem: expense };
    const push: MyobItemPush = {
      uid: product.externalId,
      item: {
        Number: product.sku,
        Name: fitted(product.name, NAME_MAX),
        Description: product.name.slice(0, 255),
        IsActive: true,
        IsBought: product.purchasable,
        IsSold: product.sellable,
        IsInventoried: false,
        ...(income ? { IncomeAccount: income } : {}),
        ...(expense ? { ExpenseAccount: expense } : {}),
        ...(taxes.buying?.id ? { BuyingDetails: { TaxCode: { UID: taxes.buying.id } } } : {}),
        ...(taxes.selling?.id ? { SellingDetails: { TaxCode: { UID: taxes.selling.id } } } : {}),
      },
    };
    return { body: push };
  },
  postItems: (accounting, connection, bodies) => pushItems(accounting, connection, bodies as MyobItemPush[]),
  // A general journal reaches the ledger as a journal transaction whose SourceTransaction is the
  // journal (TransactionType GeneralJournal, its UID the one Stocksheet stored). MYOB numbers none
  // in order and edits in place, so every read is a whole one (not checked against a live file).
  ledger: { ownSourceType: 'GeneralJournal', incremental: false },
  ledgerLines: myobJournalTransactions,
};
