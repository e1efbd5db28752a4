#include "sip/store/migrations.hpp"

#include <array>
#include <string>

namespace sip::store {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// v1: provisioning records and registrar bindings. Names are stored lower
// case (the code lower-cases them); account usernames keep their case and
// are unique case-insensitively per domain. Ids 0 never appear: optional
// references (domain owner) are NULL instead.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE customers (
  id             INTEGER PRIMARY KEY,
  username       TEXT NOT NULL UNIQUE,
  password_hash  TEXT NOT NULL DEFAULT '',
  api_key        TEXT NOT NULL DEFAULT '',
  time_zone      TEXT NOT NULL DEFAULT 'UTC',
  max_executions INTEGER NOT NULL DEFAULT 5,
  max_accounts   INTEGER NOT NULL DEFAULT 50,
  admin          INTEGER NOT NULL DEFAULT 0,
  disabled       INTEGER NOT NULL DEFAULT 0,
  created        INTEGER NOT NULL
);
CREATE UNIQUE INDEX customers_api_key ON customers(api_key) WHERE api_key <> '';

CREATE TABLE domains (
  id       INTEGER PRIMARY KEY,
  name     TEXT NOT NULL UNIQUE,
  owner_id INTEGER REFERENCES customers(id) ON DELETE CASCADE,
  created  INTEGER NOT NULL
);
CREATE INDEX domains_owner ON domains(owner_id);

CREATE TABLE domain_aliases (
  alias     TEXT PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE
);
CREATE INDEX domain_aliases_domain ON domain_aliases(domain_id);

CREATE TABLE sip_accounts (
  id            INTEGER PRIMARY KEY,
  owner_id      INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  username      TEXT NOT NULL,
  domain_id     INTEGER NOT NULL REFERENCES domains(id),
  ha1_md5       TEXT NOT NULL DEFAULT '',
  ha1_sha256    TEXT NOT NULL DEFAULT '',
  out_dialplan  TEXT NOT NULL DEFAULT '',
  in_dialplan   TEXT NOT NULL DEFAULT '',
  incoming_only INTEGER NOT NULL DEFAULT 0,
  disabled      INTEGER NOT NULL DEFAULT 0,
  keepalive     TEXT NOT NULL DEFAULT 'crlf' CHECK (keepalive IN ('crlf', 'options', 'none')),
  ip_acl        TEXT NOT NULL DEFAULT '',
  dont_mangle   INTEGER NOT NULL DEFAULT 0,
  network_id    TEXT NOT NULL DEFAULT '',
  description   TEXT NOT NULL DEFAULT '',
  created       INTEGER NOT NULL
);
CREATE UNIQUE INDEX sip_accounts_user ON sip_accounts(domain_id, lower(username));
CREATE INDEX sip_accounts_owner ON sip_accounts(owner_id);

CREATE TABLE bindings (
  account_id  INTEGER NOT NULL REFERENCES sip_accounts(id) ON DELETE CASCADE,
  contact_key TEXT NOT NULL,
  contact_uri TEXT NOT NULL,
  mangled_uri TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  user_agent  TEXT NOT NULL,
  call_id     TEXT NOT NULL,
  cseq        INTEGER NOT NULL,
  q           REAL NOT NULL,
  transport   TEXT NOT NULL,
  remote      TEXT NOT NULL,
  local       TEXT NOT NULL,
  registered  INTEGER NOT NULL,
  updated     INTEGER NOT NULL,
  expires     INTEGER NOT NULL,
  PRIMARY KEY (account_id, contact_key)
) WITHOUT ROWID;
CREATE INDEX bindings_expires ON bindings(expires);

CREATE TABLE dialplan_kv (
  owner_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  key      TEXT NOT NULL,
  value    TEXT NOT NULL,
  updated  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (owner_id, key)
) WITHOUT ROWID;
)sql";

