-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_name_key" ON "ApiKey"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateTable
CREATE TABLE "ArtifactOwner" (
    "artifactId" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ArtifactOwner_pkey" PRIMARY KEY ("artifactId", "keyId")
);

-- CreateIndex
CREATE INDEX "ArtifactOwner_keyId_idx" ON "ArtifactOwner"("keyId");

-- AddForeignKey
ALTER TABLE "ArtifactOwner" ADD CONSTRAINT "ArtifactOwner_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "InferenceRequest" ADD COLUMN "ownerKeyId" TEXT;

-- CreateIndex
CREATE INDEX "InferenceRequest_ownerKeyId_id_idx" ON "InferenceRequest"("ownerKeyId", "id");

-- AlterTable
ALTER TABLE "Collection" ADD COLUMN "ownerKeyId" TEXT;

-- Collection names become unique per owner (unowned collections share the '' namespace).
DROP INDEX "Collection_name_key";
CREATE UNIQUE INDEX "Collection_owner_name_key" ON "Collection"(COALESCE("ownerKeyId", ''), "name");
CREATE INDEX "Collection_name_idx" ON "Collection"("name");
CREATE INDEX "Collection_ownerKeyId_idx" ON "Collection"("ownerKeyId");
