-- History that stays fast and small (issue 18).

-- When the bytes were last stored: the artifact collector never removes a file stored after
-- the requests that referenced it finished (an upload of the same bytes still in flight).
ALTER TABLE "Artifact" ADD COLUMN "storedAt" TIMESTAMP(3);

-- Indexes that fit the history's filter combinations, each ending in "id" so a page is an
-- index range read newest first (time ranges become id ranges: ids are UUIDv7).
DROP INDEX "InferenceRequest_status_idx";
CREATE INDEX "InferenceRequest_status_id_idx" ON "InferenceRequest"("status", "id");
CREATE INDEX "InferenceRequest_task_status_id_idx" ON "InferenceRequest"("task", "status", "id");
CREATE INDEX "InferenceRequest_model_status_id_idx" ON "InferenceRequest"("model", "status", "id");
CREATE INDEX "InferenceRequest_ownerKeyId_task_id_idx" ON "InferenceRequest"("ownerKeyId", "task", "id");
CREATE INDEX "InferenceRequest_ownerKeyId_status_id_idx" ON "InferenceRequest"("ownerKeyId", "status", "id");

-- Substring search over input and output text through pg_trgm GIN indexes. A server without
-- the extension still migrates: search then scans, and the server says so when it starts.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available (%): history text search will scan', SQLERRM;
END $$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE 'CREATE INDEX "InferenceRequest_inputText_trgm_idx" ON "InferenceRequest" USING gin ("inputText" gin_trgm_ops)';
    EXECUTE 'CREATE INDEX "InferenceRequest_outputText_trgm_idx" ON "InferenceRequest" USING gin ("outputText" gin_trgm_ops)';
  END IF;
END $$;
