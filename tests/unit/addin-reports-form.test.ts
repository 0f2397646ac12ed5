// The Reports panel's parameter form, built from the parameters reports.list() describes: the
// field each gets, what it starts with, what it sends to reports.run (and what it refuses), how a
// value reads above the table, and the report search.
import { describe, expect, it } from 'vitest';
import {
  fieldKind,
  formParams,
  initialValues,
  isIsoDay,
  searchReports,
  shownValue,
  splitLines,
  type ParamDescription,
} from '../../addin/features/reports/param-form.ts';

const p = (key: string, kind: string, extra: Partial<ParamDescription> = {}): ParamDescription => ({
  key,
  label: key[0]!.toUpperCase() + key.slice(1),
  kind,
  required: false,
  ...extra,
});

describe('the field of each parameter', () => {
  it('is chosen by its kind; a choice without options and an unknown kind are typed as text', () => {
    const kinds = ['productId', 'locationId', 'bayId', 'customerId', 'userId', 'serials', 'list', 'date', 'integer', 'boolean', 'text'];
    expect(kinds.map((k) => fieldKind(p('x', k)))).toEqual([
      'product',
      'location',
      'bay',
      'customer',
      'user',
      'serials',
      'list',
      'date',
      'integer',
      'boolean',
      'text',
    ]);
    expect(fieldKind(p('by', 'choice', { options: ['product', 'account'] }))).toBe('choice');
    expect(fieldKind(p('by', 'choice'))).toBe('text');
    expect(fieldKind(p('x', 'somethingNew'))).toBe('text');
    expect(fieldKind(p('x', 'somethingNew', { options: ['a', 'b'] }))).toBe('choice');
  });

  it('starts with the default: a choice, a number, a list one per line, a ticked box, a picked id', () => {
    const params = [
      p('by', 'choice', { options: ['product', 'account'], default: 'product' }),
      p('withinDays', 'integer', { default: 30 }),
      p('tags', 'list', { default: ['a', 'b'] }),
      p('zero', 'boolean', { default: true }),
      p('productId', 'productId', { default: 7 }),
      p('from', 'date'),
      p('locationId', 'locationId'),
    ];
    expect(initialValues(params)).toEqual({
      by: 'product',
      withinDays: '30',
      tags: 'a\nb',
      zero: true,
      productId: { id: 7, label: '#7' },
      from: '',
      locationId: null,
    });
  });
});

describe('what the form sends', () => {
  const params = [
    p('locationId', 'locationId'),
    p('serials', 'serials', { required: true }),
    p('from', 'date'),
    p('withinDays', 'integer'),
    p('by', 'choice', { options: ['product', 'account'] }),
    p('zero', 'boolean'),
    p('document', 'text'),
  ];

  it('sends each filled field typed and leaves the empty ones out (the server refuses parameters a report does not have)', () => {
    const { params: sent, problems } = formParams(params, {
      locationId: { id: 3, label: 'Main store' },
      serials: ' SN-1 \r\n\r\nSN-2\tSN-3\n',
      from: '2026-07-01',
      withinDays: '45',
      by: 'account',
      zero: true,
      document: '  shipment ',
    });
    expect(problems).toEqual([]);
    expect(sent).toEqual({
      locationId: 3,
      serials: ['SN-1', 'SN-2', 'SN-3'],
      from: '2026-07-01',
      withinDays: 45,
      by: 'account',
      zero: true,
      document: 'shipment',
    });
    const empty = formParams(params, { ...initialValues(params), serials: 'SN-1' });
    expect(empty.params).toEqual({ serials: ['SN-1'], zero: false });
  });

  it('refuses a required field left empty and values that are not what their field takes, naming the field', () => {
    const { params: sent, problems } = formParams(params, {
      serials: ' \n ',
      from: '2026-02-30',
      withinDays: '4.5',
      by: 'customer',
    });
    expect(problems.map((x) => x.key)).toEqual(['serials', 'from', 'withinDays', 'by']);
    expect(problems.map((x) => x.message)).toEqual([
      'Serials: give at least one serial.',
      'From: "2026-02-30" is not a day like 2026-07-01.',
      'WithinDays: "4.5" is not a whole number.',
      'By: choose one of product, account.',
    ]);
    expect(sent).not.toHaveProperty('from');
    const requiredPick = formParams([p('productId', 'productId', { required: true, label: 'Product' })], { productId: null });
    expect(requiredPick.problems).toEqual([{ key: 'productId', message: 'Product: choose a product.' }]);
  });

  it('reads days and lines as Excel users paste them', () => {
    expect(['2026-07-01', '2024-02-29', '2026-02-29', '2026-7-1', '01/07/2026'].map(isIsoDay)).toEqual([true, true, false, false, false]);
    expect(splitLines('A\tB\r\nC\n\n  D  ')).toEqual(['A', 'B', 'C', 'D']);
  });
});

describe('how a value reads above the table', () => {
  it('names what was picked, counts lists, and says when a filter was left empty', () => {
    expect(shownValue(p('locationId', 'locationId'), 3, 'Main store')).toBe('Main store');
    expect(shownValue(p('locationId', 'locationId'), 3)).toBe('#3');
    expect(shownValue(p('locationId', 'locationId'), undefined)).toBe('(any)');
    expect(shownValue(p('from', 'date'), undefined)).toBe('(not set)');
    expect(shownValue(p('zero', 'boolean'), false)).toBe('No');
    expect(shownValue(p('serials', 'serials'), ['A'])).toBe('1 serial: A');
    expect(shownValue(p('serials', 'serials'), ['A', 'B', 'C', 'D', 'E', 'F', 'G'])).toBe('7 serials: A, B, C, D, E and 2 more');
    expect(shownValue(p('by', 'choice', { options: ['product'] }), 'product')).toBe('product');
  });
});

describe('the report search', () => {
  const reports = [
    { id: 'stockOnHand', title: 'Stock on hand', keywords: ['stock', 'inventory'], description: 'What is on hand now' },
    { id: 'serialLookup', title: 'Serial lookup', keywords: ['serial', 'where is'], description: 'Where each serial is' },
    { id: 'traceability', title: 'Serial and batch traceability', keywords: ['recall'], description: 'Backward and forward' },
  ];

  it('finds by title, id, keyword or description, every word, title matches first; empty lists them all', () => {
    expect(searchReports(reports, '').map((r) => r.id)).toEqual(['stockOnHand', 'serialLookup', 'traceability']);
    expect(searchReports(reports, 'RECALL').map((r) => r.id)).toEqual(['traceability']);
    expect(searchReports(reports, 'inventory').map((r) => r.id)).toEqual(['stockOnHand']);
    expect(searchReports(reports, 'serial').map((r) => r.id)).toEqual(['serialLookup', 'traceability']);
    expect(searchReports(reports, 'where serial').map((r) => r.id)).toEqual(['serialLookup']);
    expect(searchReports(reports, 'nothing like it')).toEqual([]);
  });
});
