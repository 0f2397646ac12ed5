// Inventory items as MYOB validates and stores them (Inventory/Item.cs; the Item page
// https://developer.myob.com/api/accountright/v2/inventory/item; creating and updating
// https://developer.myob.com/api/myob-business-api/api-overview/creating-updating):
//   - the body matches the Item contract (schemas.ts); Number and Name are required (not blank);
//   - Number is unique in the file (compared exactly; the stand-in's DuplicateItemNumber);
//   - IncomeAccount is required when IsSold, ExpenseAccount when IsBought and not IsInventoried,
//     AssetAccount when IsInventoried, CostOfSalesAccount when IsInventoried and IsSold (Item.cs);
//   - every account given exists (NotFound) and is not a header account; every tax code exists;
//   - POST creates: a body with UID or RowVersion is refused with 409 (MYOB support article
//     4788117269647, via the project notes); 201 Created, `Location: <URI>`, an empty body, or the
//     entity with ?returnBody=true;
//   - PUT /Item/{UID} replaces the whole item: the body's UID must be the path's, RowVersion the
//     current one (409 IncorrectRowVersionSupplied otherwise), an unknown UID is 404 "PUT only
//     supports update operations for existing records"; 200 with an empty body (or the entity).
// Each change gets a new RowVersion. Quantities and values stay 0: MYOB computes them from
// transactions the stand-in does not model.
import { errorAnswer, errorsAnswer, json, myobError, type Answer, type MyobError } from './answers.ts';
import { collection } from './odata.ts';
import { ItemBody, parseBody, type ItemInput } from './schemas.ts';
import {
  accountLink,
  findAccount,
  findItem,
  findTaxCode,
  itemUri,
  newUid,
  nextRowVersion,
  returnBody,
  taxCodeLink,
  type FileState,
  type OpContext,
} from './state.ts';
import type { StoredItem } from './types.ts';

type ItemFields = Omit<StoredItem, 'UID' | 'RowVersion' | 'createdAt' | 'updatedAt'>;

export function itemOut(ctx: OpContext, item: StoredItem): Record<string, unknown> {
  const { BuyingDetails: buying, SellingDetails: selling } = item;
  return {
    UID: item.UID,
    Number: item.Number,
    Name: item.Name,
    IsActive: item.IsActive,
    Description: item.Description,
    UseDescription: item.UseDescription,
    CustomList1: null,
    CustomList2: null,
    CustomList3: null,
    CustomField1: null,
    CustomField2: null,
    CustomField3: null,
    QuantityOnHand: 0,
    QuantityCommitted: 0,
    QuantityOnOrder: 0,
    QuantityAvailable: 0,
    AverageCost: null,
    CurrentValue: 0,
    BaseSellingPrice: selling.BaseSellingPrice,
    IsBought: item.IsBought,
    IsSold: item.IsSold,
    IsInventoried: item.IsInventoried,
    ExpenseAccount: accountLink(ctx, item.ExpenseAccount),
    CostOfSalesAccount: accountLink(ctx, item.CostOfSalesAccount),
    IncomeAccount: accountLink(ctx, item.IncomeAccount),
    AssetAccount: accountLink(ctx, item.AssetAccount),
    BuyingDetails: {
      LastPurchasePrice: 0,
      StandardCost: buying.StandardCost,
      StandardCostTaxInclusive: buying.StandardCostTaxInclusive,
      BuyingUnitOfMeasure: buying.BuyingUnitOfMeasure,
      ItemsPerBuyingUnit: buying.ItemsPerBuyingUnit,
      TaxCode: taxCodeLink(ctx, buying.TaxCode),
      RestockingInformation: null,
    },
    SellingDetails: {
      BaseSellingPrice: selling.BaseSellingPrice,
      SellingUnitOfMeasure: selling.SellingUnitOfMeasure,
      ItemsPerSellingUnit: selling.ItemsPerSellingUnit,
      TaxCode: taxCodeLink(ctx, selling.TaxCode),
      IsTaxInclusive: selling.IsTaxInclusive,
      CalculateSalesTaxOn: selling.CalculateSalesTaxOn,
      PriceMatrixURI: null,
    },
    PhotoURI: null,
    LocationDetails: [],
    DefaultSellLocation: null,
    DefaultReceiveLocation: null,
    BillOfMaterials: null,
    URI: itemUri(ctx, item.UID),
    RowVersion: item.RowVersion,
  };
}

export const getItems = (ctx: OpContext): Answer => collection(ctx, ctx.state.items, (i) => itemOut(ctx, i), ['Number', 'Name'], 'Item');

export function getItem(ctx: OpContext): Answer {
  const item = findItem(ctx.state, ctx.uid ?? '');
  return item ? json(200, itemOut(ctx, item)) : errorAnswer(404, 'ResourceNotFound', `Item '${ctx.uid}' was not found`);
}