// v2: SIP providers and dial plans of customers (removed with their owner),
// and call detail records (kept when the owner goes, for billing; times in
// unix milliseconds).
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE providers (
  id               INTEGER PRIMARY KEY,
  owner_id         INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  type             TEXT NOT NULL DEFAULT 'sip',
  server           TEXT NOT NULL,
  username         TEXT NOT NULL DEFAULT '',
  password         TEXT NOT NULL DEFAULT '',
  auth_username    TEXT NOT NULL DEFAULT '',
  outbound_proxy   TEXT NOT NULL DEFAULT '',
  from_template    TEXT NOT NULL DEFAULT '',
  custom_headers   TEXT NOT NULL DEFAULT '',
  register_enabled INTEGER NOT NULL DEFAULT 0,
  register_contact TEXT NOT NULL DEFAULT '',
  register_expiry  INTEGER NOT NULL DEFAULT 3600,
  register_server  TEXT NOT NULL DEFAULT '',
  register_realm   TEXT NOT NULL DEFAULT '',
  read_only        INTEGER NOT NULL DEFAULT 0,
  created          INTEGER NOT NULL
);
CREATE UNIQUE INDEX providers_name ON providers(owner_id, lower(name));

CREATE TABLE dialplans (
  id          INTEGER PRIMARY KEY,
  owner_id    INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  type        TEXT NOT NULL DEFAULT 'lua' CHECK (type IN ('lua', 'wizard', 'dialstring')),
  source      TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  created     INTEGER NOT NULL,
  updated     INTEGER NOT NULL
);
CREATE UNIQUE INDEX dialplans_name ON dialplans(owner_id, lower(name));

CREATE TABLE cdrs (
  id              TEXT PRIMARY KEY,
  owner_id        INTEGER NOT NULL DEFAULT 0,
  account         TEXT NOT NULL DEFAULT '',
  dialplan        TEXT NOT NULL DEFAULT '',
  direction       TEXT NOT NULL DEFAULT '',
  created         INTEGER NOT NULL,
  dst_user        TEXT NOT NULL DEFAULT '',
  dst_host        TEXT NOT NULL DEFAULT '',
  dst_uri         TEXT NOT NULL DEFAULT '',
  from_user       TEXT NOT NULL DEFAULT '',
  from_name       TEXT NOT NULL DEFAULT '',
  from_header     TEXT NOT NULL DEFAULT '',
  call_id         TEXT NOT NULL DEFAULT '',
  local_socket    TEXT NOT NULL DEFAULT '',
  remote_socket   TEXT NOT NULL DEFAULT '',
  bridge_id       TEXT NOT NULL DEFAULT '',
  progress_at     INTEGER NOT NULL DEFAULT 0,
  progress_status INTEGER NOT NULL DEFAULT 0,
  progress_reason TEXT NOT NULL DEFAULT '',
  answered_at     INTEGER NOT NULL DEFAULT 0,
  answer_status   INTEGER NOT NULL DEFAULT 0,
  answer_reason   TEXT NOT NULL DEFAULT '',
  hungup_at       INTEGER NOT NULL DEFAULT 0,
  hangup_reason   TEXT NOT NULL DEFAULT '',
  ring_duration   INTEGER NOT NULL DEFAULT 0,
  talk_duration   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cdrs_owner_created ON cdrs(owner_id, created);
CREATE INDEX cdrs_created ON cdrs(created);
CREATE INDEX cdrs_call_id ON cdrs(call_id);
CREATE INDEX cdrs_bridge_id ON cdrs(bridge_id);
)sql";

// v3: per-account digest algorithms ("" = the server's setting; else
// canonical names in challenge order, e.g. "SHA-256" or "SHA-256,MD5").
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE sip_accounts ADD COLUMN digest_algorithms TEXT NOT NULL DEFAULT '';
)sql";

