// Loopback stand-ins for the AWS endpoints costbot's credential chain and Cost Explorer source
// call, checking what AWS checks (there is no emulator for these):
//   STS (POST / form): AssumeRole, SigV4 recomputed with @smithy/signature-v4 from the secret of
//     the key it names (long-term keys or sessions this fake issued), the role's ExternalId and
//     trusted principals; AssumeRoleWithWebIdentity, unsigned, the token compared with the role's.
//   EC2 instance metadata, IMDSv2: PUT /latest/api/token (TTL header required) then GETs that must
//     carry X-aws-ec2-metadata-token (401 without it); IMDSv1 can be switched off or on.
//   Container credentials (ECS / EKS Pod Identity): GET /container/... with the Authorization
//     token the test set (401 without it).
//   Cost Explorer (POST / with X-Amz-Target AWSInsightsIndexService.*): GetCostAndUsage and
//     GetDimensionValues over rows the test sets, SigV4 checked (service "ce", region us-east-1),
//     DAILY granularity, GroupBy (at most 2: DIMENSION LINKED_ACCOUNT / SERVICE, TAG key), Filter
//     on a dimension, NextPageToken paging, Estimated days, throttling faults.
// Sessions it issues expire at the Expiration it states; the test can also expire them at once.
//
//   node aws_service_fakes.mjs --key AKID:SECRET[:PRINCIPAL_ARN] [--key ...]
// Prints {"port": N} once it listens on 127.0.0.1 (a free port), then serves until SIGTERM.
// Test hooks (unsigned):
//   POST /__config  JSON merged into the configuration (see `config` below); {"reset": true} first clears it
//   POST /__expire  every session issued so far answers ExpiredToken from now on
//   GET  /__stats   call counts and what was seen
import http from "node:http";
import crypto from "node:crypto";
import { parseAuthorization, expectedSignature, amzDateToDate } from "./sigv4_check.mjs";

const args = process.argv.slice(2);
// access key id → { secret, token, expires (ms, 0 = never), principal, expired }
const identities = new Map();
args.forEach((a, i) => {
  if (a === "--key") {
    const [id, secret, ...principal] = args[i + 1].split(":");
    identities.set(id, { secret, token: "", expires: 0, principal: principal.join(":") || `arn:aws:iam::111122223333:user/${id}`, expired: false });
  }
});

const defaults = () => ({
  roles: {}, // arn → { external_id, trusted: [principal arns] (empty = any), web_identity_token, account }
  session_seconds: 0, // > 0: issued sessions last this long whatever was asked
  imds: { role: "costbot-instance-role", v1: false, expiration_seconds: 21600, disabled: false },
  container: { token: "" }, // "" = no Authorization required
  ce: { rows: [], page_size: 1000, faults: [] }, // rows: { day, account, service, tags: {k: v}, unblended, amortized, estimated }
});
let config = defaults();
const stats = { sts: {}, imds: { token_puts: 0, gets: 0, unauthorized: 0 }, container: { calls: 0, unauthorized: 0 }, ce: {}, refused: [], external_ids: [], ce_requests: [] };
let imdsTokens = new Set();

const send = (res, status, type, body, headers = {}) => {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
};
const stsError = (res, status, code, message) => {
  stats.refused.push(`sts ${code}`);
  send(res, status, "text/xml", `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`);
};
const jsonError = (res, status, type, message, headers = {}) => {
  stats.refused.push(`ce ${type}`);
  send(res, status, "application/x-amz-json-1.1", JSON.stringify({ __type: type, message }), { "x-amzn-errortype": `${type}:`, ...headers });
};

function issueSession(principal, seconds) {
  const id = "ASIA" + crypto.randomBytes(8).toString("hex").toUpperCase();
  const secret = crypto.randomBytes(20).toString("base64");
  const token = "FQoG" + crypto.randomBytes(24).toString("base64");
  const life = config.session_seconds > 0 ? config.session_seconds : seconds;
  const expires = Date.now() + life * 1000;
  identities.set(id, { secret, token, expires, principal, expired: false });
  return { id, secret, token, expiration: new Date(expires).toISOString().replace(/\.\d{3}Z$/, "Z") };
}

