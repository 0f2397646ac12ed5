// Xero's date formats: the .NET JSON dates of its answers (`/Date(ms+0000)/` on records,
// `/Date(ms)/` for DateTimeUTC), `YYYY-MM-DD` document dates, the `30-Nov-2018` of its lock-date
// message and the `02/20/2025 08:32:50` of an expired token's message.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `/Date(1552357188083+0000)/`, as on UpdatedDateUTC and document dates. */
export function msDate(ms: number): string {
  return `/Date(${ms}+0000)/`;
}

/** `/Date(1552357217359)/`, as on an answer's DateTimeUTC. */
export function msDateTime(ms: number): string {
  return `/Date(${ms})/`;
}

/** Midnight UTC of a `YYYY-MM-DD` date, or undefined when the text is not a real calendar date in that form. */
export function parseIsoDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return ms;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `30-Nov-2018` */
export function lockDateText(isoDay: string): string {
  const ms = parseIsoDate(isoDay);
  if (ms === undefined) return isoDay;
  const d = new Date(ms);
  return `${String(d.getUTCDate()).padStart(2, '0')}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
}

/** `02/20/2025 08:32:50` (UTC), as in `TokenExpired: token expired at …`. */
export function tokenExpiryText(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
