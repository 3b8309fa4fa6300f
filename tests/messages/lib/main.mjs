// check-messages --slack PATH... [--teams PATH...] [--jira PATH...]
// One line per file (OK / FAIL with every reason at its JSON path and line), then a tally.
// Exit 0 when every file passes, 1 when one fails (a missing file or an empty directory fails),
// 2 for a usage error.
import path from 'node:path';
import { expandPaths, readJson } from './files.mjs';
import { typeCheck, checkLimits } from './slack.mjs';
import { checkTeams } from './teams.mjs';
import { checkJira } from './jira.mjs';

function usage(message) {
  if (message) console.error(`check-messages: ${message}`);
  console.error('usage: check-messages --slack FILE|DIR... [--teams FILE|DIR...] [--jira FILE|DIR...]');
  process.exit(2);
}

const targets = [];
let kind = null;
for (const arg of process.argv.slice(2)) {
  if (arg === '--slack' || arg === '--teams' || arg === '--jira') kind = arg.slice(2);
  else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
  else if (!kind) usage(`${arg}: say which kind it is first (--slack, --teams or --jira)`);
  else targets.push({ kind, target: arg });
}
if (targets.length === 0) usage('no files given');

const results = [];  // { file, errors }
const inputs = [];   // parsed files, by kind
for (const { kind: k, target } of targets) {
  const { missing, files } = expandPaths(target);
  if (missing) { results.push({ file: target, errors: ['no such file or directory'] }); continue; }
  if (files.length === 0) { results.push({ file: target, errors: ['no .json file in this directory'] }); continue; }
  for (const file of files) {
    try {
      inputs.push({ kind: k, file, ...readJson(file) });
    } catch (e) {
      results.push({ file, errors: [`not JSON: ${e.message}`] });
    }
  }
}

const slackTypes = typeCheck(inputs.filter((i) => i.kind === 'slack'));
for (const input of inputs) {
  let errors = [];
  if (input.kind === 'slack') errors = [...(slackTypes.get(input.file) || []).map((e) => `types ${e}`), ...checkLimits(input.json, input.lineOf)];
  else if (input.kind === 'teams') errors = checkTeams(input.json, input.lineOf);
  else errors = checkJira(input.json, input.lineOf);
  results.push({ file: input.file, errors });
}
if (slackTypes.has('(compiler)')) results.push({ file: '(TypeScript)', errors: slackTypes.get('(compiler)') });

let failed = 0;
for (const r of results.sort((a, b) => a.file.localeCompare(b.file))) {
  const name = path.relative(process.cwd(), r.file) || r.file;
  if (r.errors.length === 0) {
    console.log(`OK ${name}`);
  } else {
    failed++;
    for (const e of r.errors) console.log(`FAIL ${name}: ${e}`);
  }
}
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
