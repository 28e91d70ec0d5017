-- 0001: the whole pipeline's tables. Append-only: never edit a released migration, add 0002_…

CREATE TABLE documents (
    doc_id      VARCHAR PRIMARY KEY,          -- hash of the cleaned text
    source      VARCHAR,                      -- path the text was loaded from (last seen)
    text        VARCHAR NOT NULL,             -- THE text every offset indexes
    metadata    JSON,
    schema_name VARCHAR,                      -- routed genre (NULL until routed)
    first_seen  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE llm_calls_id;
CREATE TABLE llm_calls (                      -- one row per attempt, failed ones included
    id                BIGINT PRIMARY KEY DEFAULT nextval('llm_calls_id'),
    run_id            VARCHAR,
    doc_id            VARCHAR,
    chunk             INTEGER,
    version_key       VARCHAR,
    attempt           INTEGER,
    request           JSON,                   -- without secrets: no headers, no api key
    response          JSON,
    error             VARCHAR,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    latency_ms        DOUBLE,
    created           TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE response_cache (                 -- content-addressed: (doc, chunk, version key) -> response
    doc_id      VARCHAR NOT NULL,
    chunk       INTEGER NOT NULL,
    version_key VARCHAR NOT NULL,
    response    JSON NOT NULL,
    created     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (doc_id, chunk, version_key)
);

CREATE TABLE predictions (
    doc_id      VARCHAR NOT NULL,
    schema_name VARCHAR NOT NULL,
    version_key VARCHAR NOT NULL,
    backend     VARCHAR NOT NULL,             -- 'llm' | 'rules'
    record      JSON NOT NULL,
    groundings  JSON NOT NULL,
    confidence  DOUBLE,
    created     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (doc_id, version_key)
);

CREATE SEQUENCE failures_id;
CREATE TABLE failures (                       -- open until a later run of the same stage succeeds
    id          BIGINT PRIMARY KEY DEFAULT nextval('failures_id'),
    doc_id      VARCHAR,                      -- NULL when the file never became a document
    source      VARCHAR,
    stage       VARCHAR NOT NULL,             -- 'load' | 'route' | 'extract' | 'push' | 'pull'
    version_key VARCHAR,
    reason      VARCHAR NOT NULL,
    resolved    BOOLEAN NOT NULL DEFAULT false,
    created     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE ls_projects (                    -- one Label Studio project per schema and server
    server_url        VARCHAR NOT NULL,
    schema_name       VARCHAR NOT NULL,
    project_id        INTEGER NOT NULL,
    label_config_hash VARCHAR,
    model_version     VARCHAR,
    updated           TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (server_url, schema_name)
);

CREATE TABLE ls_tasks (
    server_url  VARCHAR NOT NULL,
    project_id  INTEGER NOT NULL,
    task_id     INTEGER NOT NULL,
    doc_id      VARCHAR NOT NULL,
    schema_name VARCHAR NOT NULL,
    created     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (server_url, project_id, doc_id)
);

CREATE TABLE ls_predictions (                 -- which version keys a task already carries
    server_url    VARCHAR NOT NULL,
    task_id       INTEGER NOT NULL,
    version_key   VARCHAR NOT NULL,
    prediction_id INTEGER,
    created       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (server_url, task_id, version_key)
);

CREATE TABLE annotations (                    -- every submitted annotation seen by `pull`
    server_url    VARCHAR NOT NULL,
    annotation_id INTEGER NOT NULL,
    task_id       INTEGER NOT NULL,
    doc_id        VARCHAR NOT NULL,
    schema_name   VARCHAR NOT NULL,
    annotator     VARCHAR,
    result        JSON NOT NULL,
    lead_time     DOUBLE,
    created_at    TIMESTAMP,
    updated_at    TIMESTAMP,                  -- Label Studio's; a newer one makes a new gold version
    outcome       VARCHAR NOT NULL,           -- 'accepted' | 'rejected' | 'quarantined'
    pulled        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (server_url, annotation_id, updated_at)
);

CREATE TABLE gold (                           -- append-only versions of the accepted record per doc
    gold_id                VARCHAR PRIMARY KEY,
    doc_id                 VARCHAR NOT NULL,
    schema_name            VARCHAR NOT NULL,
    version                INTEGER NOT NULL,
    record                 JSON NOT NULL,
    groundings             JSON NOT NULL,
    annotation_id          INTEGER,
    annotator              VARCHAR,
    lead_time              DOUBLE,
    annotation_created     TIMESTAMP,
    annotation_updated     TIMESTAMP,
    prediction_version_key VARCHAR,           -- the prediction the annotator started from
    region_stats           JSON,              -- {"kept": n, "edited": n, "added": n, "deleted": n}
    created                TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (doc_id, schema_name, version)
);

CREATE TABLE rejected (                       -- documents an annotator rejected with the review choice
    server_url    VARCHAR NOT NULL,
    annotation_id INTEGER NOT NULL,
    doc_id        VARCHAR NOT NULL,
    schema_name   VARCHAR NOT NULL,
    annotator     VARCHAR,
    reason        VARCHAR,
    created       TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE quarantine (                     -- annotations that could not become valid records
    server_url    VARCHAR NOT NULL,
    annotation_id INTEGER NOT NULL,
    doc_id        VARCHAR NOT NULL,
    schema_name   VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    result        JSON,
    created       TIMESTAMP NOT NULL DEFAULT current_timestamp
);