// v4: CDR export keys. `inserted` is the time the store first wrote the
// record (unix ms); `final_seq` numbers records in the order they ended, in
// commit order (docs/cdr-export.md). Records already ended get their rowid
// (below any number given later), running ones 0.
constexpr const char* kSchemaV4 = R"sql(
ALTER TABLE cdrs ADD COLUMN inserted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cdrs ADD COLUMN final_seq INTEGER NOT NULL DEFAULT 0;
UPDATE cdrs SET inserted = created, final_seq = CASE WHEN hungup_at <> 0 THEN rowid ELSE 0 END;
CREATE INDEX cdrs_final_seq ON cdrs(final_seq);
)sql";

// v5: the provider registration agent's state per provider binding
// (ProviderBindingState); a "disabled" row outlives restarts while its
// fingerprint matches the provider row.
constexpr const char* kSchemaV5 = R"sql(
CREATE TABLE provider_bindings (
  provider_id      INTEGER PRIMARY KEY REFERENCES providers(id) ON DELETE CASCADE,
  state            TEXT NOT NULL,
  reason           TEXT NOT NULL DEFAULT '',
  registered_until INTEGER NOT NULL DEFAULT 0,
  next_attempt     INTEGER NOT NULL DEFAULT 0,
  attempts         INTEGER NOT NULL DEFAULT 0,
  fingerprint      TEXT NOT NULL DEFAULT '',
  contact          TEXT NOT NULL DEFAULT '',
  updated          INTEGER NOT NULL DEFAULT 0
);
)sql";

// v6: newest-first CDR pages (getcdrs, cdr.list) in index order: with the
// id tie-break in the index, an OFFSET skips index entries only instead of
// reading every skipped row (1,000,000 CDRs, a page 640,000 deep: 5.1 s ->
// 0.28 s; scripts/bench-http).
constexpr const char* kSchemaV6 = R"sql(
CREATE INDEX IF NOT EXISTS cdrs_owner_newest ON cdrs(owner_id, created DESC, id);
CREATE INDEX IF NOT EXISTS cdrs_newest ON cdrs(created DESC, id);
)sql";

// v7: the node (daemon) owning each binding, for routing between daemons
// that share a PostgreSQL database ('' before it was recorded).
constexpr const char* kSchemaV7 = R"sql(
ALTER TABLE bindings ADD COLUMN node TEXT NOT NULL DEFAULT '';
)sql";

// Append new steps here; versions are consecutive from 1.
constexpr std::array kMigrations = {
    Migration{1, kSchemaV1}, Migration{2, kSchemaV2}, Migration{3, kSchemaV3},
    Migration{4, kSchemaV4}, Migration{5, kSchemaV5}, Migration{6, kSchemaV6},
    Migration{7, kSchemaV7},
};

}  // namespace

int latest_schema_version() noexcept {
  return kMigrations.back().version;
}

Result<int> check_schema_version(SqliteDb& db) {
  auto version = db.query_int("PRAGMA user_version");
  if (!version) {
    // SQLITE_NOTADB surfaces as storage from the query; a file we cannot
    // read as a database is a configuration problem for the operator.
    return make_error(Errc::bad_config, 0, "the store file is not a readable SQLite database");
  }
  if (*version < 0 || *version > latest_schema_version()) {
    return make_error(Errc::bad_config, 0,
                      "the store file has a newer schema than this sipsmith knows");
  }
  return static_cast<int>(*version);
}

Result<int> migrate(SqliteDb& db) {
  auto current = check_schema_version(db);
  if (!current) return current.error();
  int version = *current;
  for (const Migration& m : kMigrations) {
    if (m.version <= version) continue;
    auto tx = TxScope::begin(db);
    if (!tx) return tx.error();
    // Another connection may have migrated while we waited for the lock.
    auto now = db.query_int("PRAGMA user_version");
    if (!now) return now.error();
    if (*now >= m.version) {
      version = static_cast<int>(*now);
      continue;  // the scope rolls back its empty transaction
    }
    if (auto r = db.exec(m.sql, "a schema migration failed"); !r) return r.error();
    const std::string bump = "PRAGMA user_version = " + std::to_string(m.version);
    if (auto r = db.exec(bump.c_str(), "cannot record the schema version"); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    version = m.version;
  }
  return version;
}

}  // namespace sip::store
