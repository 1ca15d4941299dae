// What the browser tests share: the npm tools (ACCORD_TOOLS, default
// .ci/tools/node_modules), headless Chromium through playwright-core (ACCORD_CHROMIUM,
// default /usr/bin/chromium), and a local server for the pages.
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const tools =
  process.env.ACCORD_TOOLS || path.join(here, "..", ".ci", "tools", "node_modules");
const require = createRequire(path.join(tools, "noop.js"));
const { chromium } = require("playwright-core");

/* Starts `server` on a free port of 127.0.0.1; resolves to its origin. */
export async function listen(server) {
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return `http://127.0.0.1:${server.address().port}`;
}

/* Headless Chromium, without the network traffic of its own. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.ACCORD_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
}
