// s3rver (the npm S3 emulator) behind a loopback proxy that checks what AWS checks and s3rver
// does not: every request's SigV4 signature is recomputed with the AWS SDK's own signer
// (@smithy/signature-v4) from the secret of the access key it names, and a mismatch is refused
// with S3's SignatureDoesNotMatch. Accepted requests go on to s3rver (as its built-in account).
//
//   node s3_verifying_proxy.mjs --dir DIR --bucket NAME --key AKID:SECRET [--key ...] [--region R]
//
// Prints one JSON line {"proxy": PORT, "s3rver": PORT} once both listen on 127.0.0.1 (port 0 =
// any free port), then serves until it is sent SIGTERM. Test hooks (unsigned, on the proxy):
//   POST /__faults {"deny": "substring"}            GetObject of matching keys → 403 AccessDenied
//                  {"expire_once": true}            the next signed request → 400 ExpiredToken
//                  {"cut": "substring", "after": N} the next GET of a matching key breaks after N body bytes
//                  {"skew": true}                   every request → 403 RequestTimeTooSkewed
//                  {} clears them
//   GET  /__stats → {"requests": n, "refused": n, "ranges": [...], "listings": n}
import http from "node:http";
import { parseAuthorization, expectedSignature } from "./sigv4_check.mjs";
import S3rver from "s3rver";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const keys = new Map();
args.forEach((a, i) => {
  if (a === "--key") {
    const [id, ...secret] = args[i + 1].split(":");
    keys.set(id, secret.join(":"));
  }
});
const region = opt("--region", "us-east-1");

const s3 = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory: opt("--dir"),
  configureBuckets: [{ name: opt("--bucket", "billing") }],
});
const s3Address = await s3.run();

let faults = {};
const stats = { requests: 0, refused: 0, ranges: [], listings: 0 };

function s3Error(res, status, code, message) {
  stats.refused++;
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy</RequestId></Error>`;
  res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const proxy = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  if (req.url === "/__faults" && req.method === "POST") {
    faults = JSON.parse(body.toString() || "{}");
    res.writeHead(204).end();
    return;
  }
  if (req.url === "/__stats") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
    return;
  }
  stats.requests++;
  const parsed = parseAuthorization(req.headers.authorization);
  if (!parsed) return s3Error(res, 403, "AccessDenied", "Request is not signed with SigV4");
  const secret = keys.get(parsed.accessKeyId);
  if (secret === undefined) return s3Error(res, 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
  if (parsed.region !== region) return s3Error(res, 400, "AuthorizationHeaderMalformed", `the region '${parsed.region}' is wrong; expecting '${region}'`);
  if (!req.headers["x-amz-content-sha256"]) return s3Error(res, 400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  if (faults.skew) return s3Error(res, 403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
  const expected = await expectedSignature(req, body, parsed, secret, req.headers["x-amz-security-token"]);
  if (expected !== parsed.signature)
    return s3Error(res, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
  if (faults.expire_once) {
    faults.expire_once = false;
    return s3Error(res, 400, "ExpiredToken", "The provided token has expired.");
  }
  const path = decodeURIComponent(req.url.split("?")[0]);
  if (req.url.includes("list-type=2")) stats.listings++;
  if (faults.deny && req.method === "GET" && !req.url.includes("list-type=2") && path.includes(faults.deny))
    return s3Error(res, 403, "AccessDenied", "Access Denied");
  if (req.headers.range) stats.ranges.push(`${path} ${req.headers.range}`);
  let cutAfter = -1;
  if (faults.cut && req.method === "GET" && path.includes(faults.cut)) {
    cutAfter = faults.after ?? 100;
    faults.cut = undefined;
  }
  // On to s3rver as its built-in account (it checks only the key id's shape and existence).
  const headers = { ...req.headers };
  headers.authorization = headers.authorization.replace(/Credential=[^/]+\//, "Credential=S3RVER/");
  delete headers["x-amz-security-token"];
  const upstream = http.request(
    { host: "127.0.0.1", port: s3Address.port, method: req.method, path: req.url, headers },
    (up) => {
      res.writeHead(up.statusCode, up.headers);
      if (cutAfter < 0) return up.pipe(res);
      let sent = 0;
      up.on("data", (chunk) => {
        if (sent >= cutAfter) return;
        const piece = chunk.subarray(0, Math.max(0, cutAfter - sent));
        sent += piece.length;
        // Cut only once the bytes before the cut have left: the client must see them, then a break.
        res.write(piece, () => {
          if (sent >= cutAfter) res.socket.destroy();
        });
      });
      up.on("end", () => res.end());
    },
  );
  upstream.on("error", (e) => s3Error(res, 502, "InternalError", String(e)));
  upstream.end(body);
});

proxy.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ proxy: proxy.address().port, s3rver: s3Address.port }) + "\n");
});
process.on("SIGTERM", async () => {
  proxy.close();
  await s3.close();
  process.exit(0);
});
