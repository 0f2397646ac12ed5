import { Button, makeStyles, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { mayWrite, type RoleName } from '../../../server/domain/roles.ts';
import type { Session } from '../../api/session.ts';
import { CheckResult } from '../../components/CheckResult.tsx';
import { plural } from '../../components/plural.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import { useCheckedSubmit } from '../../components/use-checked-submit.ts';
import type { ProblemMarker, SheetProperties, SheetReader, SheetWriter } from '../../excel/port.ts';
import {
  changedSentence,
  changeLines,
  exportTable,
  PRODUCTS_PROPERTY,
  PRODUCTS_SHEET,
  readSheetForImport,
  toProblems,
  type ReadSheet,
} from './products-sheet.ts';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
});

type ProductsWorkbook = SheetReader & SheetWriter & ProblemMarker & Pick<SheetProperties, 'setSheetProperty' | 'sheetsWithProperty'>;
/** What the last check read: the rows to apply, and what they would do. */
interface Checked {
  sheet: string;
  rows: ReadSheet['rows'];
  creates: number;
  updates: number;
  unchanged: number;
}

/**
 * Products from a sheet: Export writes every product as a table; people edit cells and add rows;
 * Check judges every row on the server (the rules products.create and update apply) and marks each
 * problem at its cell; Apply imports them all in one transaction, once per key.
 */
export function ProductsPanel({ session, workbook }: { session: Session; workbook: ProductsWorkbook | null }) {
  const styles = useStyles();
  const { api } = session;
  const task = useTask(session.serverUrl);
  const { run, step, report } = task;
  const entry = useCheckedSubmit<Checked>(workbook, task);
  const { checked } = entry;
  const [changes, setChanges] = useState<string[]>([]);
  const mayEdit = mayWrite(session.user.role as RoleName, 'products.edit');

  /** The sheet the export wrote (found by its property, so a renamed one is found too). */
  const productsSheet = async () => {
    const marked = await workbook!.sheetsWithProperty(PRODUCTS_PROPERTY);
    return marked[0]?.sheet ?? PRODUCTS_SHEET;
  };

  const read = async () => {
    const sheet = await productsSheet();
    step(`Reading ${sheet}…`, 0);
    const read = readSheetForImport(await workbook!.readSheet(sheet, report(`Reading ${sheet}…`)));
    if ('error' in read) throw new Error(read.error);
    return read;
  };

  const exportToSheet = () =>
    run(async () => {
      if (!workbook) return;
      setChanges([]);
      entry.clear();
      step('Fetching the products…');
      const exported = await api.products.export.query();
      const table = exportTable(exported);
      const sheet = await productsSheet();
      await workbook.clearProblems(sheet).catch(() => undefined); // the marks of an earlier check go with its rows
      await workbook.writeTable(sheet, table.header, table.rows, report(`Writing ${sheet}…`), table.formats);
      await workbook.setSheetProperty(sheet, PRODUCTS_PROPERTY, '1');
      task.setDone(
        `Wrote ${plural(table.rows.length, 'product')} to the sheet "${sheet}". Edit cells or add rows (flags TRUE or FALSE), then Check.` +
          (exported.truncated ? ' Only the first products fit: export and import the rest in parts.' : ''),
      );
    });

  const check = () =>
    run(async () => {
      if (!workbook) return;
      setChanges([]);
      const sheet = await read();
      step(`Checking ${plural(sheet.rows.length, 'row')}…`);
      const preview = await api.products.previewImport.query({ rows: sheet.rows });
      const problems = [...sheet.problems, ...toProblems(preview.problems)].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      const { creates, updates, unchanged } = preview;
      await entry.show(
        { sheet: sheet.sheet, rows: sheet.rows, creates, updates, unchanged },
        { sheet: sheet.sheet, locate: sheet.locate },
        problems,
      );
    });

  const apply = () =>
    run(async () => {
      if (!workbook || !checked) return;
      // What is applied is what was checked: a sheet edited since is checked again first.
      const now = await read();
      if (JSON.stringify(now.rows) !== JSON.stringify(checked.rows)) {
        throw new Error(`${checked.sheet} changed since it was checked: check it again, then apply.`);
      }
      step(`Importing ${plural(checked.rows.length, 'row')}…`);
      const request = { rows: checked.rows };
      const result = await entry.submit(request, (idempotencyKey) => api.products.import.mutate({ ...request, idempotencyKey }));
      setChanges(changeLines(result.changes));
      task.setDone(changedSentence(result));
    });

  const busy = task.busy;
  return (
    <section className={styles.panel} aria-label="Products">
      <Text as="h2" size={400} weight="semibold">
        Products
      </Text>
      <Text>
        Export the product list to a sheet, edit it there (change cells, add rows; SKU is the key), check it, then apply it all at once.
      </Text>
      <div className={styles.actions}>
        <Button onClick={exportToSheet} disabled={!workbook || busy}>
          Export products to sheet
        </Button>
        <Button onClick={check} disabled={!workbook || busy || !mayEdit}>
          Check
        </Button>
        <Button appearance="primary" onClick={apply} disabled={!checked || entry.problems.length > 0 || busy || !mayEdit}>
          Apply
        </Button>
      </div>
      {!mayEdit && (
        <Text size={200} data-testid="products-read-only">
          Your role may export products but not change them: purchasing or admin apply a products sheet.
        </Text>
      )}
      <TaskStatus task={task} />
      {checked && (
        <CheckResult
          entry={entry}
          title={`${plural(checked.rows.length, 'row')} checked`}
          ready={`No problems: applying creates ${plural(checked.creates, 'product')}, updates ${checked.updates} and leaves ${checked.unchanged} unchanged.`}
        />
      )}
      {changes.length > 0 && (
        <ul className={styles.list} data-testid="product-changes">
          {changes.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
