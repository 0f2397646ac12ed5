import {
  Badge,
  Button,
  Card,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { mayWrite, refusalMessage, type RoleName } from '../../../server/domain/roles.ts';
import type { Session } from '../../api/session.ts';
import { TaskStatus, useTask } from '../../components/task.tsx';
import { openSignInWindow, type SignInReport, type SignInWindow } from '../../excel/office-dialog.ts';
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

type Provider = 'xero' | 'myob';
type FieldName = 'clientId' | 'clientSecret' | 'tenantId' | 'companyFileId' | 'companyFileUser' | 'companyFilePassword' | 'refreshToken';

interface FieldSpec {
  field: FieldName;
  label: string;
  /** A password field the browser does not fill in. */
  secret?: boolean;
  /** Needed to connect with a refresh token. */
  required: boolean;
  /** Not needed to Connect with Xero or MYOB (the browser sign-in needs only the client's id and secret). */
  browserOptional?: boolean;
  /** Sent as typed (a company file password may start or end with spaces). */
  keepSpaces?: boolean;
  hint?: string;
}

/** The connect form's fields, one table per provider: their names are the server's (accounting.connect). */
const PROVIDER_FIELDS: Record<Provider, FieldSpec[]> = {
  xero: [
    { field: 'clientId', label: 'Client id', required: true },
    { field: 'clientSecret', label: 'Client secret', secret: true, required: true },
    {
      field: 'tenantId',
      label: 'Tenant id',
      required: true,
      browserOptional: true,
      hint: 'Optional for Connect with Xero: empty, the organisation you choose in Xero is connected.',
    },
    {
      field: 'refreshToken',
      label: 'Refresh token',
      secret: true,
      required: true,
      browserOptional: true,
      hint: 'Only for Connect with a refresh token.',
    },
  ],
  myob: [
    { field: 'clientId', label: 'API key', required: true },
    { field: 'clientSecret', label: 'API secret', secret: true, required: true },
    {
      field: 'companyFileId',
      label: 'Company file id',
      required: true,
      browserOptional: true,
      hint: 'A GUID. Optional for Connect with MYOB: empty, the company file you choose in MYOB is connected.',
    },
    { field: 'companyFileUser', label: 'Company file user name', required: false },
    { field: 'companyFilePassword', label: 'Company file password', secret: true, required: false, keepSpaces: true },
    {
      field: 'refreshToken',
      label: 'Refresh token',
      secret: true,
      required: true,
      browserOptional: true,
      hint: 'Only for Connect with a refresh token.',
    },
  ],
};

type BeginInput = Parameters<Session['api']['accounting']['beginAuthorization']['mutate']>[0];

/** Signing in in a window, per provider: what it connects, what begins it, where its redirect URI is registered. */
const BROWSER_SIGN_IN: Record<
  Provider,
  { tenant: string; intro: string; registerAt: string; begin: (value: (field: FieldName) => string) => BeginInput }
> = {
  xero: {
    tenant: 'organisation',
    intro:
      'Connect with Xero signs you in to Xero in a window, with your Xero app’s client id and secret. A server without a browser connects with a refresh token and the organisation (tenant) id instead.',
    registerAt: 'the Xero app’s redirect URIs',
    begin: (value) => ({
      provider: 'xero',
      clientId: value('clientId'),
      clientSecret: value('clientSecret'),
      ...(value('tenantId') ? { tenantId: value('tenantId') } : {}),
    }),
  },
  myob: {
    tenant: 'company file',
    intro:
      'Connect with MYOB signs you in to MYOB in a window, with your API key and secret; give the company file’s user name and password if it has them. A server without a browser connects with a refresh token and the company file id instead.',
    registerAt: 'the MYOB API key’s redirect URI',
    begin: (value) => ({
      provider: 'myob',
      clientId: value('clientId'),
      clientSecret: value('clientSecret'),
      ...(value('companyFileId') ? { companyFileId: value('companyFileId') } : {}),
      ...(value('companyFileUser') ? { companyFileUser: value('companyFileUser'), companyFilePassword: value('companyFilePassword') } : {}),
    }),
  },
};

const EMPTY: Record<FieldName, string> = {
  clientId: '',
  clientSecret: '',
  tenantId: '',
  companyFileId: '',
  companyFileUser: '',
  companyFilePassword: '',
  refreshToken: '',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How often the card asks whether the browser sign-in has connected. */
const POLL_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The connection and the queue at a glance: the provider, connected or why not (a paused queue says
 * "reconnect"), the postings by state and the last one posted. Admins connect, reconnect and
 * disconnect here, by signing in in a window (Connect with Xero, Connect with MYOB) or with a refresh
 * token; the provider's refusal of the details is the message shown.
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
  const [chosen, setChosen] = useState<Provider | null>(null);
  const [form, setForm] = useState(EMPTY);
  const [editing, setEditing] = useState(false);
  /** The sign-in window while the card waits for it; stopping closes it. */
  const [signIn, setSignIn] = useState<{ window: SignInWindow; redirectUri: string; provider: Provider } | null>(null);
  const stopped = useRef(false);
  const set = (field: FieldName) => (_: unknown, data: { value: string }) => setForm((f) => ({ ...f, [field]: data.value }));
  // A window left open when the panel goes away is closed with it.
  useEffect(() => () => signIn?.window.close(), [signIn]);

  const connected = status?.connected ?? false;
  // A connection that was made and is now refused (revoked, its refresh token spent): reconnect it.
  const paused = status !== null && status.provider !== null && !connected && status.tenantId !== null;
  // Not connected (or paused): the form is there for an admin without asking.
  const showForm = mayConnect && status !== null && (editing || !connected);
  const provider: Provider = chosen ?? (status?.provider === 'myob' ? 'myob' : 'xero');
  const fields = PROVIDER_FIELDS[provider];
  const value = (field: FieldName) => (fields.find((f) => f.field === field)?.keepSpaces ? form[field] : form[field].trim());
  const badGuid = provider === 'myob' && value('companyFileId') !== '' && !GUID.test(value('companyFileId'));
  const complete = fields.every((f) => !f.required || value(f.field) !== '') && !badGuid;
  const mayBegin = fields.every((f) => !f.required || f.browserOptional || value(f.field) !== '') && !badGuid;

  const done = (next: AccountingStatus, organisation?: string) => {
    props.onStatus(next);
    setForm(EMPTY);
    setEditing(false);
    const tenant = next.provider === 'myob' ? BROWSER_SIGN_IN.myob.tenant : BROWSER_SIGN_IN.xero.tenant;
    const where = organisation ?? (next.tenantId ? `${tenant} ${next.tenantId}` : null);
    task.setDone(
      `Connected to ${providerName(next.provider)}${where ? ` (${where})` : ''}. Postings waiting go out now; Sync now sends them at once.`,
    );
  };

  const connect = () =>
    task.run(async () => {
      task.step(`Connecting to ${providerName(provider)}…`);
      const client = { clientId: value('clientId'), clientSecret: value('clientSecret'), refreshToken: value('refreshToken') };
      const user = value('companyFileUser');
      const next =
        provider === 'xero'
          ? await api.accounting.connect.mutate({ provider, ...client, tenantId: value('tenantId') })
          : await api.accounting.connect.mutate({
              provider,
              ...client,
              companyFileId: value('companyFileId'),
              ...(user ? { companyFileUser: user, companyFilePassword: value('companyFilePassword') } : {}),
            });
      done(next);
    });

  /**
   * Connect with Xero or MYOB: the server starts a sign-in, the provider's page opens in a window
   * (Office's dialog in Excel), and the card asks for the status until it is connected, or the
   * window says why not or is closed, or the sign-in expires.
   */
  const connectInBrowser = () =>
    task.run(async () => {
      const name = providerName(provider);
      const family = BROWSER_SIGN_IN[provider];
      task.step(`Opening ${name}’s sign-in…`);
      stopped.current = false;
      const before = status;
      const begun = api.accounting.beginAuthorization.mutate(family.begin(value));
      // Opened before anything is awaited: outside Excel a window opened later is blocked as a pop-up.
      const signInWindow = await openSignInWindow(begun.then((b) => b.startUrl));
      const { expiresAt, redirectUri } = await begun;
      setSignIn({ window: signInWindow, redirectUri, provider });
      let report: SignInReport | null | undefined;
      void signInWindow.result.then((r) => (report = r));
      try {
        task.step(`Waiting for ${name}: sign in and choose the ${family.tenant} in the window that opened…`);
        for (;;) {
          const next = await api.accounting.status.query();
          const fresh =
            next.connected &&
            next.provider === provider &&
            (!before?.connected || next.provider !== before.provider || next.tenantId !== before.tenantId || report?.ok);
          if (fresh || (report === null && next.connected && next.provider === provider && !stopped.current))
            return done(next, report?.organisation);
          props.onStatus(next);
          if (stopped.current) return task.setDone(`Stopped waiting for ${name}: nothing was connected.`);
          if (report && !report.ok) return task.setFailure({ title: report.title, message: report.message, reason: null, problems: [] });
          if (report === null)
            return task.setFailure({
              title: 'Not connected',
              message: `The sign-in window was closed before ${name} answered. Nothing was changed: press Connect with ${name} to start again.`,
              reason: null,
              problems: [],
            });
          if (Date.now() > new Date(expiresAt).getTime())
            return task.setFailure({
              title: 'Not connected',
              message: `The sign-in was not finished within 10 minutes. Press Connect with ${name} to start again.`,
              reason: null,
              problems: [],
            });
          // Woken early when the window reports or closes.
          await Promise.race([sleep(POLL_MS), signInWindow.result]);
        }
      } finally {
        signInWindow.close();
        setSignIn(null);
      }
    });

  const stopWaiting = () => {
    stopped.current = true;
    signIn?.window.close();
  };

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
          aria-label={`Connect to ${providerName(provider)}`}
          onSubmit={(event) => {
            event.preventDefault();
            if (complete) void connect();
          }}
        >
          <RadioGroup
            layout="horizontal"
            aria-label="Accounting system"
            value={provider}
            onChange={(_, data) => setChosen(data.value as Provider)}
            disabled={task.busy}
          >
            <Radio value="xero" label="Xero" name="provider" />
            <Radio value="myob" label="MYOB" name="provider" />
          </RadioGroup>
          <Text size={200}>
            {paused
              ? `Reconnect: sign in to ${providerName(provider)} again with Connect with ${providerName(provider)}, or use a new refresh token (the old one is spent or revoked).`
              : BROWSER_SIGN_IN[provider].intro}
          </Text>
          {fields.map(({ field, label, secret, required, browserOptional, hint }) => (
            <Field
              key={field}
              label={label}
              required={required && !browserOptional}
              hint={hint}
              validationMessage={field === 'companyFileId' && badGuid ? 'A company file id is a GUID, like 0d5f3a8e-…' : undefined}
            >
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
            <Button appearance="primary" onClick={() => void connectInBrowser()} disabled={task.busy || !mayBegin}>
              Connect with {providerName(provider)}
            </Button>
            <Button appearance="secondary" type="submit" disabled={task.busy || !complete}>
              Connect with a refresh token
            </Button>
            {editing && connected && (
              <Button onClick={() => setEditing(false)} disabled={task.busy}>
                Cancel
              </Button>
            )}
          </div>
        </form>
      )}
      {signIn && (
        <MessageBar layout="multiline" intent="info" data-testid="sign-in-waiting">
          <MessageBarBody>
            Signing in to {providerName(signIn.provider)} in another window. If {providerName(signIn.provider)} says the redirect URI is not
            valid, add <code>{signIn.redirectUri}</code> to {BROWSER_SIGN_IN[signIn.provider].registerAt}, then start again.
          </MessageBarBody>
          <Button size="small" onClick={stopWaiting}>
            Stop waiting
          </Button>
        </MessageBar>
      )}
      <TaskStatus task={task} />
    </Card>
  );
}
