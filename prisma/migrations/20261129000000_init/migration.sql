-- CreateTable
CREATE TABLE "InferenceRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "parentId" TEXT,
    "task" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "parameters" JSONB NOT NULL,
    "inputModalities" TEXT NOT NULL,
    "inputText" TEXT,
    "outputText" TEXT,
    "result" JSONB,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "firstOutputAt" DATETIME,
    "finishedAt" DATETIME,
    "queueMs" INTEGER,
    "computeMs" INTEGER,
    "batchSize" INTEGER,
    "promptTokens" INTEGER,
    "completionTokens" INTEGER,
    CONSTRAINT "InferenceRequest_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "InferenceRequest" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Artifact" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "contentType" TEXT NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "RequestArtifact" (
    "requestId" TEXT NOT NULL,
    "artifactId" TEXT NOT NULL,
    "role" TEXT NOT NULL,

    PRIMARY KEY ("requestId", "artifactId", "role"),
    CONSTRAINT "RequestArtifact_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "InferenceRequest" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RequestArtifact_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "InferenceRequest_status_idx" ON "InferenceRequest"("status");

-- CreateIndex
CREATE INDEX "InferenceRequest_task_id_idx" ON "InferenceRequest"("task", "id");

-- CreateIndex
CREATE INDEX "InferenceRequest_model_id_idx" ON "InferenceRequest"("model", "id");

-- CreateIndex
CREATE INDEX "InferenceRequest_parentId_idx" ON "InferenceRequest"("parentId");

-- CreateIndex
CREATE INDEX "RequestArtifact_artifactId_idx" ON "RequestArtifact"("artifactId");
