import {
  Button,
  Field,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Tab,
  TabList,
  Text,
  Textarea,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import type { Session } from '../../App.tsx';
import { describeFailure, type Problem } from '../../api/errors.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import type { CellRef, WorkbookPort } from '../../excel/port.ts';
import { PlacePicker, type Place } from './PlacePicker.tsx';
import { ProblemList } from './ProblemList.tsx';
import { ProductPicker, type PickedProduct } from './ProductPicker.tsx';
import { collectSerials, marksFor, type CollectedSerials } from './selection-serials.ts';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

type Mode = 'selection' | 'text';
/** What the last check found: the serials to add, where they came from, and every problem. */
interface Checked {
  mode: Mode;
  serials: string[];
  text?: string;
  collected?: CollectedSerials;
  problems: Problem[];
  /** One key per checked set: pressing Add again after a lost answer cannot add twice. */
  idempotencyKey: string;
}

export function SerialsPanel({ session, workbook }: { session: Session; workbook: WorkbookPort | null }) {
  const styles = useStyles();
  const { api } = session;
  const [mode, setMode] = useState<Mode>(workbook ? 'selection' : 'text');
  const [product, setProduct] = useState<PickedProduct | null>(null);
  const [place, setPlace] = useState<Place>({ locationId: null, bayId: null });
  const [text, setText] = useState('');
  const [checked, setChecked] = useState<Checked | null>(null);
  const task = useTask(session.serverUrl);
  const { run, step, report } = task;

  const reset = () => {
    setChecked(null);
    task.clear();
  };

  const checkSelection = () =>
    run(async () => {
      if (!workbook || !product) return;
      setChecked(null);
      step('Reading the selection…', 0);
      const selection = await workbook.readSelection(report('Reading the selection…'));
      const collected = collectSerials(selection);
      if (collected.serials.length === 0) {
        await workbook.clearProblems(collected.sheet);
        task.setFailure({
          title: 'No serials here',
          message: 'The selected cells are all blank: select the cells holding the serials.',
          reason: null,
          problems: [],
        });
        return;
      }
      step(`Checking ${collected.serials.length.toLocaleString()} serials…`);
      const preview = await api.serials.preview.query({ productId: product.id, serials: collected.serials });
      step('Marking problems in the sheet…', 0);
      await workbook.markProblems(collected.sheet, marksFor(preview.errors, collected.cells), report('Marking problems in the sheet…'));
      setChecked({ mode: 'selection', serials: preview.serials, collected, problems: preview.errors, idempotencyKey: crypto.randomUUID() });
    });

  const checkText = () =>
    run(async () => {
      if (!product) return;
      step('Checking…');
      const preview = await api.serials.preview.query({ productId: product.id, text });
      setChecked({ mode: 'text', serials: preview.serials, text, problems: preview.errors, idempotencyKey: crypto.randomUUID() });
    });

  const add = () =>
    run(async () => {
      if (!checked || !product || place.locationId === null) return;
      step(`Adding ${checked.serials.length.toLocaleString()} serials…`);
      const request = { productId: product.id, locationId: place.locationId, bayId: place.bayId, idempotencyKey: checked.idempotencyKey };
      try {
        const result = await api.serials.add.mutate(
          checked.mode === 'text' ? { ...request, text: checked.text! } : { ...request, serials: checked.collected!.serials },
        );
        if (checked.collected) await workbook?.clearProblems(checked.collected.sheet);
        setChecked(null);
        task.setDone(`Added ${result.added.toLocaleString()} serials of ${product.sku}.`);
      } catch (error) {
        // Refused (e.g. someone added one of them meanwhile): show and mark the problems.
        const failed = describeFailure(error, session.serverUrl);
        if (failed.problems.length && checked.collected && workbook) {
          await workbook.markProblems(checked.collected.sheet, marksFor(failed.problems, checked.collected.cells));
          setChecked({ ...checked, problems: failed.problems, idempotencyKey: crypto.randomUUID() });
        }
        throw error;
      }
    });

  const selectCell = (cell: CellRef) => void workbook?.selectCell(cell).catch(task.fail);
  const ready = product !== null && place.locationId !== null;
  const busy = task.busy;
  const canAdd = ready && checked !== null && checked.problems.length === 0 && checked.serials.length > 0 && !busy;

  return (
    <section className={styles.panel} aria-label="Add serials">
      <Text as="h2" size={400} weight="semibold">
        Add serials
      </Text>
      <ProductPicker
        api={api}
        value={product}
        onChange={(p) => {
          setProduct(p);
          reset();
        }}
      />
      <PlacePicker
        api={api}
        value={place}
        onChange={(p) => {
          setPlace(p);
          task.setDone(null);
        }}
      />
      <TabList
        selectedValue={mode}
        onTabSelect={(_, data) => {
          setMode(data.value as Mode);
          reset();
        }}
      >
        <Tab value="selection" disabled={!workbook}>
          From selection
        </Tab>
        <Tab value="text">Type or paste</Tab>
      </TabList>

      {mode === 'selection' ? (
        <Text>Select the cells holding the serials (one per cell; blank cells are skipped), then check them.</Text>
      ) : (
        <Field
          label="Serials"
          hint="One per line or separated by commas. Ranges SN001-SN100, SN0009::12, 10+3; ~ continues after the highest serial."
        >
          <Textarea
            value={text}
            onChange={(_, data) => {
              setText(data.value);
              setChecked(null);
            }}
            rows={6}
            resize="vertical"
            data-testid="serial-text"
          />
        </Field>
      )}

      <div className={styles.actions}>
        {mode === 'selection' ? (
          <Button onClick={checkSelection} disabled={!product || !workbook || busy}>
            Check selection
          </Button>
        ) : (
          <Button onClick={checkText} disabled={!product || !text.trim() || busy}>
            Check
          </Button>
        )}
        <Button appearance="primary" onClick={add} disabled={!canAdd}>
          {checked && checked.problems.length === 0 ? `Add ${checked.serials.length.toLocaleString()} serials` : 'Add serials'}
        </Button>
      </div>

      <TaskStatus task={task} />
      {checked && (
        <MessageBar layout="multiline" intent={checked.problems.length ? 'warning' : 'info'} data-testid="check-result">
          <MessageBarBody>
            <MessageBarTitle>{`${checked.serials.length.toLocaleString()} serials found`}</MessageBarTitle>
            {checked.problems.length === 0
              ? ready
                ? 'No problems: ready to add.'
                : 'No problems. Choose the location to add them to.'
              : `${checked.problems.length} problem${checked.problems.length === 1 ? '' : 's'} to fix${checked.collected ? ' (highlighted in the sheet; click one to go to its cell)' : ''}, then check again.`}
          </MessageBarBody>
        </MessageBar>
      )}
      {checked && (
        <ProblemList
          problems={checked.problems}
          locate={checked.collected ? (i) => checked.collected!.cells[i] : undefined}
          onSelect={selectCell}
        />
      )}
    </section>
  );
}
