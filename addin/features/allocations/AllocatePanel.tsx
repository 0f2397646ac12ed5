import {
  Button,
  Dropdown,
  Field,
  Input,
  makeStyles,
  Option,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useState } from 'react';
import { allocatePermission } from '../../../server/domain/documents.ts';
import { mayWrite, refusalMessage, type RoleName } from '../../../server/domain/roles.ts';
import type { Problem } from '../../api/errors.ts';
import type { Session } from '../../api/session.ts';
import type { EntrySet } from '../../components/checked-submit.ts';
import { CheckResult } from '../../components/CheckResult.tsx';
import { plural } from '../../components/plural.ts';
import { collectSerials } from '../../components/selection-serials.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import { useCheckedSubmit } from '../../components/use-checked-submit.ts';
import type { CellMark, CellRef, ProblemMarker, SelectionReader, SheetProperties, SheetReader, SheetWriter } from '../../excel/port.ts';
import {
  ALLOCATION_PROPERTY,
  allocationSheetName,
  BATCH_COLUMN_FORMATS,
  BATCH_COLUMNS,
  batchRows,
  DOCUMENT_TYPES,
  expiredMarks,
  readMarked,
  SERIAL_COLUMN_FORMATS,
  SERIAL_COLUMNS,
  serialRows,
  sheetTag,
  type DocumentType,
} from './allocation-sheet.ts';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  picker: { display: 'grid', gridTemplateColumns: 'minmax(0, 3fr) minmax(0, 2fr) auto', gap: tokens.spacingHorizontalS, alignItems: 'end' },
  fill: { minWidth: 0, width: '100%' },
});

type Doc = Awaited<ReturnType<Session['api']['allocations']['document']['query']>>;
type Line = Doc['lines'][number];
type Kind = 'serials' | 'batches';

/** What a check or an allocation sends, where each entry sits in the sheet, and the marks that always stay (expired batches). */
type Gathered = { sheet: string; cells: CellRef[]; keep: CellMark[]; local: Problem[] } & (
  { kind: 'serials'; serials: string[] } | { kind: 'batches'; batches: { batch: string; quantity: number }[] }
);
/** What a check found: how many entries of which kind, and how many units they come to. */
interface Checked {
  kind: Kind;
  entries: number;
  count: number;
}
type AllocateWorkbook = SelectionReader &
  SheetReader &
  Pick<SheetWriter, 'writeTable'> &
  ProblemMarker &
  Pick<SheetProperties, 'sheetsWithProperty' | 'setSheetProperty'>;

const kindOf = (line: Line): Kind | null => (line.product.serialised ? 'serials' : line.product.batchTracked ? 'batches' : null);
const entries = (g: Gathered) => (g.kind === 'serials' ? g.serials.length : g.batches.length);
const entryWord = (kind: Kind, n: number) => (kind === 'serials' ? plural(n, 'serial') : plural(n, 'batch', 'batches'));
/** A gathered set as the check loop sees it: its problems go on its cells; the marks it keeps stay. */
const setOf = (g: Gathered, count: number): EntrySet<Checked> => ({
  checked: { kind: g.kind, entries: entries(g), count },
  cells: { sheet: g.sheet, locate: (i) => g.cells[i], keep: g.keep },
});

