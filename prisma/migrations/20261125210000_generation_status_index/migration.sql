-- CreateIndex
CREATE INDEX "Generation_guildId_userId_status_idx" ON "Generation"("guildId", "userId", "status");

