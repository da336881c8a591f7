/**
 * The coordinator's SQLite schema. Every state change of a campaign is a row change here,
 * committed before anything is acknowledged, so a restart (even after kill -9) resumes exactly.
 */
export const SCHEMA_VERSION = 6;

/** The campaigns table's columns (SCHEMA_SQL; migration 5 rebuilds the table with them). */
const CAMPAIGNS_TABLE = `(
  campaign_id TEXT PRIMARY KEY,
  protocol_json TEXT NOT NULL,
  protocol_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('locked', 'training', 'evaluating', 'completed', 'failed', 'cancelled')),
  -- The step of the campaign's plan (core/phases/plan.ts) it is in, or ended in; NULL while locked.
  phase TEXT,
  current_round INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  failure_code TEXT,
  failure_message TEXT
)`;

/** A column a migration adds, unless the table has it already (a file made by SCHEMA_SQL of a later version). */
export interface AddColumn {
  table: string;
  column: string;
  definition: string;
}

/** Steps from each older schema version to the next, run in order at open (after SCHEMA_SQL). */
export const MIGRATIONS: Record<number, string | AddColumn[]> = {
  // v1 kept every update's tensors as JSON text inside signed_json (its rows stay readable: tensor_data NULL).
  1: 'ALTER TABLE results ADD COLUMN tensor_data BLOB',
  // v2 had no plan step: a v2 campaign was in training, evaluating (the evaluation step), or it ended
  // after its model was locked — with an ONNX export exactly when it went on to evaluation — or
  // before (training). Its one-update-per-round index named the training job kind; v3's names none.
  2: `ALTER TABLE campaigns ADD COLUMN phase TEXT;
UPDATE campaigns SET phase = CASE state
  WHEN 'locked' THEN NULL
  WHEN 'training' THEN 'training'
  WHEN 'evaluating' THEN 'evaluation'
  ELSE COALESCE((SELECT CASE WHEN m.onnx IS NULL THEN 'lock' ELSE 'evaluation' END FROM locked_models m WHERE m.campaign_id = campaigns.campaign_id), 'training')
END;
DROP INDEX IF EXISTS one_update_per_round_site;`,
  // v3 had no operator accounts (the API was open, or behind one shared token) and no enrolment
  // codes; its new tables (operators, operator_tokens, operator_sessions, enrolment_codes, refusal_counts) come from SCHEMA_SQL. A v3 enrolment keeps a NULL key fingerprint (its
  // CSR is still there: listEnrolments computes it).
  3: [{ table: 'enrolments', column: 'key_fingerprint', definition: 'TEXT' }],
  // v4's one-result index also held secure aggregation's three stage jobs of a round to one result.
  4: `DROP INDEX IF EXISTS one_result_per_round_site;
CREATE UNIQUE INDEX one_result_per_round_site ON results (campaign_id, round, kind, site_id) WHERE is_error = 0 AND kind <> 'secure-aggregation';`,
  // v5's campaign states had no 'cancelled' (campaigns.cancel): SQLite cannot alter a CHECK, so the table is rebuilt.
  5: `CREATE TABLE campaigns_v6 ${CAMPAIGNS_TABLE};
INSERT INTO campaigns_v6 (campaign_id, protocol_json, protocol_hash, state, phase, current_round, created_at, updated_at, failure_code, failure_message)
  SELECT campaign_id, protocol_json, protocol_hash, state, phase, current_round, created_at, updated_at, failure_code, failure_message FROM campaigns;
DROP TABLE campaigns;
ALTER TABLE campaigns_v6 RENAME TO campaigns;`,
};

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS sites (
  site_id TEXT PRIMARY KEY,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT,
  software_version TEXT,
  approved_protocols TEXT NOT NULL DEFAULT '[]',
  capabilities TEXT
);

CREATE TABLE IF NOT EXISTS certificates (
  serial TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL UNIQUE,
  certificate_pem TEXT,
  recorded_at TEXT NOT NULL,
  revoked_at TEXT,
  revocation_reason TEXT
);

CREATE TABLE IF NOT EXISTS enrolments (
  site_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  request_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  requested_at TEXT NOT NULL,
  decided_at TEXT,
  issue_json TEXT,
  -- SHA-256 of the CSR's SubjectPublicKeyInfo: what the operator compares with the site's own print.
  key_fingerprint TEXT,
  PRIMARY KEY (site_id, campaign_id)
);

-- Operators of the API (auth/): only scrypt hashes of passwords, tokens and session secrets.
CREATE TABLE IF NOT EXISTS operators (
  username TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('admin', 'study-lead', 'auditor')),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled_at TEXT
);
CREATE TABLE IF NOT EXISTS operator_tokens (
  token_id TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES operators (username),
  label TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);
