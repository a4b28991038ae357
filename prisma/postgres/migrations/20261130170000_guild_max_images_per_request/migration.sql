-- AlterTable
ALTER TABLE "GuildSettings" ADD COLUMN "maxImagesPerRequest" INTEGER NOT NULL DEFAULT 4;
