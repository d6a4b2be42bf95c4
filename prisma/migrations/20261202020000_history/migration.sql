-- History that stays fast and small (issue 18).

-- When the bytes were last stored: the artifact collector never removes a file stored after
-- the requests that referenced it finished (an upload of the same bytes still in flight).
ALTER TABLE "Artifact" ADD COLUMN "storedAt" DATETIME;

-- Indexes that fit the history's filter combinations, each ending in "id" so a page is an
-- index range read newest first (time ranges become id ranges: ids are UUIDv7).
DROP INDEX "InferenceRequest_status_idx";
CREATE INDEX "InferenceRequest_status_id_idx" ON "InferenceRequest"("status", "id");
CREATE INDEX "InferenceRequest_task_status_id_idx" ON "InferenceRequest"("task", "status", "id");
CREATE INDEX "InferenceRequest_model_status_id_idx" ON "InferenceRequest"("model", "status", "id");
CREATE INDEX "InferenceRequest_ownerKeyId_task_id_idx" ON "InferenceRequest"("ownerKeyId", "task", "id");
CREATE INDEX "InferenceRequest_ownerKeyId_status_id_idx" ON "InferenceRequest"("ownerKeyId", "status", "id");

-- Substring search over input and output text: an external-content FTS5 table with the
-- trigram tokenizer (any script, Chinese included, for queries of three characters or more),
-- kept in step with the row by triggers in the same transaction.
CREATE VIRTUAL TABLE "InferenceRequestText" USING fts5(
  "inputText", "outputText",
  content = 'InferenceRequest', content_rowid = 'rowid', tokenize = 'trigram'
);

CREATE TRIGGER "InferenceRequestText_insert" AFTER INSERT ON "InferenceRequest" BEGIN
  INSERT INTO "InferenceRequestText"(rowid, "inputText", "outputText") VALUES (new.rowid, new."inputText", new."outputText");
END;

CREATE TRIGGER "InferenceRequestText_delete" AFTER DELETE ON "InferenceRequest" BEGIN
  INSERT INTO "InferenceRequestText"("InferenceRequestText", rowid, "inputText", "outputText")
    VALUES ('delete', old.rowid, old."inputText", old."outputText");
END;

CREATE TRIGGER "InferenceRequestText_update" AFTER UPDATE OF "inputText", "outputText" ON "InferenceRequest" BEGIN
  INSERT INTO "InferenceRequestText"("InferenceRequestText", rowid, "inputText", "outputText")
    VALUES ('delete', old.rowid, old."inputText", old."outputText");
  INSERT INTO "InferenceRequestText"(rowid, "inputText", "outputText") VALUES (new.rowid, new."inputText", new."outputText");
END;

INSERT INTO "InferenceRequestText"("InferenceRequestText") VALUES ('rebuild');
