// How Xero answers a batch write (PUT/POST of ManualJournals or Items): with summarizeErrors=false,
// 200 with every element, each with StatusAttributeString OK or ERROR and its ValidationErrors;
// otherwise, if any element failed, 400 ValidationException listing only the failed elements. The
// elements that passed are stored either way (as Xero does: a summarised 400 does not undo them).
import { json, validationException, type Answer } from './answers.ts';
import { envelope, summarize, type OpContext } from './state.ts';

export interface ElementResult {
  ok: boolean;
  element: Record<string, unknown>;
}

export function batchAnswer(ctx: OpContext, collection: 'ManualJournals' | 'Items', results: ElementResult[]): Answer {
  const failed = results.filter((r) => !r.ok);
  if (failed.length && summarize(ctx)) return validationException(failed.map((r) => r.element));
  return json(200, { ...envelope(ctx), [collection]: results.map((r) => r.element) });
}
