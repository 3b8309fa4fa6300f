#pragma once
// Receipts: what a remote call made for an effect (see migration 0033). A delivery handler for a
// non-idempotent call checks receipt_for() first and records one right after the call succeeds.
#include <boost/json.hpp>

#include <optional>
#include <string>

#include "engine/storage/database.hpp"
#include "engine/util/time.hpp"

namespace costbot::outbox {

std::optional<boost::json::object> receipt_for(storage::Database& db, const std::string& idempotency_key);
// Call inside a transaction when other records belong with it (e.g. a message copy).
void record_receipt(storage::Database& db, const std::string& idempotency_key, const boost::json::object& receipt,
                    UnixSeconds now);

}  // namespace costbot::outbox
