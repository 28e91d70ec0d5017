-- 0002: what the pipeline had to do to get a prediction (a truncated answer salvaged, invalid
-- items dropped, re-asks), so that nothing it dropped is dropped silently.
ALTER TABLE predictions ADD COLUMN notes JSON;
