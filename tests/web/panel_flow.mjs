// SPDX-License-Identifier: Apache-2.0
// A deposit and a pickup at locker-sim's browser front panel, by clicks only, in Debian's
// headless Chromium (playwright-core, no browser download). Run by panel_browser_test.cpp,
// which starts mosquitto, locker-sim --http and lockerd and checks the MQTT events; this script
// checks the page: the display's text, the door drawn ajar/open/closed, the contents, the last
// events, and the tracking view beside the cabinet. Prints one JSON line {"ok":true,"box":...}
// on success; on failure the reason, the display, and a screenshot beside --screenshot.
//   node panel_flow.mjs --url URL --pin PIN --tracking NUMBER --code CODE [--screenshot PNG]
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: opt } = parseArgs({
  options: {
    url: { type: "string" }, pin: { type: "string" }, tracking: { type: "string" },
    code: { type: "string" }, screenshot: { type: "string" },
    chromium: { type: "string", default: process.env.LOCKER_CHROMIUM || "/usr/bin/chromium" },
  },
});
for (const k of ["url", "pin", "tracking", "code"]) {
  if (!opt[k]) { console.error(`panel_flow: --${k} is needed`); process.exit(2); }
}

const started = Date.now();
const step = (what) => console.log(`[${((Date.now() - started) / 1000).toFixed(2)} s] ${what}`);
const wait = 10000;  // per condition: a loaded 2-core machine, still bounded

// As root (CI), Chromium's sandbox cannot start; the page is our own.
const browser = await chromium.launch({ executablePath: opt.chromium, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));

const display = () => page.textContent("#display");
async function waitDisplay(pattern) {
  await page.waitForFunction(
    ([src, flags]) => new RegExp(src, flags).test(document.querySelector("#display").textContent),
    [pattern.source, pattern.flags], { timeout: wait, polling: 20 });
  return (await display()).match(pattern);
}
async function waitBox(box, attr, value) {
  await page.waitForSelector(`#c-${box}[data-${attr}="${value}"]`, { state: "attached", timeout: wait });
}
async function press(keys) {
  for (const k of keys) await page.click(`#keypad button[data-key="${k}"]`);
}
async function door(box, action) {
  await page.click(`#c-${box}`);
  await page.click(`[data-door-action="${action}"]`);
}
// A person shuts the door once the lock has let go (against an energized coil it springs back).
async function shut(box) {
  await waitBox(box, "coil", "false");
  await door(box, "close");
  await waitBox(box, "door", "closed");
}
// The page's last events list this line (it keeps the newest few dozen).
async function waitEvent(line) {
  await page.waitForFunction(
    (want) => [...document.querySelectorAll("#events li")].some((li) => li.textContent === want),
    line, { timeout: wait, polling: 20 });
}

try {
  await page.goto(opt.url);
  await page.waitForSelector("#c-1", { timeout: wait });
  await waitDisplay(/Enter pickup code/);
  step("page live, idle screen");

  // ---- the courier ----
  await press("*");
  await waitDisplay(/Courier PIN/);
  await press(`${opt.pin}#`);
  await waitDisplay(/1 Deposit/);
  await press("1");
  await waitDisplay(/Tracking no\./);
  await press(`${opt.tracking}#`);
  const box = (await waitDisplay(/Put in box (\S+), close/))[1];
  step(`courier: display says put in box ${box}`);
  await waitBox(box, "door", "ajar");
  await door(box, "open");
  await waitBox(box, "door", "open");
  await door(box, "put");
  await waitBox(box, "occupied", "true");
  await waitEvent(`coil ${box} energized`);
  await waitEvent(`door ${box} open`);
  await waitEvent(`parcel ${box} in`);
  if (opt.screenshot) await page.screenshot({ path: opt.screenshot });
  await shut(box);
  await waitEvent(`door ${box} closed`);
  await waitDisplay(new RegExp(`Stored in ${box}`));
  step(`courier: stored in ${box}, door drawn closed with a parcel inside`);
  await press("#");
  await waitDisplay(/Enter pickup code/);

  // ---- the recipient ----
  await press(`${opt.code}#`);
  await waitDisplay(new RegExp(`Box ${box} is open`));
  await waitBox(box, "door", "ajar");
  step(`recipient: box ${box} is open`);
  await door(box, "open");
  await waitBox(box, "door", "open");
  await door(box, "take");
  await waitBox(box, "occupied", "false");
  await waitEvent(`parcel ${box} out`);
  await shut(box);
  await waitDisplay(/Thank you/);
  step("recipient: collected, thank you");

  // Beside the cabinet, the tracking system's view (simulator/tracking, built only from what
  // arrives over MQTT) tells the parcel's story as the recipient's tracking page would.
  await page.waitForFunction(
    (t) => {
      const v = document.getElementById("view-tracking");
      return v && v.textContent.includes(t) && v.textContent.includes("Collected");
    },
    opt.tracking,
    { timeout: wait },
  );
  step("tracking view: collected");

  await waitEvent(`door ${box} closed`);
  const state = await page.evaluate(() => window.lockerPanel.state.compartments);
  const c = state.find((x) => x.id === box);
  if (c.door !== "closed" || c.occupied) throw new Error(`box ${box} ends as ${JSON.stringify(c)}`);
  if (pageErrors.length) throw new Error(`errors in the page: ${pageErrors.join("; ")}`);
  console.log(JSON.stringify({ ok: true, box, seconds: (Date.now() - started) / 1000 }));
  await browser.close();
} catch (e) {
  console.error(`panel_flow: ${e.message}`);
  console.error(`panel_flow: the display shows ${JSON.stringify(await display().catch(() => "?"))}`);
  if (pageErrors.length) console.error(`panel_flow: errors in the page: ${pageErrors.join("; ")}`);
  if (opt.screenshot) await page.screenshot({ path: opt.screenshot.replace(/\.png$/, "") + "-failure.png" }).catch(() => {});
  await browser.close();
  process.exit(1);
}
