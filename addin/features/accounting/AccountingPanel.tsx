import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Divider,
  Field,
  Input,
  makeStyles,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import { mayWrite, refusalMessage, type RoleName } from '../../../server/domain/roles.ts';
import type { Session } from '../../api/session.ts';
import { plural } from '../../components/plural.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import type { ProblemMarker, SelectionReader, SheetProperties, SheetReader, SheetWriter } from '../../excel/port.ts';
import { mappingForm, type MappingForm } from './account-mapping.ts';
import { AccountMappingForm } from './AccountMappingForm.tsx';
import { ConnectionCard } from './ConnectionCard.tsx';
import {
  FAILED_COLUMN_FORMATS,
  FAILED_COLUMNS,
  FAILED_SHEET,
  failedRows,
  firstOpenDay,
  idList,
  PERIOD_LOCKED,
  POSTINGS_PROPERTY,
  selectedPostings,
  type FailedPosting,
  type SelectedPosting,
} from './postings-sheet.ts';
import { syncSummary, type AccountingStatus } from './status-text.ts';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

type AccountingWorkbook = SelectionReader &
  SheetReader &
  Pick<SheetWriter, 'writeTable'> &
  Pick<ProblemMarker, 'selectCell'> &
  Pick<SheetProperties, 'getSheetProperty' | 'setSheetProperty'>;

/** What the sheet says about failed postings: this many, at most this many per request. */
const PAGE = 1000;
/** How often the panel looks at the queue again while it is open. */
const REFRESH_MS = 15_000;
const SHEET_VALUE = 'failed';

type Asking = { action: 'skip' | 'redate'; postings: SelectedPosting[] } | null;

/**
 * The Accounting panel (accountant, admin): the connection and the queue, the account mapping, and
 * the failed postings: written to a sheet with their reasons, then retried, skipped (with a
 * reason), re-dated, or (opening stock) marked as already in the ledger by selecting their rows there.
 */
