// Sign-in in a real browser: Debian's headless Chromium (playwright-core, over the DevTools
// protocol) signs in through an OpenID Connect provider on loopback (fake_oidc.mjs: RS256 ID
// tokens, JWKS, discovery, PKCE) and approves a request as the signed-in team lead; a second
// browser profile that never signed in is refused the same approval (and cannot even read).
//
//   node oidc_sign_in.mjs SERVICE_URL SCREENSHOT.png
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, screenshot] = process.argv.slice(2);
const step = (text) => console.log(`- ${text}`);
const args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const launch = async () => chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), "costbot-chromium-")), {
  executablePath: "/usr/bin/chromium", headless: true, args, viewport: { width: 1280, height: 1000 },
});
const fail = (why) => { throw new Error(why); };

const alice = await launch();
const mallory = await launch();
try {
  // Profile 1: sign in through the provider, then approve as the team lead.
  const page = alice.pages()[0] || await alice.newPage();
  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector('[data-testid="sign-in"]');
  step("signed out: the sign-in page");
  await Promise.all([page.waitForURL(`${url}`), page.click('[data-testid="provider"]')]);
  await page.waitForSelector('[data-testid="user"]', { timeout: 15000 });
  const who = await page.evaluate(() => document.querySelector('meta[name="user-id"]').content);
  if (who !== "U0PAYLEAD") fail(`signed in as ${who}, expected U0PAYLEAD`);
  const grants = await page.evaluate(() => document.querySelector('meta[name="acts-for-others"]').content);
  if (grants !== "false") fail("a person signed in through the provider must not act for others");
  step(`signed in through the provider as ${who}`);
  const cookies = await alice.cookies();
  const session = cookies.find((c) => c.name === "costbot_session");
  if (!session || !session.httpOnly || session.sameSite !== "Lax") fail(`session cookie: ${JSON.stringify(session)}`);
  step("session cookie: HttpOnly, SameSite=Lax");

  // A payments request waiting for its team lead (stage 1): the signed-in lead approves it.
  await page.waitForSelector('[data-testid="approval"][data-status="open"]', { timeout: 15000 });
  const target = await page.$$eval('[data-testid="approval"][data-status="open"]', (cards) => {
    for (const c of cards) {
      const first = c.querySelector('[data-testid="stage"]');
      if (first && first.dataset.stageStatus === "active" && /payments/.test(c.textContent)) return c.dataset.subject;
    }
    return null;
  });
  if (!target) fail("no payments request waiting for its team lead");
  const card = page.locator(`[data-testid="approval"][data-subject="${target}"]`);
  if (await card.locator('[data-testid="actor"]').count() !== 0) fail("an 'act for' choice is offered without a grant");
  await card.locator('button[data-verb="approve"]').click();
  await page.waitForFunction((subject) => {
    const first = document.querySelector(`[data-testid="approval"][data-subject="${subject}"] [data-testid="stage"]`);
    return first && first.dataset.stageStatus === "approved";
  }, target, { timeout: 15000 });
  const decision = await card.locator(".decision").first().textContent();
  if (!/Pat|U0PAYLEAD/.test(decision)) fail(`the decision does not name the lead: ${decision}`);
  step(`approved ${target} as the lead: "${decision.trim()}"`);
  await page.screenshot({ path: screenshot, fullPage: false });

  // Profile 2: no sign-in. The same approval (next stage) is refused; nothing is readable.
  const other = mallory.pages()[0] || await mallory.newPage();
  await other.goto(url, { waitUntil: "load" });
  await other.waitForSelector('[data-testid="sign-in"]');
  const attempt = await other.evaluate(async (subject) => {
    const feeds = await fetch("/web/feeds");
    const act = await fetch("/web/actions", {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": "0".repeat(48) },
      body: JSON.stringify({ verb: "approve", subject: `${subject}:1` }),
    });
    const forged = await fetch("/web/actions", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ verb: "approve", subject: `${subject}:1`, actor: "U0FINOPS1" }),
    });
    return { feeds: feeds.status, act: act.status, forged: forged.status };
  }, target);
  if (attempt.feeds !== 401 || attempt.act !== 401 || attempt.forged !== 401)
    fail(`the second profile was not refused: ${JSON.stringify(attempt)}`);
  step(`second profile without sign-in: feeds ${attempt.feeds}, approve ${attempt.act}, forged actor ${attempt.forged}`);
  // And the request did not move on because of it.
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector(`[data-testid="approval"][data-subject="${target}"]`);
  const stages = await page.$$eval(`[data-testid="approval"][data-subject="${target}"] [data-testid="stage"]`,
    (items) => items.map((li) => li.dataset.stageStatus));
  if (stages[1] === "approved") fail(`stage 2 was approved by the anonymous profile: ${stages}`);
  step(`stages after the refused attempts: ${stages.join(",")}`);
  console.log("OK");
} catch (e) {
  console.error(`FAILED: ${e.message}`);
  process.exitCode = 1;
} finally {
  await alice.close();
  await mallory.close();
}
