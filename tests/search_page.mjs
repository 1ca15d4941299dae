// Drives the search like a reader, in headless Chromium through playwright-core.
//
//   node tests/search_page.mjs OUTPUT_DIR [SCENARIO]
//
// Scenarios:
//   page (default)  the search page: typing (debounced, the address follows), the tab
//                   order, the arrow keys and `/`, a facet chosen with the keyboard, the
//                   back button, the "more" and "count by city" buttons, the
//                   one-character rule;
//   instant         the header's box on a record page: the script loaded on focus only,
//                   the panel as you type, its keys, a passage under a heading, and the
//                   opened record's highlighting (across inline markup too) and its
//                   removal;
//   numbers         counts in the number format of each edition (`/` and `/ja/`), on
//                   the page and in the panel;
//   entities        the organization and topic facets: counted on demand with the
//                   cities, an organization chosen, a topic filter from the address,
//                   and an organization's aliases in several languages;
//   heads           a query of one common term (a site with more records, see
//                   search_browser.rs): its first page from the term's head, then
//                   "more" past the head's hits.
//
// Serves OUTPUT_DIR under /archive/ and prints one JSON object of observations; it
// judges nothing: tests/suite/search_browser.rs asserts. Tools come from ACCORD_TOOLS
// (default .ci/tools/node_modules), the browser from ACCORD_CHROMIUM (default
// /usr/bin/chromium).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { launch, listen } from "./browser.mjs";


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
const origin = await listen(server);
const browser = await launch();
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
const scenario = process.argv[3] || "page";
const focusName = () => page.evaluate(() => {
  const a = document.activeElement;
  if (!a || a === document.body) return "body";
  if (a.id) return "#" + a.id;
  const li = a.closest(".search-hits > li");
  if (li) return "result:" + [...li.parentNode.children].indexOf(li);
  return a.closest(".search-facets") ? "facet" : a.closest(".search-sort") ? "sort" : a.localName + ":" + (a.type || "");
});
const panel = () => page.evaluate(() => {
  const p = document.getElementById("site-search-panel");
  return p && {
    state: p.dataset.state,
    hidden: p.hidden,
    count: Number(p.dataset.count || 0),
    status: document.getElementById("site-search-status").textContent,
    statusCount: document.getElementById("site-search-status").dataset.count || null,
    expanded: document.getElementById("site-search-q").getAttribute("aria-expanded"),
    links: [...p.querySelectorAll(".search-hits > li")].map((li) => li.querySelector("a").getAttribute("href")),
    subs: [...p.querySelectorAll(".search-sub a")].map((a) => [a.textContent, a.getAttribute("href")]),
    marks: [...p.querySelectorAll(".search-snippet mark")].map((m) => m.textContent),
  };
});
const panelDone = () => page.waitForFunction(() => document.getElementById("site-search-panel")?.dataset.state === "done");
const marked = () => page.evaluate(() => ({
  url: location.pathname + location.search + location.hash,
  marks: [...document.querySelectorAll("mark.search-highlight")].map((m) => m.textContent),
  bar: document.querySelector(".search-highlight-bar")?.textContent || null,
  barCount: document.querySelector(".search-highlight-bar")?.dataset.count || null,
}));
const engineFetched = () => fetched.filter((p) => /\/search(-ui)?\.js$/.test(p) || p.includes("/search/"));

