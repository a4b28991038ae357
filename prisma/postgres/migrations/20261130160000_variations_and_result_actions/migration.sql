-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "variationSeed" TEXT,
ADD COLUMN "variationStrength" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "GuildSettings" ADD COLUMN "resultReactions" TEXT NOT NULL DEFAULT 'all',
ADD COLUMN "livePreview" BOOLEAN NOT NULL DEFAULT true;
