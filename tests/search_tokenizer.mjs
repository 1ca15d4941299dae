// Runs the tokenizer of themes/default/static/search.js (and the stemmer and edit
// distances of its parts, search-words.js and search-hangul.js, beside it) against the
// shared vectors in tests/search_vectors.json (the Rust tokenizer is checked against
// the same file by tests/suite/search_tokenizer.rs, which also runs this script). Exit
// status 1 on any mismatch.
//
//     node tests/search_tokenizer.mjs [SCRIPT]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const here = new URL(".", import.meta.url);
// The script to test: the theme's source, or SCRIPT (e.g. as a site serves it, minified).
const script = process.argv[2] || fileURLToPath(new URL("../themes/default/static/search.js", here));
const context = vm.createContext({ TextEncoder, TextDecoder });
for (const name of ["search.js", "search-words.js", "search-hangul.js"]) {
  const file = join(dirname(script), name);
  vm.runInContext(readFileSync(file, "utf8"), context, { filename: name });
}
const search = context.AccordSearch;
const words = search.parts.words;
const hangul = search.parts.hangul;
const vectors = JSON.parse(readFileSync(new URL("search_vectors.json", here), "utf8"));

let failures = 0;
for (const v of vectors.tokens) {
  const got = JSON.stringify(Array.from(search.tokenize(v.input)));
  const want = JSON.stringify(v.tokens);
  if (got !== want) {
    failures++;
    console.error(`MISMATCH (${v.case}): ${JSON.stringify(v.input)}\n  want ${want}\n  got  ${got}`);
  }
  if (v.joined) {
    const gotJoined = JSON.stringify(Array.from(search.tokenizeJoined(v.input), (t) => t[1]));
    if (gotJoined !== JSON.stringify(v.joined)) {
      failures++;
      console.error(`MISMATCH joined (${v.case}): want ${JSON.stringify(v.joined)}, got ${gotJoined}`);
    }
  }
}
for (const v of vectors.follow_bits) {
  const got = search.followBit(v.token);
  if (got !== v.bit) {
    failures++;
    console.error(`MISMATCH follow bit of ${JSON.stringify(v.token)}: want ${v.bit}, got ${got}`);
  }
}
for (const v of vectors.stems) {
  const got = words.stem(v.word);
  if (got !== v.stem) {
    failures++;
    console.error(`MISMATCH stem of ${JSON.stringify(v.word)}: want ${v.stem}, got ${got}`);
  }
}
for (const v of vectors.distances) {
  const got = words.editDistance(v.a, v.b, v.max);
  if (got !== v.distance) {
    failures++;
    console.error(`MISMATCH distance of ${v.a} and ${v.b}: want ${v.distance}, got ${got}`);
  }
}
for (const v of vectors.jamo_distances) {
  const got = hangul.jamoDistance(v.a, v.b, v.max);
  if (got !== v.distance) {
    failures++;
    console.error(`MISMATCH jamo distance of ${v.a} and ${v.b}: want ${v.distance}, got ${got}`);
  }
}
for (const v of vectors.phrases) {
  const got = search.phraseRuns(search.tokenizeJoined(v.input)).map((r) => r[2]);
  if (JSON.stringify(got) !== JSON.stringify(v.runs)) {
    failures++;
    console.error(`MISMATCH phrases of ${JSON.stringify(v.input)}: want ${JSON.stringify(v.runs)}, got ${JSON.stringify(got)}`);
  }
}
const total =
  vectors.phrases.length +
  vectors.tokens.length +
  vectors.follow_bits.length +
  vectors.stems.length +
  vectors.distances.length +
  vectors.jamo_distances.length;
if (failures) {
  console.error(`${failures} of ${total} vectors failed in search.js`);
  process.exit(1);
}
console.log(`search.js: ${total} vectors passed`);
