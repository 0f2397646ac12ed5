import { Dropdown, Field, makeStyles, Option, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { Api } from '../../api/client.ts';

type Location = { id: number; name: string; bays: { id: number; name: string }[] };
export interface Place {
  locationId: number | null;
  bayId: number | null;
}

const useStyles = makeStyles({
  row: { display: 'grid', gridTemplateColumns: '3fr 2fr', gap: tokens.spacingHorizontalS },
  // Fluent's Dropdown wants 250px; a task pane is narrower.
  dropdown: { minWidth: 0, width: '100%' },
});

/** Location and optional bay of that location. */
export function PlacePicker(props: { api: Api; value: Place; onChange: (place: Place) => void }) {
  const styles = useStyles();
  const [locations, setLocations] = useState<Location[]>([]);
  useEffect(() => {
    void props.api.locations.list.query().then((page) => setLocations(page.items));
  }, [props.api]);
  const location = locations.find((l) => l.id === props.value.locationId);

  return (
    <div className={styles.row}>
      <Field label="Location" required>
        <Dropdown
          className={styles.dropdown}
          placeholder="Choose"
          value={location?.name ?? ''}
          selectedOptions={location ? [String(location.id)] : []}
          onOptionSelect={(_, data) => props.onChange({ locationId: Number(data.optionValue), bayId: null })}
          data-testid="location-picker"
        >
          {locations.map((l) => (
            <Option key={l.id} value={String(l.id)}>
              {l.name}
            </Option>
          ))}
        </Dropdown>
      </Field>
      <Field label="Bay">
        <Dropdown
          className={styles.dropdown}
          placeholder={location?.bays.length ? 'None' : 'No bays'}
          disabled={!location?.bays.length}
          value={location?.bays.find((b) => b.id === props.value.bayId)?.name ?? ''}
          selectedOptions={props.value.bayId ? [String(props.value.bayId)] : []}
          onOptionSelect={(_, data) => props.onChange({ ...props.value, bayId: data.optionValue ? Number(data.optionValue) : null })}
        >
          <Option value="">No bay</Option>
          {(location?.bays ?? []).map((b) => (
            <Option key={b.id} value={String(b.id)}>
              {b.name}
            </Option>
          ))}
        </Dropdown>
      </Field>
    </div>
  );
}
