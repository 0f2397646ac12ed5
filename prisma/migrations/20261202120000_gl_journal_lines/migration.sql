-- The general ledger read from the accounting system (issue #14): its lines, every account, by read
-- generation, and how far each provider has been read. The reconciliation report queries these.
-- CreateTable
CREATE TABLE "gl_journal_line" (
    "id" BIGSERIAL NOT NULL,
    "provider" "AccountingProvider" NOT NULL,
    "generation" INTEGER NOT NULL,
    "journal_id" VARCHAR(100) NOT NULL,
    "journal_number" VARCHAR(40),
    "journal_date" DATE NOT NULL,
    "source_type" VARCHAR(40),
    "source_id" VARCHAR(100),
    "reference" VARCHAR(500),
    "line_no" INTEGER NOT NULL,
    "account_code" VARCHAR(32),
    "account_id" VARCHAR(100),
    "description" VARCHAR(500),
    "amount" DECIMAL(18,2) NOT NULL,

    CONSTRAINT "gl_journal_line_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gl_sync_state" (
    "provider" "AccountingProvider" NOT NULL,
    "tenant_id" VARCHAR(100),
    "generation" INTEGER NOT NULL DEFAULT 1,
    "reading" INTEGER,
    "position" VARCHAR(2000),
    "behind" BOOLEAN NOT NULL DEFAULT false,
    "read_started_at" TIMESTAMPTZ(3),
    "read_at" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_error" VARCHAR(1000),
    "running_until" TIMESTAMPTZ(3),

    CONSTRAINT "gl_sync_state_pkey" PRIMARY KEY ("provider")
);

-- CreateIndex
CREATE INDEX "gl_journal_line_provider_generation_account_code_journal_da_idx" ON "gl_journal_line"("provider", "generation", "account_code", "journal_date");

-- CreateIndex
CREATE INDEX "gl_journal_line_provider_generation_source_id_idx" ON "gl_journal_line"("provider", "generation", "source_id");

-- CreateIndex
CREATE UNIQUE INDEX "gl_journal_line_provider_generation_journal_id_line_no_key" ON "gl_journal_line"("provider", "generation", "journal_id", "line_no");
