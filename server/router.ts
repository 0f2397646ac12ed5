import { accountingRouter } from './modules/accounting/router.ts';
import { locationsRouter } from './modules/locations/router.ts';
import { productsRouter } from './modules/products/router.ts';
import { purchaseOrdersRouter, suppliersRouter } from './modules/purchasing/router.ts';
import { allocationsRouter } from './modules/documents/router.ts';
import { workOrdersRouter } from './modules/production/router.ts';
import { customersRouter, invoicesRouter, salesOrdersRouter, shipmentsRouter } from './modules/sales/router.ts';
import { reportsRouter } from './modules/reports/router.ts';
import { serialsRouter } from './modules/serials/router.ts';
import { stocktakesRouter } from './modules/stocktakes/router.ts';
import { settingsRouter } from './modules/settings/router.ts';
import { batchesRouter, stockRouter } from './modules/stock/router.ts';
import { usersRouter } from './modules/users/router.ts';
import { createCallerFactory, router } from './trpc.ts';

export const appRouter = router({
  users: usersRouter,
  settings: settingsRouter,
  products: productsRouter,
  locations: locationsRouter,
  serials: serialsRouter,
  batches: batchesRouter,
  stock: stockRouter,
  suppliers: suppliersRouter,
  purchaseOrders: purchaseOrdersRouter,
  stocktakes: stocktakesRouter,
  customers: customersRouter,
  salesOrders: salesOrdersRouter,
  shipments: shipmentsRouter,
  invoices: invoicesRouter,
  workOrders: workOrdersRouter,
  allocations: allocationsRouter,
  accounting: accountingRouter,
  reports: reportsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
