-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "imageCount" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "Generation" ADD COLUMN "gridIndex" INTEGER;
