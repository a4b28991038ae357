-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "variationSeed" TEXT;
ALTER TABLE "Generation" ADD COLUMN "variationStrength" REAL;

-- AlterTable
ALTER TABLE "GuildSettings" ADD COLUMN "resultReactions" TEXT NOT NULL DEFAULT 'all';
ALTER TABLE "GuildSettings" ADD COLUMN "livePreview" BOOLEAN NOT NULL DEFAULT true;
