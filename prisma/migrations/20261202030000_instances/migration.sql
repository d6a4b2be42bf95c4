-- CreateTable
CREATE TABLE "Instance" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" DATETIME NOT NULL
);

-- AlterTable
ALTER TABLE "InferenceRequest" ADD COLUMN "instanceId" TEXT REFERENCES "Instance" ("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- CreateIndex
CREATE INDEX "InferenceRequest_instanceId_status_idx" ON "InferenceRequest"("instanceId", "status");
