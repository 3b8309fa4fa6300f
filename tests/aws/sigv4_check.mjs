// Recomputes a request's SigV4 signature with the AWS SDK's own signer (@smithy/signature-v4),
// as AWS does on its side: the loopback fakes in this folder refuse any request whose signature
// differs from what the SDK computes for the same request and secret.
import { SignatureV4 } from "@smithy/signature-v4";
import { HttpRequest } from "@smithy/protocol-http";
import { Hash } from "@smithy/hash-node";

// "AWS4-HMAC-SHA256 Credential=AKID/20240901/us-east-1/s3/aws4_request, SignedHeaders=a;b, Signature=hex"
export function parseAuthorization(value) {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      value || "",
    );
  if (!m) return null;
  return { accessKeyId: m[1], date: m[2], region: m[3], service: m[4], signedHeaders: m[5].split(";"), signature: m[6] };
}

// x-amz-date "20240901T120000Z" → Date
export function amzDateToDate(amzDate) {
  if (!/^\d{8}T\d{6}Z$/.test(amzDate || "")) return null;
  return new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
}

// The signature the SDK computes for `req` (a node IncomingMessage, body already read) with
// `secret`. S3 signs the path as sent; other services normalize and encode it again.
export async function expectedSignature(req, body, parsed, secret, sessionToken) {
  const headers = {};
  for (const name of parsed.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) return null;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const url = new URL(req.url, "http://placeholder");
  const query = {};
  for (const [k, v] of url.searchParams) {
    if (query[k] === undefined) query[k] = v;
    else query[k] = [].concat(query[k], v);
  }
  const [host, port] = (req.headers.host || "").split(":");
  const s3 = parsed.service === "s3";
  const request = new HttpRequest({
    method: req.method,
    protocol: "http:",
    hostname: host,
    port: port ? Number(port) : undefined,
    path: s3 ? req.url.split("?")[0] : decodeURIComponent(req.url.split("?")[0]),
    query,
    headers,
    body: body && body.length ? body : undefined,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: parsed.accessKeyId, secretAccessKey: secret, sessionToken },
    region: parsed.region,
    service: parsed.service,
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: !s3,
    applyChecksum: false,
  });
  const date = amzDateToDate(req.headers["x-amz-date"]);
  if (!date) return null;
  const signed = await signer.sign(request, {
    signingDate: date,
    signableHeaders: new Set(parsed.signedHeaders),
    unsignableHeaders: new Set(Object.keys(headers).filter((h) => !parsed.signedHeaders.includes(h))),
  });
  const auth = signed.headers.authorization || signed.headers.Authorization;
  const m = /Signature=([0-9a-f]+)/.exec(auth);
  return m ? m[1] : null;
}
