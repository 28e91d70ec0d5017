-- 0004: pre-labeling through a provider's Batch API (`annotate prelabel --via batch`). A job is
-- one submit and its follow-up re-ask batches (round 2, 3 …); each request remembers which chunk
-- of which document under which version key it asks about, so `annotate batch collect` can feed
-- each answer to the live path's reading and write predictions exactly as a live run does.
CREATE TABLE provider_batches (
    id             VARCHAR PRIMARY KEY,        -- ours: 'pb-…'; the provider's id is batch_id
    job_id         VARCHAR NOT NULL,           -- the id of the job's first batch
    round          INTEGER NOT NULL,           -- 1 = the submit, 2.. = follow-up re-asks
    base_url       VARCHAR,                    -- the endpoint (never the key)
    settings       JSON NOT NULL,              -- LLMSettings without the key: collect rebuilds the backend
    schema_option  VARCHAR NOT NULL,           -- --schema as given ('auto' or a name)
    input_file_id  VARCHAR,                    -- NULL until uploaded
    batch_id       VARCHAR,                    -- NULL until created at the provider
    status         VARCHAR NOT NULL,           -- 'prepared' until created, then the provider's status
    output_file_id VARCHAR,
    error_file_id  VARCHAR,
    requests       INTEGER NOT NULL,
    downloaded     BOOLEAN NOT NULL DEFAULT false,  -- its answers are in provider_batch_requests
    collected      BOOLEAN NOT NULL DEFAULT false,  -- its documents are predicted or failed with a reason
    note           VARCHAR,                    -- what the download found (expired, malformed lines)
    created        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated        TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE provider_batch_requests (
    batch             VARCHAR NOT NULL,        -- provider_batches.id
    custom_id         VARCHAR NOT NULL,
    doc_id            VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,        -- the file collect reads the document from again
    chunk             INTEGER NOT NULL,
    version_key       VARCHAR NOT NULL,
    schema_name       VARCHAR NOT NULL,
    body_hash         VARCHAR NOT NULL,        -- sha256 of the canonical request body
    body              JSON NOT NULL,           -- the body sent (a follow-up's re-ask cannot be rebuilt)
    state             VARCHAR NOT NULL DEFAULT 'sent',  -- 'sent' | 'answered' | 'failed'
    answer            JSON,                    -- the chat completion the batch returned
    error             VARCHAR,                 -- why there is no answer (error file, expired, malformed)
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (batch, custom_id)
);

CREATE TABLE provider_batch_costs (            -- per batch and version key, at the batch price
    batch             VARCHAR NOT NULL,
    version_key       VARCHAR NOT NULL,
    requests          INTEGER NOT NULL,
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    discount          DOUBLE NOT NULL,         -- the batch discount applied (0.5 = half price)
    cost_usd          DOUBLE,                  -- NULL when the model has no configured price
    PRIMARY KEY (batch, version_key)
);
