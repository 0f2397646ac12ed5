// The request bodies the stand-in accepts, as zod schemas transcribed from MYOB's .NET SDK contracts
// (https://github.com/myob-oss/AccountRight_Live_API_.Net_SDK, MYOB.API.SDK/SDK/Contracts/Version2/:
// Inventory/Item.cs, GeneralLedger/GeneralJournal.cs, GeneralJournalLine.cs, the *Link.cs classes,
// BaseEntity.cs) with the lengths of MYOB's endpoint pages (Item: Number and Name String(30),
// Description String(255), custom lists String(30); GeneralJournal: DisplayID String(13), Memo
// String(255)). Read-only fields of the contracts are accepted (a client may PUT back what it GOT)
// and ignored. Every object is strict: an unknown member is refused.
//
// `parseBody` turns zod's issues into MYOB's errors, as the error-messages page describes them
// (https://developer.myob.com/api/myob-business-api/api-overview/error-messages):
//   - a value of the wrong type, a bad GUID, an unknown enum value → SerializationError (50),
//     "Error converting value …"; null for a non-nullable value type (bool, decimal) likewise;
//   - a missing (or null) required field → Required (100), "[Field] is required";
//   - an unknown member → SerializationError, "Could not find member 'X'" (Json.NET's wording);
//   - a string over its length → MaxLengthExceeded (the stand-in's own name: MYOB's is not documented).
import { z } from 'zod';
import { errorsAnswer, myobError, type Answer, type MyobError } from './answers.ts';

const guid = z.guid();
const uri = z.string().nullish();
const text = (max: number) => z.string().max(max).nullish();

// BaseLink.cs: UID, URI; the links add what identifies the target for people.
const AccountLink = z.strictObject({ UID: guid, Name: z.string().nullish(), DisplayID: z.string().nullish(), URI: uri });
const TaxCodeLink = z.strictObject({ UID: guid, Code: z.string().nullish(), URI: uri });
const JobLink = z.strictObject({ UID: guid, Number: z.string().nullish(), Name: z.string().nullish(), URI: uri });
const CategoryLink = z.strictObject({ UID: guid, DisplayID: z.string().nullish(), Name: z.string().nullish(), URI: uri });
const CardLink = z.strictObject({ UID: guid, Name: z.string().nullish(), DisplayID: z.string().nullish(), URI: uri });
const LocationLink = z.strictObject({ UID: guid, Identifier: z.string().nullish(), Name: z.string().nullish(), URI: uri });
const ItemLink = z.strictObject({ UID: guid, Number: z.string().nullish(), Name: z.string().nullish(), URI: uri });
// Identifier.cs as the Item page shows it: Label (read-only) and Value, String(30) each.
const Identifier = z.strictObject({ Label: text(30), Value: text(30) });

const RestockingInformation = z.strictObject({
  MinimumLevelForRestockingAlert: z.number().nullish(),
  Supplier: CardLink.nullish(),
  SupplierItemNumber: text(30),
  DefaultOrderQuantity: z.number().optional(),
});

// Units of measure: 5 characters (MYOB's item import field limits; the API page gives no length).
const ItemBuyingDetails = z.strictObject({
  LastPurchasePrice: z.number().optional(),
  StandardCost: z.number().optional(),
  StandardCostTaxInclusive: z.boolean().nullish(),
  BuyingUnitOfMeasure: text(5),
  ItemsPerBuyingUnit: z.number().nullish(),
  TaxCode: TaxCodeLink.nullish(),
  RestockingInformation: RestockingInformation.nullish(),
});

const CALCULATE_SALES_TAX_ON = [
  'ActualSellingPrice',
  'BaseSellingPrice',
  'LevelA',
  'LevelB',
  'LevelC',
  'LevelD',
  'LevelE',
  'LevelF',
] as const;

const ItemSellingDetails = z.strictObject({
  BaseSellingPrice: z.number().optional(),
  SellingUnitOfMeasure: text(5),
  ItemsPerSellingUnit: z.number().nullish(),
  TaxCode: TaxCodeLink.nullish(),
  IsTaxInclusive: z.boolean().optional(),
  CalculateSalesTaxOn: z.enum(CALCULATE_SALES_TAX_ON).nullish(),
  PriceMatrixURI: uri,
});

/** Item.cs (POST and PUT; UID and RowVersion are checked by the handler: refused on POST, required on PUT). */
export const ItemBody = z.strictObject({
  UID: guid.optional(),
  URI: uri,
  RowVersion: z.string().nullish(),
  Number: z.string().max(30),
  Name: z.string().max(30),
  IsActive: z.boolean().optional(),
  Description: text(255),
  UseDescription: z.boolean().optional(),
  CustomList1: Identifier.nullish(),
  CustomList2: Identifier.nullish(),
  CustomList3: Identifier.nullish(),
  CustomField1: Identifier.nullish(),
  CustomField2: Identifier.nullish(),
  CustomField3: Identifier.nullish(),
  QuantityOnHand: z.number().optional(),
  QuantityCommitted: z.number().optional(),
  QuantityOnOrder: z.number().optional(),
  QuantityAvailable: z.number().optional(),
  AverageCost: z.number().nullish(),
  CurrentValue: z.number().optional(),
  BaseSellingPrice: z.number().optional(),
  IsBought: z.boolean().optional(),
  IsSold: z.boolean().optional(),
  IsInventoried: z.boolean().optional(),
  ExpenseAccount: AccountLink.nullish(),
  CostOfSalesAccount: AccountLink.nullish(),
  IncomeAccount: AccountLink.nullish(),
  AssetAccount: AccountLink.nullish(),
  BuyingDetails: ItemBuyingDetails.nullish(),
  SellingDetails: ItemSellingDetails.nullish(),
  PhotoURI: uri,
  LocationDetails: z.array(z.strictObject({ Location: LocationLink.nullish(), QuantityOnHand: z.number().optional() })).nullish(),
  DefaultSellLocation: LocationLink.nullish(),
  DefaultReceiveLocation: LocationLink.nullish(),
  BillOfMaterials: z
    .strictObject({
      Quantity: z.number().optional(),
      Items: z.array(z.strictObject({ Quantity: z.number().optional(), Item: ItemLink })).nullish(),
    })
    .nullish(),
});
export type ItemInput = z.infer<typeof ItemBody>;

