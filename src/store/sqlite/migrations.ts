// Schema versions, applied in order inside one transaction each. Never edit a released step: add one.
// `PRAGMA user_version` records how many steps a database has.

export const MIGRATIONS: readonly string[] = [
  // 1: tracking
  `
  CREATE TABLE experiments (
    experiment_id     INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    artifact_location TEXT NOT NULL,
    lifecycle_stage   TEXT NOT NULL DEFAULT 'active',
    creation_time     INTEGER,
    last_update_time  INTEGER
  );
  CREATE INDEX experiments_creation ON experiments (creation_time DESC, experiment_id);

  CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
  ) WITHOUT ROWID;

  CREATE TABLE runs (
    run_uuid        TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    experiment_id   INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    start_time      INTEGER NOT NULL DEFAULT 0,
    end_time        INTEGER,
    deleted_time    INTEGER,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active',
    artifact_uri    TEXT NOT NULL
  );
  -- The default runs/search order: experiment, view type, start_time DESC, run_uuid.
  CREATE INDEX runs_search_default ON runs (experiment_id, lifecycle_stage, start_time DESC, run_uuid);

  CREATE TABLE params (
    run_uuid TEXT NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (run_uuid, key)
  ) WITHOUT ROWID;
  CREATE INDEX params_key_value ON params (key, value, run_uuid);

  CREATE TABLE tags (
    run_uuid TEXT NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (run_uuid, key)
  ) WITHOUT ROWID;
  CREATE INDEX tags_key_value ON tags (key, value, run_uuid);

  -- Full history. NaN is stored as value 0 with is_nan = 1 (as MLflow does); infinities as REAL ±inf.
  CREATE TABLE metrics (
    run_uuid  TEXT NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    value     REAL NOT NULL,
    timestamp INTEGER NOT NULL,
    step      INTEGER NOT NULL DEFAULT 0,
    is_nan    INTEGER NOT NULL DEFAULT 0
  );
  -- Drops exact duplicates and serves history reads by (run, key) in step order.
  CREATE UNIQUE INDEX metrics_point ON metrics (run_uuid, key, step, timestamp, value, is_nan);

  -- One row per (run, key): the point with the greatest (step, timestamp, value).
  CREATE TABLE latest_metrics (
    run_uuid  TEXT NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    value     REAL NOT NULL,
    timestamp INTEGER NOT NULL,
    step      INTEGER NOT NULL,
    is_nan    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_uuid, key)
  ) WITHOUT ROWID;
  CREATE INDEX latest_metrics_key_value ON latest_metrics (key, value, run_uuid);

  CREATE TABLE datasets (
    dataset_uuid  TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    digest        TEXT NOT NULL,
    source_type   TEXT NOT NULL,
    source        TEXT NOT NULL,
    schema        TEXT,
    profile       TEXT,
    UNIQUE (experiment_id, name, digest)
  );

  CREATE TABLE run_inputs (
    run_uuid     TEXT NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    dataset_uuid TEXT NOT NULL REFERENCES datasets (dataset_uuid) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    PRIMARY KEY (run_uuid, dataset_uuid)
  ) WITHOUT ROWID;
  CREATE INDEX run_inputs_dataset ON run_inputs (dataset_uuid);

  CREATE TABLE input_tags (
    run_uuid     TEXT NOT NULL,
    dataset_uuid TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (run_uuid, dataset_uuid, key),
    FOREIGN KEY (run_uuid, dataset_uuid) REFERENCES run_inputs (run_uuid, dataset_uuid) ON DELETE CASCADE
  ) WITHOUT ROWID;
  `,
  // 2: model registry. Renames cascade through the foreign keys.
  `
  CREATE TABLE registered_models (
    name              TEXT PRIMARY KEY,
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    description       TEXT
  );
  CREATE INDEX registered_models_updated ON registered_models (last_updated_time DESC, name);

  CREATE TABLE registered_model_tags (
    name  TEXT NOT NULL REFERENCES registered_models (name) ON UPDATE CASCADE ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, key)
  ) WITHOUT ROWID;

  CREATE TABLE model_versions (
    name              TEXT NOT NULL REFERENCES registered_models (name) ON UPDATE CASCADE ON DELETE CASCADE,
    version           INTEGER NOT NULL,
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    description       TEXT,
    user_id           TEXT,
    current_stage     TEXT NOT NULL,
    source            TEXT NOT NULL,
    storage_location  TEXT NOT NULL,
    run_id            TEXT,
    run_link          TEXT,
    status            TEXT NOT NULL DEFAULT 'READY',
    status_message    TEXT,
    PRIMARY KEY (name, version)
  );
  CREATE INDEX model_versions_updated ON model_versions (last_updated_time DESC, name, version DESC);
  CREATE INDEX model_versions_run ON model_versions (run_id);

  CREATE TABLE model_version_tags (
    name    TEXT NOT NULL,
    version INTEGER NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (name, version, key),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON UPDATE CASCADE ON DELETE CASCADE
  ) WITHOUT ROWID;

  CREATE TABLE registered_model_aliases (
    name    TEXT NOT NULL REFERENCES registered_models (name) ON UPDATE CASCADE ON DELETE CASCADE,
    alias   TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias)
  ) WITHOUT ROWID;
  `,
  // 3: users and permissions (authentication is optional; these tables stay empty without it)
  `
  CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE experiment_permissions (
    experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission    TEXT NOT NULL,
    PRIMARY KEY (experiment_id, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE registered_model_permissions (
    name       TEXT NOT NULL REFERENCES registered_models (name) ON UPDATE CASCADE ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (name, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE access_tokens (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_time INTEGER NOT NULL
  );
  `,
  // 4: MLflow 3's logged models: the models themselves (ids "m-<32 hex>", soft-deleted), their tags,
  // params and the metrics logged with their id; which runs a model is an input or output of; metric
  // points that name a model or dataset ('' when they name none, so the unique index stays plain);
  // the logged model a registered version comes from.
  `
  CREATE TABLE logged_models (
    model_id                  TEXT PRIMARY KEY,
    experiment_id             INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    name                      TEXT NOT NULL,
    artifact_location         TEXT NOT NULL,
    creation_timestamp_ms     INTEGER NOT NULL,
    last_updated_timestamp_ms INTEGER NOT NULL,
    status                    TEXT NOT NULL,
    lifecycle_stage           TEXT NOT NULL DEFAULT 'active',
    model_type                TEXT,
    source_run_id             TEXT,
    status_message            TEXT
  );
  -- The default logged-models/search order: experiment, live ones, newest first, id.
  CREATE INDEX logged_models_search ON logged_models (experiment_id, lifecycle_stage, creation_timestamp_ms DESC, model_id);
  CREATE INDEX logged_models_run ON logged_models (source_run_id);

  CREATE TABLE logged_model_tags (
    model_id TEXT NOT NULL REFERENCES logged_models (model_id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
  ) WITHOUT ROWID;

  CREATE TABLE logged_model_params (
    model_id TEXT NOT NULL REFERENCES logged_models (model_id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
  ) WITHOUT ROWID;

  CREATE TABLE logged_model_metrics (
    model_id       TEXT NOT NULL REFERENCES logged_models (model_id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    value          REAL NOT NULL,
    timestamp      INTEGER NOT NULL,
    step           INTEGER NOT NULL,
    is_nan         INTEGER NOT NULL DEFAULT 0,
    run_uuid       TEXT NOT NULL,
    dataset_name   TEXT NOT NULL DEFAULT '',
    dataset_digest TEXT NOT NULL DEFAULT ''
  );
  -- Drops exact duplicates; serves "the latest value of key k of model m" (search filters, order).
  CREATE UNIQUE INDEX logged_model_metrics_point ON logged_model_metrics
    (model_id, key, timestamp, step, value, is_nan, run_uuid, dataset_name, dataset_digest);

  CREATE TABLE run_logged_models (
    run_uuid  TEXT NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    direction TEXT NOT NULL,
    model_id  TEXT NOT NULL,
    step      INTEGER NOT NULL DEFAULT 0,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (run_uuid, direction, model_id)
  ) WITHOUT ROWID;

  ALTER TABLE metrics ADD COLUMN model_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE metrics ADD COLUMN dataset_name TEXT NOT NULL DEFAULT '';
  ALTER TABLE metrics ADD COLUMN dataset_digest TEXT NOT NULL DEFAULT '';
  DROP INDEX metrics_point;
  CREATE UNIQUE INDEX metrics_point ON metrics (run_uuid, key, step, timestamp, value, is_nan, model_id, dataset_name, dataset_digest);

  ALTER TABLE model_versions ADD COLUMN model_id TEXT;
  `,
  // 5: authentication shared by all server processes. Failed logins per (user name, client address),
  // with '*' as the address of a name's total, in fixed windows that start at the first failure; one
  // version number bumped in the same transaction as every change to users, passwords or tokens, which
  // each process reads before trusting the credentials it verified earlier.
  `
  CREATE TABLE login_failures (
    username     TEXT NOT NULL,
    address      TEXT NOT NULL,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    PRIMARY KEY (username, address)
  ) WITHOUT ROWID;
  CREATE INDEX login_failures_expiry ON login_failures (window_start);

  CREATE TABLE auth_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
  );
  INSERT INTO auth_version (id, version) VALUES (1, 0);
  `,
  // 6: MLflow's traces (2.17's tracing API). The trace's row, its tags and its request metadata; the
  // spans themselves are the artifact `traces.json` under the `mlflow.artifactLocation` tag. Tag and
  // metadata values are indexed by (key, value) so that a filter such as `run_id = '…'` (the
  // `mlflow.sourceRun` metadata) finds its traces without reading every trace of the experiment.
  `
  CREATE TABLE trace_info (
    request_id        TEXT PRIMARY KEY,
    experiment_id     INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    timestamp_ms      INTEGER NOT NULL,
    execution_time_ms INTEGER,
    status            TEXT NOT NULL
  );
  -- The default traces search order: experiment, newest first, request id.
  CREATE INDEX trace_info_search ON trace_info (experiment_id, timestamp_ms DESC, request_id);
  -- The slowest first (order_by execution_time_ms DESC, in-progress traces last), read backwards.
  CREATE INDEX trace_info_duration ON trace_info (experiment_id, execution_time_ms, timestamp_ms);

  CREATE TABLE trace_tags (
    request_id TEXT NOT NULL REFERENCES trace_info (request_id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (request_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX trace_tags_value ON trace_tags (key, value, request_id);

  CREATE TABLE trace_request_metadata (
    request_id TEXT NOT NULL REFERENCES trace_info (request_id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (request_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX trace_request_metadata_value ON trace_request_metadata (key, value, request_id);
  `,
  // 7: logged-models/search by metric values. A filter such as `metrics.accuracy > 0.99` compares each
  // model's latest point; the models with any point that compares so are a superset the search reads
  // from this index instead of computing the latest value of every model in the experiment.
  `
  CREATE INDEX logged_model_metrics_value ON logged_model_metrics (key, value, model_id);
  `,
  // 8: each logged model's latest value of each metric key, kept by triggers on its points so that every
  // write path (log-metric, log-batch, purges) keeps it true, and read by logged-models/search: a metric
  // filter probes one row per model, and ordering by a metric walks the (experiment, key, value) index
  // and stops at a full page instead of computing every model's latest value and sorting them all.
  // "Latest" is MLflow's: the greatest (timestamp, step); among equal ones a NaN, then the greatest
  // value, so that the choice does not depend on the order of writes. A row with dataset_name '' and
  // dataset_digest '' is the latest over all points of the key (whatever their dataset); a row naming a
  // dataset is the latest over that dataset's points. value is NULL for a NaN. Existing points are
  // backfilled. Also (key, value) indexes on params and tags, for equalities that find few models.
  `
  CREATE TABLE logged_model_latest_metrics (
    model_id       TEXT NOT NULL REFERENCES logged_models (model_id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    dataset_name   TEXT NOT NULL,
    dataset_digest TEXT NOT NULL,
    experiment_id  INTEGER NOT NULL,
    value          REAL,
    timestamp      INTEGER NOT NULL,
    step           INTEGER NOT NULL,
    PRIMARY KEY (model_id, key, dataset_name, dataset_digest)
  ) WITHOUT ROWID;
  CREATE INDEX logged_model_latest_metrics_value ON logged_model_latest_metrics
    (experiment_id, key, dataset_name, dataset_digest, value);

  INSERT INTO logged_model_latest_metrics
    (model_id, key, dataset_name, dataset_digest, experiment_id, value, timestamp, step)
  SELECT model_id, key, dataset_name, dataset_digest, experiment_id, value, timestamp, step FROM (
    SELECT p.model_id, p.key, p.dataset_name, p.dataset_digest, lm.experiment_id,
      CASE WHEN p.is_nan = 1 THEN NULL ELSE p.value END AS value, p.timestamp, p.step,
      ROW_NUMBER() OVER (PARTITION BY p.model_id, p.key, p.dataset_name, p.dataset_digest
        ORDER BY p.timestamp DESC, p.step DESC, p.is_nan DESC, p.value DESC) AS n
    FROM (
      SELECT model_id, key, '' AS dataset_name, '' AS dataset_digest, value, is_nan, timestamp, step
        FROM logged_model_metrics
      UNION ALL
      SELECT model_id, key, dataset_name, dataset_digest, value, is_nan, timestamp, step
        FROM logged_model_metrics WHERE dataset_name <> ''
    ) p JOIN logged_models lm ON lm.model_id = p.model_id
  ) ranked WHERE n = 1;

  CREATE TRIGGER logged_model_metrics_latest_add AFTER INSERT ON logged_model_metrics
  BEGIN
    INSERT INTO logged_model_latest_metrics AS l
      (model_id, key, dataset_name, dataset_digest, experiment_id, value, timestamp, step)
    SELECT NEW.model_id, NEW.key, d.name, d.digest, lm.experiment_id,
      CASE WHEN NEW.is_nan = 1 THEN NULL ELSE NEW.value END, NEW.timestamp, NEW.step
    FROM logged_models lm,
      (SELECT '' AS name, '' AS digest
       UNION ALL SELECT NEW.dataset_name, NEW.dataset_digest WHERE NEW.dataset_name <> '') d
    WHERE lm.model_id = NEW.model_id
    ON CONFLICT (model_id, key, dataset_name, dataset_digest) DO UPDATE
      SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step
      WHERE (excluded.timestamp, excluded.step, excluded.value IS NULL, coalesce(excluded.value, 0))
          > (l.timestamp, l.step, l.value IS NULL, coalesce(l.value, 0));
  END;

  -- A point deleted (its run purged): the latest of its key, and of its dataset, from the points left.
  CREATE TRIGGER logged_model_metrics_latest_remove AFTER DELETE ON logged_model_metrics
  BEGIN
    DELETE FROM logged_model_latest_metrics
      WHERE model_id = OLD.model_id AND key = OLD.key
        AND ((dataset_name = '' AND dataset_digest = '')
          OR (dataset_name = OLD.dataset_name AND dataset_digest = OLD.dataset_digest));
    INSERT INTO logged_model_latest_metrics
      (model_id, key, dataset_name, dataset_digest, experiment_id, value, timestamp, step)
    SELECT p.model_id, p.key, p.name, p.digest, lm.experiment_id,
      CASE WHEN p.is_nan = 1 THEN NULL ELSE p.value END, p.timestamp, p.step
    FROM (
      SELECT * FROM (
        SELECT model_id, key, '' AS name, '' AS digest, value, is_nan, timestamp, step
          FROM logged_model_metrics WHERE model_id = OLD.model_id AND key = OLD.key
          ORDER BY timestamp DESC, step DESC, is_nan DESC, value DESC LIMIT 1)
      UNION ALL
      SELECT * FROM (
        SELECT model_id, key, dataset_name, dataset_digest, value, is_nan, timestamp, step
          FROM logged_model_metrics
          WHERE model_id = OLD.model_id AND key = OLD.key AND OLD.dataset_name <> ''
            AND dataset_name = OLD.dataset_name AND dataset_digest = OLD.dataset_digest
          ORDER BY timestamp DESC, step DESC, is_nan DESC, value DESC LIMIT 1)
    ) p JOIN logged_models lm ON lm.model_id = p.model_id;
  END;

  CREATE INDEX logged_model_params_value ON logged_model_params (key, value, model_id);
  CREATE INDEX logged_model_tags_value ON logged_model_tags (key, value, model_id);
  `,
];
