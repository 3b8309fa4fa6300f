#pragma once
#include <vector>

namespace costbot::storage {

struct Migration {
  int version;       // from the file name: 0001_core.sql → 1
  const char* name;  // "0001_core"
  const char* sql;
};

// Every engine/storage/migrations/NNNN_name.sql, in version order (generated at build time).
const std::vector<Migration>& embedded_migrations();

}  // namespace costbot::storage
