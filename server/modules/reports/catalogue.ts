// Every report Stocksheet offers: one definition each (definition.ts), one engine over them (engine.ts).
import type { ReportDefinition } from './definition.ts';
import { accountingStateReport } from './definitions/accounting-state.ts';
import { agedStockReport } from './definitions/aged-stock.ts';
import { expiringBatchesReport } from './definitions/expiring-batches.ts';
import { movementSummaryReport } from './definitions/movement-summary.ts';
import { movementsReport } from './definitions/movements.ts';
import { priorItemsInvoicedReport } from './definitions/prior-items-invoiced.ts';
import { priorItemsSoldReport } from './definitions/prior-items-sold.ts';
import { reconciliationDetailReport } from './definitions/reconciliation-detail.ts';
import { reconciliationReport } from './definitions/reconciliation.ts';
import { serialLookupReport } from './definitions/serial-lookup.ts';
import { stockOnHandReport } from './definitions/stock-on-hand.ts';
import { traceabilityReport } from './definitions/traceability.ts';
import { valuationReport } from './definitions/valuation.ts';

// Each definition's source sees only parameters its own schema parsed (engine.ts), so the list may
// hold them under one type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const REPORTS: readonly ReportDefinition<any>[] = [
  stockOnHandReport,
  valuationReport,
  movementsReport,
  movementSummaryReport,
  expiringBatchesReport,
  agedStockReport,
  accountingStateReport,
  serialLookupReport,
  traceabilityReport,
  priorItemsSoldReport,
  priorItemsInvoicedReport,
  reconciliationReport,
  reconciliationDetailReport,
];
