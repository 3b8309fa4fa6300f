// Slack: every file is type-checked against Slack's own TypeScript types (@slack/types) with the
// TypeScript compiler, then against the Block Kit limits the types cannot express (lengths,
// counts, unique ids), as documented at https://docs.slack.dev/reference/block-kit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { joinPath } from './files.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

// The message bodies costbot sends: chat.postMessage / chat.update / chat.postEphemeral arguments,
// response_url and slash-command replies, and views.open / views.update bodies. @slack/types has
// the blocks, attachments, metadata and views; the argument lists are the Web API's.
const typesModule = `import type { KnownBlock, MessageAttachment, MessageMetadata, View } from '@slack/types';
export interface SlackMessage {
  channel?: string; text?: string; blocks?: KnownBlock[]; attachments?: MessageAttachment[];
  thread_ts?: string; reply_broadcast?: boolean; ts?: string; user?: string;
  mrkdwn?: boolean; unfurl_links?: boolean; unfurl_media?: boolean; link_names?: boolean;
  parse?: 'full' | 'none'; metadata?: MessageMetadata; icon_emoji?: string; icon_url?: string; username?: string;
  response_type?: 'ephemeral' | 'in_channel'; replace_original?: boolean; delete_original?: boolean;
}
export interface ViewCall { trigger_id?: string; view_id?: string; external_id?: string; hash?: string; view: View; }
export type Blocks = KnownBlock[];
export type { View };
`;

function kindOf(json) {
  if (Array.isArray(json)) return 'Blocks';
  if (json && typeof json === 'object' && (json.type === 'modal' || json.type === 'home')) return 'View';
  if (json && typeof json === 'object' && json.view && typeof json.view === 'object') return 'ViewCall';
  return 'SlackMessage';
}

