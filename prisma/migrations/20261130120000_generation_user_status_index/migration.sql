-- CreateIndex
CREATE INDEX "Generation_userId_status_idx" ON "Generation"("userId", "status");
