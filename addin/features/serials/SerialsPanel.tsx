import { Button, Field, makeStyles, Tab, TabList, Text, Textarea, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { Session } from '../../api/session.ts';
import { CheckResult } from '../../components/CheckResult.tsx';
import { plural } from '../../components/plural.ts';
import { collectSerials } from '../../components/selection-serials.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import { useCheckedSubmit } from '../../components/use-checked-submit.ts';
import type { ProblemMarker, SelectionReader } from '../../excel/port.ts';
import { PlacePicker, type Place } from './PlacePicker.tsx';
import { ProductPicker, type PickedProduct } from './ProductPicker.tsx';

const useStyles = makeStyles({
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

type Mode = 'selection' | 'text';
/** What the last check found: how many serials, and what Add sends (the selection's serials, or the typed text). */
interface Checked {
  found: number;
  entries: { serials: string[] } | { text: string };
}

export function SerialsPanel({ session, workbook }: { session: Session; workbook: (SelectionReader & ProblemMarker) | null }) {
  const styles = useStyles();
  const { api } = session;
  const [mode, setMode] = useState<Mode>(workbook ? 'selection' : 'text');
  const [product, setProduct] = useState<PickedProduct | null>(null);
  const [place, setPlace] = useState<Place>({ locationId: null, bayId: null });
  const [text, setText] = useState('');
  const task = useTask(session.serverUrl);
  const { run, step, report } = task;
  const entry = useCheckedSubmit<Checked>(workbook, task);
  const { checked } = entry;

  const reset = () => {
    entry.clear();
    task.clear();
  };

  const checkSelection = () =>
    run(async () => {
      if (!workbook || !product) return;
      entry.clear();
      step('Reading the selection…', 0);
      const selection = await workbook.readSelection(report('Reading the selection…'));
      const collected = collectSerials(selection);
      if (collected.serials.length === 0 && collected.problems.length === 0) {
        await workbook.clearProblems(collected.sheet);
        task.setFailure({
          title: 'No serials here',
          message: 'The selected cells are all blank: select the cells holding the serials.',
          reason: null,
          problems: [],
        });
        return;
      }
      const cells = { sheet: collected.sheet, locate: (i: number) => collected.cells[i] };
      // Serials Excel changed are shown first; nothing is checked until they are pasted again as text.
      if (collected.problems.length) return entry.show({ found: 0, entries: { serials: collected.serials } }, cells, collected.problems);
      step(`Checking ${collected.serials.length.toLocaleString()} serials…`);
      const preview = await api.serials.preview.query({ productId: product.id, serials: collected.serials });
      await entry.show({ found: preview.serials.length, entries: { serials: collected.serials } }, cells, preview.errors);
    });

  const checkText = () =>
    run(async () => {
      if (!product) return;
      step('Checking…');
      const preview = await api.serials.preview.query({ productId: product.id, text });
      await entry.show({ found: preview.serials.length, entries: { text } }, null, preview.errors);
    });

  const add = () =>
    run(async () => {
      if (!checked || !product || place.locationId === null) return;
      step(`Adding ${checked.found.toLocaleString()} serials…`);
      // Refused (e.g. someone added one of them meanwhile): the problems are marked and listed.
      const request = { productId: product.id, locationId: place.locationId, bayId: place.bayId, ...checked.entries };
      const result = await entry.submit(request, (idempotencyKey) => api.serials.add.mutate({ ...request, idempotencyKey }));
      task.setDone(`Added ${result.added.toLocaleString()} serials of ${product.sku}.`);
    });

  const ready = product !== null && place.locationId !== null;
  const busy = task.busy;
  const canAdd = ready && checked !== null && entry.problems.length === 0 && checked.found > 0 && !busy;

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
              entry.clear();
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
          {checked && entry.problems.length === 0 ? `Add ${checked.found.toLocaleString()} serials` : 'Add serials'}
        </Button>
      </div>

      <TaskStatus task={task} />
      {checked && (
        <CheckResult
          entry={entry}
          title={`${plural(checked.found, 'serial')} found`}
          ready={ready ? 'No problems: ready to add.' : 'No problems. Choose the location to add them to.'}
        />
      )}
    </section>
  );
}