// One compiler run over every file: each becomes `<its text unchanged> satisfies T`, so excess
// properties, wrong enum values and missing fields fail with the line of the file itself.
export function typeCheck(inputs) {
  const failures = new Map();
  if (inputs.length === 0) return failures;
  const work = fs.mkdtempSync(path.join(here, '..', '.typecheck-'));
  try {
    fs.writeFileSync(path.join(work, 'slack-types.ts'), typesModule);
    const byVirtual = new Map();
    inputs.forEach((input, n) => {
      const name = path.join(work, `m${n}.ts`);
      // The prefix has no newline, so line N of the .ts file is line N of the input.
      const prefix = `import type * as S from './slack-types'; export const checked = (`;
      fs.writeFileSync(name, `${prefix}${input.text}\n) satisfies S.${kindOf(input.json)};\n`);
      byVirtual.set(path.resolve(name), { input, prefix });
    });
    const program = ts.createProgram([...byVirtual.keys()], {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true, types: [],
    });
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const entry = d.file && byVirtual.get(path.resolve(d.file.fileName));
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').slice(-2).join(' / ');
      if (!entry) {
        failures.set('(compiler)', [...(failures.get('(compiler)') || []), message]);
        continue;
      }
      const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      const list = failures.get(entry.input.file) || [];
      list.push(`(line ${line + 1}): ${message}`);
      failures.set(entry.input.file, list);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return failures;
}

// Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks and .../block-elements,
// .../composition-objects): checked on every object wherever it sits in the file.
export function checkLimits(json, lineOf) {
  const errors = [];
  const fail = (where, message) => errors.push(`${where} (line ${lineOf(where)}): ${message}`);
  const textOf = (t) => (t && typeof t === 'object' && typeof t.text === 'string' ? t.text : null);
  const max = (where, value, limit, what) => {
    if (typeof value === 'string' && [...value].length > limit) fail(where, `${what} is ${[...value].length} chars, limit is ${limit}`);
  };
  const actionIds = new Map();
  const blockIds = new Map();

  const kind = kindOf(json);
  const blocks = kind === 'Blocks' ? json : kind === 'View' ? json.blocks : kind === 'ViewCall' ? json.view.blocks : json.blocks;
  const blocksPath = kind === 'Blocks' ? '' : kind === 'ViewCall' ? 'view.blocks' : 'blocks';
  const blockLimit = kind === 'View' || kind === 'ViewCall' ? 100 : 50;
  if (Array.isArray(blocks) && blocks.length > blockLimit) fail(blocksPath, `${blocks.length} blocks, limit is ${blockLimit}`);
  if (kind === 'SlackMessage') {
    max('text', json.text, 40000, 'message text');
    if (!json.text && !(Array.isArray(json.blocks) && json.blocks.length) && !json.delete_original)
      fail('', 'a message needs text or blocks');
  }
  const view = kind === 'View' ? json : kind === 'ViewCall' ? json.view : null;
  if (view) {
    const base = kind === 'ViewCall' ? 'view' : '';
    for (const key of ['title', 'submit', 'close']) max(joinPath(joinPath(base, key), 'text'), textOf(view[key]), 24, `modal ${key}`);
    max(joinPath(base, 'private_metadata'), view.private_metadata, 3000, 'private_metadata');
    max(joinPath(base, 'callback_id'), view.callback_id, 255, 'callback_id');
  }

  const visit = (node, where, parentKey) => {
    if (Array.isArray(node)) return node.forEach((item, n) => visit(item, joinPath(where, n), parentKey));
    if (!node || typeof node !== 'object') return;
    // Text objects: never empty.
    if ((node.type === 'plain_text' || node.type === 'mrkdwn') && typeof node.text === 'string' && node.text.trim() === '')
      fail(where, `empty ${node.type} text`);
    if (typeof node.action_id === 'string') {
      max(joinPath(where, 'action_id'), node.action_id, 255, 'action_id');
      if (actionIds.has(node.action_id)) fail(joinPath(where, 'action_id'), `action_id "${node.action_id}" repeats ${actionIds.get(node.action_id)}`);
      else actionIds.set(node.action_id, where);
    }
    if (typeof node.block_id === 'string') {
      max(joinPath(where, 'block_id'), node.block_id, 255, 'block_id');
      if (blockIds.has(node.block_id)) fail(joinPath(where, 'block_id'), `block_id "${node.block_id}" repeats ${blockIds.get(node.block_id)}`);
      else blockIds.set(node.block_id, where);
    }
    switch (node.type) {
      case 'section':
        if (node.text !== undefined) {
          const t = textOf(node.text);
          if (t !== null && [...t].length > 3000) fail(joinPath(where, 'text.text'), `section text is ${[...t].length} chars, limit is 3000`);
        }
        if (Array.isArray(node.fields)) {
          if (node.fields.length > 10) fail(joinPath(where, 'fields'), `${node.fields.length} fields, limit is 10`);
          node.fields.forEach((f, n) => max(joinPath(joinPath(where, 'fields'), n) + '.text', textOf(f), 2000, 'field text'));
        }
        if (node.text === undefined && !Array.isArray(node.fields)) fail(where, 'a section needs text or fields');
        break;
      case 'header':
        max(joinPath(where, 'text.text'), textOf(node.text), 150, 'header text');
        break;
      case 'actions':
        if (Array.isArray(node.elements) && node.elements.length > 25) fail(joinPath(where, 'elements'), `${node.elements.length} elements, limit is 25`);
        break;
      case 'context':
        if (Array.isArray(node.elements) && node.elements.length > 10) fail(joinPath(where, 'elements'), `${node.elements.length} elements, limit is 10`);
        break;
      case 'image':
        if (parentKey !== 'elements' && parentKey !== 'accessory') {
          max(joinPath(where, 'image_url'), node.image_url, 3000, 'image_url');
          max(joinPath(where, 'alt_text'), node.alt_text, 2000, 'alt_text');
          max(joinPath(where, 'title.text'), textOf(node.title), 2000, 'image title');
        }
        break;
      case 'button':
        max(joinPath(where, 'text.text'), textOf(node.text), 75, 'button text');
        max(joinPath(where, 'value'), node.value, 2000, 'button value');
        max(joinPath(where, 'url'), node.url, 3000, 'button url');
        break;
      default:
        break;
    }
    if (node.confirm && typeof node.confirm === 'object') {
      const c = node.confirm;
      const at = joinPath(where, 'confirm');
      max(joinPath(at, 'title.text'), textOf(c.title), 100, 'confirm title');
      max(joinPath(at, 'text.text'), textOf(c.text), 300, 'confirm text');
      max(joinPath(at, 'confirm.text'), textOf(c.confirm), 30, 'confirm button');
      max(joinPath(at, 'deny.text'), textOf(c.deny), 30, 'deny button');
    }
    if (Array.isArray(node.options))
      node.options.forEach((o, n) => max(joinPath(joinPath(where, 'options'), n) + '.text.text', textOf(o && o.text), 75, 'option text'));
    for (const [key, value] of Object.entries(node))
      if (value && typeof value === 'object') visit(value, joinPath(where, key), key);
  };
  visit(json, '', '');
  // Markdown in all section and context blocks together (Slack truncates longer messages).
  if (Array.isArray(blocks)) {
    let total = 0;
    const count = (n) => {
      if (Array.isArray(n)) return n.forEach(count);
      if (!n || typeof n !== 'object') return;
      if (n.type === 'mrkdwn' && typeof n.text === 'string') total += [...n.text].length;
      Object.values(n).forEach((v) => v && typeof v === 'object' && count(v));
    };
    count(blocks);
    if (total > 12000) fail(blocksPath, `markdown text totals ${total} chars, limit is 12000`);
  }
  return errors;
}
