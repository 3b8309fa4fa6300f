#include "engine/detect/finding_store.hpp"

#include <algorithm>

#include "engine/util/error.hpp"

namespace costbot::detect {
namespace {

constexpr const char* kFindingColumns =
    "id, fingerprint, kind, rule_id, scope_dimension, scope_value, team, provider, account, service, region, "
    "resource, sku, severity, title, summary, day, window_start, window_end, expected, lower, upper, actual, "
    "impact_per_day, impact_per_month, percent_change, score, contributors, remediation, remediation_command, "
    "status, incident_id, created_at, updated_at, related_scopes";

constexpr const char* kIncidentColumns =
    "id, family, kind, scope_dimension, scope_value, team, status, severity, title, first_day, last_day, baseline, "
    "peak_impact_per_day, latest_finding_id, finding_count, resolution, opened_at, updated_at, resolved_at";

Day day_from(const std::string& s) { return parse_day(s).value_or(Day{}); }

std::optional<Day> optional_day(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return parse_day(c.getString());
}

std::string contributors_json(const std::vector<Contributor>& list) {
  boost::json::array a;
  for (const auto& c : list) a.push_back({{"dimension", c.dimension}, {"value", c.value}, {"delta", c.delta}, {"share", c.share}});
  return boost::json::serialize(a);
}

std::vector<Contributor> parse_contributors(const std::string& text) {
  std::vector<Contributor> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.as_object();
    Contributor c;
    if (auto* p = o.if_contains("dimension"); p && p->is_string()) c.dimension = std::string(p->as_string());
    if (auto* p = o.if_contains("value"); p && p->is_string()) c.value = std::string(p->as_string());
    if (auto* p = o.if_contains("delta"); p && p->is_number()) c.delta = p->to_number<double>();
    if (auto* p = o.if_contains("share"); p && p->is_number()) c.share = p->to_number<double>();
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<RelatedScope> parse_related_scopes(const std::string& text) {
  std::vector<RelatedScope> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.as_object();
    RelatedScope r;
    auto text_of = [&](const char* key) {
      auto* p = o.if_contains(key);
      return p && p->is_string() ? std::string(p->as_string()) : std::string();
    };
    auto number_of = [&](const char* key) {
      auto* p = o.if_contains(key);
      return p && p->is_number() ? p->to_number<double>() : 0.0;
    };
    r.dimension = text_of("dimension");
    r.value = text_of("value");
    r.kind = text_of("kind");
    r.day = day_from(text_of("day"));
    r.impact_per_day = number_of("impact_per_day");
    r.percent_change = number_of("percent_change");
    r.share = number_of("share");
    out.push_back(std::move(r));
  }
  return out;
}

Finding read_finding(SQLite::Statement& q) {
  Finding f;
  int i = 0;
  f.id = q.getColumn(i++).getInt64();
  f.fingerprint = q.getColumn(i++).getString();
  f.kind = q.getColumn(i++).getString();
  f.rule_id = q.getColumn(i++).getString();
  f.scope_dimension = q.getColumn(i++).getString();
  f.scope_value = q.getColumn(i++).getString();
  f.team = q.getColumn(i++).getString();
  f.provider = q.getColumn(i++).getString();
  f.account = q.getColumn(i++).getString();
  f.service = q.getColumn(i++).getString();
  f.region = q.getColumn(i++).getString();
  f.resource = q.getColumn(i++).getString();
  f.sku = q.getColumn(i++).getString();
  f.severity = q.getColumn(i++).getString();
  f.title = q.getColumn(i++).getString();
  f.summary = q.getColumn(i++).getString();
  f.day = day_from(q.getColumn(i++).getString());
  f.window_start = optional_day(q.getColumn(i++));
  f.window_end = optional_day(q.getColumn(i++));
  f.expected = q.getColumn(i++).getDouble();
  f.lower = q.getColumn(i++).getDouble();
  f.upper = q.getColumn(i++).getDouble();
  f.actual = q.getColumn(i++).getDouble();
  f.impact_per_day = q.getColumn(i++).getDouble();
  f.impact_per_month = q.getColumn(i++).getDouble();
  f.percent_change = q.getColumn(i++).getDouble();
  f.score = q.getColumn(i++).getDouble();
  f.contributors = parse_contributors(q.getColumn(i++).getString());
  f.remediation.text = q.getColumn(i++).getString();
  f.remediation.command = q.getColumn(i++).getString();
  f.status = q.getColumn(i++).getString();
  f.incident_id = q.getColumn(i).isNull() ? 0 : q.getColumn(i).getInt64();
  ++i;
  f.created_at = q.getColumn(i++).getInt64();
  f.updated_at = q.getColumn(i++).getInt64();
  f.related = parse_related_scopes(q.getColumn(i++).getString());
  return f;
}

Incident read_incident(SQLite::Statement& q) {
  Incident n;
  int i = 0;
  n.id = q.getColumn(i++).getInt64();
  n.family = q.getColumn(i++).getString();
  n.kind = q.getColumn(i++).getString();
  n.scope_dimension = q.getColumn(i++).getString();
  n.scope_value = q.getColumn(i++).getString();
  n.team = q.getColumn(i++).getString();
  n.status = q.getColumn(i++).getString();
  n.severity = q.getColumn(i++).getString();
  n.title = q.getColumn(i++).getString();
  n.first_day = day_from(q.getColumn(i++).getString());
  n.last_day = day_from(q.getColumn(i++).getString());
  n.baseline = q.getColumn(i++).getDouble();
  n.peak_impact_per_day = q.getColumn(i++).getDouble();
  n.latest_finding_id = q.getColumn(i).isNull() ? 0 : q.getColumn(i).getInt64();
  ++i;
  n.finding_count = q.getColumn(i++).getInt();
  n.resolution = q.getColumn(i++).getString();
  n.opened_at = q.getColumn(i++).getInt64();
  n.updated_at = q.getColumn(i++).getInt64();
  n.resolved_at = q.getColumn(i).isNull() ? 0 : q.getColumn(i).getInt64();
  return n;
}

struct Where {
  std::string sql;
  std::vector<std::string> binds;
  void add(const std::string& clause, const std::string& value) {
    sql += (sql.empty() ? " WHERE " : " AND ") + clause;
    binds.push_back(value);
  }
  void add(const std::string& clause) { sql += (sql.empty() ? " WHERE " : " AND ") + clause; }
};

void bind_all(SQLite::Statement& q, const std::vector<std::string>& binds) {
  for (std::size_t i = 0; i < binds.size(); ++i) q.bind(static_cast<int>(i + 1), binds[i]);
}

// Every row of "SELECT columns FROM table" under `w`, in `order`, at most `limit` (0 = all).
template <class Read>
auto select_rows(storage::Database& db, const char* columns, const char* table, const Where& w, const char* order,
                 std::size_t limit, Read read) {
  std::string sql = std::string("SELECT ") + columns + " FROM " + table + w.sql + " ORDER BY " + order;
  if (limit) sql += " LIMIT " + std::to_string(limit);
  SQLite::Statement q(db.sql(), sql);
  bind_all(q, w.binds);
  std::vector<decltype(read(q))> out;
  while (q.executeStep()) out.push_back(read(q));
  return out;
}

// The row of "SELECT columns FROM table WHERE condition" with `keys` bound in order, if there is one.
template <class Read, class... Keys>
auto select_row(storage::Database& db, const char* columns, const char* table, const char* condition, Read read,
                const Keys&... keys) -> std::optional<decltype(read(std::declval<SQLite::Statement&>()))> {
  SQLite::Statement q(db.sql(), std::string("SELECT ") + columns + " FROM " + table + " WHERE " + condition);
  int index = 0;
  (q.bind(++index, keys), ...);
  if (!q.executeStep()) return std::nullopt;
  return read(q);
}

void bind_day(SQLite::Statement& q, int index, const std::optional<Day>& d) {
  if (d) q.bind(index, format_day(*d));
  else q.bind(index);
}

}  // namespace

std::vector<Finding> FindingStore::findings(const FindingQuery& fq) {
  Where w;
  if (fq.open_only) w.add("status = 'open'");
  if (!fq.team.empty()) w.add("team = ?", fq.team);
  if (!fq.kind.empty()) w.add("kind = ?", fq.kind);
  if (!fq.scope_dimension.empty()) {
    w.add("scope_dimension = ?", fq.scope_dimension);
    w.add("scope_value = ?", fq.scope_value);
  }
  if (fq.incident_id) w.add("incident_id = ?", std::to_string(fq.incident_id));
  return select_rows(db_, kFindingColumns, "findings", w, "day DESC, id DESC", fq.limit, read_finding);
}

std::optional<Finding> FindingStore::finding(std::int64_t id) {
  return select_row(db_, kFindingColumns, "findings", "id = ?", read_finding, id);
}

std::optional<Finding> FindingStore::finding_by_fingerprint(const std::string& fingerprint) {
  return select_row(db_, kFindingColumns, "findings", "fingerprint = ?", read_finding, fingerprint);
}

std::vector<Incident> FindingStore::incidents(const FindingQuery& fq) {
  Where w;
  if (fq.open_only) w.add("status = 'open'");
  if (!fq.team.empty()) w.add("team = ?", fq.team);
  if (!fq.kind.empty()) {
    w.add("(family = ? OR kind = ?)", fq.kind);
    w.binds.push_back(fq.kind);
  }
  if (!fq.scope_dimension.empty()) {
    w.add("scope_dimension = ?", fq.scope_dimension);
    w.add("scope_value = ?", fq.scope_value);
  }
  return select_rows(db_, kIncidentColumns, "incidents", w, "last_day DESC, id DESC", fq.limit, read_incident);
}

std::optional<Incident> FindingStore::incident(std::int64_t id) {
  return select_row(db_, kIncidentColumns, "incidents", "id = ?", read_incident, id);
}

std::optional<Incident> FindingStore::open_incident(const std::string& family, const std::string& dim,
                                                    const std::string& value) {
  return select_row(db_, kIncidentColumns, "incidents",
                    "family = ? AND scope_dimension = ? AND scope_value = ? AND status = 'open'", read_incident, family,
                    dim, value);
}

void FindingStore::add_related_scopes(std::int64_t finding_id, const std::vector<RelatedScope>& scopes, UnixSeconds now) {
  auto f = finding(finding_id);
  if (!f || scopes.empty()) return;
  for (const auto& r : scopes) {
    auto same = std::find_if(f->related.begin(), f->related.end(), [&](const RelatedScope& x) {
      return x.dimension == r.dimension && x.value == r.value && x.day == r.day;
    });
    if (same != f->related.end()) *same = r;
    else f->related.push_back(r);
  }
  SQLite::Statement q(db_.sql(), "UPDATE findings SET related_scopes = ?, updated_at = ? WHERE id = ?");
  q.bind(1, boost::json::serialize(related_scopes_json(f->related)));
  q.bind(2, static_cast<std::int64_t>(now));
  q.bind(3, static_cast<std::int64_t>(finding_id));
  q.exec();
}

FindingStore::Upsert FindingStore::upsert(Finding& f, UnixSeconds now) {
  auto existing = finding_by_fingerprint(f.fingerprint);
  if (existing) {
    f.id = existing->id;
    f.created_at = existing->created_at;
    f.incident_id = existing->incident_id;
    const bool reopen = existing->status == "resolved" && !is_cost_anomaly(existing->kind) && f.status == "open";
    if (existing->status == "dismissed" || (existing->status == "resolved" && !reopen)) f.status = existing->status;
    if (reopen) f.incident_id = 0;  // the state came back: a new incident, not the closed one
  } else {
    f.created_at = now;
  }
  f.updated_at = now;
  SQLite::Statement q(db_.sql(),
                      "INSERT INTO findings(fingerprint, kind, rule_id, scope_dimension, scope_value, team, provider, account, "
                      "service, region, resource, sku, severity, title, summary, day, window_start, window_end, expected, lower, "
                      "upper, actual, impact_per_day, impact_per_month, percent_change, score, contributors, remediation, "
                      "remediation_command, status, incident_id, created_at, updated_at, related_scopes) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                      "ON CONFLICT(fingerprint) DO UPDATE SET kind=excluded.kind, rule_id=excluded.rule_id, "
                      "team=excluded.team, provider=excluded.provider, account=excluded.account, service=excluded.service, "
                      "region=excluded.region, resource=excluded.resource, sku=excluded.sku, severity=excluded.severity, "
                      "title=excluded.title, summary=excluded.summary, day=excluded.day, window_start=excluded.window_start, "
                      "window_end=excluded.window_end, expected=excluded.expected, lower=excluded.lower, upper=excluded.upper, "
                      "actual=excluded.actual, impact_per_day=excluded.impact_per_day, "
                      "impact_per_month=excluded.impact_per_month, percent_change=excluded.percent_change, "
                      "score=excluded.score, contributors=excluded.contributors, remediation=excluded.remediation, "
                      "remediation_command=excluded.remediation_command, status=excluded.status, "
                      "incident_id=excluded.incident_id, updated_at=excluded.updated_at, related_scopes=excluded.related_scopes");
  int i = 1;
  q.bind(i++, f.fingerprint);
  q.bind(i++, f.kind);
  q.bind(i++, f.rule_id);
  q.bind(i++, f.scope_dimension);
  q.bind(i++, f.scope_value);
  q.bind(i++, f.team);
  q.bind(i++, f.provider);
  q.bind(i++, f.account);
  q.bind(i++, f.service);
  q.bind(i++, f.region);
  q.bind(i++, f.resource);
  q.bind(i++, f.sku);
  q.bind(i++, f.severity);
  q.bind(i++, f.title);
  q.bind(i++, f.summary);
  q.bind(i++, format_day(f.day));
  bind_day(q, i++, f.window_start);
  bind_day(q, i++, f.window_end);
  q.bind(i++, f.expected);
  q.bind(i++, f.lower);
  q.bind(i++, f.upper);
  q.bind(i++, f.actual);
  q.bind(i++, f.impact_per_day);
  q.bind(i++, f.impact_per_month);
  q.bind(i++, f.percent_change);
  q.bind(i++, f.score);
  q.bind(i++, contributors_json(f.contributors));
  q.bind(i++, f.remediation.text);
  q.bind(i++, f.remediation.command);
  q.bind(i++, f.status);
  if (f.incident_id) q.bind(i++, static_cast<std::int64_t>(f.incident_id));
  else q.bind(i++);
  q.bind(i++, static_cast<std::int64_t>(f.created_at));
  q.bind(i++, static_cast<std::int64_t>(f.updated_at));
  q.bind(i++, boost::json::serialize(related_scopes_json(f.related)));
  q.exec();
  if (!existing) f.id = db_.sql().getLastInsertRowid();
  return existing ? Upsert::updated : Upsert::inserted;
}

bool FindingStore::attach_to_incident(Finding& f, UnixSeconds now) {
  if (f.status != "open") return false;
  bool opened = false;
  if (f.incident_id) {
    auto current = incident(f.incident_id);
    if (!current || current->status != "open") return false;  // already part of a closed story
  } else {
    const std::string family = incident_family(f.kind);
    auto open = open_incident(family, f.scope_dimension, f.scope_value);
    if (open) {
      f.incident_id = open->id;
    } else {
      SQLite::Statement q(db_.sql(),
                          "INSERT INTO incidents(family, kind, scope_dimension, scope_value, team, status, severity, title, "
                          "first_day, last_day, baseline, peak_impact_per_day, latest_finding_id, finding_count, opened_at, "
                          "updated_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)");
      int i = 1;
      q.bind(i++, family);
      q.bind(i++, f.kind);
      q.bind(i++, f.scope_dimension);
      q.bind(i++, f.scope_value);
      q.bind(i++, f.team);
      q.bind(i++, f.severity);
      q.bind(i++, f.title);
      q.bind(i++, format_day(f.window_start.value_or(f.day)));
      q.bind(i++, format_day(std::max(f.day, f.window_end.value_or(f.day))));
      q.bind(i++, f.expected);
      q.bind(i++, f.impact_per_day);
      q.bind(i++, static_cast<std::int64_t>(f.id));
      q.bind(i++, static_cast<std::int64_t>(now));
      q.bind(i++, static_cast<std::int64_t>(now));
      q.exec();
      f.incident_id = db_.sql().getLastInsertRowid();
      opened = true;
    }
    SQLite::Statement link(db_.sql(), "UPDATE findings SET incident_id = ? WHERE id = ?");
    link.bind(1, static_cast<std::int64_t>(f.incident_id));
    link.bind(2, static_cast<std::int64_t>(f.id));
    link.exec();
  }
  refresh_incident(f.incident_id, now);
  return opened;
}

void FindingStore::refresh_incident(std::int64_t id, UnixSeconds now) {
  // Figures come from the findings themselves, so running detection twice changes nothing.
  SQLite::Statement q(db_.sql(),
                      "UPDATE incidents SET "
                      " finding_count = (SELECT COUNT(*) FROM findings WHERE incident_id = ?1), "
                      " peak_impact_per_day = MAX(peak_impact_per_day, (SELECT COALESCE(MAX(ABS(impact_per_day)), 0) FROM "
                      "   findings WHERE incident_id = ?1)), "
                      " first_day = MIN(first_day, (SELECT MIN(COALESCE(window_start, day)) FROM findings WHERE incident_id = ?1)), "
                      " last_day = MAX(last_day, (SELECT MAX(MAX(day, COALESCE(window_end, day))) FROM findings WHERE incident_id = ?1)), "
                      " severity = (SELECT CASE MAX(CASE severity WHEN 'critical' THEN 3 WHEN 'high' THEN 2 WHEN 'medium' THEN 1 "
                      "   ELSE 0 END) WHEN 3 THEN 'critical' WHEN 2 THEN 'high' WHEN 1 THEN 'medium' ELSE 'low' END "
                      "   FROM (SELECT severity FROM findings WHERE incident_id = ?1 UNION ALL SELECT incidents.severity)), "
                      " latest_finding_id = (SELECT id FROM findings WHERE incident_id = ?1 ORDER BY day DESC, id DESC LIMIT 1), "
                      // A spike that turned into a level shift, drift or runaway growth is that now.
                      " kind = COALESCE((SELECT kind FROM findings WHERE incident_id = ?1 ORDER BY "
                      "   CASE kind WHEN 'cost_spike' THEN 0 ELSE 1 END DESC, day DESC, id DESC LIMIT 1), kind), "
                      " title = COALESCE((SELECT title FROM findings WHERE incident_id = ?1 ORDER BY day DESC, id DESC LIMIT 1), title), "
                      " team = COALESCE((SELECT team FROM findings WHERE incident_id = ?1 ORDER BY day DESC, id DESC LIMIT 1), team) "
                      "WHERE id = ?1");
  q.bind(1, static_cast<std::int64_t>(id));
  q.exec();
  SQLite::Statement touch(db_.sql(), "UPDATE incidents SET updated_at = MAX(updated_at, ?) WHERE id = ?");
  touch.bind(1, static_cast<std::int64_t>(now));
  touch.bind(2, static_cast<std::int64_t>(id));
  touch.exec();
}

void FindingStore::close_incident(std::int64_t id, const std::string& status, const std::string& resolution,
                                  UnixSeconds now) {
  if (status != "resolved" && status != "dismissed") throw Error(ErrorKind::internal, "bad incident status " + status);
  SQLite::Statement q(db_.sql(),
                      "UPDATE incidents SET status = ?, resolution = ?, resolved_at = ?, updated_at = ? WHERE id = ? AND "
                      "status = 'open'");
  q.bind(1, status);
  q.bind(2, resolution);
  q.bind(3, static_cast<std::int64_t>(now));
  q.bind(4, static_cast<std::int64_t>(now));
  q.bind(5, static_cast<std::int64_t>(id));
  q.exec();
  SQLite::Statement f(db_.sql(), "UPDATE findings SET status = ?, updated_at = ? WHERE incident_id = ? AND status = 'open'");
  f.bind(1, status);
  f.bind(2, static_cast<std::int64_t>(now));
  f.bind(3, static_cast<std::int64_t>(id));
  f.exec();
}

void FindingStore::set_finding_status(std::int64_t id, const std::string& status, UnixSeconds now) {
  SQLite::Statement q(db_.sql(), "UPDATE findings SET status = ?, updated_at = ? WHERE id = ?");
  q.bind(1, status);
  q.bind(2, static_cast<std::int64_t>(now));
  q.bind(3, static_cast<std::int64_t>(id));
  q.exec();
}

}  // namespace costbot::detect