-- Refusals of unauthenticated callers, counted per minute and peer until the minute is over and
-- they become one audit row each (store/refusalCounts.ts).
CREATE TABLE IF NOT EXISTS refusal_counts (
  minute TEXT NOT NULL,
  event TEXT NOT NULL,
  peer TEXT NOT NULL,
  code TEXT NOT NULL,
  site_id TEXT,
  count INTEGER NOT NULL,
  first_at TEXT NOT NULL,
  PRIMARY KEY (minute, event, peer, code)
);

-- One-time enrolment codes (core/enrolmentCodes.ts), one live code per site and campaign: only the scrypt hash.
CREATE TABLE IF NOT EXISTS enrolment_codes (
  site_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  PRIMARY KEY (site_id, campaign_id)
);
CREATE TABLE IF NOT EXISTS operator_sessions (
  session_id TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES operators (username),
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT
);

CREATE TABLE IF NOT EXISTS campaigns ${CAMPAIGNS_TABLE};

CREATE TABLE IF NOT EXISTS rounds (
  campaign_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'failed')),
  opened_at TEXT NOT NULL,
  deadline TEXT NOT NULL,
  parameters_json TEXT NOT NULL,
  server_json TEXT NOT NULL,
  closed_at TEXT,
  summary_json TEXT,
  PRIMARY KEY (campaign_id, round)
);

CREATE TABLE IF NOT EXISTS jobs (
  job_id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  round INTEGER,
  state TEXT NOT NULL CHECK (state IN ('open', 'done', 'failed')),
  attempt INTEGER NOT NULL,
  params_hash TEXT NOT NULL,
  failure_code TEXT,
  failure_message TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_open ON jobs (state, site_id);
-- Covers the per-result "is the round complete?" count without touching job rows.
CREATE INDEX IF NOT EXISTS jobs_round_state ON jobs (campaign_id, round, kind, state);

-- Job params by hash: every site of a round usually gets the same params (the global model),
-- stored once instead of once per site.
CREATE TABLE IF NOT EXISTS job_params (
  params_hash TEXT PRIMARY KEY,
  params_json TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS job_attempts (
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  nonce TEXT NOT NULL UNIQUE,
  deadline TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  consumed_at TEXT,
  PRIMARY KEY (job_id, attempt)
);

CREATE TABLE IF NOT EXISTS results (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  round INTEGER,
  attempt INTEGER NOT NULL,
  nonce TEXT NOT NULL UNIQUE,
  is_error INTEGER NOT NULL,
  -- What the site signed (canonical JSON of the job-result without its signature) and the
  -- signature: the coordinator can show any auditor the site's own signed statement. For a model
  -- update, the tensor numbers are kept in tensor_data as Float64 bytes (little-endian, tensor
  -- after tensor) and signed_json holds the canonical text with each tensor's data array replaced
  -- by its length; signedResultOf() rebuilds the exact signed bytes and checks them against
  -- result_hash. tensor_data is NULL when nothing was elided (signed_json is then the signed text).
  signed_json TEXT NOT NULL,
  tensor_data BLOB,
  signature TEXT NOT NULL,
  result_hash TEXT NOT NULL,
  received_at TEXT NOT NULL
);
-- A result counts once per (campaign, round, kind, site), whatever arrives later: one update per
-- round and site (jobs without a round have NULL there, and NULLs never collide). Also serves the
-- round close's read of a round's updates in site order. A secure-aggregation round has three
-- stage jobs per site (keys, shares, unmask), each answered once as any job is.
CREATE UNIQUE INDEX IF NOT EXISTS one_result_per_round_site ON results (campaign_id, round, kind, site_id)
  WHERE is_error = 0 AND kind <> 'secure-aggregation';

CREATE TABLE IF NOT EXISTS models (
  campaign_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  parameters_json TEXT NOT NULL,
  parameters_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, round)
);

CREATE TABLE IF NOT EXISTS locked_models (
  campaign_id TEXT PRIMARY KEY,
  model_hash TEXT NOT NULL,
  model_json TEXT NOT NULL,
  onnx BLOB,
  onnx_sha256 TEXT,
  locked_at TEXT NOT NULL
);

-- Each site's aggregate extraction QC (extract-result), for the campaign's extraction step.
-- A table of its own, not a migration: every open creates what is missing (SCHEMA_SQL).
CREATE TABLE IF NOT EXISTS extractions (
  campaign_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  result_json TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, site_id)
);

-- Each site's answers to the harmonisation step (harmonize-result: its moments, and that it keeps its estimate).
-- A new table: SCHEMA_SQL creates it in older files too, so no migration step is needed.
CREATE TABLE IF NOT EXISTS harmonizations (
  campaign_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  stage TEXT NOT NULL,
  result_json TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, site_id, stage)
);

