// The local web channel in a real browser: Debian's headless Chromium, driven by playwright-core.
//
//   node web_channel.mjs URL SCREENSHOT.png
//
// Against a `costbot serve` over a `costbot demo` database: the page loads with nothing from
// another origin and no console error; the alert feed, the incidents with their chart images and
// the approval requests show; Approve on a request moves its stage (and the tickets view shows
// the approved request's local ticket); Reject asks for a reason and shows it; switching
// persona switches the feed. Screenshots go next to SCREENSHOT.png. Exits non-zero on any failure.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error("usage: node web_channel.mjs URL SCREENSHOT.png");
  process.exit(2);
}
const origin = new URL(url).origin;
const problems = [];
const step = (text) => console.log(`- ${text}`);

// The flags Chromium needs on this machine (no sandbox as root, no GPU, no network but loopback).
const args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const profile = await mkdtemp(join(tmpdir(), "costbot-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium", headless: true, args, viewport: { width: 1280, height: 1000 },
});
try {
  const page = context.pages()[0] || await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => { if (!r.url().startsWith(origin)) problems.push(`request to another origin: ${r.url()}`); });
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });

  await page.goto(url, { waitUntil: "load" });
  step(`loaded ${url}: "${await page.title()}"`);
  await page.waitForSelector('[data-testid="approval"][data-status="open"]', { timeout: 15000 });
  await page.waitForSelector('[data-testid="finding"], [data-testid="alert"]', { timeout: 15000 });
  await page.waitForSelector('[data-testid="incident"] img.chart', { timeout: 15000 });
  // Chart images really decode (a PNG the service drew), not just an <img> element. They load
  // lazily, so bring the incidents into view first.
  await page.locator("#incidents").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('[data-testid="incident"] img.chart')];
    return imgs.length > 0 && imgs.slice(0, 2).every((i) => i.complete && i.naturalWidth === 800);
  }, null, { timeout: 20000 });
  const counts = await page.evaluate(() => ({
    approvals: document.querySelectorAll('[data-testid="approval"]').length,
    alerts: document.querySelectorAll('#alert-list > article').length,
    incidents: document.querySelectorAll('[data-testid="incident"]').length,
  }));
  step(`${counts.approvals} approval request(s), ${counts.alerts} alert(s), ${counts.incidents} incident(s) with charts`);

  const stagesOf = (subject) => page.$$eval(
    `[data-testid="approval"][data-subject="${subject}"] [data-testid="stage"]`,
    (items) => items.map((li) => li.dataset.stageStatus));
  const openCards = await page.$$eval('[data-testid="approval"][data-status="open"]', (cards) => cards.map((c) => ({
    subject: c.dataset.subject, stages: c.querySelectorAll('[data-testid="stage"]').length })));
  if (openCards.length < 2) throw new Error(`expected at least two open requests, found ${openCards.length}`);

  // Approve: the first stage is decided, and the request moves on (or is approved).
  const single = openCards.find((c) => c.stages === 1) || openCards[0];
  const before = await stagesOf(single.subject);
  const card = page.locator(`[data-testid="approval"][data-subject="${single.subject}"]`);
  const actor = await card.locator('[data-testid="actor"]').inputValue();
  await card.locator('button[data-verb="approve"]').click();
  await page.waitForFunction(([subject, was]) => {
    const items = [...document.querySelectorAll(`[data-testid="approval"][data-subject="${subject}"] [data-testid="stage"]`)];
    const now = items.map((li) => li.dataset.stageStatus);
    return now.length > 0 && JSON.stringify(now) !== JSON.stringify(was) && now[0] === "approved";
  }, [single.subject, before], { timeout: 15000 });
  const after = await stagesOf(single.subject);
  const statusText = await card.locator('[data-testid="approval-status"]').innerText();
  step(`Approve on ${single.subject} as ${actor}: stages ${before.join(",")} -> ${after.join(",")} ("${statusText}")`);
  if (single.stages === 1) {
    // Approved: with no Jira configured the ticket goes to the local ticket outbox (LOCAL-N), and
    // the tickets view lists it.
    const row = `#ticket-rows tr[data-testid="ticket"][data-subject="${single.subject}"]`;
    await page.waitForSelector(row, { timeout: 15000 });
    const ticket = await page.locator(row).innerText();
    if (!/LOCAL-\d+/.test(ticket)) problems.push(`the ticket row shows no local key: ${ticket}`);
    step(`ticket outbox: ${ticket.replace(/\s+/g, " ")}`);
  }
  // The approvals as a person sees them right after the click, then the whole page.
  await page.locator("#approvals").screenshot({ path: screenshot });
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-page.png"), fullPage: true });
  step(`screenshots ${screenshot} (approvals) and -page.png`);

  // Reject: asks for a reason first, then shows it.
  const other = openCards.find((c) => c.subject !== single.subject);
  const rejectCard = page.locator(`[data-testid="approval"][data-subject="${other.subject}"]`);
  await rejectCard.locator('button[data-verb="reject"]').click();
  await rejectCard.locator('[data-testid="reject-reason"]').fill("Reserved for the Black Friday load test");
  await rejectCard.locator('button[data-verb="confirm-reject"]').click();
  await page.waitForSelector(`[data-testid="approval"][data-subject="${other.subject}"][data-status="rejected"]`, { timeout: 15000 });
  const rejected = await page.locator(`[data-testid="approval"][data-subject="${other.subject}"]`).innerText();
  if (!rejected.includes("Reserved for the Black Friday load test")) problems.push("the reject reason is not shown");
  step(`Reject on ${other.subject} with a reason: rejected, reason shown`);

  // Persona switch: another feed (the persona's posts, or detection's findings until routed).
  await page.locator('#personas button[data-persona="engineer"]').click();
  await page.waitForFunction(() => /persona:engineer|for engineer/.test(document.getElementById("alerts-hint").textContent));
  step(`persona engineer: ${await page.locator("#alerts-hint").innerText()}`);
  await page.locator("#alerts").screenshot({ path: screenshot.replace(/\.png$/, "-alerts.png") });
} catch (e) {
  problems.push(`failed: ${e.message}`);
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("web channel in Chromium: OK");
