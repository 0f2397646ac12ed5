import { Badge, Button, Card, Field, Input, makeStyles, MessageBar, MessageBarBody, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { mayWrite, refusalMessage, type RoleName } from '../../../server/domain/roles.ts';
import type { Session } from '../../api/session.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import { COUNT_LABELS, connectionLine, localTime, providerName, type AccountingStatus } from './status-text.ts';

const useStyles = makeStyles({
  card: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  heading: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: tokens.spacingHorizontalS },
  counts: {
    display: 'grid',
    gridTemplateColumns: 'repeat(5, minmax(0, 1fr))',
    gap: tokens.spacingHorizontalXS,
    textAlign: 'center',
  },
  count: { display: 'flex', flexDirection: 'column' },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

const EMPTY = { clientId: '', clientSecret: '', tenantId: '', refreshToken: '' };

/** The connect form's fields; the secrets are password fields the browser does not fill in. */
const CONNECT_FIELDS: { field: keyof typeof EMPTY; label: string; secret: boolean }[] = [
  { field: 'clientId', label: 'Client id', secret: false },
  { field: 'clientSecret', label: 'Client secret', secret: true },
  { field: 'tenantId', label: 'Tenant id', secret: false },
  { field: 'refreshToken', label: 'Refresh token', secret: true },
];

/**
 * The connection and the queue at a glance: the provider, connected or why not (a paused queue says
 * "reconnect"), the postings by state and the last one posted. Admins connect, reconnect and
 * disconnect here; Xero's refusal of the details is the message shown.
 */
export function ConnectionCard(props: {
  session: Session;
  status: AccountingStatus | null;
  onStatus: (status: AccountingStatus) => void;
  refresh: () => Promise<void>;
}) {
  const styles = useStyles();
  const { session, status } = props;
  const { api } = session;
  const role = session.user.role as RoleName;
  const mayConnect = mayWrite(role, 'accounting.connect');
  const task = useTask(session.serverUrl);
  const [form, setForm] = useState(EMPTY);
  const [editing, setEditing] = useState(false);
  const set = (field: keyof typeof EMPTY) => (_: unknown, data: { value: string }) => setForm((f) => ({ ...f, [field]: data.value }));

  const connected = status?.connected ?? false;
  // A connection that was made and is now refused (revoked, its refresh token spent): reconnect it.
  const paused = status !== null && status.provider !== null && !connected && status.tenantId !== null;
  // Not connected (or paused): the form is there for an admin without asking.
  const showForm = mayConnect && status !== null && (editing || !connected);
  const complete = Object.values(form).every((v) => v.trim() !== '');

  const connect = () =>
    task.run(async () => {
      task.step('Connecting to Xero…');
      const next = await api.accounting.connect.mutate({
        provider: 'xero',
        clientId: form.clientId.trim(),
        clientSecret: form.clientSecret.trim(),
        tenantId: form.tenantId.trim(),
        refreshToken: form.refreshToken.trim(),
      });
      props.onStatus(next);
      setForm(EMPTY);
      setEditing(false);
      task.setDone(`Connected to ${providerName(next.provider)}. Postings waiting go out now; Sync now sends them at once.`);
    });

  const disconnect = () =>
    task.run(async () => {
      task.step('Disconnecting…');
      props.onStatus(await api.accounting.disconnect.mutate());
      task.setDone('Disconnected: nothing is sent until an admin connects again. Postings keep waiting in the queue.');
    });

  return (
    <Card className={styles.card} aria-label="Accounting connection" data-testid="accounting-status">
      <div className={styles.heading}>
        <Text weight="semibold">{status?.provider ? providerName(status.provider) : 'Accounting system'}</Text>
        {status && (
          <Badge
            appearance="tint"
            color={connected ? 'success' : status.provider ? 'warning' : 'informative'}
            data-testid="accounting-connection-badge"
          >
            {connected ? 'Connected' : paused ? 'Paused' : 'Not connected'}
          </Badge>
        )}
      </div>
      {status === null ? (
        <Text size={200}>Reading the queue…</Text>
      ) : (
        <>
          {connected ? (
            <Text size={200} data-testid="accounting-connection">
              {connectionLine(status)}
            </Text>
          ) : (
            <MessageBar intent={status.provider ? 'warning' : 'info'} layout="multiline" data-testid="accounting-connection">
              <MessageBarBody>
                {connectionLine(status)}
                {!mayConnect && (
                  <Text as="p" size={200} data-testid="role-note">
                    {refusalMessage(role, 'accounting.connect')}
                  </Text>
                )}
              </MessageBarBody>
            </MessageBar>
          )}
          <div className={styles.counts} data-testid="accounting-counts">
            {COUNT_LABELS.map(({ state, label }) => (
              <div key={state} className={styles.count} data-testid={`count-${state}`}>
                <Text size={500} weight="semibold">
                  {status.counts[state].toLocaleString()}
                </Text>
                <Text size={200}>{label}</Text>
              </div>
            ))}
          </div>
          <Text size={200} data-testid="accounting-last-posted">
            {status.lastPostedAt ? `Last posted ${localTime(status.lastPostedAt)}` : 'Nothing posted yet.'}
          </Text>
        </>
      )}
      <div className={styles.actions}>
        <Button size="small" onClick={() => void task.run(props.refresh)} disabled={task.busy}>
          Refresh
        </Button>
        {mayConnect && connected && !editing && (
          <Button size="small" onClick={() => setEditing(true)} disabled={task.busy}>
            Change connection…
          </Button>
        )}
        {mayConnect && (connected || paused) && (
          <Button size="small" onClick={disconnect} disabled={task.busy}>
            Disconnect
          </Button>
        )}
      </div>

      {showForm && (
        <form
          className={styles.form}
          aria-label="Connect to Xero"
          onSubmit={(event) => {
            event.preventDefault();
            void connect();
          }}
        >
          <Text size={200}>
            {paused
              ? 'Reconnect with a new refresh token from the Xero app (the old one is spent or revoked).'
              : 'Connect Xero with your app’s client id and secret, the organisation (tenant) id and a refresh token.'}
          </Text>
          {CONNECT_FIELDS.map(({ field, label, secret }) => (
            <Field key={field} label={label} required>
              <Input
                value={form[field]}
                onChange={set(field)}
                name={field}
                type={secret ? 'password' : 'text'}
                autoComplete={secret ? 'new-password' : 'off'}
              />
            </Field>
          ))}
          <div className={styles.actions}>
            <Button appearance="primary" type="submit" disabled={task.busy || !complete}>
              {paused ? 'Reconnect' : 'Connect'}
            </Button>
            {editing && connected && (
              <Button onClick={() => setEditing(false)} disabled={task.busy}>
                Cancel
              </Button>
            )}
          </div>
        </form>
      )}
      <TaskStatus task={task} />
    </Card>
  );
}
