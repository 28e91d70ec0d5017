-- 0003: a large document is shown as several tasks, one per page of whole items
-- (annotate.labelstudio.pages). Page 1 of 1 is a whole document, as every task was before.
CREATE TABLE ls_tasks_paged (
    server_url  VARCHAR NOT NULL,
    project_id  INTEGER NOT NULL,
    task_id     INTEGER NOT NULL,
    doc_id      VARCHAR NOT NULL,
    schema_name VARCHAR NOT NULL,
    created     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    page        INTEGER NOT NULL DEFAULT 1,
    pages       INTEGER NOT NULL DEFAULT 1,
    page_start  INTEGER NOT NULL DEFAULT 0,   -- the page is documents.text[page_start:page_end]
    page_end    INTEGER,                      -- NULL: to the end of the text
    PRIMARY KEY (server_url, project_id, doc_id, page)
);
INSERT INTO ls_tasks_paged (server_url, project_id, task_id, doc_id, schema_name, created)
    SELECT server_url, project_id, task_id, doc_id, schema_name, created FROM ls_tasks;
DROP TABLE ls_tasks;
ALTER TABLE ls_tasks_paged RENAME TO ls_tasks;
