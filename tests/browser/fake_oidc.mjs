// An OpenID Connect provider on loopback for the browser sign-in test (node's own crypto, no
// packages): discovery, JWKS, /authorize (checks client_id, redirect_uri, response_type=code,
// scope openid, state, nonce, PKCE S256; "signs in" the configured person at once and redirects
// back with a code) and /token (client authentication, the code once, the same redirect_uri,
// PKCE verifier; an RS256 ID token). Violations are kept and shown at GET /admin/violations.
//
//   node fake_oidc.mjs CLIENT_ID CLIENT_SECRET      prints "listening http://127.0.0.1:PORT"
//   POST /admin/setup {"redirect_uri": "...", "claims": {"sub": "U0PAYLEAD", ...}}
import { createHash, createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";

const [clientId, clientSecret] = process.argv.slice(2);
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const kid = `k-${randomBytes(4).toString("hex")}`;
const jwk = { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" };
let issuer = "";
let redirectUri = "";
let person = { sub: "nobody" };
const codes = new Map();  // code -> {redirect_uri, nonce, challenge, used}
const violations = [];

const b64url = (buf) => Buffer.from(buf).toString("base64url");
function idToken(claims) {
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}
function send(res, status, body, headers = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}
function refuse(res, what, status = 400, error = "invalid_request") {
  violations.push(what);
  send(res, status, { error, error_description: what });
}
async function bodyOf(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  if (req.method === "GET" && url.pathname === "/.well-known/openid-configuration") {
    return send(res, 200, {
      issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`, response_types_supported: ["code"], id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      code_challenge_methods_supported: ["S256"],
    });
  }
  if (req.method === "GET" && url.pathname === "/jwks") return send(res, 200, { keys: [jwk] });
  if (req.method === "POST" && url.pathname === "/admin/setup") {
    const setup = JSON.parse(await bodyOf(req));
    redirectUri = setup.redirect_uri;
    person = setup.claims;
    return send(res, 200, { ok: true });
  }
  if (req.method === "GET" && url.pathname === "/admin/violations") return send(res, 200, { violations });
  if (req.method === "GET" && url.pathname === "/authorize") {
    const q = url.searchParams;
    if (q.get("client_id") !== clientId) return refuse(res, `authorize: unknown client_id ${q.get("client_id")}`);
    if (q.get("redirect_uri") !== redirectUri) return refuse(res, `authorize: unregistered redirect_uri ${q.get("redirect_uri")}`);
    if (q.get("response_type") !== "code") return refuse(res, "authorize: response_type must be code");
    if (!(q.get("scope") || "").split(" ").includes("openid")) return refuse(res, "authorize: scope lacks openid");
    if (!q.get("state") || !q.get("nonce")) return refuse(res, "authorize: state and nonce required");
    if (q.get("code_challenge_method") !== "S256" || (q.get("code_challenge") || "").length !== 43)
      return refuse(res, "authorize: PKCE S256 required");
    const code = randomBytes(16).toString("hex");
    codes.set(code, { redirect_uri: q.get("redirect_uri"), nonce: q.get("nonce"), challenge: q.get("code_challenge"), used: false });
    const back = new URL(q.get("redirect_uri"));
    back.searchParams.set("code", code);
    back.searchParams.set("state", q.get("state"));
    res.writeHead(302, { Location: back.toString() });
    return res.end();
  }
  if (req.method === "POST" && url.pathname === "/token") {
    const form = new URLSearchParams(await bodyOf(req));
    const basic = req.headers.authorization || "";
    const ok = basic
      ? basic === `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`
      : form.get("client_id") === clientId && form.get("client_secret") === clientSecret;
    if (!ok) return refuse(res, "token: client authentication failed", 401, "invalid_client");
    if (form.get("grant_type") !== "authorization_code") return refuse(res, "token: grant_type");
    const entry = codes.get(form.get("code"));
    if (!entry || entry.used) return refuse(res, "token: unknown or used code", 400, "invalid_grant");
    entry.used = true;
    if (form.get("redirect_uri") !== entry.redirect_uri) return refuse(res, "token: redirect_uri differs", 400, "invalid_grant");
    const challenge = createHash("sha256").update(form.get("code_verifier") || "").digest("base64url");
    if (challenge !== entry.challenge) return refuse(res, "token: PKCE verifier does not match", 400, "invalid_grant");
    const now = Math.floor(Date.now() / 1000);
    const token = idToken({ iss: issuer, aud: clientId, iat: now, exp: now + 300, nonce: entry.nonce, ...person });
    return send(res, 200, { access_token: randomBytes(16).toString("hex"), token_type: "Bearer", expires_in: 300, id_token: token });
  }
  send(res, 404, { error: "not_found" });
});
server.listen(0, "127.0.0.1", () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  console.log(`listening ${issuer}`);
});
