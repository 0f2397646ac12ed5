import { TRPCClientError } from '@trpc/client';

export interface Problem {
  index: number | null;
  token: string | null;
  reason: string;
  message: string;
  field?: string;
  /** For a duplicate: the index of the entry it repeats. */
  firstIndex?: number;
}

/** What the pane shows for a failed call: a title, a sentence saying what to do, and the details. */
export interface Failure {
  title: string;
  message: string;
  reason: string | null;
  problems: Problem[];
}

interface ErrorData {
  httpStatus?: number;
  reason?: string;
  problems?: Problem[];
}

/**
 * The server's definite "no": a refusal with its reason code (and the problems it found). Null when
 * no such answer came (no network, a timeout, a fault without a reason): the request may or may not
 * have been applied.
 */
export function refusalOf(error: unknown): { reason: string; problems: Problem[] } | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data = (error.data ?? {}) as ErrorData;
  return data.reason ? { reason: data.reason, problems: data.problems ?? [] } : null;
}

export function describeFailure(error: unknown, serverUrl: string): Failure {
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as ErrorData;
    const status = data.httpStatus;
    const base = { reason: data.reason ?? null, problems: data.problems ?? [] };
    if (status === 401) {
      return {
        ...base,
        title: 'Token not accepted',
        message: 'The server did not accept this API token. Check it, or ask an admin for a new one (npm run token).',
      };
    }
    if (status === 403) return { ...base, title: 'Not allowed', message: error.message };
    if (status === undefined && !data.reason) return unreachable(serverUrl);
    return { ...base, title: 'Refused', message: error.message };
  }
  if (error instanceof TypeError) return unreachable(serverUrl);
  return { title: 'Something went wrong', message: error instanceof Error ? error.message : String(error), reason: null, problems: [] };
}

function unreachable(serverUrl: string): Failure {
  return {
    title: 'Cannot reach the server',
    message: `No answer from ${serverUrl}. Check that Stocksheet is running there and that this computer trusts its certificate.`,
    reason: null,
    problems: [],
  };
}
