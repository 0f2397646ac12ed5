import { centsText } from '../../../domain/journals.ts';
import { fitted, itemTaxesAndCode, purchaseAccountOf, type ProviderClient } from '../client.ts';
import {
  manualJournalsWithMarkers,
  postItems,
  putManualJournals,
  refreshXeroTokens,
  xeroChart,
  xeroLockDate,
  xeroJournals,
  xeroTaxRates,
  type XeroItem,
  type XeroManualJournal,
} from './client.ts';

const CODE_MAX = 30;
const NAME_MAX = 50;

export const xeroClient: ProviderClient = {
  refresh: (accounting, connection, token) => refreshXeroTokens(accounting, connection, token),
  chart: xeroChart,
  lockDate: xeroLockDate,
  journalBody: (journal): XeroManualJournal => ({
    Narration: `${journal.narration} ${journal.marker}`,
    Date: journal.date,
    Status: 'POSTED',
    // Stock movements are not tax events.
    LineAmountTypes: 'NoTax',
    JournalLines: journal.lines.map((l) => ({
      AccountCode: l.account,
      LineAmount: Number(centsText(l.cents)),
      Description: l.side === 'stock' ? `${journal.narration}: stock on hand` : journal.narration,
    })),
  }),
  postJournals: (accounting, connection, bodies, key) => putManualJournals(accounting, connection, bodies as XeroManualJournal[], key),
  async findJournals(accounting, connection, markers, since) {
    const found = new Map<string, string>();
    for (const journal of await manualJournalsWithMarkers(accounting, connection, [...markers], since)) {
      for (const marker of markers)
        if (journal.Narration?.includes(marker) && journal.ManualJournalID) found.set(marker, journal.ManualJournalID);
    }
    return found;
  },
  taxRates: xeroTaxRates,
  itemBody(product, stockAccount, { taxRates }) {
    const taxes = itemTaxesAndCode(product, taxRates, { name: 'Xero', codeMax: CODE_MAX });
    if ('problem' in taxes) return taxes;
    const purchaseAccount = purchaseAccountOf(product, stockAccount);
    const item: XeroItem = {
      ...(product.externalId ? { ItemID: product.externalId } : {}),
      Code: product.sku,
      Name: fitted(product.name, NAME_MAX),
      Description: product.name,
      IsSold: product.sellable,
      IsPurchased: product.purchasable,
      ...(product.sellable ? { SalesDetails: { AccountCode: product.saleGlCode ?? undefined, TaxType: taxes.selling?.code } } : {}),
      // Untracked items: bills for stock capitalise to the stock account; Stocksheet keeps the quantities.
      ...(product.purchasable ? { PurchaseDetails: { AccountCode: purchaseAccount ?? undefined, TaxType: taxes.buying?.code } } : {}),
    };
    return { body: item };
  },
  postItems: (accounting, connection, bodies, key) => postItems(accounting, connection, bodies as XeroItem[], key),
  // Stocksheet's manual journals reach the ledger as journals of source MANJOURNAL whose SourceID is
  // the ManualJournalID (the spec: "the identifier for the source transaction"). Journal numbers
  // only grow, and an edit in Xero is taken to add a reversal and a new journal rather than change
  // one (as integrations describe it; not checked against a live organisation).
  ledger: { ownSourceType: 'MANJOURNAL', incremental: true },
  ledgerLines: (accounting, connection, position) => xeroJournals(accounting, connection, position === null ? 0 : Number(position)),
};
