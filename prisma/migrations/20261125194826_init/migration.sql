-- CreateTable
CREATE TABLE "Generation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "negativePrompt" TEXT NOT NULL DEFAULT '',
    "strength" REAL,
    "steps" INTEGER NOT NULL,
    "guidance" REAL NOT NULL,
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
    "queuedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "queueMs" INTEGER,
    "runMs" INTEGER,
    "stepMs" REAL,
    CONSTRAINT "Generation_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Generation" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "GuildSettings" (
    "guildId" TEXT NOT NULL PRIMARY KEY,
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
    "updatedAt" DATETIME NOT NULL,
    "updatedBy" TEXT
);

-- CreateTable
CREATE TABLE "RoleQuota" (
    "guildId" TEXT NOT NULL,
    "roleId" TEXT NOT NULL,
    "dailyLimit" INTEGER,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("guildId", "roleId")
);

-- CreateTable
CREATE TABLE "GuildMember" (
    "guildId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "blocked" BOOLEAN NOT NULL DEFAULT false,
    "blockedReason" TEXT,
    "usageResetAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("guildId", "userId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Generation_resultMessageId_key" ON "Generation"("resultMessageId");

-- CreateIndex
CREATE INDEX "Generation_guildId_userId_quotaDay_charged_idx" ON "Generation"("guildId", "userId", "quotaDay", "charged");

-- CreateIndex
CREATE INDEX "Generation_status_queuedAt_idx" ON "Generation"("status", "queuedAt");

-- CreateIndex
CREATE INDEX "Generation_guildId_userId_queuedAt_idx" ON "Generation"("guildId", "userId", "queuedAt");
