import { Button, Checkbox, Field, Input, makeStyles, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { mayWrite, refusalMessage, type RoleName } from '../../../server/domain/roles.ts';
import type { Session } from '../../api/session.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import { ACCOUNT_ROLES, mappingForm, mappingUpdate, type MappingForm } from './account-mapping.ts';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  grid: { display: 'grid', gridTemplateColumns: 'repeat(2, minmax(0, 1fr))', gap: tokens.spacingHorizontalS, alignItems: 'start' },
  fill: { minWidth: 0, width: '100%' },
});

/**
 * The accounts each posting goes to (codes in the accounting system's chart), the organisation's
 * time zone (the day a journal is dated), and whether opening stock is posted or already in the ledger. Accountants and admins change them; the server checks the
 * codes against the chart when it posts, and a posting that failed for a bad mapping posts once the
 * mapping is fixed and the posting retried.
 */
export function AccountMappingForm(props: { session: Session; mapping: MappingForm | null; onSaved: (mapping: MappingForm) => void }) {
  const styles = useStyles();
  const { session } = props;
  const role = session.user.role as RoleName;
  const mayManage = mayWrite(role, 'accounting.manage');
  const task = useTask(session.serverUrl);
  // What is typed; null until the person changes something (then the saved mapping shows through).
  const [typed, setTyped] = useState<MappingForm | null>(null);
  const form = typed ?? props.mapping;
  const change = (field: keyof MappingForm) => (_: unknown, data: { value: string }) => setTyped({ ...form!, [field]: data.value });

  const save = () =>
    task.run(async () => {
      if (!form) return;
      task.step('Saving the account mapping…');
      const saved = await session.api.settings.update.mutate({ accounting: mappingUpdate(form) });
      const next = mappingForm(saved.accounting);
      props.onSaved(next);
      setTyped(null);
      task.setDone('Account mapping saved. Postings that failed for a bad account post once retried.');
    });

  return (
    <section className={styles.section} aria-label="Account mapping">
      <Text as="h3" size={300} weight="semibold">
        Account mapping
      </Text>
      {form === null ? (
        <Text size={200}>Reading the settings…</Text>
      ) : (
        <form
          className={styles.section}
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <div className={styles.grid}>
            {ACCOUNT_ROLES.map(({ key, label, hint }) => (
              <Field key={key} label={label} hint={hint}>
                <Input
                  className={styles.fill}
                  value={form[key]}
                  onChange={change(key)}
                  name={key}
                  placeholder="Account code"
                  disabled={!mayManage}
                  autoComplete="off"
                />
              </Field>
            ))}
            <Field label="Time zone" hint="Journals are dated in it">
              <Input
                className={styles.fill}
                value={form.timezone}
                onChange={change('timezone')}
                name="timezone"
                placeholder="Pacific/Auckland"
                disabled={!mayManage}
                autoComplete="off"
              />
            </Field>
          </div>
          <Checkbox
            label="Opening stock is in the ledger already (entered there by the accountant): do not post it"
            checked={form.openingStock === 'in_ledger'}
            onChange={(_, data) => setTyped({ ...form, openingStock: data.checked === true ? 'in_ledger' : 'post' })}
            name="openingStockInLedger"
            disabled={!mayManage}
          />
          {mayManage ? (
            <Button type="submit" disabled={task.busy || typed === null}>
              Save mapping
            </Button>
          ) : (
            <Text size={200} data-testid="role-note">
              {refusalMessage(role, 'accounting.manage')}
            </Text>
          )}
        </form>
      )}
      <TaskStatus task={task} />
    </section>
  );
}
