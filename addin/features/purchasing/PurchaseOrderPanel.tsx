import {
  Button,
  Dropdown,
  Field,
  makeStyles,
  Option,
  Tab,
  TabList,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import type { Problem } from '../../api/errors.ts';
import type { Session } from '../../api/session.ts';
import { CheckResult } from '../../components/CheckResult.tsx';
import { plural } from '../../components/plural.ts';
import { collectSerials } from '../../components/selection-serials.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import { useCheckedSubmit } from '../../components/use-checked-submit.ts';
import type { ProblemMarker, SelectionReader, SheetProperties, SheetWriter } from '../../excel/port.ts';
import { exportRows, parseTable, problemCell, TABLE_COLUMN_FORMATS, TABLE_COLUMNS, type ParsedTable } from './table-rows.ts';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  dropdown: { minWidth: 0, width: '100%' },
});

const ORDER_PROPERTY = 'stocksheet.purchaseOrderId';
type Order = Awaited<ReturnType<Session['api']['purchaseOrders']['get']['query']>>;
type Mode = 'line' | 'table';
/** What the last check found, ready to save: one line's serials, or a table's rows with what each line gets. */
type Checked =
  | { mode: 'line'; lineId: number; serials: string[] }
  | { mode: 'table'; rows: ParsedTable['rows']; summary: { lineNumber: number; sku: string; entered: number; expected: number }[] };
type OrderWorkbook = SelectionReader & ProblemMarker & SheetWriter & Pick<SheetProperties, 'setSheetProperty'>;

