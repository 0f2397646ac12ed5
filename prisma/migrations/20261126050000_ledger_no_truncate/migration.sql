-- The movement ledger is append-only: TRUNCATE is refused too, not only UPDATE and DELETE.
CREATE TRIGGER "stock_movement_no_truncate" BEFORE TRUNCATE ON "stock_movement"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_ledger_change"();
CREATE TRIGGER "stock_movement_serial_no_truncate" BEFORE TRUNCATE ON "stock_movement_serial"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_ledger_change"();