export function AccountingPanel({ session, workbook }: { session: Session; workbook: AccountingWorkbook | null }) {
  const styles = useStyles();
  const { api } = session;
  const role = session.user.role as RoleName;
  const mayManage = mayWrite(role, 'accounting.manage');
  const task = useTask(session.serverUrl);
  const { run, step, report } = task;
  const [status, setStatus] = useState<AccountingStatus | null>(null);
  const [mapping, setMapping] = useState<MappingForm | null>(null);
  const [asking, setAsking] = useState<Asking>(null);
  const [reason, setReason] = useState('');
  const [date, setDate] = useState('');

  const refresh = useCallback(async () => setStatus(await api.accounting.status.query()), [api]);
  useEffect(() => {
    const load = () =>
      void api.accounting.status
        .query()
        .then(setStatus)
        .catch(() => undefined);
    load();
    void api.settings.get
      .query()
      .then((s) => setMapping(mappingForm(s.accounting)))
      .catch(task.fail);
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  const syncNow = () =>
    run(async () => {
      step('Sending the queue…');
      const result = await api.accounting.syncNow.mutate();
      setStatus(result.status);
      task.setDone(syncSummary(result));
    });

  /** Every failed posting, a page at a time. */
  async function failedPostings(): Promise<FailedPosting[]> {
    const all: FailedPosting[] = [];
    let cursor: number | undefined;
    do {
      const page = await api.accounting.postings.query({ state: 'failed', cursor, limit: PAGE });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return all;
  }

  /** Writes the failed postings to their sheet (values, then formats) and shows it; the count written. */
  async function writeFailed(): Promise<number> {
    step('Reading the failed postings…');
    const postings = await failedPostings();
    const timeZone = mapping?.timezone || mappingForm((await api.settings.get.query()).accounting).timezone || 'UTC';
    await workbook!.writeTable(
      FAILED_SHEET,
      [...FAILED_COLUMNS],
      failedRows(postings, timeZone),
      report(`Writing ${FAILED_SHEET}…`),
      FAILED_COLUMN_FORMATS,
    );
    await workbook!.setSheetProperty(FAILED_SHEET, POSTINGS_PROPERTY, SHEET_VALUE);
    await workbook!.selectCell({ sheet: FAILED_SHEET, row: postings.length > 0 ? 1 : 0, column: 0 });
    return postings.length;
  }

  const toSheet = () =>
    run(async () => {
      if (!workbook) return;
      const count = await writeFailed();
      await refresh();
      task.setDone(
        count === 0
          ? `No posting has failed: "${FAILED_SHEET}" lists none.`
          : `Wrote ${plural(count, 'failed posting')} to "${FAILED_SHEET}" with ${count === 1 ? 'its reason' : 'their reasons'}. ` +
              'Fix the cause (the account mapping, or in the accounting system), select the rows, then Retry selected; or Skip selected… with a reason.',
      );
    });

  /** The postings in the rows selected on the failed postings sheet, or null (the failure said why). */
  async function selected(): Promise<SelectedPosting[] | null> {
    const selection = await workbook!.readSelection(report('Reading the selection…'));
    const nothing = (message: string) => {
      task.setFailure({ title: 'Nothing selected', message, reason: null, problems: [] });
      return null;
    };
    if ((await workbook!.getSheetProperty(selection.sheet, POSTINGS_PROPERTY)) !== SHEET_VALUE)
      return nothing(`Select rows on the "${FAILED_SHEET}" sheet (write the failed postings to it first); "${selection.sheet}" is not it.`);
    const { values } = await workbook!.readSheet(selection.sheet, report(`Reading ${selection.sheet}…`));
    const found = selectedPostings({ top: selection.top, rowCount: selection.values.length }, values);
    if ('error' in found) throw new Error(`${selection.sheet}: ${found.error}`);
    if (found.postings.length === 0)
      return nothing(`Select the rows of the postings on "${selection.sheet}" (any cell of each row will do).`);
    return found.postings;
  }

  /** After an action: the queue and the sheet again (what is still failed), and what was done. */
  async function after(done: string) {
    await refresh();
    const left = await writeFailed();
    task.setDone(`${done} "${FAILED_SHEET}" now lists ${left === 0 ? 'no failed postings' : plural(left, 'failed posting')}.`);
  }

  const retry = () =>
    run(async () => {
      if (!workbook) return;
      const postings = await selected();
      if (!postings) return;
      const ids = postings.map((p) => p.id);
      step(`Retrying ${idList(ids)}…`);
      await api.accounting.retry.mutate({ ids });
      await after(
        `${postings.length === 1 ? 'Posting' : 'Postings'} ${idList(ids)} will be sent again with today’s mapping (Sync now sends them at once).`,
      );
    });

  /** Opening stock the accountant entered in the ledger themselves: never sent, counted as there. */
  const inLedger = () =>
    run(async () => {
      if (!workbook) return;
      const postings = await selected();
      if (!postings) return;
      const ids = postings.map((p) => p.id);
      step(`Marking ${idList(ids)} as already in the ledger…`);
      await api.accounting.markInLedger.mutate({ ids });
      await after(`Marked ${idList(ids)} as already in the ledger: ${ids.length === 1 ? 'it is' : 'they are'} never sent.`);
    });

  const ask = (action: 'skip' | 'redate') =>
    run(async () => {
      if (!workbook) return;
      const postings = await selected();
      if (!postings) return;
      if (action === 'redate') {
        const other = postings.filter((p) => p.errorCode !== PERIOD_LOCKED);
        if (other.length > 0) {
          task.setFailure({
            title: 'Not for a locked period',
            message:
              `Only postings refused for a locked period (${PERIOD_LOCKED}) are re-dated: ` +
              other.map((p) => `#${p.id} failed with ${p.errorCode || 'another reason'}`).join(', ') +
              '. Select only the locked ones, or retry or skip the others.',
            reason: null,
            problems: [],
          });
          return;
        }
        setDate(firstOpenDay(postings.map((p) => p.error)) ?? new Date().toISOString().slice(0, 10));
      } else setReason('');
      setAsking({ action, postings });
    });

  const confirm = () =>
    run(async () => {
      if (!asking) return;
      const ids = asking.postings.map((p) => p.id);
      setAsking(null);
      if (asking.action === 'skip') {
        step(`Skipping ${idList(ids)}…`);
        await api.accounting.skip.mutate({ ids, reason: reason.trim() });
        await after(`Skipped ${idList(ids)}: ${ids.length === 1 ? 'it is' : 'they are'} never sent ("${reason.trim()}").`);
      } else {
        step(`Re-dating ${idList(ids)}…`);
        await api.accounting.redate.mutate({ ids, date });
        await after(`Re-dated ${idList(ids)} to ${date}: ${ids.length === 1 ? 'it goes' : 'they go'} with the next sync.`);
      }
    });

  const busy = task.busy;
  const ready = workbook !== null && !busy;
  const manageNote = mayManage ? undefined : refusalMessage(role, 'accounting.manage');

  return (
    <section className={styles.panel} aria-label="Accounting">
      <Text as="h2" size={400} weight="semibold">
        Accounting
      </Text>
      <ConnectionCard session={session} status={status} onStatus={setStatus} refresh={refresh} />

      <section className={styles.section} aria-label="Postings">
        <Text as="h3" size={300} weight="semibold">
          Postings
        </Text>
        <Text size={200}>
          {`Write the failed postings to a sheet, select their rows there (any cell of each), then retry, skip or re-date them.`}
        </Text>
        <div className={styles.actions}>
          <Button appearance="primary" onClick={syncNow} disabled={busy || !mayManage} title={manageNote}>
            Sync now
          </Button>
          <Button onClick={toSheet} disabled={!ready}>
            Failed postings to sheet
          </Button>
        </div>
        <div className={styles.actions}>
          <Button onClick={retry} disabled={!ready || !mayManage} title={manageNote}>
            Retry selected
          </Button>
          <Button onClick={() => ask('skip')} disabled={!ready || !mayManage} title={manageNote}>
            Skip selected…
          </Button>
          <Button onClick={() => ask('redate')} disabled={!ready || !mayManage} title={manageNote}>
            Re-date selected…
          </Button>
          <Button onClick={inLedger} disabled={!ready || !mayManage} title={manageNote ?? 'Opening stock entered in the ledger already'}>
            Already in the ledger
          </Button>
        </div>
        {!workbook && <Text size={200}>Open the pane in Excel to write and select postings in a sheet.</Text>}
        {manageNote && (
          <Text size={200} data-testid="role-note">
            {manageNote}
          </Text>
        )}
        <TaskStatus task={task} />
      </section>

      <Divider />
      <AccountMappingForm session={session} mapping={mapping} onSaved={setMapping} />

      <Dialog open={asking !== null} onOpenChange={(_, data) => !data.open && setAsking(null)}>
        <DialogSurface>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void confirm();
            }}
          >
            <DialogBody>
              <DialogTitle>
                {asking?.action === 'redate'
                  ? `Re-date ${plural(asking.postings.length, 'posting')}?`
                  : `Skip ${plural(asking?.postings.length ?? 0, 'posting')}?`}
              </DialogTitle>
              <DialogContent>
                {asking?.action === 'redate' ? (
                  <Field label="Date the journal" hint="The first open day after the lock date; then it is sent again." required>
                    <Input type="date" value={date} onChange={(_, data) => setDate(data.value)} name="redate" />
                  </Field>
                ) : (
                  <Field
                    label="Reason"
                    hint={`${asking ? idList(asking.postings.map((p) => p.id)) : ''} will never be sent; the reason is kept with ${asking?.postings.length === 1 ? 'it' : 'them'}.`}
                    required
                  >
                    <Input value={reason} onChange={(_, data) => setReason(data.value)} name="skipReason" autoComplete="off" />
                  </Field>
                )}
              </DialogContent>
              <DialogActions>
                <Button onClick={() => setAsking(null)}>Cancel</Button>
                <Button
                  appearance="primary"
                  type="submit"
                  disabled={asking?.action === 'redate' ? !/^\d{4}-\d{2}-\d{2}$/.test(date) : reason.trim() === ''}
                >
                  {asking?.action === 'redate' ? 'Re-date' : 'Skip'}
                </Button>
              </DialogActions>
            </DialogBody>
          </form>
        </DialogSurface>
      </Dialog>
    </section>
  );
}
