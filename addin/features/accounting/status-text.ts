// What the Accounting panel says about the connection and the queue. Pure.

import { plural } from '../../components/plural.ts';

export const PROVIDER_NAMES: Record<string, string> = { xero: 'Xero', myob: 'MYOB' };
export const providerName = (provider: string | null) => (provider ? (PROVIDER_NAMES[provider] ?? provider) : 'the accounting system');

export interface QueueCounts {
  pending: number;
  in_flight: number;
  posted: number;
  failed: number;
  skipped: number;
}

export interface AccountingStatus {
  provider: string | null;
  connected: boolean;
  tenantId: string | null;
  /** The organisation's (or company file's) name, when the provider gave it. */
  tenantName?: string | null;
  pausedReason: string | null;
  counts: QueueCounts;
  lastPostedAt: Date | string | null;
}

/** The queue's states as people read them, in the order a posting goes through them. */
export const COUNT_LABELS: { state: keyof QueueCounts; label: string }[] = [
  { state: 'pending', label: 'Waiting' },
  { state: 'in_flight', label: 'Sending' },
  { state: 'posted', label: 'Posted' },
  { state: 'failed', label: 'Failed' },
  { state: 'skipped', label: 'Skipped' },
];

/** A moment where the pane runs, as yyyy-mm-dd hh:mm; blank for none. */
export function localTime(at: Date | string | null): string {
  if (at === null) return '';
  const when = new Date(at);
  if (Number.isNaN(when.getTime())) return String(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${when.getFullYear()}-${two(when.getMonth() + 1)}-${two(when.getDate())} ${two(when.getHours())}:${two(when.getMinutes())}`;
}

/** One line on the connection: connected to whom, paused and why, or not connected. */
export function connectionLine(status: AccountingStatus): string {
  if (!status.provider) return 'No accounting system is connected.';
  const name = providerName(status.provider);
  const where = status.tenantName ?? (status.tenantId ? `organisation ${status.tenantId}` : null);
  if (status.connected) return `Connected to ${name}${where ? ` (${where})` : ''}.`;
  return status.pausedReason ?? `Not connected to ${name}.`;
}

/** What a Sync now did: how many went, and what is left to look at. */
export function syncSummary(result: { state: string; sent: number; status: AccountingStatus }): string {
  const { status } = result;
  const name = providerName(status.provider);
  if (!status.provider) return 'Nothing was sent: no accounting system is connected. An admin connects one first.';
  if (result.state === 'not_connected' || result.state === 'paused')
    return `Nothing was sent: ${status.pausedReason ?? `the connection to ${name} is paused`}`;
  const waiting = status.counts.pending + status.counts.in_flight;
  if (result.sent === 0 && waiting === 0 && status.counts.failed === 0)
    return `Nothing was waiting: every posting has gone to ${name} (or was skipped).`;
  const parts = [`${plural(result.sent, 'posting')} sent to ${name}`];
  if (status.counts.failed > 0) parts.push(`${plural(status.counts.failed, 'posting')} failed (write them to a sheet to see why)`);
  if (waiting > 0) parts.push(`${plural(waiting, 'posting')} still waiting (due later, or held back by ${name}’s limits)`);
  return `${parts.join('; ')}.`;
}
