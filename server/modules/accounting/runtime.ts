import type { Database } from '../../db/database.ts';
import type { ProviderName } from './providers.ts';
import { SecretBox } from './secrets.ts';

/** Where a provider's API and sign-in live (settings, so tests and staging point them at stand-ins). */
export interface ProviderEndpoints {
  apiUrl: string;
  /** The OAuth token endpoint's base (Xero: `${identityUrl}/connect/token`; MYOB: `${identityUrl}/oauth2/v1/authorize`). */
  identityUrl: string;
  /**
   * Where a person signs in and consents, in the authorisation-code flow (Xero's is not under
   * identityUrl; MYOB's is `${identityUrl}/oauth2/account/authorize`, a setting of its own all the same).
   */
  authorizeUrl: string;
  /**
   * Xero only: the organisations a token may reach (`GET`, with the bearer token). MYOB's company
   * files are listed at `${apiUrl}/`.
   */
  connectionsUrl?: string;
}

export const DEFAULT_ENDPOINTS: Record<ProviderName, ProviderEndpoints> = {
  xero: {
    apiUrl: 'https://api.xero.com/api.xro/2.0',
    identityUrl: 'https://identity.xero.com',
    authorizeUrl: 'https://login.xero.com/identity/connect/authorize',
    connectionsUrl: 'https://api.xero.com/connections',
  },
  myob: {
    apiUrl: 'https://api.myob.com/accountright',
    identityUrl: 'https://secure.myob.com',
    authorizeUrl: 'https://secure.myob.com/oauth2/account/authorize',
  },
};

/** Where the server is reached from browsers when nothing says otherwise (the default port, TLS on). */
export const DEFAULT_PUBLIC_URL = 'https://localhost:3000';

/** What the accounting module needs besides the database: endpoints, the secret key, a clock. */
export interface Accounting {
  db: Database;
  endpoints: Record<ProviderName, ProviderEndpoints>;
  /**
   * Where browsers reach this server (STOCKSHEET_PUBLIC_URL, else the address it serves): the
   * OAuth redirect URI is `${publicUrl}/accounting/oauth/callback`.
   */
  publicUrl: string;
  secrets: SecretBox;
  /** Milliseconds since the epoch: the relay's and the rate limits' clock (scaled in the bench). */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A call with no answer by then is of unknown outcome. */
  requestTimeoutMs: number;
  /** Tells this process's relay there is work (set when a relay runs). */
  wake?: () => void;
}

/** The configured endpoints over the providers' own. */
export function endpointsFrom(
  configured: Partial<Record<ProviderName, Partial<ProviderEndpoints>>> | undefined,
): Record<ProviderName, ProviderEndpoints> {
  const pick = (name: ProviderName): ProviderEndpoints => ({
    apiUrl: configured?.[name]?.apiUrl ?? DEFAULT_ENDPOINTS[name].apiUrl,
    identityUrl: configured?.[name]?.identityUrl ?? DEFAULT_ENDPOINTS[name].identityUrl,
    authorizeUrl: configured?.[name]?.authorizeUrl ?? DEFAULT_ENDPOINTS[name].authorizeUrl,
    connectionsUrl: configured?.[name]?.connectionsUrl ?? DEFAULT_ENDPOINTS[name].connectionsUrl,
  });
  return { xero: pick('xero'), myob: pick('myob') };
}

export function accountingFor(
  db: Database,
  options: Partial<Omit<Accounting, 'db'>> & { endpoints?: Partial<Record<ProviderName, ProviderEndpoints>> } = {},
): Accounting {
  return {
    db,
    secrets: options.secrets ?? SecretBox.ephemeral(),
    now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    wake: options.wake,
    endpoints: { ...DEFAULT_ENDPOINTS, ...options.endpoints },
    publicUrl: options.publicUrl ?? DEFAULT_PUBLIC_URL,
  };
}