if (scenario === "page") {
await page.goto(`${origin}/archive/search/`);
await done();
out.empty = await view();

// Typing: one search when the typing pauses; the address follows without new entries.
await page.focus("#search-q");
await page.keyboard.type("서울", { delay: 30 });
await page.waitForFunction(() => document.getElementById("search-results").dataset.state === "done");
out.typed = await view();

// Arrow keys: Down from the box to the first result and on, Up back to the box, Escape
// from a result back to the box.
out.arrows = [];
for (const key of ["ArrowDown", "ArrowDown", "ArrowUp", "ArrowUp", "ArrowDown", "Escape"]) {
  await page.keyboard.press(key);
  out.arrows.push(await focusName());
}
// Tab from the box: the button, then the facets before the sort control and the results.
out.tabbing = [];
for (let i = 0; i < 30 && out.tabbing[out.tabbing.length - 1] !== "result:0"; i++) {
  await page.keyboard.press("Tab");
  out.tabbing.push(await focusName());
}
// `/` from anywhere but a text field focuses the box.
await page.evaluate(() => document.activeElement.blur());
await page.keyboard.press("/");
out.slash = { focus: await focusName(), input: await page.inputValue("#search-q") };

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

// A word the index lacks: no results, and "Did you mean …?" links to the nearest word.
await page.goto(`${origin}/archive/search/?q=ait`);
await done();
out.typo = await page.evaluate(() => {
  const a = document.querySelector(".search-suggest a");
  return { count: Number(document.getElementById("search-results").dataset.count || 0),
           text: document.querySelector(".search-suggest")?.textContent || null,
           suggest: a && a.dataset.suggest, href: a && a.getAttribute("href") };
});
// A typo with matches: the cards mark the words the engine matched for it.
await page.goto(`${origin}/archive/search/?q=monitorin`);
await done();
out.typoMarks = await page.evaluate(() => [...document.querySelectorAll(".search-hits mark")].map((m) => m.textContent));
await page.goto(`${origin}/archive/search/?q=ait`);
await done();
await page.click(".search-suggest a");
await page.waitForFunction(() => location.search === "?q=air");
await done();
out.suggested = await view();
}

if (scenario === "instant") {
// A record page fetches nothing of the search until the box gets the focus.
await page.goto(`${origin}/archive/programs/air-quality/`);
await page.waitForLoadState("load");
out.beforeFocus = engineFetched();
await page.keyboard.press("/");
out.slashFocus = await focusName();
await page.waitForFunction(() => document.getElementById("site-search-panel"));
out.afterFocus = engineFetched();

// The panel follows typing, without leaving the page.
await page.keyboard.type("서울", { delay: 30 });
await panelDone();
out.typed = await panel();
out.typedUrl = await page.evaluate(() => location.pathname + location.search);
out.arrows = [];
for (const key of ["ArrowDown", "ArrowDown", "ArrowUp", "ArrowUp", "ArrowDown", "Escape"]) {
  await page.keyboard.press(key);
  out.arrows.push(await focusName());
}
out.escaped = await panel();

// A word found only deep in a body: the passage that holds it, under its heading.
await page.fill("#site-search-q", "");
await page.keyboard.type("composting", { delay: 10 });
await page.waitForFunction(() => {
  const p = document.getElementById("site-search-panel");
  return p.dataset.state === "done" && p.querySelector(".search-sub");
});
out.deep = await panel();

// Enter on a result opens it; the record marks the words and offers to remove them.
await page.keyboard.press("ArrowDown");
await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
await page.waitForFunction(() => document.querySelector(".search-highlight-bar"));
out.opened = await marked();
await page.click(".search-highlight-bar button");
out.removed = await marked();

// The sub-result's link: the same marks, at the heading.
await page.goto(origin + out.deep.subs[0][1]);
await page.waitForFunction(() => document.querySelector(".search-highlight-bar"));
out.sub = await marked();

// A Korean phrase, matched on normalised text (NFD in the address, NFC in the page).
await page.goto(`${origin}/archive/programs/air-quality/?highlight=${encodeURIComponent("대기질개선".normalize("NFD"))}`);
await page.waitForFunction(() => document.querySelector(".search-highlight-bar"));
out.korean = await marked();

// A match across inline markup (bold, a link, emphasis) is marked piece by piece, none
// across blocks; the button puts back the page's nodes as they were.
const shape = () => page.evaluate(() => {
  const out = [];
  const walk = (n) => {
    for (const c of n.childNodes) {
      out.push(c.nodeType === 3 ? "#" + c.nodeValue : c.nodeName);
      walk(c);
    }
  };
  walk(document.querySelector("main .prose") || document.querySelector("main"));
  return out;
});
await page.goto(`${origin}/archive/workshops/split-marks/`);
await page.waitForLoadState("load");
const unmarked = await shape();
await page.goto(`${origin}/archive/workshops/split-marks/?highlight=${encodeURIComponent("대기오염")}`);
await page.waitForFunction(() => document.querySelector(".search-highlight-bar"));
out.split = await marked();
out.split.parents = await page.evaluate(() =>
  [...document.querySelectorAll("mark.search-highlight")].map((m) => m.parentNode.localName));
out.split.changed = JSON.stringify(await shape()) !== JSON.stringify(unmarked);
await page.click(".search-highlight-bar button");
out.splitRemoved = await marked();
out.splitRemoved.restored = JSON.stringify(await shape()) === JSON.stringify(unmarked);

// On a phone (390 px wide), the panel stays within the screen and the page does not
// scroll sideways.
await page.setViewportSize({ width: 390, height: 844 });
await page.goto(`${origin}/archive/programs/air-quality/`);
await page.focus("#site-search-q");
await page.keyboard.type("서울", { delay: 30 });
await panelDone();
out.phone = await page.evaluate(() => {
  const r = document.getElementById("site-search-panel").getBoundingClientRect();
  return { width: innerWidth, left: r.left, right: r.right, scroll: document.documentElement.scrollWidth };
});
}

