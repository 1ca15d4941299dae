// Runs queries with the search engine of themes/default/static/search.js on an index
// on disk, for tests/suite/search_index.rs, which compares the answers with the Rust reader's.
//
//     node tests/search_engine.mjs SITE_OUTPUT QUERIES.json
//
// QUERIES.json: [{"q": "...", "filters": {"kind", "city", "org", "topic", "year", "lang"}, "cities": bool}]
// where `cities` asks for the counts by city, organization and topic (the whole tables).
// Prints [{"hits": [[record, score], ...], "suggestion", "facets": {kind, lang, year, city, org, topic}}, ...].
import { readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";

const [site, queriesFile] = process.argv.slice(2);
const here = new URL(".", import.meta.url);
const source = readFileSync(new URL("../themes/default/static/search.js", here), "utf8");
const context = vm.createContext({ TextEncoder, TextDecoder });
vm.runInContext(source, context, { filename: "search.js" });
const search = context.AccordSearch;

const engine = new search.Engine((path) =>
  Promise.resolve(new Uint8Array(readFileSync(join(site, "search", path))))
);
const queries = JSON.parse(readFileSync(queriesFile, "utf8"));
const answers = [];
for (const { q, filters, cities } of queries) {
  const f = { kind: null, city: null, org: null, topic: null, year: null, lang: null, ...filters };
  const r = await engine.search(q, f, cities);
  answers.push({
    hits: Array.from(r.hits, (h) => [h[0], h[1]]),
    suggestion: r.suggestion,
    facets: r.facets,
  });
}
console.log(JSON.stringify(answers));
