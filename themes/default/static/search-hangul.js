/*
 * accord — "did you mean" for Hangul queries, loaded by search.js (after
 * search-words.js, whose edit distance and nearest words it uses) the first time a
 * query with Hangul finds no record. Plain JavaScript, no dependencies; runs inside
 * `AccordSearch.define`, which hands it what it uses of search.js (`S`).
 */
AccordSearch.define("hangul", function (S) {
  var Engine = S.Engine;
  var fnv32 = S.fnv32;
  var editDistance = S.parts.words.editDistance;
  var nearest = S.parts.words.nearest;
  var parseWords = S.parts.words.parseWords;

  /*
   * The twin of src/search/hangul.rs. Particles stripped from the end of a run of
   * Hangul syllables when 2 syllables or more remain, longest first; a word of the
   * dictionary has 2 to 6 syllables.
   */
  var PARTICLES = "에서는 에서의 으로는 으로의 에서 에게 으로 까지 부터 에는 에도 로는 과의 와의 은 는 이 가 을 를 의 에 와 과 도 로 만".split(" ");
  var MIN_SYLLABLES = 2;
  var MAX_SYLLABLES = 6;

  /* Every run of Hangul syllables of normalised text: [run, stem, particle]. */
  function hangulWords(norm) {
    return (norm.match(/[\uac00-\ud7a3]+/g) || []).map(function (run) {
      var p =
        PARTICLES.filter(function (p) {
          return run.endsWith(p) && run.length - p.length >= MIN_SYLLABLES;
        })[0] || "";
      return [run, run.slice(0, run.length - p.length), p];
    });
  }

  /* The edit distance of two Hangul words over their jamo (NFD): `jamo_distance`. */
  function jamoDistance(a, b, max) {
    return editDistance(a.normalize("NFD"), b.normalize("NFD"), max);
  }

  /* Jamo edits allowed: 1 for 2 or 3 syllables, 2 for 4 to 6. */
  function maxEdits(n) {
    return n >= 4 ? 2 : 1;
  }

  /*
   * The buckets (of `count`) of the keys of a word: its number of syllables, the place
   * and the syllable, for each of its first maxEdits + 1 syllables.
   */
  function jamoBuckets(stem, count) {
    var out = [];
    for (var at = 0; at <= maxEdits(stem.length); at++) {
      var b = fnv32(String(stem.length) + at + stem[at]) % count;
      if (out.indexOf(b) < 0) out.push(b);
    }
    return out;
  }

  /*
   * Did you mean, for Hangul (`Reader::hangul_fixes`): every Hangul word of the
   * normalised query whose stem has 2 to 6 syllables and is not in the dictionary of
   * Hangul words becomes its nearest word there (fewest jamo edits, of as many
   * syllables; most records; byte order), its particle kept. Reads the number of
   * buckets of jamo.bin, then the buckets of the word's keys. Resolves to the fixes,
   * [[run, fixed run]].
   */
  Engine.prototype.hangulFixes = function (norm) {
    var self = this;
    var asked = hangulWords(norm).filter(function (w) {
      return w[1].length >= MIN_SYLLABLES && w[1].length <= MAX_SYLLABLES;
    });
    if (!asked.length) return Promise.resolve([]);
    if (!this.jamoCount) {
      this.jamoCount = this.load("jamo.bin", false, [0, 4]).then(function (b) {
        return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
      });
    }
    return this.jamoCount.then(function (count) {
      return Promise.all(
        asked.map(function (w) {
          var stem = w[1];
          var max = maxEdits(stem.length);
          return Promise.all(
            jamoBuckets(stem, count).map(function (b) {
              return self.item("jamo.bin", b).then(parseWords);
            })
          ).then(function (lists) {
            var near = nearest([].concat.apply([], lists), function (x) {
              return x.length === stem.length ? jamoDistance(stem, x, max) : max + 1;
            }, max)[0];
            return near && near !== stem ? [w[0], near + w[2]] : null;
          });
        })
      ).then(function (fixes) {
        return fixes.filter(Boolean);
      });
    });
  };

  return { jamoDistance: jamoDistance };
});
