import { Button, Checkbox, Combobox, Dropdown, Field, Input, makeStyles, Option, Textarea, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { Api } from '../../api/client.ts';
import { fieldKind, isEntity, splitLines, type FieldValue, type FormValues, type ParamDescription, type Picked } from './param-form.ts';

const useStyles = makeStyles({
  // Fluent's Dropdown wants 250px; a task pane is narrower.
  wide: { minWidth: 0, width: '100%' },
  serials: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
});

/** The lists the pickers choose from, read once per panel. */
export interface PickLists {
  locations: { id: number; name: string; bays: { id: number; name: string }[] }[];
  customers: { id: number; name: string }[];
  /** Null when this role may not list users: the user is then typed as a number. */
  users: { id: number; name: string }[] | null;
}

export async function loadPickLists(api: Api): Promise<PickLists> {
  const [locations, customers, users] = await Promise.all([
    api.locations.list.query().catch(() => ({ items: [] })),
    api.customers.list.query().catch(() => ({ items: [] })),
    api.users.list.query().catch(() => null),
  ]);
  return {
    locations: locations.items.map(({ id, name, bays }) => ({ id, name, bays: bays.map((b) => ({ id: b.id, name: b.name })) })),
    customers: customers.items.map(({ id, name }) => ({ id, name })),
    users: users?.map(({ id, name }) => ({ id, name })) ?? null,
  };
}

/** A product by SKU or name, searched on the server as it is typed (every product, not only serialised ones). */
function ProductSearch(props: {
  api: Api;
  label: string;
  required: boolean;
  name: string;
  value: Picked | null;
  onChange: (p: Picked | null) => void;
}) {
  const [search, setSearch] = useState(props.value?.label ?? '');
  const [options, setOptions] = useState<Picked[]>([]);
  useEffect(() => {
    let current = true;
    const timer = setTimeout(async () => {
      const page = await props.api.products.list.query({ search: search.trim() || undefined, limit: 50 }).catch(() => ({ items: [] }));
      if (current) setOptions(page.items.map((p) => ({ id: p.id, label: `${p.sku} — ${p.name}` })));
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [props.api, search]);
  return (
    <Field label={props.label} required={props.required}>
      <Combobox
        placeholder="Search SKU or name (empty: any)"
        value={search}
        freeform
        name={props.name}
        onInput={(event) => {
          const text = (event.target as HTMLInputElement).value;
          setSearch(text);
          if (text.trim() === '') props.onChange(null);
        }}
        onOptionSelect={(_, data) => {
          const picked = options.find((p) => String(p.id) === data.optionValue) ?? null;
          props.onChange(picked);
          setSearch(picked?.label ?? '');
        }}
      >
        {options.map((p) => (
          <Option key={p.id} value={String(p.id)} text={p.label}>
            {p.label}
          </Option>
        ))}
        {options.length === 0 && (
          <Option disabled value="">
            No product matches
          </Option>
        )}
      </Combobox>
    </Field>
  );
}

/** A pick from a fixed list, with "(any)" to leave an optional filter empty. */
function ListPick(props: {
  label: string;
  required: boolean;
  name: string;
  items: Picked[];
  value: Picked | null;
  onChange: (p: Picked | null) => void;
}) {
  const styles = useStyles();
  return (
    <Field label={props.label} required={props.required}>
      <Dropdown
        className={styles.wide}
        name={props.name}
        placeholder={props.required ? 'Choose' : '(any)'}
        value={props.value?.label ?? ''}
        selectedOptions={props.value ? [String(props.value.id)] : []}
        onOptionSelect={(_, data) => props.onChange(props.items.find((i) => String(i.id) === data.optionValue) ?? null)}
      >
        {!props.required && <Option value="">(any)</Option>}
        {props.items.map((i) => (
          <Option key={i.id} value={String(i.id)}>
            {i.label}
          </Option>
        ))}
      </Dropdown>
    </Field>
  );
}

/**
 * The field for one report parameter, chosen by its kind (param-form.ts): products searched,
 * locations, bays, customers and users picked from their lists, serials typed or taken from the
 * selected cells, days, whole numbers, choices, yes/no, text.
 */
export function ParamField(props: {
  api: Api;
  param: ParamDescription;
  values: FormValues;
  lists: PickLists;
  onChange: (value: FieldValue) => void;
  /** The location picked in the same form, which a bay belongs to. */
  locationId?: number | null;
  /** Reads serials from the selected cells (absent outside Excel). */
  fromSelection?: () => Promise<string[] | null>;
  busy: boolean;
}) {
  const styles = useStyles();
  const { param, values, lists } = props;
  const kind = fieldKind(param);
  const value = values[param.key] ?? null;
  const hint = param.hint;
  const common = { label: param.label, required: param.required, name: param.key };
  const picked = isEntity(kind) && value !== null && typeof value === 'object' ? value : null;
  const text = typeof value === 'string' ? value : '';

  switch (kind) {
    case 'product':
      return <ProductSearch api={props.api} {...common} value={picked} onChange={props.onChange} />;
    case 'location':
      return (
        <ListPick {...common} items={lists.locations.map((l) => ({ id: l.id, label: l.name }))} value={picked} onChange={props.onChange} />
      );
    case 'bay': {
      // The bays of the location chosen in the same form, else every bay by its location.
      const places = lists.locations.filter(
        (l) => props.locationId === undefined || props.locationId === null || l.id === props.locationId,
      );
      const bays = places.flatMap((l) => l.bays.map((b) => ({ id: b.id, label: places.length > 1 ? `${l.name} › ${b.name}` : b.name })));
      return <ListPick {...common} items={bays} value={picked} onChange={props.onChange} />;
    }
    case 'customer':
      return (
        <ListPick {...common} items={lists.customers.map((c) => ({ id: c.id, label: c.name }))} value={picked} onChange={props.onChange} />
      );
    case 'user':
      if (lists.users) {
        return (
          <ListPick {...common} items={lists.users.map((u) => ({ id: u.id, label: u.name }))} value={picked} onChange={props.onChange} />
        );
      }
      return (
        <Field {...common} hint="The user's number (this role does not list users)">
          <Input
            name={param.key}
            type="number"
            value={picked ? String(picked.id) : ''}
            onChange={(_, data) => props.onChange(/^\d+$/.test(data.value) ? { id: Number(data.value), label: `#${data.value}` } : null)}
          />
        </Field>
      );
    case 'serials':
    case 'list': {
      const count = splitLines(text).length;
      return (
        <Field {...common} hint={hint ?? (kind === 'serials' ? 'One per line' : 'One per line')}>
          <div className={styles.serials}>
            <Textarea
              name={param.key}
              resize="vertical"
              rows={3}
              value={text}
              onChange={(_, data) => props.onChange(data.value)}
              placeholder={kind === 'serials' ? 'Type or paste serials, one per line' : 'One per line'}
            />
            {props.fromSelection && (
              <Button
                size="small"
                disabled={props.busy}
                onClick={() =>
                  void props.fromSelection!().then((serials) => {
                    if (serials) props.onChange(serials.join('\n'));
                  })
                }
              >
                {`From selected cells${count ? ` (${count} now)` : ''}`}
              </Button>
            )}
          </div>
        </Field>
      );
    }
    case 'date':
      return (
        <Field {...common} hint={hint}>
          <Input name={param.key} type="date" value={text} onChange={(_, data) => props.onChange(data.value)} />
        </Field>
      );
    case 'integer':
      return (
        <Field {...common} hint={hint}>
          <Input name={param.key} type="number" step={1} value={text} onChange={(_, data) => props.onChange(data.value)} />
        </Field>
      );
    case 'choice':
      return (
        <Field {...common} hint={hint}>
          <Dropdown
            className={styles.wide}
            name={param.key}
            placeholder={param.required ? 'Choose' : '(any)'}
            value={text}
            selectedOptions={text ? [text] : []}
            onOptionSelect={(_, data) => props.onChange(data.optionValue ?? '')}
          >
            {!param.required && param.default === undefined && <Option value="">(any)</Option>}
            {(param.options ?? []).map((o) => (
              <Option key={o} value={o}>
                {o}
              </Option>
            ))}
          </Dropdown>
        </Field>
      );
    case 'boolean':
      return (
        <Field hint={hint}>
          <Checkbox
            name={param.key}
            label={param.label}
            checked={value === true}
            onChange={(_, data) => props.onChange(data.checked === true)}
          />
        </Field>
      );
    default:
      return (
        <Field {...common} hint={hint}>
          <Input name={param.key} value={text} onChange={(_, data) => props.onChange(data.value)} />
        </Field>
      );
  }
}
