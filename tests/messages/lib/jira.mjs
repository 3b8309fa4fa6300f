// Jira: Atlassian Document Format checked with ajv against Atlassian's own schema
// (@atlaskit/adf-schema, dist/json-schema/v1/full.json, JSON Schema draft-04), plus the
// create-issue fields REST API v3 requires.
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import { joinPath } from './files.mjs';

const require = createRequire(import.meta.url);
const schema = require('@atlaskit/adf-schema/dist/json-schema/v1/full.json');
const ajv = new AjvDraft04({ allErrors: true, strict: false });
ajv.addSchema(schema, 'adf');
const validateDoc = ajv.getSchema('adf');

// Definitions by the node or mark type they accept, to check one node at a time and report a
// bad node at its own path (the whole-document check reports a cascade of anyOf branches).
const definitionsByType = new Map();
for (const [name, def] of Object.entries(schema.definitions)) {
  const types = def?.properties?.type?.enum;
  if (!Array.isArray(types)) continue;
  for (const t of types) {
    if (!definitionsByType.has(t)) definitionsByType.set(t, []);
    definitionsByType.get(t).push(name);
  }
}
const nodeValidators = new Map();
function validatorFor(definition) {
  if (!nodeValidators.has(definition)) nodeValidators.set(definition, ajv.compile({ $ref: `adf#/definitions/${definition}` }));
  return nodeValidators.get(definition);
}

function closest(word, choices) {
  let best = null;
  let bestDistance = Infinity;
  for (const c of choices) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  return bestDistance <= 3 ? best : null;
}
function editDistance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length];
}

// ajv's "/content/1/attrs" as "content[1].attrs", under `base`.
function pathFrom(base, pointer) {
  return pointer.split('/').slice(1).reduce((at, part) => joinPath(at, /^\d+$/.test(part) ? Number(part) : part), base);
}

function checkAdf(doc, where, fail) {
  if (!doc || typeof doc !== 'object' || doc.type !== 'doc' || doc.version !== 1) {
    fail(where, 'not an ADF document ({"version": 1, "type": "doc", "content": [...]})');
    return;
  }
  if (validateDoc(doc)) return;
  // Find the node at fault: every node must match one of the definitions for its type, judged
  // without its children (they are judged on their own).
  let located = false;
  const walk = (node, at, what = 'node') => {
    if (!node || typeof node !== 'object') return;
    const candidates = definitionsByType.get(node.type);
    if (!candidates) {
      const names = [...definitionsByType.entries()].filter(([, defs]) => defs.some((d) => d.endsWith(`_${what === 'mark' ? 'mark' : 'node'}`))).map(([t]) => t);
      const guess = closest(String(node.type), names);
      fail(joinPath(at, 'type'), `${what} type "${node.type}" is not ADF${guess ? ` (did you mean "${guess}"?)` : ''}`);
      located = true;
      return;
    }
    const shallow = { ...node };
    if (Array.isArray(shallow.content)) shallow.content = [];
    let firstErrors = null;
    const ok = candidates.some((def) => {
      const v = validatorFor(def);
      if (v(shallow)) return true;
      firstErrors ??= v.errors;
      return false;
    });
    if (!ok && !(Array.isArray(node.content) && node.content.length && firstErrors.every((e) => /content/.test(e.instancePath)))) {
      const e = firstErrors[0];
      const detail = e.params?.additionalProperty ? `unknown property "${e.params.additionalProperty}"` : e.message;
      fail(pathFrom(at, e.instancePath), `${node.type}: ${detail}`);
      located = true;
    }
    if (Array.isArray(node.content)) node.content.forEach((child, n) => walk(child, joinPath(joinPath(at, 'content'), n)));
    if (Array.isArray(node.marks)) node.marks.forEach((mark, n) => walk(mark, joinPath(joinPath(at, 'marks'), n), 'mark'));
  };
  walk(doc, where);
  if (!located) {
    // A node valid alone but not where it sits (e.g. a paragraph directly inside a list).
    const reported = new Set();
    for (const e of validateDoc.errors) {
      const target = e.instancePath.split('/').slice(1).reduce((v, k) => (v == null ? v : v[k]), doc);
      const at = pathFrom(where, e.instancePath);
      const node = target && typeof target === 'object' && typeof target.type === 'string' ? target : null;
      const message = node ? `node type "${node.type}" is not allowed here` : `ADF schema: ${e.message}`;
      if (reported.has(at)) continue;
      reported.add(at);
      fail(at, message);
      if (reported.size >= 3) break;
    }
  }
}

// A file is an ADF document, a create-issue body ({"fields": {...}}) or a comment body ({"body": ADF}).
export function checkJira(json, lineOf) {
  const errors = [];
  const fail = (where, message) => errors.push(`${where || '(document)'} (line ${lineOf(where)}): ${message}`);
  if (json && json.fields && typeof json.fields === 'object') {
    const f = json.fields;
    if (!f.project || (typeof f.project.key !== 'string' && typeof f.project.id !== 'string'))
      fail('fields.project', 'needs a "key" or an "id"');
    if (!f.issuetype || (typeof f.issuetype.id !== 'string' && typeof f.issuetype.name !== 'string'))
      fail('fields.issuetype', 'needs an "id" or a "name"');
    if (typeof f.summary !== 'string' || f.summary.trim() === '') fail('fields.summary', 'must be a non-empty string');
    else if (/[\r\n]/.test(f.summary)) fail('fields.summary', 'must be one line');
    else if ([...f.summary].length > 255) fail('fields.summary', `is ${[...f.summary].length} chars, limit is 255`);
    if (f.description !== undefined) checkAdf(f.description, 'fields.description', fail);
  } else if (json && json.body !== undefined) {
    checkAdf(json.body, 'body', fail);
  } else {
    checkAdf(json, '', fail);
  }
  return errors;
}
