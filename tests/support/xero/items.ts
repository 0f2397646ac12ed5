// Items as Xero validates and stores them, untracked only (a stock integration keeps its own
// inventory and must not create Xero-tracked items):
//   - Code required (the spec) and unique, case-insensitively: the spec's example message "Price
//     List Item with Code 'abc' already exists"; Code ≤ 30 and Name ≤ 50 are the spec's;
//   - InventoryAssetAccountCode must name an INVENTORY-type account (the spec), and an item that has
//     one is tracked, which the stand-in refuses; COGSAccountCode likewise belongs to tracked items;
//   - Sales/PurchaseDetails.AccountCode an existing, ACTIVE, non-INVENTORY account (a CURRENT-asset
//     purchase account is fine), TaxType a valid, active rate for that account;
//   - IsSold=false clears Description and SalesDetails, IsPurchased=false PurchaseDescription and
//     PurchaseDetails (the spec); UnitPrice rounded to 2 places, or 4 with unitdp=4;
//   - PUT creates only; POST updates the item its ItemID or Code names (given fields only) or
//     creates one; POST /Items/{ItemID} updates that item (a rename included).
import { randomUUID } from 'node:crypto';
import { json, problem, type Answer } from './answers.ts';
import { batchAnswer, type ElementResult } from './batch.ts';
import { accountClass, taxRateAppliesTo } from './chart.ts';
import { msDate } from './dates.ts';
import { envelope, findAccountByCode, findTaxRate, isRecord, modifiedSince, NIL_UUID, type OpContext, type OrgState } from './state.ts';
import type { StoredItem, StoredItemDetails } from './types.ts';
import { parseOrder, parseWhere } from './where.ts';

type Mode = 'create' | 'upsert' | 'update';

/** PUT /Items, POST /Items, POST /Items/{ItemID}. */
export function writeItems(ctx: OpContext, mode: Mode): Answer {
  const elements: unknown[] = isRecord(ctx.body) && Array.isArray(ctx.body.Items) ? ctx.body.Items : [];
  const results = elements.map((element): ElementResult => writeOne(ctx, mode, isRecord(element) ? element : {}));
  return batchAnswer(ctx, 'Items', results);
}

function writeOne(ctx: OpContext, mode: Mode, el: Record<string, unknown>): ElementResult {
  const { state } = ctx;
  const code = typeof el.Code === 'string' ? el.Code : '';
  const givenId = typeof el.ItemID === 'string' && el.ItemID !== NIL_UUID ? el.ItemID : undefined;
  let existing: StoredItem | undefined;
  if (mode === 'create' && givenId) return failed(el, [`ItemID '${givenId}' was given: PUT creates items, use POST to update one`]);
  if (mode === 'update') {
    const id = ctx.params.ItemID ?? '';
    if (givenId && givenId.toLowerCase() !== id.toLowerCase())
      return failed(el, ['The ItemID in the body does not match the one in the URL']);
    existing = byId(state, id);
    if (!existing) return failed(el, [`Item '${id}' could not be found`]);
  } else if (mode === 'upsert') {
    existing = givenId ? byId(state, givenId) : byCode(state, code);
    if (givenId && !existing) return failed(el, [`Item '${givenId}' could not be found`]);
  }

  const errors: string[] = [];
  if (!code.trim()) errors.push('Item Code cannot be empty');
  const clash = byCode(state, code);
  if (code.trim() && clash && clash !== existing) errors.push(`Price List Item with Code '${code}' already exists`);
  const assetCode = typeof el.InventoryAssetAccountCode === 'string' ? el.InventoryAssetAccountCode : '';
  if (assetCode) {
    const asset = findAccountByCode(state, assetCode);
    if (!asset || asset.Type !== 'INVENTORY')
      errors.push(`The InventoryAssetAccountCode '${assetCode}' must be an account of type INVENTORY`);
    else errors.push('The Xero stand-in keeps untracked items only: an InventoryAssetAccountCode makes the item tracked');
  }
  if (isRecord(el.PurchaseDetails) && typeof el.PurchaseDetails.COGSAccountCode === 'string' && el.PurchaseDetails.COGSAccountCode) {
    errors.push('COGSAccountCode applies to tracked items only; an untracked item takes PurchaseDetails.AccountCode');
  }

  const dp = ctx.query.unitdp === '4' ? 4 : 2;
  const item: StoredItem = existing
    ? structuredClone(existing)
    : {
        ItemID: randomUUID(),
        Code: code,
        IsSold: true,
        IsPurchased: true,
        UpdatedDateUTC: ctx.now,
        ...(ctx.key ? { createdWithKey: ctx.key } : {}),
      };
  item.Code = code;
  for (const key of ['Name', 'Description', 'PurchaseDescription'] as const) if (typeof el[key] === 'string') item[key] = el[key];
  if (typeof el.IsSold === 'boolean') item.IsSold = el.IsSold;
  if (typeof el.IsPurchased === 'boolean') item.IsPurchased = el.IsPurchased;
  for (const key of ['SalesDetails', 'PurchaseDetails'] as const) {
    const given = el[key];
    if (!isRecord(given)) continue;
    const details: StoredItemDetails = { ...item[key] };
    if (typeof given.UnitPrice === 'number') details.UnitPrice = Number(given.UnitPrice.toFixed(dp));
    if (typeof given.AccountCode === 'string') details.AccountCode = given.AccountCode;
    if (typeof given.TaxType === 'string') details.TaxType = given.TaxType;
    checkDetails(state, key, details, errors);
    item[key] = details;
  }
  if (!item.IsSold) {
    delete item.Description;
    delete item.SalesDetails;
  }
  if (!item.IsPurchased) {
    delete item.PurchaseDescription;
    delete item.PurchaseDetails;
  }
  if (errors.length) return failed(el, errors, existing?.ItemID);

  item.UpdatedDateUTC = ctx.now;
  if (existing) {
    for (const key of Object.keys(existing)) delete (existing as unknown as Record<string, unknown>)[key];
    Object.assign(existing, item);
  } else state.items.push(item);
  return { ok: true, element: { ...itemOut(existing ?? item), StatusAttributeString: 'OK' } };
}

