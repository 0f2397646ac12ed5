import { centsText } from '../../../domain/journals.ts';
import { resolveTaxRate, type ProviderClient, type TaxRate } from '../client.ts';
import {
  manualJournalsWithMarkers,
  postItems,
  putManualJournals,
  refreshXeroTokens,
  xeroChart,
  xeroLockDate,
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
  itemBody(product, stockAccount, taxRates) {
    const tax = (value: string | null): { code?: string; problem?: string } => {
      if (!value) return {};
      const rate = resolveTaxRate(value, taxRates);
      return rate
        ? { code: rate.code }
        : {
            problem: `${product.sku}'s tax rate "${value}" is not one of Xero's active tax rates (${names(taxRates)}): choose one of those, then retry.`,
          };
    };
    const selling = product.sellable ? tax(product.sellingTaxRate) : {};
    const buying = product.purchasable ? tax(product.purchaseTaxRate) : {};
    const problem = selling.problem ?? buying.problem;
    if (problem) return { problem };
    if (product.sku.length > CODE_MAX)
      return {
        problem: `Xero item codes are at most ${CODE_MAX} characters, and ${product.sku} has ${product.sku.length}: shorten the SKU, or link the product to an existing item.`,
      };
    const purchaseAccount = product.stockTracked ? (product.assetGlCode ?? stockAccount) : product.purchaseGlCode;
    const item: XeroItem = {
      ...(product.externalId ? { ItemID: product.externalId } : {}),
      Code: product.sku,
      Name: product.name.length > NAME_MAX ? `${product.name.slice(0, NAME_MAX - 1)}…` : product.name,
      Description: product.name,
      IsSold: product.sellable,
      IsPurchased: product.purchasable,
      ...(product.sellable ? { SalesDetails: { AccountCode: product.saleGlCode ?? undefined, TaxType: selling.code } } : {}),
      // Untracked items: bills for stock capitalise to the stock account; Stocksheet keeps the quantities.
      ...(product.purchasable ? { PurchaseDetails: { AccountCode: purchaseAccount ?? undefined, TaxType: buying.code } } : {}),
    };
    return { body: item };
  },
  postItems: (accounting, connection, bodies, key) => postItems(accounting, connection, bodies as XeroItem[], key),
};

const names = (rates: TaxRate[]) =>
  rates
    .filter((r) => r.active)
    .map((r) => `${r.name} (${r.code})`)
    .join(', ');
