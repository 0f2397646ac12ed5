import { Combobox, Field, Option } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { Api } from '../../api/client.ts';

export interface PickedProduct {
  id: number;
  sku: string;
  name: string;
}

/** A searchable list of serialised products (searches SKU and name on the server as you type). */
export function ProductPicker(props: { api: Api; value: PickedProduct | null; onChange: (product: PickedProduct | null) => void }) {
  const [search, setSearch] = useState(props.value ? props.value.sku : '');
  const [options, setOptions] = useState<PickedProduct[]>([]);

  useEffect(() => {
    let current = true;
    const timer = setTimeout(async () => {
      const page = await props.api.products.list.query({ search: search.trim() || undefined, limit: 50 });
      if (current) setOptions(page.items.filter((p) => p.serialised).map(({ id, sku, name }) => ({ id, sku, name })));
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [props.api, search]);

  return (
    <Field label="Product" required>
      <Combobox
        placeholder="Search SKU or name"
        value={search}
        freeform
        onInput={(event) => setSearch((event.target as HTMLInputElement).value)}
        onOptionSelect={(_, data) => {
          const picked = options.find((p) => String(p.id) === data.optionValue) ?? null;
          props.onChange(picked);
          setSearch(picked ? picked.sku : '');
        }}
        data-testid="product-picker"
      >
        {options.map((p) => (
          <Option key={p.id} value={String(p.id)} text={p.sku}>
            {`${p.sku} — ${p.name}`}
          </Option>
        ))}
        {options.length === 0 && (
          <Option disabled value="">
            No serialised product matches
          </Option>
        )}
      </Combobox>
    </Field>
  );
}