CREATE TABLE IF NOT EXISTS evaluations (
  campaign_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  report_json TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, site_id)
);

-- The locked model's card and the coordinator's signature of it (when the coordinator signs models).
CREATE TABLE IF NOT EXISTS model_releases (
  campaign_id TEXT PRIMARY KEY,
  card_json TEXT NOT NULL,
  signature_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- What each closed step of a campaign's plan produced (JSON) and its canonical hash: later steps
-- read it from here, and the campaign's status shows the hash. A new table: SCHEMA_SQL creates it.
CREATE TABLE IF NOT EXISTS campaign_steps (
  campaign_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  output_json TEXT NOT NULL,
  output_hash TEXT NOT NULL,
  closed_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, phase)
);

-- The tuning phase's exchanges: the cross-validation state each tune-round was configured from
-- (its next state follows from the round's results), so a restart resumes the round it was in.
-- A new table: SCHEMA_SQL creates it in older files too, so no migration step is needed.
CREATE TABLE IF NOT EXISTS tuning_rounds (
  campaign_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  state_json TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, round)
);

-- The selection step's LASSO path exchanges (selection.lasso): the path's state each was configured
-- from and what the filters kept, so a restart resumes the exchange it was in. SCHEMA_SQL creates it.
CREATE TABLE IF NOT EXISTS selection_lasso_rounds (
  campaign_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  state_json TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, round)
);

-- The baseline step (analysisPlan.baseline): each baseline model's rounds (its state at the round's
-- start; the summary once closed) and each locked baseline model with its export and signed card.
-- New tables: SCHEMA_SQL creates them in older files too, so no migration step is needed.
CREATE TABLE IF NOT EXISTS baseline_rounds (
  campaign_id TEXT NOT NULL,
  model TEXT NOT NULL,
  round INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
  parameters_json TEXT NOT NULL,
  server_json TEXT NOT NULL,
  summary_json TEXT,
  PRIMARY KEY (campaign_id, model, round)
);
CREATE TABLE IF NOT EXISTS baseline_models (
  campaign_id TEXT NOT NULL,
  model TEXT NOT NULL,
  model_hash TEXT NOT NULL,
  model_json TEXT NOT NULL,
  onnx BLOB,
  onnx_sha256 TEXT,
  card_json TEXT,
  signature_json TEXT,
  locked_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, model)
);
-- Each test site's evaluation of each baseline model (beside the radiomics model's in evaluations).
CREATE TABLE IF NOT EXISTS baseline_evaluations (
  campaign_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  model TEXT NOT NULL,
  report_json TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, site_id, model)
);
-- Each baseline model's meta-analysis across the test sites (NULL report with notes when nothing was pooled).
CREATE TABLE IF NOT EXISTS baseline_meta_analyses (
  campaign_id TEXT NOT NULL,
  model TEXT NOT NULL,
  report_json TEXT,
  notes_json TEXT NOT NULL,
  PRIMARY KEY (campaign_id, model)
);

-- The meta-analysis phase's pooled report of the test sites (NULL when there was nothing to pool, with notes saying why).
-- A new table: SCHEMA_SQL creates it in older files too, so no migration step is needed.
CREATE TABLE IF NOT EXISTS meta_analyses (
  campaign_id TEXT PRIMARY KEY,
  report_json TEXT,
  sites_json TEXT NOT NULL,
  notes_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- The report phase's study report of a campaign: its input (every number, the RQS and METRICS
-- scored from the campaign's provenance, and that provenance), and the HTML page and JSON twin
-- rendered from it (NULL until first rendered: rendering is asynchronous, the phase is not).
-- A new table: SCHEMA_SQL creates it in older files too.
CREATE TABLE IF NOT EXISTS study_reports (
  campaign_id TEXT PRIMARY KEY,
  input_json TEXT NOT NULL,
  provenance_json TEXT,
  created_at TEXT NOT NULL,
  html TEXT,
  twin_json TEXT,
  rendered_at TEXT
);

-- What an operator states about a campaign that no software can know (an RQS or METRICS claim:
-- a prospective registration, biological correlates, open scans, ...), with who and when; once per claim.
CREATE TABLE IF NOT EXISTS attestations (
  campaign_id TEXT NOT NULL,
  claim TEXT NOT NULL,
  value INTEGER NOT NULL CHECK (value IN (0, 1)),
  attested_by TEXT NOT NULL,
  attested_at TEXT NOT NULL,
  evidence TEXT,
  PRIMARY KEY (campaign_id, claim)
);

CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT NOT NULL,
  campaign_id TEXT,
  site_id TEXT,
  details_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
-- The newest row's seq and hash, written in the same transaction: a truncated tail shows.
CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`;
