// Allocation: which document line holds which serials and batch quantities. Other areas (sales,
// production) use only what is exported here; this module imports none of them.
export { HOLDERS, type OwnerType } from './holders.ts';
export { lineAllocationInput, allocationCheckInput, allocationInput, documentType } from './inputs.ts';
export { carryOwnerSerials, releaseCarrierDocument, releaseOrderHoldings } from './serials.ts';
export { allocate, available, checkAllocation, suggest, type AllocationRequest } from './service.ts';
export { takeLineOut, type LeavingLine } from './take-out.ts';
