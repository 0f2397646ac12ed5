import {
  Button,
  Combobox,
  Divider,
  Field,
  makeStyles,
  MessageBar,
  MessageBarBody,
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
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Session } from '../../api/session.ts';
import { plural } from '../../components/plural.ts';
import { collectSerials } from '../../components/selection-serials.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import { CancelledError, type SelectionReader, type SheetProperties, type WorkbookTables } from '../../excel/port.ts';
import { loadPickLists, ParamField, type PickLists } from './ParamField.tsx';
import { fieldKind, formParams, initialValues, searchReports, type FormValues, type Picked } from './param-form.ts';
import {
  insertReport,
  refreshAll,
  refreshReportSheet,
  RefreshRefused,
  reportSheets,
  type ReportPage,
  type ReportSummary,
  type RunPage,
  type RunProgress,
} from './report-runner.ts';
import type { ReportSheetMeta } from './report-sheet.ts';
import { previewText, type ReportRow } from './report-values.ts';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', alignItems: 'center' },
  wide: { minWidth: 0, width: '100%' },
  preview: { overflowX: 'auto', maxHeight: '360px', overflowY: 'auto', border: `1px solid ${tokens.colorNeutralStroke2}` },
  // As wide as its columns need (the pane scrolls it sideways), not squeezed into the pane.
  table: { width: 'max-content', minWidth: '100%', tableLayout: 'auto' },
  cell: {
    whiteSpace: 'nowrap',
    fontSize: tokens.fontSizeBase200,
    paddingLeft: tokens.spacingHorizontalXS,
    paddingRight: tokens.spacingHorizontalXS,
  },
  sheetRow: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalS },
});

type ReportsWorkbook = WorkbookTables &
  SelectionReader &
  Pick<SheetProperties, 'getSheetProperty' | 'setSheetProperty' | 'sheetsWithProperty'>;

/** Rows the preview shows at a time. */
const PREVIEW_ROWS = 50;
/** The report "Look up serials" opens. */
const SERIAL_LOOKUP = 'serialLookup';

interface Preview {
  report: ReportSummary;
  params: Record<string, unknown>;
  page: ReportPage;
  rows: ReportRow[];
}

/** The pane's time zone: instants are shown and written on its clock. */
const paneTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * The Reports panel: pick a report (searched by title and keywords), fill its parameters from
 * their descriptions, preview the first rows, insert the whole result as an Excel table on a new
 * sheet, refresh report sheets in place (one, or all of them), and look up the serials in the
 * selected cells. Long work shows its progress and can be stopped.
 */