export function PurchaseOrderPanel({ session, workbook }: { session: Session; workbook: OrderWorkbook | null }) {
  const styles = useStyles();
  const { api } = session;
  const [orders, setOrders] = useState<{ id: number; label: string }[]>([]);
  const [order, setOrder] = useState<Order | null>(null);
  const [mode, setMode] = useState<Mode>('table');
  const [lineId, setLineId] = useState<number | null>(null);
  const task = useTask(session.serverUrl);
  const { run, step, report } = task;
  const entry = useCheckedSubmit<Checked>(workbook, task);
  const { checked } = entry;

  useEffect(() => {
    void api.purchaseOrders.list.query({ limit: 1000 }).then((page) =>
      setOrders(
        page.items
          .filter((o) => o.status !== 'received' && o.status !== 'cancelled')
          .map((o) => ({
            id: o.id,
            label: `#${o.id} ${o.supplier.name}${o.reference ? ` (${o.reference})` : ''} · ${o.status.replace('_', ' ')}`,
          })),
      ),
    );
  }, [api]);

  const load = useCallback(async (id: number) => setOrder(await api.purchaseOrders.get.query({ id })), [api]);

  const checkLine = () =>
    run(async () => {
      if (!workbook || !order || lineId === null) return;
      step('Reading the selection…', 0);
      const collected = collectSerials(await workbook.readSelection(report('Reading the selection…')));
      const cells = { sheet: collected.sheet, locate: (i: number) => collected.cells[i] };
      // Serials Excel changed are shown first; nothing is checked until they are pasted again as text.
      if (collected.problems.length) return entry.show({ mode: 'line', lineId, serials: collected.serials }, cells, collected.problems);
      step(`Checking ${collected.serials.length.toLocaleString()} serials…`);
      const preview = await api.purchaseOrders.previewLineSerials.query({ lineId, serials: collected.serials });
      await entry.show({ mode: 'line', lineId, serials: collected.serials }, cells, preview.errors);
    });

  const checkTable = () =>
    run(async () => {
      if (!workbook || !order) return;
      step('Reading the table…', 0);
      const selection = await workbook.readSelection(report('Reading the table…'));
      const parsed = parseTable(selection.values, selection.text);
      if ('error' in parsed) throw new Error(parsed.error);
      // Problems the pane can see itself come first; the server checks everything else.
      const local: Problem[] = parsed.problems.map((p) => ({
        index: p.index,
        token: null,
        reason: 'INVALID_INPUT',
        message: p.message,
        field: p.field,
      }));
      const badRows = new Set(local.map((p) => p.index));
      step(`Checking ${parsed.rows.length.toLocaleString()} rows…`);
      const rows = parsed.rows.map((row, i) => (badRows.has(i) ? { ...row, expiry: null, quantity: undefined, line: undefined } : row));
      const preview = await api.purchaseOrders.previewSerialTable.query({ purchaseOrderId: order.id, rows });
      const problems = [...local, ...preview.errors].sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));
      const summary = preview.lines
        .filter((l) => l.entered > 0 || l.expected > 0)
        .map(({ lineNumber, sku, entered, expected }) => ({ lineNumber, sku, entered, expected }));
      const cells = {
        sheet: selection.sheet,
        locate: (i: number, field?: string) => ({
          sheet: selection.sheet,
          ...problemCell(parsed, selection.top, selection.left, i, field),
        }),
      };
      await entry.show({ mode: 'table', rows, summary }, cells, problems);
    });

  const save = () =>
    run(async () => {
      if (!checked || !order) return;
      step('Saving serials…');
      if (checked.mode === 'line') {
        const request = { lineId: checked.lineId, serials: checked.serials };
        await entry.submit(request, (idempotencyKey) => api.purchaseOrders.setLineSerials.mutate({ ...request, idempotencyKey }));
      } else {
        const request = { purchaseOrderId: order.id, rows: checked.rows };
        await entry.submit(request, (idempotencyKey) => api.purchaseOrders.setSerialTable.mutate({ ...request, idempotencyKey }));
      }
      await load(order.id);
      task.setDone('Serials saved on the order. Receive when the goods are in.');
    });

  const receivable = order ? receiptLines(order) : [];
  const receive = () =>
    run(async () => {
      if (!order || receivable.length === 0) return;
      step('Receiving…');
      const request = { purchaseOrderId: order.id, lines: receivable.map(({ lineId, quantity }) => ({ lineId, quantity })) };
      const receipt = await entry.send(request, (idempotencyKey) => api.purchaseOrders.receive.mutate({ ...request, idempotencyKey }));
      await load(order.id);
      task.setDone(
        `Received ${receivable.map((l) => `${l.quantity} × ${l.sku}`).join(', ')} (receipt #${receipt.receiptId}); the order is ${receipt.status.replace('_', ' ')}.`,
      );
    });

  const exportToSheet = () =>
    run(async () => {
      if (!workbook || !order) return;
      const sheet = `PO ${order.id}`;
      step(`Writing ${sheet}…`, 0);
      await workbook.writeTable(sheet, [...TABLE_COLUMNS], exportRows(order), report(`Writing ${sheet}…`), TABLE_COLUMN_FORMATS);
      await workbook.setSheetProperty(sheet, ORDER_PROPERTY, String(order.id));
      task.setDone(`Wrote the order to the sheet "${sheet}": paste the serials in the Serial column, select the table and check it.`);
    });

  const busy = task.busy;
  const canSave = checked !== null && entry.problems.length === 0 && !busy;

  return (
    <section className={styles.panel} aria-label="Purchase order serials">
      <Text as="h2" size={400} weight="semibold">
        Purchase order serials
      </Text>
      <Field label="Purchase order" required>
        <Dropdown
          className={styles.dropdown}
          placeholder={orders.length ? 'Choose an open order' : 'No open orders'}
          value={order ? (orders.find((o) => o.id === order.id)?.label ?? `#${order.id}`) : ''}
          onOptionSelect={(_, data) =>
            void run(async () => {
              entry.clear();
              setLineId(null);
              await load(Number(data.optionValue));
            })
          }
          data-testid="order-picker"
        >
          {orders.map((o) => (
            <Option key={o.id} value={String(o.id)}>
              {o.label}
            </Option>
          ))}
        </Dropdown>
      </Field>

      {order && (
        <Table size="small" aria-label="Order lines" data-testid="order-lines">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Line</TableHeaderCell>
              <TableHeaderCell>SKU</TableHeaderCell>
              <TableHeaderCell>Ordered</TableHeaderCell>
              <TableHeaderCell>Received</TableHeaderCell>
              <TableHeaderCell>Entered</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {order.lines.map((line) => (
              <TableRow key={line.id}>
                <TableCell>{line.lineNumber}</TableCell>
                <TableCell>{line.product.sku}</TableCell>
                <TableCell>{line.quantity}</TableCell>
                <TableCell>{line.receivedQuantity}</TableCell>
                <TableCell>
                  {entered(line)} / {line.quantity - line.receivedQuantity}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      {order && (
        <>
          <TabList
            selectedValue={mode}
            onTabSelect={(_, data) => {
              setMode(data.value as Mode);
              entry.clear();
            }}
          >
            <Tab value="table">Table of serials</Tab>
            <Tab value="line">One line</Tab>
          </TabList>
          {mode === 'table' ? (
            <Text>
              Select the table with its header row (SKU or Line, Serial or Batch; optionally Bay, Expiry, Quantity). It can fill many lines
              at once.
            </Text>
          ) : (
            <Field label="Line">
              <Dropdown
                className={styles.dropdown}
                placeholder="Choose a line"
                value={lineLabel(order, lineId)}
                onOptionSelect={(_, data) => {
                  setLineId(Number(data.optionValue));
                  entry.clear();
                }}
              >
                {order.lines
                  .filter((l) => l.product.serialised)
                  .map((l) => (
                    <Option key={l.id} value={String(l.id)}>{`Line ${l.lineNumber} · ${l.product.sku}`}</Option>
                  ))}
              </Dropdown>
            </Field>
          )}
          <div className={styles.actions}>
            <Button
              onClick={mode === 'table' ? checkTable : checkLine}
              disabled={!workbook || busy || (mode === 'line' && lineId === null)}
            >
              {mode === 'table' ? 'Check table' : 'Check selection'}
            </Button>
            <Button appearance="primary" onClick={save} disabled={!canSave}>
              Save serials
            </Button>
            <Button
              onClick={receive}
              disabled={busy || receivable.length === 0 || checked !== null}
              title="Receives what is entered on each line"
            >
              Receive
            </Button>
            <Button appearance="subtle" onClick={exportToSheet} disabled={!workbook || busy}>
              Export PO to sheet
            </Button>
          </div>
        </>
      )}

      <TaskStatus task={task} />
      {checked && (
        <CheckResult
          entry={entry}
          title={`${plural(checked.mode === 'table' ? checked.rows.length : checked.serials.length, checked.mode === 'table' ? 'row' : 'serial')} checked`}
          ready="No problems: save them on the order."
        >
          {checked.mode === 'table' && (
            <ul data-testid="line-summary">
              {checked.summary.map((l) => (
                <li key={l.lineNumber}>{`Line ${l.lineNumber} ${l.sku}: ${l.entered} entered of ${l.expected} expected`}</li>
              ))}
            </ul>
          )}
        </CheckResult>
      )}
    </section>
  );
}

type Line = Order['lines'][number];

function entered(line: Line): number {
  if (line.product.serialised) return line.pendingSerials.length;
  if (line.product.batchTracked) return line.pendingBatches.reduce((sum, b) => sum + b.quantity, 0);
  return 0;
}

/** What "Receive" takes: each serial or batch line's entered units, and plain lines in full. */
function receiptLines(order: Order) {
  return order.lines
    .map((line) => ({
      lineId: line.id,
      sku: line.product.sku,
      quantity: line.product.serialised || line.product.batchTracked ? entered(line) : line.quantity - line.receivedQuantity,
    }))
    .filter((line) => line.quantity > 0);
}

function lineLabel(order: Order, lineId: number | null): string {
  const line = order.lines.find((l) => l.id === lineId);
  return line ? `Line ${line.lineNumber} · ${line.product.sku}` : '';
}