// Checks the SigV4 signature of a request as AWS does. Returns the identity, or answers the error
// itself (in the service's protocol) and returns null.
async function authenticate(req, body, res, service, fail) {
  const parsed = parseAuthorization(req.headers.authorization);
  if (!parsed) return fail(res, 403, "MissingAuthenticationToken", "Request is missing Authentication Token"), null;
  if (parsed.service !== service) return fail(res, 403, "InvalidSignatureException", `Credential should be scoped to correct service: '${service}'.`), null;
  const who = identities.get(parsed.accessKeyId);
  if (!who) return fail(res, 403, service === "sts" ? "InvalidClientTokenId" : "UnrecognizedClientException", "The security token included in the request is invalid."), null;
  const date = amzDateToDate(req.headers["x-amz-date"]);
  if (!date || Math.abs(date.getTime() - Date.now()) > 15 * 60 * 1000)
    return fail(res, 403, "InvalidSignatureException", "Signature expired: the request time is too far from the server's time"), null;
  if (who.token && req.headers["x-amz-security-token"] !== who.token)
    return fail(res, 403, service === "sts" ? "InvalidClientTokenId" : "UnrecognizedClientException", "The security token included in the request is invalid."), null;
  const expected = await expectedSignature(req, body, parsed, who.secret, req.headers["x-amz-security-token"]);
  if (expected !== parsed.signature)
    return fail(res, 403, service === "sts" ? "SignatureDoesNotMatch" : "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."), null;
  if (who.token && (who.expired || (who.expires && date.getTime() >= who.expires)))
    return fail(res, 400, service === "sts" ? "ExpiredToken" : "ExpiredTokenException", "The security token included in the request is expired"), null;
  return { ...who, accessKeyId: parsed.accessKeyId, region: parsed.region };
}

function stsResult(action, role, session, creds) {
  const account = (role.match(/^arn:aws:iam::(\d+):/) || [])[1] || "111122223333";
  const name = role.split("/").pop();
  return `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>` +
    `<AssumedRoleUser><AssumedRoleId>AROAFAKE:${session}</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/${name}/${session}</Arn></AssumedRoleUser>` +
    `<Credentials><AccessKeyId>${creds.id}</AccessKeyId><SecretAccessKey>${creds.secret}</SecretAccessKey><SessionToken>${creds.token}</SessionToken><Expiration>${creds.expiration}</Expiration></Credentials>` +
    `</${action}Result><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`;
}

