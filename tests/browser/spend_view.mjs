// The web page's spend view in a real browser (Debian's headless Chromium via playwright-core),
// signed in, over a `costbot demo` database:
//   - the executive summary, spend by team with trends, the group-by tabs (arrow keys move them),
//     search and filters, team vs team, findings filters, savings, CSV export of a table;
//   - incidents most severe first, then by dollars; a message's link (/incidents/N) opens that one;
//   - axe-core (WCAG 2.1 A and AA rules) finds nothing at desktop width and at 390 px, and nothing
//     is wider than a 390 px phone screen; the status line is not rewritten at every poll.
//
//   node spend_view.mjs SIGN_IN_URL SCREENSHOT_DIR
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error("usage: node spend_view.mjs SIGN_IN_URL SCREENSHOT_DIR");
  process.exit(2);
}
const origin = new URL(url).origin;
const problems = [];
const step = (text) => console.log(`- ${text}`);
const check = (ok, text) => { if (!ok) problems.push(text); };
const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");

async function axe(page, label) {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
  }));
  for (const v of result.violations)
    problems.push(`axe (${label}): ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")}`);
  step(`axe-core at ${label}: ${result.violations.length} violation(s), ${result.passes.length} rule(s) passed`);
}

const args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const profile = await mkdtemp(join(tmpdir(), "costbot-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium", headless: true, args, viewport: { width: 1280, height: 1000 }, acceptDownloads: true,
});
try {
  const page = context.pages()[0] || await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith("blob:")) problems.push(`request to another origin: ${r.url()}`); });

  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector('[data-testid="stat-mtd"]', { timeout: 20000 });
  await page.waitForSelector('[data-testid="spend-rows"] tbody tr', { timeout: 20000 });
  check((await page.$$("h1")).length === 1, "the page must have exactly one h1");
  const summary = await page.textContent('[data-testid="summary-text"]');
  check(/as of [A-Z][a-z]{2} \d+/.test(summary), `the summary says as of when: ${summary}`);
  step(`summary: ${summary.slice(0, 140)}…`);

  // Spend by team, with a trend per row.
  const teams = await page.$$eval('[data-testid="spend-rows"] tbody tr', (rows) => rows.length);
  check(teams >= 3, `spend by team has ${teams} row(s)`);
  check((await page.$$('[data-testid="spend-rows"] svg.spark')).length >= 3, "each team row has a trend");

  // The group-by tabs: one tab stop, arrow keys move the selection (WAI-ARIA tabs).
  await page.focus('#spend-by [aria-selected="true"]');
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.querySelector('#spend-by [aria-selected="true"]').dataset.value === "service");
  await page.waitForFunction(() => /Service/.test(document.querySelector('[data-testid="spend-rows"] thead').textContent));
  check(await page.evaluate(() => document.activeElement.dataset.value === "service"), "ArrowRight moves focus to the next tab");
  check((await page.$$('#spend-by [tabindex="0"]')).length === 1, "one tab stop in the group-by tabs");
  step("ArrowRight: spend by service");

  // Search narrows the rows.
  await page.fill('[data-testid="spend-search"]', "amazon");
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="spend-rows"] tbody tr')]
    .every((tr) => /amazon/i.test(tr.textContent)));
  step(`search "amazon": ${await page.$$eval('[data-testid="spend-rows"] tbody tr', (r) => r.length)} row(s)`);

  // CSV export of the table as drawn.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export-spend-rows"]')]);
  const csv = await readFile(await download.path(), "utf8");
  const lines = csv.trim().split(/\r\n/);
  const rows = await page.$$eval('[data-testid="spend-rows"] tbody tr', (r) => r.length);
  check(lines[0].startsWith("Service,Cost,Previous period"), `CSV header: ${lines[0]}`);
  check(lines.length === rows + 1, `CSV has ${lines.length - 1} row(s), the table ${rows}`);
  step(`CSV export: ${download.suggestedFilename()}, ${lines.length - 1} row(s)`);
  await page.fill('[data-testid="spend-search"]', "");

  // Team against team: two lines.
  await page.click("#spend-by-team");
  await page.waitForSelector('[data-testid="compare-chart"] polyline.line1', { timeout: 10000 });
  step("team vs team chart drawn");

  // Findings: filter by severity; incidents: most severe first, then dollars.
  await page.selectOption("#finding-severity", "critical");
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="finding-rows"] tbody tr')]
    .every((tr) => /critical|Nothing to show/.test(tr.textContent)));
  const order = await page.$$eval('[data-testid="incident"]', (cards) => cards.map((c) => c.querySelector(".badge").textContent));
  const rank = { critical: 0, high: 1, medium: 2, low: 3 };
  check(order.every((s, i) => i === 0 || rank[order[i - 1]] <= rank[s]), `incidents are not most severe first: ${order.join(",")}`);
  step(`incidents by severity: ${order.join(", ")}`);

  // Savings.
  const open = await page.textContent('[data-testid="savings-open"]');
  check(/\$[\d,]+\/mo/.test(open), `savings shows open $/month: ${open}`);

  // The status line is written when the connection's state changes, not at every poll.
  const writes = await page.evaluate((pollMs) => new Promise((resolve) => {
    let n = 0;
    const obs = new MutationObserver((m) => { n += m.length; });
    obs.observe(document.getElementById("status"), { childList: true, characterData: true, subtree: true });
    setTimeout(() => { obs.disconnect(); resolve(n); }, pollMs * 3 + 200);
  }), Number(await page.getAttribute('meta[name="poll-ms"]', "content")) || 3000);
  check(writes === 0, `the status line was rewritten ${writes} time(s) in three polls`);

  await page.screenshot({ path: join(shots, "spend-desktop.png"), fullPage: true });
  await axe(page, "1280 px");

  // A link from a message (/incidents/N, as alerts write it): the page opens on that incident.
  const subject = await page.getAttribute('[data-testid="incident"]', "data-subject");
  const incidentPath = `/incidents/${subject.split(":")[1]}`;
  await page.goto(origin + incidentPath, { waitUntil: "load" });
  await page.waitForSelector('[data-testid="focus"]:not([hidden]) [data-testid="finding"]', { timeout: 15000 });
  step(`${incidentPath} opens on its incident`);

  // A phone: nothing wider than the screen, and still no axe violation.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(origin + "/", { waitUntil: "load" });
  await page.waitForSelector('[data-testid="spend-rows"] tbody tr', { timeout: 20000 });
  const wide = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    widest: [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 391 && !e.closest(".table-wrap"))
      .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${e.className}`),
  }));
  check(wide.page <= 390, `at 390 px the page is ${wide.page} px wide (${wide.widest.join(", ")})`);
  await page.screenshot({ path: join(shots, "spend-390px.png"), fullPage: true });
  await axe(page, "390 px");
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
for (const p of problems) console.log(`FAIL ${p}`);
if (problems.length) process.exit(1);
console.log("OK");