export function AllocatePanel({ session, workbook }: { session: Session; workbook: AllocateWorkbook | null }) {
  const styles = useStyles();
  const { api } = session;
  const [type, setType] = useState<DocumentType>('salesOrder');
  const [number, setNumber] = useState('');
  const [doc, setDoc] = useState<Doc | null>(null);
  const [lineId, setLineId] = useState<number | null>(null);
  const task = useTask(session.serverUrl);
  const { run, step, report } = task;
  const entry = useCheckedSubmit<Checked>(workbook, task);
  const { checked } = entry;

  const lines = doc ? doc.lines.filter((l) => l.role !== 'output') : [];
  const line = lines.find((l) => l.lineId === lineId) ?? null;
  const kind = line ? kindOf(line) : null;

  const load = useCallback(
    async (docType: DocumentType, id: number, keepLine?: number) => {
      const loaded = await api.allocations.document.query({ type: docType, id });
      setDoc(loaded);
      const takes = loaded.lines.filter((l) => l.role !== 'output' && kindOf(l) !== null);
      setLineId(keepLine ?? (takes.find((l) => !l.complete) ?? takes[0])?.lineId ?? null);
    },
    [api],
  );

  const open = () =>
    run(async () => {
      const id = Number(number.trim());
      if (!Number.isInteger(id) || id <= 0) throw new Error(`"${number}" is not a document number: type the number, e.g. 12.`);
      entry.clear();
      setDoc(null);
      step('Opening…');
      await load(type, id);
    });

  const list = () =>
    run(async () => {
      if (!workbook || !doc || !line || !kind) return;
      entry.clear();
      step(`Finding ${kind} in stock at ${doc.location.name}…`);
      const available = await api.allocations.available.query({ type: doc.type, lineId: line.lineId });
      if (available.kind === 'none') {
        task.setDone(`Line ${line.lineNumber} (${line.product.sku}) takes no serials or batches.`);
        return;
      }
      const sheet = allocationSheetName(doc.type, doc.id, line.lineNumber);
      const serials = available.kind === 'serials';
      const rows = serials ? serialRows(available.serials) : batchRows(available.batches);
      await workbook.writeTable(
        sheet,
        serials ? [...SERIAL_COLUMNS] : [...BATCH_COLUMNS],
        rows,
        report(`Writing ${sheet}…`),
        serials ? SERIAL_COLUMN_FORMATS : BATCH_COLUMN_FORMATS,
      );
      await workbook.setSheetProperty(sheet, ALLOCATION_PROPERTY, sheetTag(doc.type, line.lineId));
      const expired = serials ? [] : expiredMarks([[...BATCH_COLUMNS], ...rows]);
      await workbook.markProblems(sheet, expired);
      await workbook.selectCell({
        sheet,
        row: 1,
        column: serials ? SERIAL_COLUMNS.indexOf('Use') : BATCH_COLUMNS.indexOf('Quantity to use'),
      });
      const held = serials ? available.serials.filter((s) => s.heldHere).length : available.batches.filter((b) => b.heldHere > 0).length;
      task.setDone(
        rows.length === 0
          ? `No ${available.kind} of ${line.product.sku} are in stock at ${doc.location.name}.`
          : serials
            ? `Wrote ${available.truncated ? 'the first ' : ''}${plural(rows.length, 'serial')} in stock at ${doc.location.name} to "${sheet}"${available.truncated ? ' (there are more: paste or type others into the Serial column)' : ''}. Put an x in the Use column of the ${line.needed} to take${held ? ` (the ${held} this line holds are marked)` : ''}, then check.`
            : `Wrote ${plural(rows.length, 'batch', 'batches')} at ${doc.location.name} to "${sheet}"${expired.length ? ` (${expired.length} expired, in red)` : ''}. Type the quantity to use of each, ${line.needed} in all, then check.`,
      );
    });

  /** What is marked on the line's listed sheet or, when nothing is, the serials in the selection. */
  async function gather(target: Line, targetKind: Kind): Promise<Gathered | null> {
    const tag = sheetTag(doc!.type, target.lineId);
    const listed = (await workbook!.sheetsWithProperty(ALLOCATION_PROPERTY)).find((s) => s.value === tag);
    if (listed) {
      const { values, text } = await workbook!.readSheet(listed.sheet, report(`Reading ${listed.sheet}…`));
      const marked = readMarked(listed.sheet, values, targetKind, text);
      if ('error' in marked) throw new Error(`${listed.sheet}: ${marked.error}`);
      const local = marked.problems.map((p) => ({ index: p.index, token: null, reason: 'INVALID_INPUT', message: p.message }));
      if (marked.kind === 'serials' && marked.serials.length > 0) return { ...marked, sheet: listed.sheet, keep: [], local };
      if (marked.kind === 'batches' && marked.batches.length > 0)
        return { ...marked, sheet: listed.sheet, keep: expiredMarks(values), local };
    }
    if (targetKind === 'batches') {
      task.setFailure({
        title: 'Nothing marked',
        message: listed
          ? `Type a quantity to use next to the batches to take on "${listed.sheet}".`
          : 'List the available batches, then type a quantity to use next to the ones to take.',
        reason: null,
        problems: [],
      });
      return null;
    }
    const collected = collectSerials(await workbook!.readSelection(report('Reading the selection…')));
    if (collected.serials.length === 0 && collected.problems.length === 0) {
      task.setFailure({
        title: 'Nothing marked',
        message: listed
          ? `Put an x in the Use column of the serials to take on "${listed.sheet}", or select cells holding serials.`
          : 'List the available serials and mark the ones to take, or select cells holding serials.',
        reason: null,
        problems: [],
      });
      return null;
    }
    return {
      kind: 'serials',
      serials: collected.serials,
      cells: collected.cells,
      sheet: collected.sheet,
      keep: [],
      local: collected.problems,
    };
  }

  const request = (target: Line, g: Gathered) =>
    g.kind === 'serials'
      ? { type: doc!.type, lineId: target.lineId, serials: g.serials }
      : { type: doc!.type, lineId: target.lineId, batches: g.batches };

  /** Marks the problems at their cells and lists them. */
  function show(g: Gathered, count: number, problems: Problem[]) {
    const { checked, cells } = setOf(g, count);
    return entry.show(checked, cells, problems);
  }

  const check = () =>
    run(async () => {
      if (!workbook || !doc || !line || !kind) return;
      entry.clear();
      const gathered = await gather(line, kind);
      if (!gathered) return;
      if (gathered.local.length) return show(gathered, entries(gathered), gathered.local);
      step(`Checking ${entryWord(kind, entries(gathered))}…`);
      const result = await api.allocations.check.mutate(request(line, gathered));
      await show(gathered, result.count, result.problems);
    });

  /** Allocates what is marked now (checked or not); a refusal's problems are marked and listed like a check's. */
  const allocate = () =>
    run(async () => {
      if (!workbook || !doc || !line || !kind) return;
      const gathered = await gather(line, kind);
      if (!gathered) return;
      if (gathered.local.length) return show(gathered, entries(gathered), gathered.local);
      const body = request(line, gathered);
      step(`Allocating to line ${line.lineNumber}…`);
      const result = await entry.submit(
        body,
        (idempotencyKey) => api.allocations.allocate.mutate({ ...body, idempotencyKey }),
        setOf(gathered, entries(gathered)),
      );
      await load(doc.type, doc.id, line.lineId);
      task.setDone(
        `Allocated ${plural(result.allocated, kind === 'serials' ? 'serial' : 'unit')} of ${line.product.sku} to line ${line.lineNumber} of ${doc.label}.`,
      );
    });

  const busy = task.busy;
  const role = session.user.role as RoleName;
  const action = allocatePermission(doc?.type ?? type);
  const allowed = mayWrite(role, action);
  const ready = workbook !== null && line !== null && kind !== null && !busy;

  return (
    <section className={styles.panel} aria-label="Allocate serials">
      <Text as="h2" size={400} weight="semibold">
        Allocate serials
      </Text>
      <div className={styles.picker}>
        <Field label="Document">
          <Dropdown
            className={styles.fill}
            value={DOCUMENT_TYPES.find((t) => t.value === type)!.label}
            selectedOptions={[type]}
            onOptionSelect={(_, data) => setType(data.optionValue as DocumentType)}
            data-testid="document-type"
          >
            {DOCUMENT_TYPES.map((t) => (
              <Option key={t.value} value={t.value}>
                {t.label}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Field label="Number">
          <Input
            className={styles.fill}
            value={number}
            inputMode="numeric"
            onChange={(_, data) => setNumber(data.value)}
            onKeyDown={(e) => e.key === 'Enter' && void open()}
            data-testid="document-number"
          />
        </Field>
        <Button onClick={open} disabled={busy || !number.trim()}>
          Open
        </Button>
      </div>

      {doc && (
        <>
          <Text data-testid="document-summary">{`${doc.label} · ${doc.status.replace(/_/g, ' ')} · from ${doc.location.name}`}</Text>
          <Table size="small" aria-label="Document lines" data-testid="document-lines">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Line</TableHeaderCell>
                <TableHeaderCell>Product</TableHeaderCell>
                <TableHeaderCell>Qty</TableHeaderCell>
                <TableHeaderCell>Allocated</TableHeaderCell>
                <TableHeaderCell>Done</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {lines.map((l) => (
                <TableRow key={l.lineId} aria-selected={l.lineId === lineId}>
                  <TableCell>{l.role === 'input' ? `${l.lineNumber} (input)` : l.lineNumber}</TableCell>
                  <TableCell title={l.product.name}>{l.product.sku}</TableCell>
                  <TableCell>{l.quantity}</TableCell>
                  <TableCell>{kindOf(l) ? l.allocated : '—'}</TableCell>
                  <TableCell>{kindOf(l) ? (l.complete ? '✓' : 'no') : '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Field label="Line">
            <Dropdown
              className={styles.fill}
              placeholder="Choose a line"
              value={line ? lineLabel(line) : ''}
              selectedOptions={line ? [String(line.lineId)] : []}
              onOptionSelect={(_, data) => {
                setLineId(Number(data.optionValue));
                entry.clear();
                task.clear();
              }}
              data-testid="line-picker"
            >
              {lines
                .filter((l) => kindOf(l))
                .map((l) => (
                  <Option key={l.lineId} value={String(l.lineId)}>
                    {lineLabel(l)}
                  </Option>
                ))}
            </Dropdown>
          </Field>
          {line && kind && (
            <Text size={200}>
              {kind === 'serials'
                ? `Mark ${line.needed} serials with an x in the Use column of the listed sheet, or select cells holding serials; then check and allocate.`
                : `Type the quantity to use of each batch on the listed sheet, ${line.needed} in all; then check and allocate.`}
            </Text>
          )}
          <div className={styles.actions}>
            <Button onClick={list} disabled={!ready}>
              {kind === 'batches' ? 'List available batches' : 'List available serials'}
            </Button>
            <Button onClick={check} disabled={!ready}>
              Check
            </Button>
            <Button
              appearance="primary"
              onClick={allocate}
              disabled={!ready || !allowed}
              title={allowed ? undefined : refusalMessage(role, action)}
            >
              Allocate
            </Button>
          </div>
          {!allowed && <Text size={200} data-testid="role-note">{`${refusalMessage(role, action)} Checking is open to everyone.`}</Text>}
        </>
      )}

      <TaskStatus task={task} />
      {checked && (
        <CheckResult
          entry={entry}
          title={`${entryWord(checked.kind, checked.entries)} checked`}
          ready={`No problems: ready to allocate ${plural(checked.count, checked.kind === 'serials' ? 'serial' : 'unit')}.`}
        />
      )}
    </section>
  );
}

function lineLabel(line: Line): string {
  return `Line ${line.lineNumber} · ${line.product.sku} · ${line.allocated}/${line.needed}${line.role === 'input' ? ' (input)' : ''}`;
}
