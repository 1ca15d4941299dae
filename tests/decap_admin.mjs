// Opens the admin page `accord cms` writes in headless Chromium, with Decap CMS from
// .ci/tools and Decap's in-memory `test-repo` backend (no GitHub) holding the
// archive's records, and reads what an official would see: the new-record form of
// each kind, its fields, the options of its city choice. Then saves two new records
// and edits the title of an existing one (EDIT, `programs/<slug>`), and prints the
// files as Decap wrote them.
//
//   node tests/decap_admin.mjs ADMIN_DIR EDIT KIND...
//
// ADMIN_DIR is the archive's static/admin, with index.html and config.yml; the page's script is served from the
// decap-cms package (its integrity attribute is kept, so Chromium checks the pinned
// hash against the file). Prints one JSON object of observations (`stalled: true` when
// the page stopped answering); it judges nothing:
// tests/suite/cms.rs asserts. Tools come from ACCORD_TOOLS (default
// .ci/tools/node_modules), the browser from ACCORD_CHROMIUM (default /usr/bin/chromium).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { launch, listen, tools } from "./browser.mjs";


const admin = path.resolve(process.argv[2]);
const [section, slug] = process.argv[3].split("/");
const kinds = process.argv.slice(4);
const dist = path.join(tools, "decap-cms", "dist");

// The admin page loads the local copy of its script; the configuration uses the
// in-memory backend instead of GitHub.
const page_html = fs.readFileSync(path.join(admin, "index.html"), "utf8")
  .replace(/src="https:\/\/unpkg\.com\/decap-cms@[^"]*\/dist\/decap-cms\.js"/, 'src="/decap/decap-cms.js"');
const config = fs.readFileSync(path.join(admin, "config.yml"), "utf8")
  .replace(/^backend:\n(  .*\n)+/m, "backend:\n  name: test-repo\n")
  // Decap's own buttons in English, so that this script finds them by name.
  .replace(/^locale: .*$/m, "locale: en");

// The archive's records, where the test backend keeps files:
// {content: {programs: {"x.md": {content, path}}}}.
const archive = path.resolve(admin, "..", "..");
const repoFiles = { content: {} };
for (const section of fs.readdirSync(path.join(archive, "content"))) {
  const folder = `content/${section}`;
  repoFiles.content[section] = {};
  for (const name of fs.readdirSync(path.join(archive, folder)).filter((n) => n.endsWith(".md"))) {
    const content = fs.readFileSync(path.join(archive, folder, name), "utf8");
    repoFiles.content[section][name] = { content, path: `${folder}/${name}` };
  }
}

const seeded = new Set(Object.values(repoFiles.content)
  .flatMap((files) => Object.values(files).map((f) => f.path)));

