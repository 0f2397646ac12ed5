import { Button, FluentProvider, makeStyles, Tab, TabList, Text, tokens, webLightTheme } from '@fluentui/react-components';
import { useCallback, useState } from 'react';
import { mayWrite, type RoleName } from '../server/domain/roles.ts';
import { createApi } from './api/client.ts';
import type { Session } from './api/session.ts';
import type { WorkbookPort } from './excel/port.ts';
import { AccountingPanel } from './features/accounting/AccountingPanel.tsx';
import { AllocatePanel } from './features/allocations/AllocatePanel.tsx';
import { ConnectPanel } from './features/connect/ConnectPanel.tsx';
import { forgetToken } from './features/connect/connection.ts';
import { ProductsPanel } from './features/products/ProductsPanel.tsx';
import { PurchaseOrderPanel } from './features/purchasing/PurchaseOrderPanel.tsx';
import { ReportsPanel } from './features/reports/ReportsPanel.tsx';
import { SerialsPanel } from './features/serials/SerialsPanel.tsx';
import { StocktakePanel } from './features/stocktake/StocktakePanel.tsx';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalM,
    minHeight: '100%',
    boxSizing: 'border-box',
  },
  header: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: tokens.spacingHorizontalS },
  // The pane is narrow (about 320 px in Excel): tabs that do not fit go on a second line.
  tabs: { flexWrap: 'wrap' },
});

export function App(props: { workbook: WorkbookPort | null; storage: Storage; defaultServerUrl: string }) {
  const styles = useStyles();
  const [session, setSession] = useState<Session | null>(null);
  const [panel, setPanel] = useState<'serials' | 'purchasing' | 'allocate' | 'stocktake' | 'accounting' | 'reports' | 'products'>(
    'serials',
  );
  const connect = useCallback(async (serverUrl: string, token: string) => {
    const api = createApi(serverUrl, token);
    const user = await api.users.me.query();
    setSession({ api, serverUrl, user: user! });
  }, []);
  // The Accounting panel is for those who manage postings or the connection (accountant, admin).
  const role = session?.user.role as RoleName | undefined;
  const seesAccounting = role !== undefined && (mayWrite(role, 'accounting.manage') || mayWrite(role, 'accounting.connect'));
  const disconnect = () => {
    if (session) forgetToken(props.storage, session.serverUrl);
    setSession(null);
  };

  return (
    <FluentProvider theme={webLightTheme} style={{ minHeight: '100%' }}>
      <main className={styles.root}>
        <div className={styles.header}>
          <Text as="h1" size={500} weight="semibold">
            Stocksheet
          </Text>
          {session && (
            <Button size="small" appearance="subtle" onClick={disconnect} title={`Connected to ${session.serverUrl}`}>
              {session.user.name} ({session.user.role}) · Disconnect
            </Button>
          )}
        </div>
        {session && (
          <TabList
            className={styles.tabs}
            size="small"
            selectedValue={panel}
            onTabSelect={(_, data) => setPanel(data.value as typeof panel)}
            aria-label="Panels"
          >
            <Tab value="serials">Serials</Tab>
            <Tab value="purchasing">Purchase orders</Tab>
            <Tab value="allocate">Allocate</Tab>
            <Tab value="stocktake">Stocktake</Tab>
            {seesAccounting && <Tab value="accounting">Accounting</Tab>}
            <Tab value="reports">Reports</Tab>
            <Tab value="products">Products</Tab>
          </TabList>
        )}
        {session ? (
          panel === 'serials' ? (
            <SerialsPanel session={session} workbook={props.workbook} />
          ) : panel === 'purchasing' ? (
            <PurchaseOrderPanel session={session} workbook={props.workbook} />
          ) : panel === 'allocate' ? (
            <AllocatePanel session={session} workbook={props.workbook} />
          ) : panel === 'accounting' && seesAccounting ? (
            <AccountingPanel session={session} workbook={props.workbook} />
          ) : panel === 'reports' ? (
            <ReportsPanel session={session} workbook={props.workbook} />
          ) : panel === 'products' ? (
            <ProductsPanel session={session} workbook={props.workbook} />
          ) : (
            <StocktakePanel session={session} workbook={props.workbook} />
          )
        ) : (
          <ConnectPanel workbook={props.workbook} storage={props.storage} defaultServerUrl={props.defaultServerUrl} connect={connect} />
        )}
      </main>
    </FluentProvider>
  );
}