/** POST Inventory/Item */
export function postItem(ctx: OpContext): Answer {
  const parsed = parseBody(ItemBody, ctx.body, 'Item');
  if (!parsed.ok) return parsed.answer;
  const input = parsed.value;
  if (input.UID !== undefined || (input.RowVersion !== undefined && input.RowVersion !== null)) {
    return errorAnswer(
      409,
      'IncorrectRowVersionSupplied',
      'A new item must not carry a UID or RowVersion',
      'POST creates; PUT /Inventory/Item/{UID} updates',
    );
  }
  const checked = checkItem(ctx.state, input, undefined);
  if (!checked.ok) return errorsAnswer(400, checked.errors);
  const item: StoredItem = {
    UID: newUid(),
    ...checked.fields,
    RowVersion: nextRowVersion(ctx.state),
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  ctx.state.items.push(item);
  const location = itemUri(ctx, item.UID);
  return returnBody(ctx) ? json(201, itemOut(ctx, item), { location }) : { status: 201, headers: { location } };
}

/** PUT Inventory/Item/{UID} */
export function putItem(ctx: OpContext): Answer {
  const parsed = parseBody(ItemBody, ctx.body, 'Item');
  if (!parsed.ok) return parsed.answer;
  const input = parsed.value;
  const existing = findItem(ctx.state, ctx.uid ?? '');
  if (!existing)
    return errorAnswer(404, 'ResourceNotFound', 'PUT only supports update operations for existing records', `Item '${ctx.uid}'`);
  if (input.UID === undefined) return errorAnswer(400, 'Required', 'UID is required', "Path 'UID'");
  if (input.UID.toLowerCase() !== existing.UID.toLowerCase()) {
    return errorAnswer(400, 'UIDMismatch', `The body's UID '${input.UID}' is not the UID of the URL (${existing.UID})`);
  }
  if (input.RowVersion !== existing.RowVersion) {
    return errorAnswer(
      409,
      'IncorrectRowVersionSupplied',
      'The update requires a valid RowVersion from the current entity',
      `RowVersion given: ${input.RowVersion ?? '(none)'}; GET the item again, re-apply the change and PUT it`,
    );
  }
  const checked = checkItem(ctx.state, input, existing);
  if (!checked.ok) return errorsAnswer(400, checked.errors);
  Object.assign(existing, checked.fields, { RowVersion: nextRowVersion(ctx.state), updatedAt: ctx.now });
  return returnBody(ctx) ? json(200, itemOut(ctx, existing)) : { status: 200 };
}

type Checked = { ok: true; fields: ItemFields } | { ok: false; errors: MyobError[] };

function checkItem(state: FileState, input: ItemInput, existing: StoredItem | undefined): Checked {
  const errors: MyobError[] = [];
  const number = input.Number.trim();
  const name = input.Name.trim();
  if (!number) errors.push(myobError('Required', 'Number is required', "Path 'Number'"));
  if (!name) errors.push(myobError('Required', 'Name is required', "Path 'Name'"));
  const clash = state.items.find((i) => i.Number === number && i !== existing);
  if (number && clash)
    errors.push(myobError('DuplicateItemNumber', `Item number '${number}' is already used by another item`, `UID ${clash.UID}`));

  const isBought = input.IsBought ?? false;
  const isSold = input.IsSold ?? false;
  const isInventoried = input.IsInventoried ?? false;
  const account = (key: 'AssetAccount' | 'CostOfSalesAccount' | 'IncomeAccount' | 'ExpenseAccount', needed: boolean, why: string) => {
    const link = input[key];
    if (!link) {
      if (needed) errors.push(myobError('Required', `${key} is required`, why));
      return null;
    }
    const found = findAccount(state, link.UID);
    if (!found) errors.push(myobError('NotFound', `${key}: no account with UID '${link.UID}'`, `Path '${key}.UID'`));
    else if (found.IsHeader)
      errors.push(
        myobError('AccountHeaderNotAllowed', `${key} ${found.DisplayID} is a header account`, 'Only detail accounts can be linked'),
      );
    return link.UID;
  };
  const taxCode = (path: string, uid: string | undefined) => {
    if (uid === undefined) return null;
    if (!findTaxCode(state, uid)) errors.push(myobError('NotFound', `${path}: no tax code with UID '${uid}'`, `Path '${path}.UID'`));
    return uid;
  };
  const fields: ItemFields = {
    Number: number,
    Name: name,
    IsActive: input.IsActive ?? true,
    Description: input.Description ?? null,
    UseDescription: input.UseDescription ?? false,
    IsBought: isBought,
    IsSold: isSold,
    IsInventoried: isInventoried,
    AssetAccount: account('AssetAccount', isInventoried, 'when IsInventoried is true'),
    CostOfSalesAccount: account('CostOfSalesAccount', isInventoried && isSold, 'when IsInventoried and IsSold are true'),
    IncomeAccount: account('IncomeAccount', isSold, 'when IsSold is true'),
    ExpenseAccount: account('ExpenseAccount', isBought && !isInventoried, 'when IsBought is true and IsInventoried is false'),
    BuyingDetails: {
      StandardCost: input.BuyingDetails?.StandardCost ?? 0,
      StandardCostTaxInclusive: input.BuyingDetails?.StandardCostTaxInclusive ?? null,
      BuyingUnitOfMeasure: input.BuyingDetails?.BuyingUnitOfMeasure ?? null,
      ItemsPerBuyingUnit: input.BuyingDetails?.ItemsPerBuyingUnit ?? null,
      TaxCode: taxCode('BuyingDetails.TaxCode', input.BuyingDetails?.TaxCode?.UID),
    },
    SellingDetails: {
      BaseSellingPrice: input.SellingDetails?.BaseSellingPrice ?? input.BaseSellingPrice ?? 0,
      SellingUnitOfMeasure: input.SellingDetails?.SellingUnitOfMeasure ?? null,
      ItemsPerSellingUnit: input.SellingDetails?.ItemsPerSellingUnit ?? null,
      TaxCode: taxCode('SellingDetails.TaxCode', input.SellingDetails?.TaxCode?.UID),
      IsTaxInclusive: input.SellingDetails?.IsTaxInclusive ?? false,
      CalculateSalesTaxOn: input.SellingDetails?.CalculateSalesTaxOn ?? null,
    },
  };
  return errors.length ? { ok: false, errors } : { ok: true, fields };
}
