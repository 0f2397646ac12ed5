import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Dropdown,
  Field,
  makeStyles,
  Option,
  Switch,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { COUNT_COLUMN_FORMATS, COUNT_COLUMNS, countSheetRows, readCountSheet, worksheetName } from '../../../server/domain/count-sheet.ts';
import { mayWrite, type RoleName } from '../../../server/domain/roles.ts';
import { seesExpected } from '../../../server/domain/stocktake.ts';
import type { Api } from '../../api/client.ts';
import type { Session } from '../../api/session.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import { useCheckedSubmit } from '../../components/use-checked-submit.ts';
import type { EntrySheets, SheetProperties, SheetReader, SheetWriter } from '../../excel/port.ts';
import {
  HEADER,
  SHEET_KEY_PROPERTY,
  STATUS_INDEX,
  STOCKTAKE_PROPERTY,
  statusColumn,
  VARIANCE_COLUMN_FORMATS,
  VARIANCE_HEADER,
  varianceRows,
} from './sheets.ts';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  dropdown: { minWidth: 0, width: '100%' },
});

type Stocktake = Awaited<ReturnType<Session['api']['stocktakes']['get']['query']>>;
type StocktakeWorkbook = SheetReader & SheetWriter & EntrySheets & SheetProperties;
const column = (name: (typeof COUNT_COLUMNS)[number]) => COUNT_COLUMNS.indexOf(name);

/** The stocktakes still open (not finalised or cancelled), labelled for the picker. */
async function openStocktakes(api: Api) {
  const page = await api.stocktakes.list.query({ limit: 1000 });
  return page.items
    .filter((s) => s.status !== 'finalised' && s.status !== 'cancelled')
    .map((s) => ({ id: s.id, label: `#${s.id} ${s.location.name} · ${s.status}${s.blind ? ' · blind' : ''}` }));
}