async function handleSts(req, body, res) {
  const form = new URLSearchParams(body.toString());
  const action = form.get("Action");
  stats.sts[action] = (stats.sts[action] || 0) + 1;
  if (form.get("Version") !== "2011-06-15") return stsError(res, 400, "InvalidAction", "Could not find operation " + action + " for version " + form.get("Version"));
  const arn = form.get("RoleArn") || "";
  const role = config.roles[arn];
  const session = form.get("RoleSessionName") || "";
  if (!/^[\w+=,.@-]{2,64}$/.test(session)) return stsError(res, 400, "ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
  const duration = Number(form.get("DurationSeconds") || 3600);
  if (!(duration >= 900 && duration <= 43200)) return stsError(res, 400, "ValidationError", "DurationSeconds must be between 900 and 43200");
  if (action === "AssumeRoleWithWebIdentity") {
    if (req.headers.authorization) return stsError(res, 400, "InvalidAction", "AssumeRoleWithWebIdentity is not signed");
    const token = form.get("WebIdentityToken") || "";
    if (!role || !role.web_identity_token) return stsError(res, 403, "AccessDenied", `Not authorized to perform sts:AssumeRoleWithWebIdentity`);
    if (token !== role.web_identity_token) return stsError(res, 400, "InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS.");
    return send(res, 200, "text/xml", stsResult(action, arn, session, issueSession(`${arn}/${session}`, duration)));
  }
  if (action !== "AssumeRole") return stsError(res, 400, "InvalidAction", "Could not find operation " + action);
  const who = await authenticate(req, body, res, "sts", stsError);
  if (!who) return;
  stats.external_ids.push(form.get("ExternalId") || "");
  const trusted = role && (!role.trusted || role.trusted.length === 0 || role.trusted.includes(who.principal));
  const externalOk = role && (!role.external_id || role.external_id === form.get("ExternalId"));
  if (!role || !trusted || !externalOk)
    return stsError(res, 403, "AccessDenied", `User: ${who.principal} is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
  send(res, 200, "text/xml", stsResult(action, arn, session, issueSession(`${arn}/${session}`, duration)));
}

function handleImds(req, res) {
  const c = config.imds;
  if (c.disabled) return send(res, 404, "text/plain", "");
  if (req.method === "PUT" && req.url === "/latest/api/token") {
    stats.imds.token_puts++;
    const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
    if (!(ttl >= 1 && ttl <= 21600)) return send(res, 400, "text/plain", "");
    const token = crypto.randomBytes(24).toString("base64");
    imdsTokens.add(token);
    return send(res, 200, "text/plain", token, { "x-aws-ec2-metadata-token-ttl-seconds": String(ttl) });
  }
  if (req.method !== "GET") return send(res, 405, "text/plain", "");
  stats.imds.gets++;
  const token = req.headers["x-aws-ec2-metadata-token"];
  if (token !== undefined ? !imdsTokens.has(token) : !c.v1) {
    stats.imds.unauthorized++;
    return send(res, 401, "text/plain", "");
  }
  const base = "/latest/meta-data/iam/security-credentials/";
  if (req.url === base) return c.role ? send(res, 200, "text/plain", c.role) : send(res, 404, "text/plain", "");
  if (req.url === base + c.role) {
    const s = issueSession(`arn:aws:sts::111122223333:assumed-role/${c.role}/i-0fake`, c.expiration_seconds);
    return send(res, 200, "text/plain", JSON.stringify({ Code: "Success", LastUpdated: new Date().toISOString(), Type: "AWS-HMAC", AccessKeyId: s.id, SecretAccessKey: s.secret, Token: s.token, Expiration: s.expiration }));
  }
  send(res, 404, "text/plain", "");
}

function handleContainer(req, res) {
  stats.container.calls++;
  if (config.container.token && req.headers.authorization !== config.container.token) {
    stats.container.unauthorized++;
    return send(res, 401, "application/json", JSON.stringify({ Code: "AccessDenied", Message: "invalid authorization token" }));
  }
  const s = issueSession("arn:aws:sts::111122223333:assumed-role/costbot-task-role/task", 3600);
  send(res, 200, "application/json", JSON.stringify({ AccessKeyId: s.id, SecretAccessKey: s.secret, Token: s.token, Expiration: s.expiration, RoleArn: "arn:aws:iam::111122223333:role/costbot-task-role" }));
}

// ---- Cost Explorer ----
const dayRe = /^\d{4}-\d{2}-\d{2}$/;
const nextDay = (d) => new Date(Date.parse(d + "T00:00:00Z") + 86400000).toISOString().slice(0, 10);

function groupKeyOf(row, g) {
  if (g.Type === "TAG") return `${g.Key}$${(row.tags || {})[g.Key] || ""}`;
  if (g.Key === "LINKED_ACCOUNT") return row.account;
  if (g.Key === "SERVICE") return row.service;
  return undefined;
}

function rowMatches(row, filter) {
  if (!filter) return true;
  if (filter.Dimensions) {
    const values = filter.Dimensions.Values || [];
    const v = filter.Dimensions.Key === "LINKED_ACCOUNT" ? row.account : filter.Dimensions.Key === "SERVICE" ? row.service : undefined;
    return values.includes(v);
  }
  if (filter.Tags) return (filter.Tags.Values || []).includes((row.tags || {})[filter.Tags.Key] || "");
  if (filter.And) return filter.And.every((f) => rowMatches(row, f));
  if (filter.Not) return !rowMatches(row, filter.Not);
  return true;
}

function validatePeriod(p) {
  if (!p || !dayRe.test(p.Start || "") || !dayRe.test(p.End || "")) return "TimePeriod needs Start and End as YYYY-MM-DD";
  if (p.End <= p.Start) return "Start date must be before End date";
  return null;
}

function getCostAndUsage(q, res) {
  const problem = validatePeriod(q.TimePeriod);
  if (problem) return jsonError(res, 400, "ValidationException", problem);
  if (q.Granularity !== "DAILY" && q.Granularity !== "MONTHLY") return jsonError(res, 400, "ValidationException", "Granularity must be DAILY, MONTHLY or HOURLY");
  if (!Array.isArray(q.Metrics) || q.Metrics.length === 0) return jsonError(res, 400, "ValidationException", "Metrics is required");
  const groups = q.GroupBy || [];
  if (groups.length > 2) return jsonError(res, 400, "ValidationException", "You can group by up to two dimensions or tags");
  for (const g of groups)
    if (!((g.Type === "DIMENSION" && (g.Key === "LINKED_ACCOUNT" || g.Key === "SERVICE")) || (g.Type === "TAG" && g.Key)))
      return jsonError(res, 400, "ValidationException", `unsupported GroupBy ${JSON.stringify(g)}`);
  const metricOf = (row, m) => (m === "AmortizedCost" ? row.amortized ?? row.unblended : row.unblended);
  // Every (day, group) with its metrics, in day order then group order: the unit pages are cut in.
  const entries = [];
  const days = new Map();
  for (let d = q.TimePeriod.Start; d < q.TimePeriod.End; d = nextDay(d)) days.set(d, { estimated: false, groups: new Map() });
  for (const row of config.ce.rows) {
    const day = days.get(row.day);
    if (!day || !rowMatches(row, q.Filter)) continue;
    if (row.estimated) day.estimated = true;
    const keys = groups.map((g) => groupKeyOf(row, g));
    const k = JSON.stringify(keys);
    const entry = day.groups.get(k) || { Keys: keys, Metrics: {} };
    for (const m of q.Metrics) {
      const prev = entry.Metrics[m] ? Number(entry.Metrics[m].Amount) : 0;
      entry.Metrics[m] = { Amount: String(Math.round((prev + metricOf(row, m)) * 1e10) / 1e10), Unit: "USD" };
    }
    day.groups.set(k, entry);
  }
  for (const [day, v] of days) {
    const list = [...v.groups.values()].sort((a, b) => JSON.stringify(a.Keys).localeCompare(JSON.stringify(b.Keys)));
    if (list.length === 0) entries.push({ day, estimated: v.estimated, group: null });
    for (const g of list) entries.push({ day, estimated: v.estimated, group: g });
  }
  const start = q.NextPageToken ? Number(Buffer.from(q.NextPageToken, "base64").toString().split(":")[1]) : 0;
  if (q.NextPageToken && !(start > 0 && start < entries.length)) return jsonError(res, 400, "InvalidNextTokenException", "The pagination token is invalid.");
  const page = entries.slice(start, start + config.ce.page_size);
  const results = [];
  for (const e of page) {
    let r = results[results.length - 1];
    if (!r || r.TimePeriod.Start !== e.day) {
      r = { TimePeriod: { Start: e.day, End: nextDay(e.day) }, Total: {}, Groups: [], Estimated: e.estimated };
      results.push(r);
    }
    if (e.group) r.Groups.push(e.group);
  }
  const out = { GroupDefinitions: groups, ResultsByTime: results, DimensionValueAttributes: [] };
  if (start + config.ce.page_size < entries.length) out.NextPageToken = Buffer.from(`page:${start + config.ce.page_size}`).toString("base64");
  send(res, 200, "application/x-amz-json-1.1", JSON.stringify(out));
}

function getDimensionValues(q, res) {
  const problem = validatePeriod(q.TimePeriod);
  if (problem) return jsonError(res, 400, "ValidationException", problem);
  if (q.Dimension !== "LINKED_ACCOUNT" && q.Dimension !== "SERVICE") return jsonError(res, 400, "ValidationException", `unsupported Dimension ${q.Dimension}`);
  const values = new Set();
  for (const row of config.ce.rows)
    if (row.day >= q.TimePeriod.Start && row.day < q.TimePeriod.End) values.add(q.Dimension === "LINKED_ACCOUNT" ? row.account : row.service);
  const list = [...values].sort().map((v) => ({ Value: v, Attributes: {} }));
  send(res, 200, "application/x-amz-json-1.1", JSON.stringify({ DimensionValues: list, ReturnSize: list.length, TotalSize: list.length }));
}

async function handleCostExplorer(req, body, res) {
  const op = String(req.headers["x-amz-target"]).replace("AWSInsightsIndexService.", "");
  stats.ce[op] = (stats.ce[op] || 0) + 1;
  if (req.headers["content-type"] !== "application/x-amz-json-1.1") return jsonError(res, 400, "SerializationException", "expected application/x-amz-json-1.1");
  const who = await authenticate(req, body, res, "ce", jsonError);
  if (!who) return;
  if (who.region !== "us-east-1") return jsonError(res, 403, "InvalidSignatureException", `Credential should be scoped to a valid region, not '${who.region}'.`);
  const fault = config.ce.faults.shift();
  if (fault) {
    stats.ce.throttled = (stats.ce.throttled || 0) + 1;
    const headers = fault.retry_after !== undefined ? { "retry-after": String(fault.retry_after) } : {};
    return jsonError(res, fault.status, fault.type || "ThrottlingException", fault.message || "Rate exceeded", headers);
  }
  let q;
  try {
    q = JSON.parse(body.toString());
  } catch {
    return jsonError(res, 400, "SerializationException", "body is not JSON");
  }
  stats.ce_requests.push({ op, principal: who.principal, body: q });
  if (op === "GetCostAndUsage") return getCostAndUsage(q, res);
  if (op === "GetDimensionValues") return getDimensionValues(q, res);
  jsonError(res, 400, "UnknownOperationException", op);
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  try {
    if (req.url === "/__config" && req.method === "POST") {
      const patch = JSON.parse(body.toString() || "{}");
      if (patch.reset) config = defaults();
      delete patch.reset;
      for (const [k, v] of Object.entries(patch))
        config[k] = typeof v === "object" && v !== null && !Array.isArray(v) && typeof config[k] === "object" ? { ...config[k], ...v } : v;
      return send(res, 204, "text/plain", "");
    }
    if (req.url === "/__expire" && req.method === "POST") {
      for (const who of identities.values()) if (who.token) who.expired = true;
      return send(res, 204, "text/plain", "");
    }
    if (req.url === "/__stats") return send(res, 200, "application/json", JSON.stringify(stats));
    if (req.url.startsWith("/latest/")) return handleImds(req, res);
    if (req.url.startsWith("/container/")) return handleContainer(req, res);
    if (req.method === "POST" && req.headers["x-amz-target"]) return await handleCostExplorer(req, body, res);
    if (req.method === "POST" && (req.url === "/" || req.url.startsWith("/?"))) return await handleSts(req, body, res);
    send(res, 404, "text/plain", "no such fake endpoint: " + req.method + " " + req.url);
  } catch (e) {
    send(res, 500, "text/plain", String(e && e.stack ? e.stack : e));
  }
});

server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n"));
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
