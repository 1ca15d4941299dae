// Drives the search page like a reader, in headless Chromium through playwright-core:
// typing (debounced, the address follows), a facet chosen with the keyboard, the back
// button, the "more" and "count by city" buttons, and the one-character rule.
//
//   node tests/search_page.mjs OUTPUT_DIR
//
// Serves OUTPUT_DIR under /archive/ and prints one JSON object of observations; it
// judges nothing: tests/suite/search_browser.rs asserts. Tools come from ACCORD_TOOLS
// (default .ci/tools/node_modules), the browser from ACCORD_CHROMIUM (default
// /usr/bin/chromium).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const tools = process.env.ACCORD_TOOLS || path.join(here, "..", ".ci", "tools", "node_modules");
const require = createRequire(path.join(tools, "noop.js"));
const { chromium } = require("playwright-core");

const root = path.resolve(process.argv[2]);
const fetched = [];
const server = http.createServer((req, res) => {
  const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  fetched.push(p);
  let file = p.startsWith("/archive/") ? path.join(root, p.slice("/archive/".length)) : "";
  if (file && !file.startsWith(root)) file = "";
  if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (file && fs.existsSync(file)) {
    res.writeHead(200);
    res.end(fs.readFileSync(file));
  } else {
    res.writeHead(404);
    res.end("not found");
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.ACCORD_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
const done = () => page.waitForFunction(() => {
  const r = document.getElementById("search-results");
  return r && r.dataset.state !== "busy";
});
const view = () => page.evaluate(() => ({
  url: location.pathname + location.search,
  input: document.getElementById("search-q").value,
  status: document.getElementById("search-status").textContent,
  count: Number(document.getElementById("search-results").dataset.count || 0),
  titles: [...document.querySelectorAll(".search-hits .card-title")].map((e) => e.textContent),
  focus: document.activeElement?.getAttribute("data-facet") || document.activeElement?.id || document.activeElement?.localName,
  history: history.length,
  cityLinks: [...document.querySelectorAll(".facet-city .facet")].map((e) => e.getAttribute("data-facet")),
}));
const out = {};

await page.goto(`${origin}/archive/search/`);
await done();
out.empty = await view();

// Typing: one search when the typing pauses; the address follows without new entries.
await page.focus("#search-q");
await page.keyboard.type("서울", { delay: 30 });
await page.waitForFunction(() => document.getElementById("search-results").dataset.state === "done");
out.typed = await view();

// Keyboard: Tab from the box reaches the button, then the first result.
await page.keyboard.press("Tab");
const afterBox = await page.evaluate(() => document.activeElement.localName + ":" + document.activeElement.type);
// Then the sort control's links, then the first result.
out.tabbing = [afterBox];
for (let i = 0; i < 4 && out.tabbing[out.tabbing.length - 1] !== "result"; i++) {
  await page.keyboard.press("Tab");
  out.tabbing.push(await page.evaluate(() => {
    const a = document.activeElement;
    return a.closest(".card-title") ? "result" : a.closest(".search-sort") ? "sort" : a.localName;
  }));
}

// A facet chosen with the keyboard adds a history entry and keeps the focus.
await page.focus('[data-facet="kind=trip"]');
await page.keyboard.press("Enter");
await page.waitForFunction(() => location.search.includes("kind=trip"));
await done();
out.facet = await view();

// Back: the previous query and results again.
await page.goBack();
await page.waitForFunction(() => !location.search.includes("kind="));
await done();
out.back = await view();

// Forward, and a city counted on demand.
await page.goForward();
await page.waitForFunction(() => location.search.includes("kind=trip"));
await done();
await page.focus('[data-facet="load-cities"]');
const before = fetched.length;
await page.keyboard.press("Enter");
await page.waitForFunction(() => document.querySelector(".facet-city .facet"));
out.cities = await view();
out.citiesFetched = fetched.slice(before);

// One character while typing waits for another (nothing is fetched).
await page.goto(`${origin}/archive/search/`);
await done();
await page.focus("#search-q");
const quiet = fetched.length;
await page.keyboard.type("대");
await page.waitForFunction(() => document.getElementById("search-results").dataset.state === "done" && document.getElementById("search-status").textContent !== "");
out.oneChar = await view();
out.oneCharFetched = fetched.slice(quiet).filter((p) => p.includes("/search/s/"));
// Enter searches it anyway.
await page.keyboard.press("Enter");
await page.waitForFunction(() => document.getElementById("search-results").dataset.state === "done");
out.oneCharEnter = await view();

console.log(JSON.stringify(out));
await browser.close();
server.close();