if (scenario === "numbers") {
const status = () => page.evaluate(() => {
  const s = document.getElementById("search-status");
  const n = Number(s.dataset.count);
  return { text: s.textContent, count: n, lang: document.documentElement.lang, formatted: new Intl.NumberFormat(document.documentElement.lang).format(n) };
});
out.editions = {};
for (const root of ["/archive/", "/archive/ja/"]) {
  await page.goto(`${origin}${root}search/?q=footnote`);
  await done();
  out.editions[root] = { page: await status() };
  // The header's panel on the edition's list of cities, with the edition's words.
  await page.goto(`${origin}${root}cities/`);
  await page.focus("#site-search-q");
  await page.waitForFunction(() => document.getElementById("site-search-panel"));
  await page.keyboard.type("footnote", { delay: 10 });
  await panelDone();
  out.editions[root].panel = await panel();
  out.editions[root].all = await page.evaluate(() => document.querySelector("#site-search-panel .search-all a")?.textContent || null);
}
}

if (scenario === "entities") {
const facetLinks = (key) => page.evaluate((k) =>
  [...document.querySelectorAll(`.facet-${k} .facet`)].map((e) => [e.getAttribute("data-facet"), e.textContent]), key);
// Words: the organizations and topics are counted with the cities, on demand.
await page.goto(`${origin}/archive/search/?q=ICLEI`);
await done();
out.query = await view();
out.orgBefore = await facetLinks("org");
await page.focus('[data-facet="load-cities"]');
await page.keyboard.press("Enter");
await page.waitForFunction(() => document.querySelector(".facet-org .facet"));
await done();
out.orgLinks = await facetLinks("org");
out.topicLinks = await facetLinks("topic");
// An organization chosen: the address and the results follow.
await page.click('[data-facet="org=iclei-east-asia"]');
await page.waitForFunction(() => location.search.includes("org=iclei-east-asia"));
await done();
out.org = await view();
// A topic from the address alone: its records, and its facet read for the filter.
await page.goto(`${origin}/archive/search/?topic=air-quality`);
await done();
out.topic = await view();
out.topicFacet = await facetLinks("topic");
// Every name of an organization finds the records that name it.
out.aliases = {};
for (const q of ["ICLEI East Asia Secretariat", "イクレイ東アジア事務局", "ICLEI 동아시아본부"]) {
  await page.goto(`${origin}/archive/search/?q=${encodeURIComponent(q)}`);
  await done();
  out.aliases[q] = (await view()).titles.sort();
}
}

if (scenario === "heads") {
// A query of one common term: the first page from the term's head, then "more" past
// the head's hits, which reads the term's postings.
const postings = () => fetched.filter((p) => p.includes("/search/t/")).length;
const cards = (n) => page.waitForFunction((k) => document.querySelectorAll(".search-hits > li").length >= k, n);
await page.goto(`${origin}/archive/search/?q=harbor`);
await done();
out.first = await view();
out.firstPostings = postings();
out.pages = [];
for (let shown = 20; shown <= 60; shown += 10) {
  await page.click(".search-more");
  await cards(shown);
  await done();
  const v = await view();
  out.pages.push({ count: v.count, status: v.status, cards: v.titles.length, postings: postings() });
}
out.last = await view();
}

console.log(JSON.stringify(out));
await browser.close();
server.close();