function checkDetails(state: OrgState, key: 'SalesDetails' | 'PurchaseDetails', details: StoredItemDetails, errors: string[]): void {
  const account = details.AccountCode ? findAccountByCode(state, details.AccountCode) : undefined;
  if (details.AccountCode) {
    if (!account) errors.push(`${key}: Account code '${details.AccountCode}' does not match a recognised account`);
    else if (account.Status !== 'ACTIVE')
      errors.push(`${key}: Account code '${details.AccountCode}' has been archived, or has been deleted`);
    else if (account.Type === 'INVENTORY') errors.push(`${key}: You cannot save this transaction using an inventory account type`);
  }
  if (details.TaxType) {
    const rate = findTaxRate(state, details.TaxType);
    if (!rate || rate.Status !== 'ACTIVE') errors.push(`The TaxType code '${details.TaxType}' is not valid`);
    else if (account && !taxRateAppliesTo(rate, account.Type)) {
      errors.push(
        `The TaxType code '${details.TaxType}' cannot be used with account code '${details.AccountCode}' (${accountClass(account.Type)})`,
      );
    }
  }
}

function byId(state: OrgState, id: string): StoredItem | undefined {
  return state.items.find((i) => i.ItemID.toLowerCase() === id.toLowerCase());
}

function byCode(state: OrgState, code: string): StoredItem | undefined {
  return code ? state.items.find((i) => i.Code.toLowerCase() === code.toLowerCase()) : undefined;
}

function failed(el: Record<string, unknown>, errors: string[], id?: string): ElementResult {
  return {
    ok: false,
    element: {
      ...el,
      ...(id ? { ItemID: id } : {}),
      StatusAttributeString: 'ERROR',
      ValidationErrors: errors.map((Message) => ({ Message })),
    },
  };
}

export function itemOut(i: StoredItem): Record<string, unknown> {
  return {
    ItemID: i.ItemID,
    Code: i.Code,
    ...(i.Description !== undefined ? { Description: i.Description } : {}),
    ...(i.PurchaseDescription !== undefined ? { PurchaseDescription: i.PurchaseDescription } : {}),
    UpdatedDateUTC: msDate(i.UpdatedDateUTC),
    PurchaseDetails: { ...i.PurchaseDetails },
    SalesDetails: { ...i.SalesDetails },
    ...(i.Name !== undefined ? { Name: i.Name } : {}),
    IsTrackedAsInventory: false,
    IsSold: i.IsSold,
    IsPurchased: i.IsPurchased,
  };
}

/** GET /Items: `where` (e.g. Code=="X"), `order`, `If-Modified-Since`. */
export function getItems(ctx: OpContext, fields: string[]): Answer {
  let list = ctx.state.items.map((i) => ({ i, view: { ...itemOut(i), UpdatedDateUTC: i.UpdatedDateUTC } }));
  const since = modifiedSince(ctx);
  if (since) list = list.filter(({ i }) => since(i.UpdatedDateUTC));
  if (ctx.query.where) {
    const match = parseWhere(ctx.query.where, fields, 'Item');
    list = list.filter(({ view }) => match(view));
  }
  if (ctx.query.order) {
    const compare = parseOrder(ctx.query.order, fields, 'Item');
    list = [...list].sort((a, b) => compare(a.view, b.view));
  }
  return json(200, { ...envelope(ctx), Items: list.map(({ i }) => itemOut(i)) });
}

/** GET /Items/{ItemID} */
export function getItem(ctx: OpContext): Answer {
  const item = byId(ctx.state, ctx.params.ItemID ?? '');
  if (!item) return problem(404, 'Not Found', 'The resource you have specified cannot be found');
  return json(200, { ...envelope(ctx), Items: [itemOut(item)] });
}
