-- A product's item in the accounting system is pushed when what the item shows changes: the
-- database adds the posting in the transaction that changes the product (one pending per product;
-- the relay sends the product as it is then). Cost updates and other columns do not touch it.
CREATE FUNCTION stocksheet_enqueue_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NOT (
       OLD.sku IS DISTINCT FROM NEW.sku OR OLD.name IS DISTINCT FROM NEW.name
    OR OLD.sellable IS DISTINCT FROM NEW.sellable OR OLD.purchasable IS DISTINCT FROM NEW.purchasable
    OR OLD.stock_tracked IS DISTINCT FROM NEW.stock_tracked OR OLD.active IS DISTINCT FROM NEW.active
    OR OLD.sale_gl_code IS DISTINCT FROM NEW.sale_gl_code OR OLD.selling_tax_rate IS DISTINCT FROM NEW.selling_tax_rate
    OR OLD.purchase_gl_code IS DISTINCT FROM NEW.purchase_gl_code OR OLD.purchase_tax_rate IS DISTINCT FROM NEW.purchase_tax_rate
    OR OLD.asset_gl_code IS DISTINCT FROM NEW.asset_gl_code
    OR OLD.accounting_external_id IS DISTINCT FROM NEW.accounting_external_id AND NEW.accounting_external_id IS NOT NULL
       AND OLD.accounting_external_id IS NOT NULL) THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM accounting_posting WHERE product_id = NEW.id AND entity = 'item' AND state = 'pending') THEN
    INSERT INTO accounting_posting (entity, source_key, product_id, updated_at)
    VALUES ('item', 'item:' || NEW.id || ':' || txid_current(), NEW.id, now())
    ON CONFLICT (source_key) DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER product_enqueues_item
  AFTER INSERT OR UPDATE ON product
  FOR EACH ROW EXECUTE FUNCTION stocksheet_enqueue_item();
