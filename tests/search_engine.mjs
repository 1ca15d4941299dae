// Runs queries with the search engine of themes/default/static/search.js and its parts,
// as a site serves them (SITE_OUTPUT/search.js and search-*.js, minified), on an index
// on disk, for
// tests/suite/search_index.rs, which compares the answers with the Rust reader's.
//
//     node tests/search_engine.mjs SITE_OUTPUT QUERIES.json
//
// QUERIES.json: [{"q": "...", "filters": {"kind", "city", "org", "topic", "year", "lang"}, "cities": bool,
// "want": null or the hits a page shows}]
// where `cities` asks for the counts by city, organization and topic (the whole tables).
// Prints [{"hits": [[record, score], ...], "total", "suggestion", "facets": {kind, lang, year, city, org, topic},
// "shown": [[URL, passages] of the first four hits], "parts": [the parts of the engine
// the query loaded]}, ...].
import { readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";

const [site, queriesFile] = process.argv.slice(2);
const script = (name) => readFileSync(join(site, name), "utf8");
const source = script("search.js");

// Each query on a fresh engine and script, as a first visit: `parts` are the parts of
// the engine (search-NAME.js, beside search.js) the query loaded.
function fresh(parts) {
  const context = vm.createContext({ TextEncoder, TextDecoder });
  vm.runInContext(source, context, { filename: "search.js" });
  const load = (name) => {
    parts.push(name);
    const file = `search-${name}.js`;
    vm.runInContext(script(file), context, { filename: file });
    return Promise.resolve();
  };
  // Ranges of packs are sliced, as a server that answers range requests sends them.
  const read = (path, again, range) => {
    const bytes = new Uint8Array(readFileSync(join(site, "search", path)));
    return Promise.resolve(range ? bytes.slice(range[0], range[1]) : bytes);
  };
  return new context.AccordSearch.Engine(read, load);
}

const queries = JSON.parse(readFileSync(queriesFile, "utf8"));
const answers = [];
for (const { q, filters, cities, want } of queries) {
  const f = { kind: null, city: null, org: null, topic: null, year: null, lang: null, ...filters };
  const parts = [];
  const engine = fresh(parts);
  const r = await engine.search(q, f, cities, want || undefined);
  // The URL and the passages of the first hits, as the page shows them.
  const shown = await Promise.all(
    Array.from(r.hits.slice(0, 4), (h) =>
      Promise.all([engine.meta(h[0]), engine.passages(h[0])]).then(([m, p]) => [m.u, p.p])
    )
  );
  answers.push({
    hits: Array.from(r.hits, (h) => [h[0], h[1]]),
    total: r.total,
    suggestion: r.suggestion,
    facets: r.facets,
    shown,
    parts: parts.sort(),
  });
}
console.log(JSON.stringify(answers));
