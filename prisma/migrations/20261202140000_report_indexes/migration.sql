-- Reports: a serial looked up without its product (pasted serials, a trace's start), and the
-- movements of one document (work-order genealogy, deliveries, postings by document) or one batch.
CREATE INDEX "serial_number_serial_idx" ON "serial_number"("serial");
CREATE INDEX "stock_movement_document_type_document_id_idx" ON "stock_movement"("document_type", "document_id");
CREATE INDEX "stock_movement_batch_id_idx" ON "stock_movement"("batch_id");
