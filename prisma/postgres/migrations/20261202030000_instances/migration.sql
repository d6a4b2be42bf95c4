-- CreateTable
CREATE TABLE "Instance" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Instance_pkey" PRIMARY KEY ("id")
);

-- AlterTable
ALTER TABLE "InferenceRequest" ADD COLUMN "instanceId" TEXT;

-- CreateIndex
CREATE INDEX "InferenceRequest_instanceId_status_idx" ON "InferenceRequest"("instanceId", "status");

-- AddForeignKey
ALTER TABLE "InferenceRequest" ADD CONSTRAINT "InferenceRequest_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance"("id") ON DELETE SET NULL ON UPDATE CASCADE;
