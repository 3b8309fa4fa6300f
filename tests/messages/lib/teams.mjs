// Teams: every Adaptive Card in a file is parsed by Microsoft's own SDK (adaptivecards) as the
// version it declares and validated with its validateProperties(); Teams renders at most 1.5.
// Properties the SDK does not know fail too: the SDK and Teams drop them silently, so a typo
// would only make a feature disappear.
import { createRequire } from 'node:module';
import { joinPath } from './files.mjs';

const require = createRequire(import.meta.url);
// The package's lib/ build is ESM with extension-less imports that Node cannot resolve; the
// dist/ UMD bundle loads and parses without a DOM (nothing is rendered).
const AC = require('adaptivecards/dist/adaptivecards.js');

const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';
const TEAMS_MAX_VERSION = [1, 5];

// Every SDK object parsed from a JSON object, to compare the JSON's keys with the properties the
// object's class declares.
let parsedPairs = null;
const sdkParse = AC.SerializableObject.prototype.parse;
AC.SerializableObject.prototype.parse = function recordParsed(source, context) {
  if (parsedPairs && source && typeof source === 'object') parsedPairs.push({ object: this, json: source });
  return sdkParse.call(this, source, context);
};

// Keys the SDK reads by hand (collections parsed in code rather than declared in the schema),
// and the Teams extensions the SDK does not model (msteams on the card, targetWidth on elements:
// https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format).
const handParsed = {
  AdaptiveCard: ['body', 'actions', 'msteams'],
  Container: ['items'], Column: ['items'], TableCell: ['items'], ColumnSet: ['columns'], ActionSet: ['actions'],
  TableRow: ['cells'], Table: ['rows'], RichTextBlock: ['inlines'], ShowCardAction: ['card'],
};
const anyElement = ['fallback', 'targetWidth'];

function declaredKeys(object) {
  const keys = new Set();
  const s = object.getSchema();
  for (let i = 0; i < s.getCount(); i++) keys.add(s.getItemAt(i).name);
  // Along the class chain: the card inside an Action.ShowCard is a subclass of AdaptiveCard.
  for (let c = object.constructor; c && c !== Object; c = Object.getPrototypeOf(c))
    for (const k of handParsed[c.name] || []) keys.add(k);
  if (object instanceof AC.CardElement || object instanceof AC.Action) anyElement.forEach((k) => keys.add(k));
  return keys;
}

function versionOf(text) {
  const m = /^(\d+)\.(\d+)$/.exec(String(text ?? ''));
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function checkCard(card, where, fail) {
  if (!card || card.type !== 'AdaptiveCard') {
    fail(where, 'not an Adaptive Card (type must be "AdaptiveCard")');
    return;
  }
  const version = versionOf(card.version);
  if (!version) {
    fail(joinPath(where, 'version'), `version "${card.version ?? ''}" is missing or not MAJOR.MINOR`);
    return;
  }
  if (version[0] > TEAMS_MAX_VERSION[0] || (version[0] === TEAMS_MAX_VERSION[0] && version[1] > TEAMS_MAX_VERSION[1]))
    fail(joinPath(where, 'version'), `version ${card.version} is newer than 1.5, the newest Teams renders`);

  // Where in the file each JSON object sits, to report SDK events at a path.
  const pathOf = new Map();
  const index = (node, at) => {
    if (!node || typeof node !== 'object') return;
    pathOf.set(node, at);
    if (Array.isArray(node)) node.forEach((c, n) => index(c, joinPath(at, n)));
    else for (const [k, v] of Object.entries(node)) index(v, joinPath(at, k));
  };
  index(card, where);

  parsedPairs = [];
  const sdkCard = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(new AC.Version(version[0], version[1]));
  sdkCard.parse(card, context);
  const pairs = parsedPairs;
  parsedPairs = null;
  const jsonOf = new Map(pairs.map((p) => [p.object, p.json]));
  const at = (sdkObject) => (sdkObject && jsonOf.has(sdkObject) ? pathOf.get(jsonOf.get(sdkObject)) ?? where : where);

  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    fail(at(e.source), e.message);
  }
  for (const e of sdkCard.validateProperties().validationEvents) fail(at(e.source), e.message);
  for (const { object, json } of pairs) {
    const known = declaredKeys(object);
    for (const key of Object.keys(json))
      if (!known.has(key)) fail(joinPath(pathOf.get(json) ?? where, key), `unknown property "${key}" on ${object.getJsonTypeName?.() || object.constructor.name}`);
  }
  // What Teams needs to route a click back to the bot.
  const actions = (node, path) => {
    if (!node || typeof node !== 'object') return;
    if (!Array.isArray(node) && node.type === 'Action.Submit' && node.data === undefined) fail(path, 'Action.Submit without data');
    if (!Array.isArray(node) && node.type === 'Action.Execute' && !node.verb) fail(path, 'Action.Execute without a verb');
    for (const [k, v] of Object.entries(node)) actions(v, joinPath(path, Array.isArray(node) ? Number(k) : k));
  };
  actions(card, where);
}

// A file is a card, an activity or incoming-webhook payload carrying cards in attachments[], or
// an invoke response ({"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": card}).
export function checkTeams(json, lineOf) {
  const errors = [];
  const fail = (where, message) => errors.push(`${where || '(card)'} (line ${lineOf(where)}): ${message}`);
  if (json && json.type === 'AdaptiveCard') {
    checkCard(json, '', fail);
  } else if (json && typeof json.statusCode === 'number') {
    if (json.type === CARD_TYPE) checkCard(json.value, 'value', fail);
    else if (json.type !== 'application/vnd.microsoft.activity.message' && json.statusCode !== 200)
      fail('type', `invoke response of type "${json.type}"`);
  } else if (json && (Array.isArray(json.attachments) || typeof json.text === 'string')) {
    let cards = 0;
    (json.attachments || []).forEach((a, n) => {
      const where = joinPath(joinPath('attachments', n), 'content');
      if (a.contentType === CARD_TYPE) {
        cards++;
        checkCard(a.content, where, fail);
      } else {
        fail(joinPath(joinPath('attachments', n), 'contentType'), `attachment of type "${a.contentType}" is not an Adaptive Card`);
      }
    });
    if (!cards && !(typeof json.text === 'string' && json.text.trim())) fail('', 'an activity needs text or a card');
  } else {
    fail('', 'neither a card, an activity with attachments, nor an invoke response');
  }
  return errors;
}
