-- Sign-ins started from the pane (OAuth authorisation-code flow), waiting for the provider's callback.
-- CreateTable
CREATE TABLE "accounting_authorization" (
    "id" SERIAL NOT NULL,
    "state_hash" CHAR(64) NOT NULL,
    "provider" "AccountingProvider" NOT NULL,
    "client_id" VARCHAR(200) NOT NULL,
    "client_secret" TEXT NOT NULL,
    "code_verifier" TEXT NOT NULL,
    "tenant_id" VARCHAR(100),
    "redirect_uri" VARCHAR(1000) NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),

    CONSTRAINT "accounting_authorization_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "accounting_authorization_state_hash_key" ON "accounting_authorization"("state_hash");

-- CreateIndex
CREATE INDEX "accounting_authorization_expires_at_idx" ON "accounting_authorization"("expires_at");
