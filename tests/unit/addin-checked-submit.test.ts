import { TRPCClientError } from '@trpc/client';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Problem } from '../../addin/api/errors.ts';
import { CheckedSubmit, type CheckEnvironment } from '../../addin/components/checked-submit.ts';
import { collectSerials } from '../../addin/components/selection-serials.ts';
import { MemoryWorkbook } from '../support/memory-workbook.ts';

// The Serials panel's loop, as a person runs it: serials typed into B2:B5 of "Receipts", selected,
// checked (problems marked at their cells), then added, with answers that succeed, get lost on the
// way back, or are refused.

type Answer = 'ok' | 'lost' | 'refused' | 'fault';

/** Stands in for serials.add on the server: applies a key once, as server/modules/idempotency.ts does. */
class FakeServer {
  readonly stock = new Set<string>();
  readonly keysSent: string[] = [];
  private readonly answered = new Map<string, { request: string; added: number }>();
  answers: Answer[] = [];

  /** What serials.preview finds: repeats (pointing at the first) and serials already in stock. */
  preview(serials: string[]): Problem[] {
    return serials.flatMap((serial, index): Problem[] => {
      const first = serials.indexOf(serial);
      if (first < index)
        return [{ index, token: serial, reason: 'DUPLICATE_SERIAL', message: `Serial "${serial}" is listed twice.`, firstIndex: first }];
      if (this.stock.has(serial)) return [{ index, token: serial, reason: 'SERIAL_EXISTS', message: `Serial ${serial} already exists.` }];
      return [];
    });
  }

  async add(request: { serials: string[] }, key: string): Promise<{ added: number }> {
    this.keysSent.push(key);
    const answer = this.answers.shift() ?? 'ok';
    if (answer === 'fault') throw refusal(500, undefined, 'Internal server error');
    if (answer === 'refused') {
      const problems = this.preview(request.serials);
      throw refusal(409, 'SERIAL_EXISTS', 'Some serials already exist', problems);
    }
    const earlier = this.answered.get(key);
    if (earlier && earlier.request !== JSON.stringify(request))
      throw refusal(409, 'IDEMPOTENCY_KEY_REUSED', 'Key used for another request');
    const result = earlier ?? { request: JSON.stringify(request), added: request.serials.length };
    if (!earlier) {
      for (const serial of request.serials) this.stock.add(serial);
      this.answered.set(key, result);
    }
    if (answer === 'lost') throw new TypeError('Failed to fetch'); // applied, but the answer never arrived
    return { added: result.added };
  }
}

function refusal(httpStatus: number, reason: string | undefined, message: string, problems?: Problem[]) {
  return TRPCClientError.from({ error: { message, code: -32001, data: { httpStatus, reason, problems } } } as never);
}

const SHEET = 'Receipts';
let workbook: MemoryWorkbook;
let server: FakeServer;
let loop: CheckedSubmit<{ serials: string[] }>;
let env: CheckEnvironment;

beforeEach(() => {
  workbook = new MemoryWorkbook([SHEET, 'Other']);
  server = new FakeServer();
  let keys = 0;
  loop = new CheckedSubmit(() => `key-${++keys}`);
  env = { workbook, steps: { step: () => undefined, report: () => () => undefined } };
});

/** Types serials into B2 down and selects them. */
function typeSerials(...serials: string[]) {
  workbook.setCells(
    SHEET,
    1,
    1,
    serials.map((s) => [s]),
  );
  workbook.select(SHEET, `B2:B${serials.length + 1}`);
}

/** "Check selection": what the Serials panel does with the selection and the preview's problems. */
async function check() {
  const collected = collectSerials(await workbook.readSelection());
  const cells = { sheet: collected.sheet, locate: (i: number) => collected.cells[i] };
  await loop.show(env, { checked: { serials: collected.serials }, cells }, server.preview(collected.serials));
}

/** "Add serials": the checked set, sent with its key. */
function add() {
  const { serials } = loop.current()!.checked;
  return loop.submit(env, { serials }, (key) => server.add({ serials }, key));
}

describe('the check → mark → submit loop', () => {
  it("marks a check's problems at their cells, naming a repeat's first cell, and only the current ones", async () => {
    server.stock.add('SN3');
    typeSerials('SN1', 'SN2', 'SN3', 'SN2');
    await check();
    expect(workbook.marks(SHEET)).toEqual({ B4: 'Serial SN3 already exists.', B5: 'Serial "SN2" is listed twice. First in B3.' });
    expect(loop.current()!.problems.map((p) => p.reason)).toEqual(['SERIAL_EXISTS', 'DUPLICATE_SERIAL']);

    typeSerials('SN1', 'SN2', 'SN4', 'SN5');
    await check();
    expect(workbook.marks(SHEET)).toEqual({});
    expect(loop.current()!.problems).toEqual([]);
  });

  it('clears the marks of the sheet checked before when another sheet is checked', async () => {
    typeSerials('SN1', 'SN1');
    await check();
    expect(workbook.marks(SHEET)).toEqual({ B3: expect.stringContaining('listed twice') });
    workbook.setCells('Other', 0, 0, [['SN7'], ['SN7']]);
    workbook.select('Other', 'A1:A2');
    await check();
    expect(workbook.marks(SHEET)).toEqual({});
    expect(workbook.marks('Other')).toEqual({ A2: expect.stringContaining('First in A1') });
  });

  it('sends the same key again after a lost answer, even after a re-check, so the serials are added once', async () => {
    typeSerials('SN1', 'SN2');
    await check();
    server.answers = ['lost', 'fault'];
    await expect(add()).rejects.toThrow('Failed to fetch');
    await expect(add()).rejects.toThrow('Internal server error'); // a fault without a reason is no answer either
    await check();
    expect(await add()).toEqual({ added: 2 });
    expect(server.keysSent).toEqual(['key-1', 'key-1', 'key-1']);
    expect([...server.stock]).toEqual(['SN1', 'SN2']);
    expect(loop.current()).toBeNull(); // done: the result is hidden
  });

  it('gives a changed set a new key', async () => {
    typeSerials('SN1', 'SN2');
    await check();
    server.answers = ['lost'];
    await expect(add()).rejects.toThrow('Failed to fetch');
    typeSerials('SN1', 'SN2', 'SN3');
    await check();
    server.answers = ['ok'];
    await add().catch(() => undefined);
    expect(server.keysSent).toEqual(['key-1', 'key-2']);
  });

  it('marks the problems of a refusal at their cells and never sends its key again', async () => {
    typeSerials('SN1', 'SN2');
    await check();
    server.stock.add('SN2'); // a colleague adds one meanwhile
    server.answers = ['refused'];
    await expect(add()).rejects.toThrow('Some serials already exist');
    expect(workbook.marks(SHEET)).toEqual({ B3: 'Serial SN2 already exists.' });
    expect(loop.current()!.problems).toEqual([expect.objectContaining({ index: 1, reason: 'SERIAL_EXISTS' })]);

    server.stock.delete('SN2'); // the colleague takes it back: the same set is sent again, under a new key
    await check();
    expect(await add()).toEqual({ added: 2 });
    expect(server.keysSent).toEqual(['key-1', 'key-2']);
    expect(workbook.marks(SHEET)).toEqual({});
  });

  it('after a definite answer, the same set sent again gets a new key', async () => {
    typeSerials('SN1');
    await check();
    await add();
    await loop.send({ serials: ['SN1'] }, (key) => server.add({ serials: ['SN1'] }, key));
    expect(server.keysSent).toEqual(['key-1', 'key-2']);
  });
});
