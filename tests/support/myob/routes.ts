// The company-file resources the stand-in serves, each with the scope its token needs
// (https://developer.myob.com/api/myob-business-api/api-overview/scopes: sme-general-ledger,
// sme-inventory, sme-company-settings; the legacy CompanyFile scope covers everything). Methods
// MYOB has on a resource but the stand-in does not model answer 501; others 405; other paths 404.
import type { Answer } from './answers.ts';
import { getItem, getItems, postItem, putItem } from './items.ts';
import { getJournal, getJournals, postJournal } from './journals.ts';
import { getJournalTransactions } from './ledger.ts';
import { getAccount, getAccounts, getPreferences, getTaxCode, getTaxCodes } from './reads.ts';
import type { OpContext } from './state.ts';

export interface Route {
  /** Segments under `/{cf}/`; `{UID}` matches one segment. */
  path: string;
  scope: string;
  handlers: Partial<Record<string, (ctx: OpContext) => Answer>>;
  /** Methods MYOB documents for the resource that the stand-in does not carry out. */
  unmodelled: string[];
  /** A collection: its GET takes $filter, $top and $skip (anything else takes no `$` option). */
  collection?: true;
}

const GL = 'sme-general-ledger';
const INVENTORY = 'sme-inventory';

export const ROUTES: Route[] = [
  { path: 'GeneralLedger/Account', collection: true, scope: GL, handlers: { GET: getAccounts }, unmodelled: ['POST'] },
  { path: 'GeneralLedger/Account/{UID}', scope: GL, handlers: { GET: getAccount }, unmodelled: ['PUT', 'DELETE'] },
  { path: 'GeneralLedger/TaxCode', collection: true, scope: GL, handlers: { GET: getTaxCodes }, unmodelled: ['POST'] },
  { path: 'GeneralLedger/TaxCode/{UID}', scope: GL, handlers: { GET: getTaxCode }, unmodelled: ['PUT', 'DELETE'] },
  { path: 'GeneralLedger/GeneralJournal', collection: true, scope: GL, handlers: { GET: getJournals, POST: postJournal }, unmodelled: [] },
  { path: 'GeneralLedger/GeneralJournal/{UID}', scope: GL, handlers: { GET: getJournal }, unmodelled: ['PUT', 'DELETE'] },
  // The endpoint page lists GET, PUT, POST and DELETE; only reading the ledger is modelled.
  {
    path: 'GeneralLedger/JournalTransaction',
    collection: true,
    scope: GL,
    handlers: { GET: getJournalTransactions },
    unmodelled: ['PUT', 'POST', 'DELETE'],
  },
  { path: 'Inventory/Item', collection: true, scope: INVENTORY, handlers: { GET: getItems, POST: postItem }, unmodelled: [] },
  { path: 'Inventory/Item/{UID}', scope: INVENTORY, handlers: { GET: getItem, PUT: putItem }, unmodelled: ['DELETE'] },
  { path: 'Company/Preferences', scope: 'sme-company-settings', handlers: { GET: getPreferences }, unmodelled: [] },
];

/** The company file list (GET /accountright/) needs this scope. */
export const COMPANY_FILE_SCOPE = 'sme-company-file';
/** The scope that granted everything before MYOB's granular scopes (March 2025). */
export const LEGACY_SCOPE = 'CompanyFile';

/** The route of the segments under `/{cf}/` (matched case-insensitively, as MYOB's URLs are), with its UID. */
export function matchRoute(segments: string[]): { route: Route; uid?: string } | undefined {
  for (const route of ROUTES) {
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    let uid: string | undefined;
    const matches = pattern.every((part, i) => {
      if (part === '{UID}') {
        uid = segments[i];
        return true;
      }
      return part.toLowerCase() === segments[i]!.toLowerCase();
    });
    if (matches) return { route, ...(uid !== undefined ? { uid } : {}) };
  }
  return undefined;
}
