-- CreateEnum
CREATE TYPE "PostingState" AS ENUM ('pending', 'in_flight', 'posted', 'failed', 'skipped');

-- CreateEnum
CREATE TYPE "PostingEntity" AS ENUM ('journal', 'item');

-- AlterTable
ALTER TABLE "product" ADD COLUMN     "cogs_gl_code" VARCHAR(32);

-- AlterTable
ALTER TABLE "settings" ADD COLUMN     "accounting_timezone" VARCHAR(64) NOT NULL DEFAULT 'UTC',
ADD COLUMN     "adjustment_account" VARCHAR(32),
ADD COLUMN     "cost_of_sales_account" VARCHAR(32),
ADD COLUMN     "installation_id" VARCHAR(16),
ADD COLUMN     "opening_balance_account" VARCHAR(32),
ADD COLUMN     "received_not_billed_account" VARCHAR(32),
ADD COLUMN     "stock_account" VARCHAR(32);

-- AlterTable: movements made before this migration keep no transaction id (they are never posted).
ALTER TABLE "stock_movement" ADD COLUMN     "tx_id" BIGINT;
ALTER TABLE "stock_movement" ALTER COLUMN "tx_id" SET DEFAULT txid_current();

-- CreateTable
CREATE TABLE "accounting_posting" (
    "id" SERIAL NOT NULL,
    "entity" "PostingEntity" NOT NULL,
    "source_key" VARCHAR(200) NOT NULL,
    "kind" "MovementKind",
    "document_type" VARCHAR(40),
    "document_id" INTEGER,
    "tx_id" BIGINT,
    "product_id" INTEGER,
    "state" "PostingState" NOT NULL DEFAULT 'pending',
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "redated_to" DATE,
    "amount" DECIMAL(18,2),
    "provider" "AccountingProvider",
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_until" TIMESTAMPTZ(3),
    "request_key" VARCHAR(128),
    "request_body" JSONB,
    "first_sent_at" TIMESTAMPTZ(3),
    "uncertain" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "external_id" VARCHAR(100),
    "last_error" TEXT,
    "last_error_code" VARCHAR(64),
    "skipped_reason" VARCHAR(500),
    "posted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "accounting_posting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accounting_connection" (
    "provider" "AccountingProvider" NOT NULL,
    "tenant_id" VARCHAR(100) NOT NULL,
    "tenant_name" VARCHAR(200),
    "client_id" VARCHAR(200) NOT NULL,
    "client_secret" TEXT NOT NULL,
    "access_token" TEXT,
    "access_expires_at" TIMESTAMPTZ(3),
    "refresh_token" TEXT NOT NULL,
    "company_file" VARCHAR(200),
    "company_file_auth" TEXT,
    "paused_reason" VARCHAR(500),
    "blocked_until" TIMESTAMPTZ(3),
    "connected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "accounting_connection_pkey" PRIMARY KEY ("provider")
);

-- CreateTable
CREATE TABLE "accounting_call" (
    "id" BIGSERIAL NOT NULL,
    "provider" "AccountingProvider" NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "accounting_call_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "accounting_posting_source_key_key" ON "accounting_posting"("source_key");

-- CreateIndex
CREATE INDEX "accounting_posting_state_next_attempt_at_idx" ON "accounting_posting"("state", "next_attempt_at");

-- CreateIndex
CREATE INDEX "accounting_posting_product_id_idx" ON "accounting_posting"("product_id");

-- CreateIndex
CREATE INDEX "accounting_call_provider_started_at_idx" ON "accounting_call"("provider", "started_at");

-- CreateIndex
CREATE INDEX "stock_movement_tx_id_idx" ON "stock_movement"("tx_id");

-- The outbox is written by the database: every statement that records valued stock movements adds
-- one journal posting per kind, document and transaction, in that transaction. No code path can
-- commit a valued movement without its posting, and a rolled-back one leaves none.
CREATE FUNCTION stocksheet_enqueue_journal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO accounting_posting (entity, source_key, kind, document_type, document_id, tx_id, occurred_at, updated_at)
  SELECT 'journal',
         n.kind::text || ':' || COALESCE(n.document_type, '-') || ':' || COALESCE(n.document_id::text, '-') || ':' || n.tx_id::text,
         n.kind, n.document_type, n.document_id, n.tx_id, MIN(n.created_at), now()
  FROM new_rows n
  WHERE n.kind IN ('opening', 'adjustment', 'receipt', 'stocktake', 'sale', 'production') AND n.tx_id IS NOT NULL
  GROUP BY n.kind, n.document_type, n.document_id, n.tx_id
  ON CONFLICT (source_key) DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER stock_movement_enqueues_journal
  AFTER INSERT ON stock_movement REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stocksheet_enqueue_journal();
