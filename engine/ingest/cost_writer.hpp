#pragma once
// Writes normalized billing rows into the daily store inside the caller's transaction.
//
// Rows are summed in memory per (billing scope, day, dimension set) and written with an UPSERT
// whenever `batch_rows` distinct daily rows are held, so memory is bounded by the batch, not the
// file. Dimension strings are interned while a batch lives (a resource's name repeats on every
// hourly row), and each batch is written in key order so the store's unique index grows in place.
// A full batch is written by a worker thread while the next one fills (at most two batches live).
// The first time a run meets a billing scope (source type, provider, billing account, billing
// period), everything earlier ingested for that scope is deleted: re-ingesting a file, or another
// file covering the same period, replaces and never double counts. Resources (latest tags, team,
// environment, first/last seen) are merged in a second map that lives across batches until it holds
// batch_rows resources (so at most about twice that), then upserted the same way.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "engine/ingest/cost_record.hpp"
#include "engine/ingest/normalizer.hpp"
#include "engine/storage/database.hpp"

namespace costbot::ingest {

class CostWriter {
 public:
  // `scope_kind` names the billing scopes' kind ("" = the reader type's name).
  CostWriter(storage::Database& db, std::int64_t run_id, SourceType type, std::int64_t batch_rows,
             std::string scope_kind = {});
  ~CostWriter();
  CostWriter(const CostWriter&) = delete;
  CostWriter& operator=(const CostWriter&) = delete;

  void add(const CostRecord& record, const Normalized& normalized);
  // Writes what is still in memory. Call before committing.
  void flush();

  std::int64_t scopes_replaced() const { return scopes_replaced_; }
  std::int64_t rows_replaced() const { return rows_replaced_; }  // daily rows deleted from earlier runs

 private:
  struct Batch;   // the in-memory aggregation (cost_writer.cpp)
  struct Worker;  // writes full batches while the next one fills

  std::int64_t scope_for(const CostRecord& record);
  void add_resource(const CostRecord& record, const Normalized& normalized);
  void submit(bool last = false);  // hands the full batch to the worker (`last`: with every resource)
  void wait_idle();  // until the worker has written what it was given; rethrows its error
  void worker_loop();
  void write(Batch& batch, const std::atomic<bool>* abort);

  storage::Database& db_;
  std::int64_t run_id_;
  SourceType type_;
  std::string scope_kind_;
  std::int64_t batch_rows_;
  std::int64_t scopes_replaced_ = 0;
  std::int64_t rows_replaced_ = 0;

  std::unordered_map<std::string, std::int64_t> scopes_;  // provider \x1f account \x1f period → id
  std::string last_provider_, last_account_;
  Day last_period_{};
  std::int64_t last_scope_id_ = 0;
  std::unique_ptr<Batch> batch_;
  std::unique_ptr<Worker> worker_;
  std::string key_bytes_;  // the dimensions of the current row, concatenated for hashing

  std::unique_ptr<SQLite::Statement> upsert_daily_;
  std::unique_ptr<SQLite::Statement> upsert_resource_;
};

}  // namespace costbot::ingest