export function ReportsPanel({ session, workbook }: { session: Session; workbook: ReportsWorkbook | null }) {
  const styles = useStyles();
  const { api } = session;
  const task = useTask(session.serverUrl);
  const { run, step } = task;
  const [reports, setReports] = useState<ReportSummary[] | null>(null);
  const [search, setSearch] = useState('');
  const [report, setReport] = useState<ReportSummary | null>(null);
  const [values, setValues] = useState<FormValues>({});
  const [problems, setProblems] = useState<string[]>([]);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [lists, setLists] = useState<PickLists>({ locations: [], customers: [], users: null });
  const [sheets, setSheets] = useState<{ sheet: string; meta: ReportSheetMeta }[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);
  const [cancellable, setCancellable] = useState(false);

  const runPage: RunPage = useCallback((input) => api.reports.run.query(input), [api]);
  const context = useMemo(
    () => ({ serverUrl: session.serverUrl, user: { name: session.user.name, role: session.user.role }, timeZone: paneTimeZone() }),
    [session],
  );

  const listSheets = useCallback(async () => {
    if (workbook) setSheets(await reportSheets(workbook));
  }, [workbook]);
  useEffect(() => {
    void api.reports.list
      .query()
      .then((list) => setReports(list))
      .catch(task.fail);
    void loadPickLists(api).then(setLists);
    if (workbook) {
      void reportSheets(workbook)
        .then(setSheets)
        .catch(() => undefined);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, workbook]);

  const matches = useMemo(() => searchReports(reports ?? [], report && search === report.title ? '' : search), [reports, search, report]);
  const serialLookup = reports?.find((r) => r.id === SERIAL_LOOKUP) ?? null;

  const choose = (next: ReportSummary | null, nextValues?: FormValues) => {
    setReport(next);
    setSearch(next?.title ?? '');
    setValues(nextValues ?? (next ? initialValues(next.params) : {}));
    setProblems([]);
    setPreview(null);
  };

  /** The form's parameters, or null with the problems shown. */
  const paramsOf = (target: ReportSummary, form: FormValues) => {
    const { params, problems: found } = formParams(target.params, form);
    setProblems(found.map((p) => p.message));
    return found.length === 0 ? params : null;
  };
  const shownOf = (target: ReportSummary, form: FormValues) =>
    Object.fromEntries(
      target.params.flatMap((p) => {
        const v = form[p.key];
        return v !== null && typeof v === 'object' ? [[p.key, (v as Picked).label]] : [];
      }),
    );

  /** Runs cancellable work: the Cancel button stops it before its next request. */
  const cancellableRun = (work: (signal: AbortSignal, progress: RunProgress) => Promise<void>) =>
    run(async () => {
      const abort = new AbortController();
      controller.current = abort;
      setCancellable(true);
      const progress: RunProgress = (p) =>
        p.phase === 'fetching'
          ? step(`Fetching rows… ${p.rows.toLocaleString('en-US')} so far`)
          : step(`Writing ${p.done.toLocaleString('en-US')} of ${plural(p.total, 'row')}…`, p.total ? p.done / p.total : undefined);
      try {
        await work(abort.signal, progress);
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        task.setDone('Stopped.');
      } finally {
        controller.current = null;
        setCancellable(false);
        await listSheets().catch(() => undefined);
      }
    });

  const showPreview = (target: ReportSummary, form: FormValues) =>
    run(async () => {
      setNote(null);
      const params = paramsOf(target, form);
      if (!params) return;
      step('Running the report…');
      const page = await runPage({ report: target.id, params, limit: PREVIEW_ROWS });
      setPreview({ report: target, params, page, rows: [...page.rows] });
    });

  const more = () =>
    run(async () => {
      if (!preview?.page.nextCursor) return;
      step('Fetching more rows…');
      const page = await runPage({
        report: preview.report.id,
        params: preview.params,
        cursor: preview.page.nextCursor,
        limit: PREVIEW_ROWS,
      });
      setPreview({ ...preview, page: { ...page, totals: preview.page.totals }, rows: [...preview.rows, ...page.rows] });
    });

  const insert = () =>
    cancellableRun(async (signal, onProgress) => {
      if (!workbook || !report) return;
      const params = paramsOf(report, values);
      if (!params) return;
      step('Running the report…');
      const outcome = await insertReport(workbook, runPage, { report, params, shown: shownOf(report, values) }, context, {
        signal,
        onProgress,
      });
      task.setDone(`Inserted ${report.title} on sheet "${outcome.sheet}": ${plural(outcome.rowCount, 'row')} in table ${outcome.table}.`);
    });

  const refreshOne = (sheet: string) =>
    cancellableRun(async (signal, onProgress) => {
      if (!workbook || !reports) return;
      step(`Refreshing ${sheet}…`);
      try {
        const outcome = await refreshReportSheet(workbook, runPage, reports, sheet, context, { signal, onProgress });
        task.setDone(
          `Refreshed "${outcome.sheet}": ${plural(outcome.rowCount, 'row')} (was ${outcome.before.toLocaleString('en-US')}), ` +
            `the same table ${outcome.table}.`,
        );
      } catch (error) {
        if (!(error instanceof RefreshRefused)) throw error;
        task.setFailure({ title: 'Not refreshed', message: error.message, reason: null, problems: [] });
      }
    });

  const refreshEvery = () =>
    cancellableRun(async (signal, onProgress) => {
      if (!workbook || !reports) return;
      const outcome = await refreshAll(workbook, runPage, reports, context, {
        signal,
        onProgress,
        onSheet: (sheet, index, count) => step(`Refreshing ${sheet} (${index + 1} of ${count})…`),
      });
      const refreshed = outcome.refreshed.map((r) => `"${r.sheet}" ${plural(r.rowCount, 'row')}`);
      if (refreshed.length > 0 || outcome.refused.length === 0) {
        task.setDone(refreshed.length > 0 ? `Refreshed ${refreshed.join(', ')}.` : 'There are no report sheets in this workbook.');
      }
      if (outcome.refused.length > 0) {
        task.setFailure({
          title: `${plural(outcome.refused.length, 'sheet')} not refreshed`,
          message: outcome.refused.map((r) => `${r.sheet}: ${r.message}`).join('\n'),
          reason: null,
          problems: [],
        });
      }
    });

  /** Serials from the selected cells; cells Excel changed (00123 → 123) are left out and said. */
  const serialsFromSelection = async (): Promise<string[] | null> => {
    if (!workbook) return null;
    const collected = collectSerials(await workbook.readSelection());
    setNote(
      collected.problems.length > 0
        ? `${plural(collected.problems.length, 'cell')} left out: Excel changed what was typed there (${collected.problems[0]!.message})`
        : null,
    );
    return collected.serials;
  };

  const lookUpSerials = () =>
    run(async () => {
      if (!workbook || !serialLookup) return;
      step('Reading the selection…');
      const serials = await serialsFromSelection();
      if (!serials || serials.length === 0) throw new Error('Select the cells that hold the serials first (one serial per cell).');
      const key = serialLookup.params.find((p) => fieldKind(p) === 'serials')?.key ?? 'serials';
      const form = { ...initialValues(serialLookup.params), [key]: serials.join('\n') };
      choose(serialLookup, form);
      const params = paramsOf(serialLookup, form);
      if (!params) return;
      step(`Looking up ${plural(serials.length, 'serial')}…`);
      const page = await runPage({ report: serialLookup.id, params, limit: PREVIEW_ROWS });
      setPreview({ report: serialLookup, params, page, rows: [...page.rows] });
    });

  const busy = task.busy;
  const locationId = report?.params
    .filter((p) => fieldKind(p) === 'location')
    .map((p) => values[p.key])
    .find((v): v is Picked => v !== null && typeof v === 'object')?.id;

  return (
    <section className={styles.panel} aria-label="Reports">
      <Text as="h2" size={400} weight="semibold">
        Reports
      </Text>
      <Field label="Report">
        <Combobox
          className={styles.wide}
          placeholder={reports ? 'Search reports: title or keyword' : 'Loading reports…'}
          freeform
          value={search}
          onInput={(event) => setSearch((event.target as HTMLInputElement).value)}
          onOptionSelect={(_, data) => choose(reports?.find((r) => r.id === data.optionValue) ?? null)}
          data-testid="report-picker"
        >
          {matches.map((r) => (
            <Option key={r.id} value={r.id} text={r.title}>
              {r.title}
            </Option>
          ))}
          {matches.length === 0 && (
            <Option disabled value="">
              No report matches
            </Option>
          )}
        </Combobox>
      </Field>

      {report && (
        <form
          className={styles.section}
          aria-label={`${report.title} parameters`}
          onSubmit={(event) => {
            event.preventDefault();
            void showPreview(report, values);
          }}
        >
          <Text size={200}>{report.description}</Text>
          {report.params.map((p) => (
            <ParamField
              key={`${report.id}:${p.key}`}
              api={api}
              param={p}
              values={values}
              lists={lists}
              locationId={locationId}
              busy={busy}
              onChange={(value) => setValues((current) => ({ ...current, [p.key]: value }))}
              fromSelection={workbook ? serialsFromSelection : undefined}
            />
          ))}
          {problems.length > 0 && (
            <MessageBar intent="warning" layout="multiline" data-testid="param-problems">
              <MessageBarBody>{problems.join(' ')}</MessageBarBody>
            </MessageBar>
          )}
          <div className={styles.actions}>
            <Button type="submit" disabled={busy}>
              Preview
            </Button>
            <Button appearance="primary" disabled={busy || !workbook} onClick={insert}>
              Insert into sheet
            </Button>
          </div>
        </form>
      )}

      <div className={styles.actions}>
        <Button disabled={busy || !workbook || !serialLookup} onClick={lookUpSerials}>
          Look up serials
        </Button>
        {reports && !serialLookup && (
          <Text size={200} data-testid="serial-lookup-missing">
            The serial lookup report is not on this server yet.
          </Text>
        )}
      </div>
      {note && (
        <Text size={200} data-testid="reports-note">
          {note}
        </Text>
      )}

      {cancellable && (
        <div className={styles.actions}>
          <Button size="small" onClick={() => controller.current?.abort()}>
            Cancel
          </Button>
        </div>
      )}
      <TaskStatus task={task} />

      {preview && <ReportPreview preview={preview} onMore={more} busy={busy} timeZone={context.timeZone} />}

      <Divider />
      <section className={styles.section} aria-label="Report sheets" data-testid="report-sheets">
        <div className={styles.sheetRow}>
          <Text weight="semibold">Report sheets in this workbook</Text>
          <Button size="small" disabled={busy || !workbook || sheets.length === 0} onClick={refreshEvery}>
            Refresh all
          </Button>
        </div>
        {sheets.length === 0 && <Text size={200}>None yet: insert a report to make one.</Text>}
        {sheets.map(({ sheet, meta }) => (
          <div key={sheet} className={styles.sheetRow}>
            <Text size={200}>{`${sheet} · ${plural(meta.rowCount, 'row')}${meta.complete ? '' : ' · incomplete'}`}</Text>
            <Button size="small" aria-label={`Refresh ${sheet}`} disabled={busy} onClick={() => refreshOne(sheet)}>
              Refresh
            </Button>
          </div>
        ))}
      </section>
    </section>
  );
}

/** The first rows of a report in the pane; "More…" while there are more. */
function ReportPreview({ preview, onMore, busy, timeZone }: { preview: Preview; onMore: () => void; busy: boolean; timeZone: string }) {
  const styles = useStyles();
  const { page, rows } = preview;
  const totals = page.totals;
  return (
    <section className={styles.section} aria-label="Preview" data-testid="report-preview">
      <Text weight="semibold">{`${page.title}: ${rows.length === 0 ? 'no rows' : `first ${plural(rows.length, 'row')}`}`}</Text>
      {page.hiddenColumns.length > 0 && <Text size={200}>{`Not shown to your role: ${page.hiddenColumns.join(', ')}.`}</Text>}
      <div className={styles.preview}>
        <Table size="extra-small" className={styles.table} aria-label={`${page.title} preview`}>
          <TableHeader>
            <TableRow>
              {page.columns.map((c) => (
                <TableHeaderCell key={c.key} className={styles.cell}>
                  {c.label}
                </TableHeaderCell>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((row, i) => (
              <TableRow key={i}>
                {page.columns.map((c) => (
                  <TableCell key={c.key} className={styles.cell}>
                    {previewText(c.type, row[c.key] ?? null, timeZone)}
                  </TableCell>
                ))}
              </TableRow>
            ))}
            {totals && rows.length > 0 && (
              <TableRow>
                {page.columns.map((c, i) => (
                  <TableCell key={c.key} className={styles.cell}>
                    <strong>
                      {totals[c.key] !== undefined && totals[c.key] !== null
                        ? previewText(c.type, totals[c.key] as ReportRow[string], timeZone)
                        : i === 0
                          ? 'Total (all rows)'
                          : ''}
                    </strong>
                  </TableCell>
                ))}
              </TableRow>
            )}
          </TableBody>
        </Table>
      </div>
      {page.nextCursor && (
        <Button size="small" appearance="subtle" disabled={busy} onClick={onMore}>
          more…
        </Button>
      )}
    </section>
  );
}
