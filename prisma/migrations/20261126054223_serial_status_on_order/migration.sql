-- AlterEnum (alone: a new enum value cannot be used in the transaction that adds it)
ALTER TYPE "SerialStatus" ADD VALUE 'on_order';