/**
 * GeneralJournalLine.cs. RowId/RowVersion are read-only (a POST carrying them is refused with 409 by
 * the handler); the SDK spells it RowId, answers and the cdata driver RowID: both are accepted.
 * Amount and IsCredit are required here (the SDK's defaults, 0 and debit, would hide a client's
 * omission).
 */
const GeneralJournalLine = z.strictObject({
  RowId: z.number().int().nullish(),
  RowID: z.number().int().nullish(),
  RowVersion: z.string().nullish(),
  Account: AccountLink,
  Job: JobLink.nullish(),
  Memo: text(255),
  TaxCode: TaxCodeLink.nullish(),
  Amount: z.number(),
  IsCredit: z.boolean(),
  TaxAmount: z.number().optional(),
  IsOverriddenTaxAmount: z.boolean().optional(),
});

/**
 * GeneralJournal.cs. GSTReportingMethod is "mandatory" (the SDK's comment) and is Sale or Purchase
 * (GSTReportingMethod.cs; the endpoint page: "Sale (Supply), Purchase (Acquisition)"). DateOccurred
 * is a string here and parsed by the rules (one of MYOB's two DateTime forms).
 */
export const GeneralJournalBody = z.strictObject({
  UID: guid.optional(),
  URI: uri,
  RowVersion: z.string().nullish(),
  DisplayID: text(13),
  DateOccurred: z.string(),
  IsTaxInclusive: z.boolean().optional(),
  Memo: text(255),
  GSTReportingMethod: z.enum(['Sale', 'Purchase']),
  IsYearEndAdjustment: z.boolean().optional(),
  Category: CategoryLink.nullish(),
  Lines: z.array(GeneralJournalLine),
});
export type GeneralJournalInput = z.infer<typeof GeneralJournalBody>;

const DOTNET_TYPES: Record<string, string> = {
  boolean: 'System.Boolean',
  number: 'System.Decimal',
  int: 'System.Int32',
  string: 'System.String',
  object: 'an object',
  array: 'a list',
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; answer: Answer };

/** Validates a request body against a contract; `typeName` is the contract's class name, for messages. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, typeName: string): Parsed<T> {
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  const errors: MyobError[] = [];
  for (const issue of result.error.issues) {
    for (const error of issueErrors(issue, body, typeName)) {
      if (!errors.some((e) => e.Name === error.Name && e.Message === error.Message)) errors.push(error);
    }
  }
  return { ok: false, answer: errorsAnswer(400, errors) };
}

function issueErrors(issue: z.core.$ZodIssue, body: unknown, typeName: string): MyobError[] {
  const at = jsonPath(issue.path);
  const field = lastKey(issue.path) ?? typeName;
  const value = valueAt(body, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) =>
        myobError(
          'SerializationError',
          `Could not find member '${key}' on object of type '${objectType(issue.path, typeName)}'`,
          `Path '${jsonPath([...issue.path, key])}'`,
        ),
      );
    case 'invalid_type': {
      const valueType = issue.expected === 'boolean' || issue.expected === 'number' || issue.expected === 'int';
      if (value === undefined || (value === null && !valueType)) return [myobError('Required', `${field} is required`, `Path '${at}'`)];
      return [converting(value, DOTNET_TYPES[issue.expected] ?? issue.expected, at)];
    }
    case 'invalid_format':
      return [converting(value, issue.format === 'guid' ? 'System.Guid' : 'System.String', at)];
    case 'invalid_value':
      if (value === undefined || value === null) return [myobError('Required', `${field} is required`, `Path '${at}'`)];
      return [converting(value, `${field} (${issue.values.join(', ')})`, at)];
    case 'too_big':
      return [myobError('MaxLengthExceeded', `${field} must be at most ${String(issue.maximum)} characters`, `Path '${at}'`)];
    default:
      return [myobError('SerializationError', `${issue.message}`, `Path '${at}'`)];
  }
}

function converting(value: unknown, type: string, at: string): MyobError {
  const shown = value === null ? '{null}' : JSON.stringify(value);
  return myobError('SerializationError', `Error converting value ${shown} to type '${type}'`, `Path '${at}'`);
}

function objectType(path: PropertyKey[], typeName: string): string {
  if (path.length === 0) return typeName;
  const key = lastKey(path);
  return key === 'Lines' ? 'GeneralJournalLine' : (key ?? typeName);
}

function lastKey(path: PropertyKey[]): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return undefined;
}

/** Json.NET's path form: `Lines[0].Account.UID`. */
function jsonPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (out, step) => (typeof step === 'number' ? `${out}[${step}]` : out ? `${out}.${String(step)}` : String(step)),
    '',
  );
}

function valueAt(body: unknown, path: PropertyKey[]): unknown {
  let current: unknown = body;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[step];
  }
  return current;
}