export function StocktakePanel({ session, workbook }: { session: Session; workbook: StocktakeWorkbook | null }) {
  const styles = useStyles();
  const { api } = session;
  const task = useTask(session.serverUrl);
  const { run, step, report } = task;
  // Counts and finalising go under the pane's one key policy; nothing here is checked first or marked.
  const sending = useCheckedSubmit<never>(null, task);
  const role = session.user.role as RoleName;
  const mayFinalise = mayWrite(role, 'stocktakes.finalise');
  const mayCount = mayWrite(role, 'stocktakes.count');
  const [open, setOpen] = useState<{ id: number; label: string }[]>([]);
  const [locations, setLocations] = useState<{ id: number; name: string; bays: { id: number; name: string }[] }[]>([]);
  const [stocktake, setStocktake] = useState<Stocktake | null>(null);
  const [newLocation, setNewLocation] = useState<number | null>(null);
  const [blind, setBlind] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [zeroUncounted, setZeroUncounted] = useState(false);

  const refreshList = async () => setOpen(await openStocktakes(api));
  useEffect(() => {
    void openStocktakes(api).then(setOpen);
    void api.locations.list.query().then((page) => setLocations(page.items));
  }, [api]);
  const load = async (id: number) => setStocktake(await api.stocktakes.get.query({ id }));

  const create = () =>
    run(async () => {
      if (newLocation === null) return;
      const created = await api.stocktakes.create.mutate({ locationId: newLocation, blind });
      await refreshList();
      setStocktake(created);
      task.setDone(`Stocktake #${created.id} created. Start it when counting begins: that freezes the expected stock.`);
    });

  const start = () =>
    run(async () => {
      if (!stocktake) return;
      setStocktake(await api.stocktakes.start.mutate({ id: stocktake.id }));
      await refreshList();
      task.setDone('Counting started: the expected stock is frozen. Create the count sheets.');
    });

  const createSheets = () =>
    run(async () => {
      if (!workbook || !stocktake) return;
      step('Laying out the count sheets…');
      const { sheets } = await api.stocktakes.countSheets.query({ stocktakeId: stocktake.id });
      const taken = new Set<string>();
      const names: string[] = [];
      for (const sheet of sheets) {
        const name = worksheetName(`ST${stocktake.id} ${sheet.bayName ?? stocktake.location.name}`, taken);
        const rows = countSheetRows(sheet.lines);
        await workbook.writeTable(
          name,
          HEADER,
          rows.map((r) => [...r, '']),
          report(`Writing ${name}…`),
          COUNT_COLUMN_FORMATS,
        );
        await workbook.setSheetProperty(name, STOCKTAKE_PROPERTY, String(stocktake.id));
        await workbook.setSheetProperty(name, SHEET_KEY_PROPERTY, sheet.sheetKey);
        await workbook.formatEntrySheet(name, {
          rowCount: rows.length,
          editable: [
            { column: column('Batch') },
            { column: column('Expiry') },
            { column: column('Serial') },
            { column: column('Counted'), validation: { kind: 'decimal', min: 0 } },
            { column: column('Found'), validation: { kind: 'list', values: ['x'] } },
          ],
          statusColumn: STATUS_INDEX,
        });
        names.push(name);
      }
      task.setDone(
        names.length
          ? `Wrote ${names.join(', ')}. Fill in Counted, mark found serials with x, type extra serials in the empty rows, then submit.`
          : 'Nothing is expected at this location: add rows to a sheet only when something is found.',
      );
    });

  const submit = () =>
    run(async () => {
      if (!workbook || !stocktake) return;
      const sheets = (await workbook.sheetsWithProperty(STOCKTAKE_PROPERTY)).filter((s) => s.value === String(stocktake.id));
      if (sheets.length === 0) throw new Error('No count sheet of this stocktake is in the workbook: create the count sheets first.');
      const outcomes: string[] = [];
      for (const { sheet } of sheets) {
        const sheetKey = await workbook.getSheetProperty(sheet, SHEET_KEY_PROPERTY);
        if (!sheetKey) continue;
        const { values, text } = await workbook.readSheet(sheet, report(`Reading ${sheet}…`));
        const countColumns = <T,>(rows: T[][]) => rows.map((row) => row.slice(0, COUNT_COLUMNS.length));
        const parsed = readCountSheet(countColumns(values), countColumns(text));
        const layoutProblem = parsed.problems.find((p) => p.row < 0);
        if (layoutProblem) throw new Error(`${sheet}: ${layoutProblem.message}`);
        step(`Sending ${sheet}…`);
        const request = { stocktakeId: stocktake.id, sheetKey, rows: parsed.rows };
        const result = await sending.send(request, (idempotencyKey) => api.stocktakes.submitCounts.mutate({ ...request, idempotencyKey }));
        const statuses = statusColumn(values.length - 1, parsed.sources, result.rows, parsed.problems);
        await workbook.writeCells(sheet, 1, STATUS_INDEX, statuses, report(`Writing the status of ${sheet}…`));
        const bad = result.rows.filter((r) => r.status === 'error').length + parsed.problems.length;
        outcomes.push(result.saved && parsed.problems.length === 0 ? `${sheet}: saved` : `${sheet}: ${bad} row(s) to fix, nothing saved`);
      }
      await load(stocktake.id);
      task.setDone(`${outcomes.join('; ')}.`);
    });

  const toReview = () =>
    run(async () => {
      if (!stocktake) return;
      const reviewed = await api.stocktakes.review.mutate({ id: stocktake.id });
      setStocktake(reviewed);
      await refreshList();
      task.setDone(
        `Stocktake #${reviewed.id} is in review: check the variances (recounts are still taken), then ` +
          (mayFinalise ? 'finalise.' : 'an accountant or admin finalises it.'),
      );
    });

  const varianceSheet = () =>
    run(async () => {
      if (!workbook || !stocktake) return;
      step('Computing variances…');
      const { lines } = await api.stocktakes.variances.query({ stocktakeId: stocktake.id });
      const location = locations.find((l) => l.id === stocktake.location.id);
      const bayNames = new Map((location?.bays ?? []).map((b) => [b.id, b.name]));
      const name = `ST${stocktake.id} variances`;
      await workbook.writeTable(name, VARIANCE_HEADER, varianceRows(lines, bayNames), report(`Writing ${name}…`), VARIANCE_COLUMN_FORMATS);
      const changed = lines.filter((l) => l.variance !== 0).length;
      task.setDone(`Wrote ${name}: ${lines.length} lines, ${changed} with a variance or not counted.`);
    });

  const finalise = () =>
    run(async () => {
      if (!stocktake) return;
      setConfirming(false);
      step('Finalising…');
      const request = { stocktakeId: stocktake.id, zeroUncounted };
      const result = await sending.send(request, (idempotencyKey) => api.stocktakes.finalise.mutate({ ...request, idempotencyKey }));
      await load(stocktake.id);
      await refreshList();
      const s = result.serials;
      task.setDone(
        `Stocktake #${result.stocktakeId} is finalised: ${result.adjustedLines} quantity adjustment(s), ${s.writtenOff} serial(s) written off, ` +
          `${s.created + s.reinstated} added, ${s.moved} moved; value ${result.value}.`,
      );
    });

  const busy = task.busy;
  const status = stocktake?.status;
  return (
    <section className={styles.panel} aria-label="Stocktake">
      <Text as="h2" size={400} weight="semibold">
        Stocktake
      </Text>
      <Field label="Stocktake">
        <Dropdown
          className={styles.dropdown}
          placeholder={open.length ? 'Choose an open stocktake' : 'No open stocktakes'}
          value={stocktake ? `#${stocktake.id} ${stocktake.location.name} · ${stocktake.status}` : ''}
          onOptionSelect={(_, data) => void run(() => load(Number(data.optionValue)))}
          data-testid="stocktake-picker"
        >
          {open.map((s) => (
            <Option key={s.id} value={String(s.id)}>
              {s.label}
            </Option>
          ))}
        </Dropdown>
      </Field>
      <div className={styles.actions}>
        <Dropdown
          className={styles.dropdown}
          placeholder="Location to count"
          aria-label="Location to count"
          onOptionSelect={(_, data) => setNewLocation(Number(data.optionValue))}
        >
          {locations.map((l) => (
            <Option key={l.id} value={String(l.id)}>
              {l.name}
            </Option>
          ))}
        </Dropdown>
        <Switch label="Blind count" checked={blind} onChange={(_, data) => setBlind(data.checked)} />
        <Button onClick={create} disabled={busy || newLocation === null}>
          New stocktake
        </Button>
      </div>

      {stocktake && (
        <>
          <Text data-testid="stocktake-status">
            {`#${stocktake.id} at ${stocktake.location.name}: ${stocktake.status}${stocktake.blind ? ' (blind)' : ''}` +
              (stocktake.sheets.length ? ` · ${stocktake.sheets.map((s) => `${s.sheetKey} ${s.rows} rows`).join(', ')}` : '')}
          </Text>
          <div className={styles.actions}>
            {status === 'draft' && mayCount && (
              <Button appearance="primary" onClick={start} disabled={busy}>
                Start counting
              </Button>
            )}
            {(status === 'counting' || status === 'review') && (
              <>
                <Button onClick={createSheets} disabled={busy || !workbook}>
                  Create count sheets
                </Button>
                <Button appearance="primary" onClick={submit} disabled={busy || !workbook}>
                  Submit counts
                </Button>
              </>
            )}
            {status === 'counting' && mayCount && (
              <Button onClick={toReview} disabled={busy}>
                Move to review
              </Button>
            )}
            {(status === 'counting' || status === 'review') && seesExpected(stocktake, role) && (
              <Button onClick={varianceSheet} disabled={busy || !workbook}>
                Variance sheet
              </Button>
            )}
            {/* Review is the approval step: a stocktake is finalised from review only. */}
            {status === 'review' && mayFinalise && (
              <Button onClick={() => setConfirming(true)} disabled={busy}>
                Finalise…
              </Button>
            )}
          </div>
          {status === 'counting' && mayFinalise && (
            <Text size={200} data-testid="stocktake-finalise-hint">
              {mayCount
                ? 'Finalising opens once the stocktake is in review: move it to review when counting is done.'
                : 'Finalising opens once the stocktake is in review: those who count (warehouse) move it there when counting is done.'}
            </Text>
          )}
        </>
      )}
      <TaskStatus task={task} />

      <Dialog open={confirming} onOpenChange={(_, data) => setConfirming(data.open)}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>Finalise stocktake #{stocktake?.id}?</DialogTitle>
            <DialogContent>
              Every variance becomes a stock adjustment, in one step, and the stocktake can no longer change.
              <Checkbox
                label="Count lines nobody counted as zero (their stock is written off)"
                checked={zeroUncounted}
                onChange={(_, data) => setZeroUncounted(Boolean(data.checked))}
              />
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setConfirming(false)}>Cancel</Button>
              <Button appearance="primary" onClick={finalise}>
                Finalise
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </section>
  );
}
