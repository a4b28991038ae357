-- AlterTable
ALTER TABLE "GuildSettings" ADD COLUMN "nsfwPolicy" TEXT NOT NULL DEFAULT 'block';
ALTER TABLE "GuildSettings" ADD COLUMN "defaultModel" TEXT NOT NULL DEFAULT '';
