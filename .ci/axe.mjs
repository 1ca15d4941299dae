// Accessibility check of a built site: axe-core in headless Chromium, in the light and
// the dark colour scheme, plus a keyboard walk of every page.
//
//   node .ci/axe.mjs OUTPUT_DIR /path/ [/other/path/ ...]
//
// Serves OUTPUT_DIR on a loopback port of its own, opens each path, and prints one
// JSON object per page and scheme:
//   {"page", "scheme", "violations": [{id, impact, help, targets}],
//    "keyboard": {"skip_link", "skip_target", "stops", "unfocusable", "no_indicator",
//                 "wrapped"}}
// It judges nothing: tests/suite/validate.rs reads the lines and asserts.
//
// Tools come from ACCORD_TOOLS (default .ci/tools/node_modules): axe-core and
// playwright-core; the browser from ACCORD_CHROMIUM (default /usr/bin/chromium).

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const tools = process.env.ACCORD_TOOLS || path.join(here, "tools", "node_modules");
const require = createRequire(path.join(tools, "noop.js"));
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [rootArg, ...pages] = process.argv.slice(2);
const root = rootArg && path.resolve(rootArg);
if (!root || pages.length === 0) {
  console.error("usage: node .ci/axe.mjs OUTPUT_DIR PATH...");
  process.exit(2);
}

const types = {
  ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
  ".json": "application/json", ".xml": "application/xml", ".svg": "image/svg+xml",
};
const server = http.createServer((req, res) => {
  const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  let file = path.join(root, p);
  if (!file.startsWith(root)) file = "";
  if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (file && fs.existsSync(file)) {
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    res.end(fs.readFileSync(file));
  } else {
    res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
    res.end(fs.readFileSync(path.join(root, "404.html")));
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.ACCORD_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

// Tabs through the page: the first stop must be the skip link, and following it must
// move focus to <main>; then every stop must be visible and show a focus indicator,
// until focus comes back around (no trap).
async function keyboard(page) {
  const result = { skip_link: false, skip_target: false, stops: 0, unfocusable: [],
                   no_indicator: [], wrapped: false };
  await page.keyboard.press("Tab");
  result.skip_link = await page.evaluate(() => document.activeElement?.classList.contains("skip-link") ?? false);
  await page.keyboard.press("Enter");
  result.skip_target = await page.evaluate(() => document.activeElement?.id === "main");
  await page.evaluate(() => document.activeElement?.blur());
  await page.evaluate(() => window.scrollTo(0, 0));
  const seen = new Set();
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press("Tab");
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const describe = (e) => {
        const parts = [];
        for (let n = e; n && n.nodeType === 1 && parts.length < 4; n = n.parentElement) {
          let s = n.localName;
          if (n.id) s += "#" + n.id;
          else if (n.classList.length) s += "." + [...n.classList].join(".");
          parts.unshift(s);
        }
        const href = e.getAttribute("href");
        return parts.join(" > ") + (href ? `[href="${href}"]` : "");
      };
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      let indicator = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
      if (!indicator && el.closest("svg")) {
        // Map links mark focus on their shape.
        const shape = el.querySelector("circle, rect, path");
        indicator = !!shape && parseFloat(getComputedStyle(shape).strokeWidth) >= 2;
      }
      return {
        id: describe(el) + "@" + Math.round(box.left) + "," + Math.round(box.top + window.scrollY),
        visible: box.width > 0 && box.height > 0 && style.visibility !== "hidden",
        indicator,
      };
    });
    if (!info) { result.wrapped = true; break; }
    if (seen.has(info.id)) { result.wrapped = true; break; }
    seen.add(info.id);
    result.stops++;
    if (!info.visible) result.unfocusable.push(info.id);
    if (!info.indicator) result.no_indicator.push(info.id);
  }
  return result;
}

let failed = false;
for (const scheme of ["light", "dark"]) {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 900 } });
  for (const p of pages) {
    const page = await context.newPage();
    try {
      await page.goto(origin + p, { waitUntil: "load" });
      // A page that fetches what it shows (the search page) is checked once it shows it.
      await page.waitForFunction(() => !document.querySelector('[data-state="busy"]'));
      await page.addScriptTag({ content: axeSource });
      const axe = await page.evaluate(async () => {
        const r = await window.axe.run(document, {
          runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
          resultTypes: ["violations"],
        });
        return r.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help,
          targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
        }));
      });
      const kb = scheme === "light" ? await keyboard(page) : null;
      console.log(JSON.stringify({ page: p, scheme, violations: axe, keyboard: kb }));
    } catch (e) {
      failed = true;
      console.log(JSON.stringify({ page: p, scheme, error: String(e) }));
    }
    await page.close();
  }
  await context.close();
}
await browser.close();
server.close();
process.exit(failed ? 1 : 0);
