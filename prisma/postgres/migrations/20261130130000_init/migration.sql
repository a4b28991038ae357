-- CreateTable
CREATE TABLE "Generation" (
    "id" SERIAL NOT NULL,
    "guildId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "negativePrompt" TEXT NOT NULL DEFAULT '',
    "strength" DOUBLE PRECISION,
    "steps" INTEGER NOT NULL,
    "guidance" DOUBLE PRECISION NOT NULL,
    "scheduler" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "seed" TEXT NOT NULL,
    "inputHash" TEXT,
    "model" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "interactionId" TEXT,
    "interactionToken" TEXT,
    "statusMessageId" TEXT,
    "resultMessageId" TEXT,
    "parentId" INTEGER,
    "quotaDay" TEXT NOT NULL,
    "charged" BOOLEAN NOT NULL DEFAULT true,
    "queuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "queueMs" INTEGER,
    "runMs" INTEGER,
    "stepMs" DOUBLE PRECISION,

    CONSTRAINT "Generation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GuildSettings" (
    "guildId" TEXT NOT NULL,
    "dailyImagesPerUser" INTEGER NOT NULL DEFAULT 25,
    "maxQueuedPerUser" INTEGER NOT NULL DEFAULT 3,
    "cooldownSeconds" INTEGER NOT NULL DEFAULT 10,
    "maxSteps" INTEGER NOT NULL DEFAULT 50,
    "maxSide" INTEGER NOT NULL DEFAULT 768,
    "allowedChannelIds" TEXT NOT NULL DEFAULT '[]',
    "rerollBy" TEXT NOT NULL DEFAULT 'requester',
    "blockedWords" TEXT NOT NULL DEFAULT '[]',
    "spoilerOutsideNsfw" BOOLEAN NOT NULL DEFAULT false,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "managerRoleIds" TEXT NOT NULL DEFAULT '[]',
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedBy" TEXT,

    CONSTRAINT "GuildSettings_pkey" PRIMARY KEY ("guildId")
);

-- CreateTable
CREATE TABLE "RoleQuota" (
    "guildId" TEXT NOT NULL,
    "roleId" TEXT NOT NULL,
    "dailyLimit" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RoleQuota_pkey" PRIMARY KEY ("guildId","roleId")
);

-- CreateTable
CREATE TABLE "GuildMember" (
    "guildId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "blocked" BOOLEAN NOT NULL DEFAULT false,
    "blockedReason" TEXT,
    "usageResetAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GuildMember_pkey" PRIMARY KEY ("guildId","userId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Generation_resultMessageId_key" ON "Generation"("resultMessageId");

-- CreateIndex
CREATE INDEX "Generation_guildId_userId_quotaDay_charged_idx" ON "Generation"("guildId", "userId", "quotaDay", "charged");

-- CreateIndex
CREATE INDEX "Generation_status_queuedAt_idx" ON "Generation"("status", "queuedAt");

-- CreateIndex
CREATE INDEX "Generation_guildId_userId_queuedAt_idx" ON "Generation"("guildId", "userId", "queuedAt");

-- CreateIndex
CREATE INDEX "Generation_guildId_userId_status_idx" ON "Generation"("guildId", "userId", "status");

-- CreateIndex
CREATE INDEX "Generation_userId_status_idx" ON "Generation"("userId", "status");

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Generation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

