import { Button, Field, Input, makeStyles, Spinner, Text, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { describeFailure, type Failure } from '../../api/errors.ts';
import { FailureBar } from '../../components/FailureBar.tsx';
import type { WorkbookSettings } from '../../excel/port.ts';
import { loadConnection, normaliseServerUrl, saveConnection } from './connection.ts';

const useStyles = makeStyles({ form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM } });

export function ConnectPanel(props: {
  workbook: WorkbookSettings | null;
  storage: Storage;
  defaultServerUrl: string;
  connect: (serverUrl: string, token: string) => Promise<void>;
}) {
  const styles = useStyles();
  const [saved] = useState(() => loadConnection(props.workbook, props.storage, props.defaultServerUrl));
  const [serverUrl, setServerUrl] = useState(saved.serverUrl);
  const [token, setToken] = useState(saved.token ?? '');
  // A token remembered from last time connects straight away (see the effect below): busy from the start.
  const [busy, setBusy] = useState(Boolean(saved.token));
  const [failure, setFailure] = useState<Failure | null>(null);

  /** Connects (busy is already shown); a failure is said and the form is back. */
  const attempt = (url: string, value: string) => {
    const normalised = normaliseServerUrl(url);
    return props
      .connect(normalised, value.trim())
      .then(() => saveConnection(props.workbook, props.storage, normalised, value.trim()))
      .catch((error: unknown) => {
        setFailure(describeFailure(error, normalised));
        setBusy(false);
      });
  };

  const submit = () => {
    setBusy(true);
    setFailure(null);
    void attempt(serverUrl, token);
  };

  useEffect(() => {
    if (saved.token) void attempt(saved.serverUrl, saved.token);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <form
      className={styles.form}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <Text>Connect this workbook to your Stocksheet server.</Text>
      <Field label="Server URL" required>
        <Input value={serverUrl} onChange={(_, data) => setServerUrl(data.value)} type="url" name="serverUrl" />
      </Field>
      <Field label="API token" required hint="Ask an admin for a token (npm run token). It is kept in this browser only.">
        <Input value={token} onChange={(_, data) => setToken(data.value)} type="password" name="token" />
      </Field>
      <FailureBar failure={failure} />
      <Button appearance="primary" type="submit" disabled={busy || !serverUrl.trim() || !token.trim()}>
        {busy ? <Spinner size="tiny" label="Connecting…" /> : 'Connect'}
      </Button>
    </form>
  );
}
