// MYOB's DateTime text. Requests give `YYYY-MM-DD HH:MM:SS` (the GeneralJournal page's format,
// https://developer.myob.com/api/accountright/v2/generalledger/generaljournal) or the ISO
// `YYYY-MM-DDTHH:MM:SS`; answers show the ISO form. No zone: the company file's local time. Dates
// compare by calendar day.

export interface MyobDateTime {
  /** `YYYY-MM-DD` */
  day: string;
  /** `YYYY-MM-DDTHH:MM:SS` */
  text: string;
}

/** A request's DateTime, or undefined when it is not one of the two forms or not a real date and time. */
export function parseMyobDateTime(text: string): MyobDateTime | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m || !isDay(m[1]!)) return undefined;
  const [h, mi, s] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return { day: m[1]!, text: `${m[1]}T${m[2]}:${m[3]}:${m[4]}` };
}

/** The calendar day of a setting given as `YYYY-MM-DD` or a DateTime (lock date, financial year start). */
export function settingDay(text: string): string {
  const day = text.slice(0, 10);
  if (!isDay(day) || (text.length > 10 && !parseMyobDateTime(text))) throw new Error(`not a MYOB date: '${text}'`);
  return day;
}

export function isDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}
