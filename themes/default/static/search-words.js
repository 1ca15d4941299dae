/*
 * accord — the search of words, loaded by search.js the first time a query needs it:
 * the English stemmer (a query with a word of 3 ASCII letters or more), the typo
 * dictionary and "did you mean" (a word that matches nothing), the last word matched
 * as a prefix while typing, and the edit distance and nearest words that search-hangul.js
 * uses too. Plain JavaScript, no dependencies; runs inside `AccordSearch.define`,
 * which hands it what it uses of search.js (`S`).
 */
AccordSearch.define("words", function (S) {
  var isCjk = S.isCjk;
  var WORD = S.WORD;
  var MAX_WORD_CHARS = S.MAX_WORD_CHARS;
  var TYPO_MIN_CHARS = S.TYPO_MIN_CHARS;
  var IMPACT_SCORE = S.IMPACT_SCORE;
  var Engine = S.Engine;
  var Reader = S.Reader;
  var compareBytes = S.compareBytes;
  var startsWith = S.startsWith;
  var concat = S.concat;
  var utf8 = S.utf8;
  var decodePostings = S.decodePostings;
  var isTypoWord = S.isTypoWord;
  var isSyllable = S.isSyllable;
  var decoder = null;

  /*
   * The Snowball English ("Porter2") stemmer, as the index applies it (`stem` in
   * src/search/tokenize.rs, through the rust-stemmers crate, 1.2): a word of 3 or more
   * ASCII letters becomes its stem, any other token stays as it is. Written for accord
   * from the algorithm's definition (english.sbl, snowballstem.org/algorithms/english),
   * the version rust-stemmers generates its code from; checked against it by the
   * `stems` of tests/search_vectors.json. Words never hold apostrophes here (the
   * tokenizer splits at them), so the apostrophe rules are left out.
   */
  var STEM_EXCEPTIONS = {
    skis: "ski", skies: "sky", dying: "die", lying: "lie", tying: "tie", idly: "idl",
    gently: "gentl", ugly: "ugli", early: "earli", only: "onli", singly: "singl",
    sky: "sky", news: "news", howe: "howe", atlas: "atlas", cosmos: "cosmos",
    bias: "bias", andes: "andes",
  };
  var STEM_INVARIANT = ["inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"];
  var STEP2 = [
    ["ization", "ize"], ["ational", "ate"], ["fulness", "ful"], ["ousness", "ous"],
    ["iveness", "ive"], ["tional", "tion"], ["biliti", "ble"], ["lessli", "less"],
    ["entli", "ent"], ["ation", "ate"], ["alism", "al"], ["aliti", "al"], ["ousli", "ous"],
    ["iviti", "ive"], ["fulli", "ful"], ["enci", "ence"], ["anci", "ance"], ["abli", "able"],
    ["izer", "ize"], ["ator", "ate"], ["alli", "al"], ["bli", "ble"], ["ogi", "og"], ["li", ""],
  ];
  var STEP3 = [
    ["ational", "ate"], ["tional", "tion"], ["alize", "al"], ["icate", "ic"], ["iciti", "ic"],
    ["ative", ""], ["ical", "ic"], ["ness", ""], ["ful", ""],
  ];
  var STEP4 = [
    "ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous",
    "ive", "ize", "ion", "al", "er", "ic",
  ];

  function isVowel(c) {
    return c === "a" || c === "e" || c === "i" || c === "o" || c === "u" || c === "y";
  }

  /* The longest of `suffixes` (strings, or [suffix, replacement]) that `w` ends with. */
  function longestSuffix(w, suffixes) {
    var best = null;
    suffixes.forEach(function (s) {
      var suffix = typeof s === "string" ? s : s[0];
      if (w.length >= suffix.length && w.slice(w.length - suffix.length) === suffix) {
        if (!best || suffix.length > (typeof best === "string" ? best : best[0]).length) best = s;
      }
    });
    return best;
  }

  /* Where a region starts: after the first non-vowel that follows a vowel, from `from`. */
  function regionAfter(w, from) {
    for (var i = from; i + 1 < w.length; i++) {
      if (isVowel(w[i]) && !isVowel(w[i + 1])) return i + 2;
    }
    return w.length;
  }

  /* Whether `w` up to `end` ends with a short syllable. */
  function shortSyllable(w, end) {
    if (end >= 3 && !isVowel(w[end - 3]) && isVowel(w[end - 2]) && !isVowel(w[end - 1])) {
      return "wxY".indexOf(w[end - 1]) < 0;
    }
    return end === 2 && isVowel(w[0]) && !isVowel(w[1]);
  }

  function stem(token) {
    if (!/^[a-z]{3,}$/.test(token)) return token;
    if (Object.prototype.hasOwnProperty.call(STEM_EXCEPTIONS, token)) return STEM_EXCEPTIONS[token];
    var w = token;
    // A y at the start or after a vowel is a consonant: Y until the end.
    for (var i = 0; i < w.length; i++) {
      if (w[i] === "y" && (i === 0 || isVowel(w[i - 1]))) w = w.slice(0, i) + "Y" + w.slice(i + 1);
    }
    var special = /^(gener|commun|arsen)/.exec(w);
    var p1 = special ? special[1].length : regionAfter(w, 0);
    var p2 = regionAfter(w, p1);
    function ends(s) {
      return w.length >= s.length && w.slice(w.length - s.length) === s;
    }
    function hasVowel(s) {
      return /[aeiouy]/.test(s);
    }
    // Step 1a.
    if (ends("sses")) w = w.slice(0, -2);
    else if (ends("ied") || ends("ies")) w = w.slice(0, -3) + (w.length > 4 ? "i" : "ie");
    else if (ends("s") && !ends("us") && !ends("ss") && hasVowel(w.slice(0, -2))) w = w.slice(0, -1);
    if (STEM_INVARIANT.indexOf(w) < 0) {
      // Step 1b.
      var m = /(eedly|ingly|edly|eed|ing|ed)$/.exec(w);
      if (m && (m[1] === "eed" || m[1] === "eedly")) {
        if (m.index >= p1) w = w.slice(0, m.index) + "ee";
      } else if (m && hasVowel(w.slice(0, m.index))) {
        w = w.slice(0, m.index);
        if (ends("at") || ends("bl") || ends("iz")) w += "e";
        else if (/(bb|dd|ff|gg|mm|nn|pp|rr|tt)$/.test(w)) w = w.slice(0, -1);
        else if (w.length === p1 && shortSyllable(w, w.length)) w += "e";
      }
      // Step 1c.
      if ((ends("y") || ends("Y")) && w.length > 2 && !isVowel(w[w.length - 2])) {
        w = w.slice(0, -1) + "i";
      }
      // Step 2.
      var s2 = longestSuffix(w, STEP2);
      if (s2 && w.length - s2[0].length >= p1) {
        var at2 = w.length - s2[0].length;
        if (s2[0] === "ogi") {
          if (w[at2 - 1] === "l") w = w.slice(0, at2) + "og";
        } else if (s2[0] === "li") {
          if ("cdeghkmnrt".indexOf(w[at2 - 1]) >= 0) w = w.slice(0, at2);
        } else {
          w = w.slice(0, at2) + s2[1];
        }
      }
      // Step 3.
      var s3 = longestSuffix(w, STEP3);
      if (s3 && w.length - s3[0].length >= p1) {
        var at3 = w.length - s3[0].length;
        if (s3[0] !== "ative" || at3 >= p2) w = w.slice(0, at3) + s3[1];
      }
      // Step 4.
      var s4 = longestSuffix(w, STEP4);
      if (s4 && w.length - s4.length >= p2) {
        var at4 = w.length - s4.length;
        if (s4 !== "ion" || w[at4 - 1] === "s" || w[at4 - 1] === "t") w = w.slice(0, at4);
      }
      // Step 5.
      var at5 = w.length - 1;
      if (ends("e") && (at5 >= p2 || (at5 >= p1 && !shortSyllable(w, at5)))) w = w.slice(0, at5);
      else if (ends("l") && at5 >= p2 && w[at5 - 1] === "l") w = w.slice(0, at5);
    }
    return w.replace(/Y/g, "y");
  }

  // ------------------------------------------------------------ typos
  var TYPO_WORDS = 3;

  /* Edits allowed: 1 for words of up to 7 letters, 2 for 8 or more. */
  function typoDistance(chars) {
    return chars >= 8 ? 2 : 1;
  }

  /*
   * The optimal string alignment distance of two words in characters (a swap of two
   * neighbours is one edit), more than `max` as `max + 1`: `edit_distance` in Rust.
   */
  function editDistance(a, b, max) {
    a = Array.from(a);
    b = Array.from(b);
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var d = [];
    for (var i = 0; i <= a.length; i++) {
      d.push([i]);
      for (var j = 1; j <= b.length; j++) {
        if (i === 0) {
          d[i].push(j);
          continue;
        }
        var v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2][j - 2] + 1);
        d[i].push(v);
      }
    }
    return Math.min(d[a.length][b.length], max + 1);
  }

  /*
   * The words of `words` ([[word, records]]) within `max` of a word by `distance`
   * (a function of a word), best first (fewest edits, most records, byte order),
   * those at the fewest edits only, at most TYPO_WORDS.
   */
  function nearest(words, distance, max) {
    var near = [];
    words.forEach(function (w) {
      var d = distance(w[0]);
      if (d <= max) near.push([d, w[1], w[0]]);
    });
    near.sort(function (x, y) {
      return x[0] - y[0] || y[1] - x[1] || compareBytes(utf8(x[2]), utf8(y[2]));
    });
    return near
      .filter(function (n) {
        return n[0] === near[0][0];
      })
      .slice(0, TYPO_WORDS)
      .map(function (n) {
        return n[2];
      });
  }

  /*
   * `norm` with every word (letters and digits outside CJK, or a run of Hangul
   * syllables) that `fixes` names fixed.
   */
  function corrected(norm, fixes) {
    var out = "";
    var word = "";
    var last = 0;
    function flush() {
      var fix = fixes.filter(function (f) {
        return f[0] === word;
      })[0];
      out += fix ? fix[1] : word;
      word = "";
    }
    for (var ch of norm) {
      var c = ch.codePointAt(0);
      // 1 in a word, 2 in a run of Hangul syllables.
      var k = isSyllable(c) ? 2 : WORD.test(ch) && !isCjk(c) ? 1 : 0;
      if (k !== last) {
        flush();
        last = k;
      }
      if (k) word += ch;
      else out += ch;
    }
    flush();
    return out;
  }

  /* A list of words with their number of records (`write_words`): [[word, records]]. */
  function parseWords(bytes) {
    var r = new Reader(bytes);
    var out = [];
    var prev = new Uint8Array(0);
    if (!decoder) decoder = new TextDecoder();
    for (var k = r.varint(); k > 0; k--) {
      var word = concat(prev.subarray(0, r.varint()), r.bytes());
      out.push([decoder.decode(word), r.varint()]);
      prev = word;
    }
    return out;
  }

  /* The words of `n` characters of the typo dictionary: [[word, records]]. */
  Engine.prototype.words = function (n) {
    if (!this.dictionary) this.dictionary = {};
    if (!this.dictionary[n]) this.dictionary[n] = this.load("w/" + n + ".bin").then(parseWords);
    return this.dictionary[n];
  };

  /*
   * The union of the postings of several terms, as the Rust reader's
   * `Matches::of_prefix`: the highest scale, per record the highest impact on it.
   */
  function unionOf(terms) {
    if (!terms.length) return null;
    var top = 1;
    terms.forEach(function (t) {
      if (t.scale > top) top = t.scale;
    });
    var best = new Map();
    terms.forEach(function (t) {
      var p = decodePostings(t);
      for (var j = 0; j < p.docs.length; j++) {
        var w = Math.floor((2 * t.scale * (p.imp[j] & IMPACT_SCORE) + top) / (2 * top));
        w = Math.min(Math.max(w, 1), IMPACT_SCORE) | (p.imp[j] & ~IMPACT_SCORE & 0xff);
        var e = best.get(p.docs[j]) || 0;
        best.set(p.docs[j], Math.max(e & IMPACT_SCORE, w & IMPACT_SCORE) | ((e | w) & 0x80));
      }
    });
    var docs = Uint32Array.from(best.keys()).sort();
    var imp = new Uint8Array(docs.length);
    docs.forEach(function (d, j) {
      imp[j] = best.get(d);
    });
    return { docs: docs, imp: imp, mask: new Uint8Array(docs.length), scale: top };
  }

  /* The union of the postings of every term that one of `prefixes` starts. */
  Engine.prototype.prefixPostings = function (m, prefixes) {
    var self = this;
    var keys = prefixes.map(utf8);
    return Promise.all(
      keys.map(function (key) {
        return self.shardsWithPrefix(m, key);
      })
    ).then(function (lists) {
      var shards = [];
      lists.forEach(function (list) {
        list.forEach(function (i) {
          if (shards.indexOf(i) < 0) shards.push(i);
        });
      });
      return Promise.all(
        shards.map(function (i) {
          return self.shard(m, i);
        })
      );
    }).then(function (all) {
      var terms = [];
      all.forEach(function (ts) {
        ts.forEach(function (t) {
          if (keys.some(function (key) { return startsWith(t.term, key); })) terms.push(t);
        });
      });
      return Promise.all(
        terms.map(function (t) {
          return self.full(m, t);
        })
      ).then(unionOf);
    });
  };

  /*
   * Typos: every word of the query (`written`, by slot) that matched nothing, of
   * letters only and TYPO_MIN_CHARS or more, is looked up in the typo dictionary; the
   * nearest words replace it in the suggestion, and for a word of 4 letters or more
   * the union of their terms' postings becomes its list (as the Rust reader's
   * `Reader::typos`). Resolves to the fixes, [[word, nearest word]].
   */
  Engine.prototype.typos = function (m, written, lists) {
    var self = this;
    var fixes = [];
    var steps = Promise.resolve();
    written.forEach(function (word, slot) {
      if ((lists[slot] && lists[slot].docs.length) || !isTypoWord(word)) return;
      steps = steps.then(function () {
        var chars = Array.from(word);
        var max = typoDistance(chars.length);
        var files = [];
        var last = Math.min(chars.length + max, MAX_WORD_CHARS);
        for (var n = Math.max(chars.length - max, TYPO_MIN_CHARS); n <= last; n++) {
          files.push(self.words(n));
        }
        return Promise.all(files).then(function (got) {
          var near = nearest([].concat.apply([], got), function (w) {
            return editDistance(word, w, max);
          }, max);
          if (!near.length) return null;
          fixes.push([word, near[0]]);
          if (chars.length < 4) return null;
          return Promise.all(
            near.map(function (w) {
              return self.term(m, stem(w)).then(function (t) {
                return self.full(m, t);
              });
            })
          ).then(function (terms) {
            lists[slot] = unionOf(terms.filter(Boolean));
          });
        });
      });
    });
    return steps.then(function () {
      return fixes;
    });
  };

  /* The shards that may hold terms starting with `prefix`: [shard]. */
  Engine.prototype.shardsWithPrefix = function (m, prefix) {
    var self = this;
    return this.shardOf(m, prefix).then(function (first) {
      var out = [];
      function from(i) {
        if (i < m.shards) out.push(i);
        if (i + 1 >= m.shards) return out;
        return self.firstKey(m, i + 1).then(function (key) {
          return startsWith(key, prefix) ? from(i + 1) : out;
        });
      }
      return from(first);
    });
  };

  return {
    stem: stem,
    editDistance: editDistance,
    nearest: nearest,
    corrected: corrected,
    parseWords: parseWords,
  };
});
