// Validates the app manifests against their publishers' own definitions:
//   Teams: Microsoft's JSON schema for the manifest's manifestVersion (from @microsoft/app-manifest)
//   Slack: the Manifest type of @slack/web-api, as `<manifest> satisfies Manifest` under tsc --strict
// and checks that a broken copy of each is rejected, so the check is known to bite.
//   node validate.mjs TEAMS_MANIFEST.json SLACK_MANIFEST.json (the Slack YAML converted to JSON)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import Ajv04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import ts from "typescript";

const require = createRequire(import.meta.url);
const [teamsFile, slackFile] = process.argv.slice(2);
let failures = 0;

function teamsErrors(manifest) {
  const pkg = path.dirname(require.resolve("@microsoft/app-manifest/package.json"));
  const schemaFile = path.join(pkg, "build", "json-schemas", "teams", `v${manifest.manifestVersion}`, "MicrosoftTeams.schema.json");
  if (!fs.existsSync(schemaFile)) return [`no schema for manifestVersion ${manifest.manifestVersion}`];
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, "utf8")));
  if (validate(manifest)) return [];
  return validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`);
}

function slackErrors(manifest) {
  const dir = fs.mkdtempSync(path.join(process.cwd(), ".slack-check-"));
  try {
    const typesFile = require.resolve("@slack/web-api/dist/types/request/manifest.d.ts");
    const file = path.join(dir, "manifest.ts");
    const importPath = path.relative(dir, typesFile).replace(/\.d\.ts$/, "").split(path.sep).join("/");
    fs.writeFileSync(file, `import type { Manifest } from "${importPath}";\n` +
      `export const manifest = ${JSON.stringify(manifest, null, 2)} satisfies Manifest;\n`);
    const program = ts.createProgram([file], {
      strict: true, noEmit: true, skipLibCheck: true, types: [],
      target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
    });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `line ${d.file.getLineAndCharacterOfPosition(d.start).line} ` : "";
      return where + ts.flattenDiagnosticMessageText(d.messageText, " ");
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function expectValid(name, errors) {
  if (errors.length) {
    failures++;
    console.log(`FAIL ${name}`);
    for (const e of errors) console.log(`  ${e}`);
  } else {
    console.log(`OK ${name}`);
  }
}

function expectRejected(name, errors) {
  if (!errors.length) {
    failures++;
    console.log(`FAIL the check accepted ${name}: it cannot fail`);
  } else {
    console.log(`OK rejected ${name}: ${errors[0]}`);
  }
}

const teams = JSON.parse(fs.readFileSync(teamsFile, "utf8"));
expectValid(`${teamsFile} against the Teams v${teams.manifestVersion} schema`, teamsErrors(teams));
const tooMany = structuredClone(teams);
tooMany.bots[0].commandLists[0].commands.push({ title: "unsubscribe", description: "Stop alerts" });
expectRejected("a Teams menu with 11 commands", teamsErrors(tooMany));
const badBot = structuredClone(teams);
badBot.bots[0].botId = "not-a-guid";
expectRejected("a Teams botId that is not a GUID", teamsErrors(badBot));

const slack = JSON.parse(fs.readFileSync(slackFile, "utf8"));
expectValid("the Slack manifest as @slack/web-api's Manifest", slackErrors(slack));
const badScope = structuredClone(slack);
badScope.oauth_config.scopes.bot.push("chat:wrte");
expectRejected("a misspelled Slack scope", slackErrors(badScope));
const badKey = structuredClone(slack);
badKey.settings.interactivity.request_uri = badKey.settings.interactivity.request_url;
expectRejected("an unknown Slack settings key", slackErrors(badKey));

process.exit(failures ? 1 : 0);
