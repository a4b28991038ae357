-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "warnings" TEXT;