const types = { ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
const server = http.createServer((req, res) => {
  const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  let body = null;
  let type = "text/html; charset=utf-8";
  if (p === "/admin/" || p === "/admin/index.html") body = page_html;
  else if (p === "/admin/config.yml") { body = config; type = "text/yaml"; }
  else if (p.startsWith("/decap/") && !p.includes("..")) {
    const file = path.join(dist, p.slice("/decap/".length));
    if (fs.existsSync(file)) {
      body = fs.readFileSync(file);
      type = types[path.extname(file)] || "application/octet-stream";
    }
  }
  if (body === null) {
    res.writeHead(404);
    res.end("not found");
  } else {
    res.writeHead(200, { "Content-Type": type });
    res.end(body);
  }
});
const origin = await listen(server);
const browser = await launch();
const out = { errors: [], forms: {} };
// Decap's page has been seen to stop answering on a heavily loaded machine (its
// renderer busy, every call waiting): after four minutes, say so and stop, so that the
// test can tell a stalled browser from a wrong form.
setTimeout(() => {
  console.log(JSON.stringify({ ...out, stalled: true }));
  process.exit(0);
}, 240000).unref();
try {
  const page = await browser.newPage();
  await page.addInitScript((files) => { window.repoFiles = files; }, repoFiles);
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("requestfailed", (r) => out.errors.push(`${r.url()}: ${r.failure()?.errorText}`));
  await page.goto(`${origin}/admin/`);
  // The test backend's login: one button.
  await page.getByRole("button", { name: /login/i }).click({ timeout: 60000 });
  for (const kind of kinds) {
    await open(page, kind);
    await page.waitForSelector("[id^='title-field']", { timeout: 60000 });
    const form = await page.evaluate(() => [...document.querySelectorAll("label[for]")]
      .map((l) => ({ label: l.textContent.trim(), for: l.getAttribute("for") })));
    // The cities: open the choice and read its options.
    const cities = page.locator("[id^='cities-field']").first();
    await cities.click();
    const options = await page.locator("[class*='-option']").allTextContents();
    await page.keyboard.press("Escape");
    out.forms[kind] = { fields: form.map((f) => f.label), cities: options };
  }
  // A program dated to the month, with a list; a trip dated to the year, with a number.
  out.saved = [
    ...await save(page, "program", "서울–베이징 대기질 공동연구 2차", "2024-05", async () => {
      await page.locator("[id^='tags-field']").first().fill("대기질, 공동연구");
    }),
    ...await save(page, "trip", "베이징 대기질 협력 출장", "2023", async () => {
      await page.locator("[id^='travelers-field']").first().fill("3");
      await page.locator("[id^='purpose-field']").first().fill("공동연구 결과 협의");
    }),
  ];
  // An existing record, its title edited: what the form does not show must stay.
  out.edited = await edit(page, section, slug, async () => {
    const title = page.locator("[id^='title-field']").first();
    await title.fill(`${await title.inputValue()} (수정)`);
  });
} catch (e) {
  out.errors.push(String(e && e.stack || e));
  // What the page said: a field's complaint, a notification.
  out.page = await browser.contexts()[0]?.pages()[0]?.evaluate(() => document.body.innerText.slice(0, 3000));
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(out));

// Fills in the required fields of a new record of `kind` (two cities), then what
// `more` fills in, saves it, and returns the new file.
async function save(page, kind, title, date, more) {
  await open(page, kind);
  await page.waitForSelector("[id^='title-field']", { timeout: 60000 });
  await page.locator("[id^='title-field']").first().fill(title);
  await page.locator("[id^='date-field']").first().fill(date);
  for (const city of ["서울", "베이징"]) {
    await page.locator("[id^='cities-field']").first().click();
    await page.locator("[class*='-option']", { hasText: city }).first().click();
    await page.keyboard.press("Escape");
  }
  await more();
  await publish(page);
  return page.evaluate((folder) => {
    const files = [];
    const walk = (node, at) => {
      for (const [name, value] of Object.entries(node || {})) {
        const p = at ? `${at}/${name}` : name;
        if (value && typeof value.content === "string") files.push({ path: p, content: value.content });
        else if (value && typeof value === "object") walk(value, p);
      }
    };
    walk(window.repoFiles, "");
    return files.filter((f) => f.path.startsWith(folder));
  }, `content/${kind}s/`).then((files) => files.filter((f) => !seeded.has(f.path)));
}

// Changes the record `content/<section>/<slug>.md` with `change`, saves it, and
// returns its file.
async function edit(page, section, slug, change) {
  const kind = section.replace(/s$/, "");
  await page.goto(`${origin}/admin/#/collections/${kind}/entries/${slug}`);
  await page.reload();
  await page.waitForSelector("[id^='title-field']", { timeout: 60000 });
  await change();
  await publish(page);
  return page.evaluate(([section, name]) => window.repoFiles.content[section][name].content,
    [section, `${slug}.md`]);
}

// Publishes the open entry, and waits until it is saved: the page leaves the new
// entry, or the saved entry's "unsaved changes" mark goes.
async function publish(page) {
  await page.getByRole("button", { name: /^publish$/i }).click();
  await page.getByText(/publish now/i).click();
  await page.waitForFunction(() => !location.hash.endsWith("/new")
    && !/unsaved changes/i.test(document.body.innerText), null, { timeout: 60000 });
}

// The new-record form of `kind`, in a fresh document (a change of the address's hash
// alone could leave the last form on the page).
async function open(page, kind) {
  await page.goto(`${origin}/admin/#/collections/${kind}/new`);
  await page.reload();
}
