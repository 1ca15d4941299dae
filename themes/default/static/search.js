/*
 * accord — the search page. Plain JavaScript, no dependencies.
 *
 * The tokenizer is the twin of the one in src/search.rs; both are checked against
 * tests/search_vectors.json. The index format is described in docs/search.md: a
 * manifest, shards of postings cut in sorted term ranges, what each record shows
 * (fetched only for the results shown), packed several to a file and read one at a
 * time with range requests, and the cities of every record (fetched only to filter or
 * count by city). Text from the index is inserted with textContent only.
 * The header's panel and the highlighting on a record page are in search-ui.js, which
 * uses what this file returns (`AccordSearch`).
 */
var AccordSearch = (function () {
  "use strict";

  // ------------------------------------------------------------ tokenizer
  var MAX_WORD_CHARS = 32;
  var WORD = /^[\p{Alphabetic}\p{N}]$/u;

  function normalize(text) {
    var out = "";
    for (var ch of String(text).normalize("NFC")) {
      var c = ch.codePointAt(0);
      out += c >= 0xff01 && c <= 0xff5e ? String.fromCodePoint(c - 0xfee0) : ch;
    }
    return out.toLowerCase().normalize("NFC");
  }

  function isCjk(c) {
    return (
      (c >= 0x1100 && c <= 0x11ff) ||
      (c >= 0x3005 && c <= 0x3007) ||
      (c >= 0x3021 && c <= 0x3029) ||
      (c >= 0x3038 && c <= 0x303b) ||
      (c >= 0x3040 && c <= 0x309f) ||
      (c >= 0x30a0 && c <= 0x30ff) ||
      (c >= 0x3130 && c <= 0x318f) ||
      (c >= 0x31f0 && c <= 0x31ff) ||
      (c >= 0x3400 && c <= 0x4dbf) ||
      (c >= 0x4e00 && c <= 0x9fff) ||
      (c >= 0xa960 && c <= 0xa97f) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xd7b0 && c <= 0xd7ff) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xff66 && c <= 0xff9f) ||
      (c >= 0x20000 && c <= 0x323af)
    );
  }

  /* Runs of already normalised text: [kind, text] with kind "cjk" or "word". */
  function runsOf(norm) {
    var runs = [];
    var kind = null;
    var text = "";
    var len = 0;
    function close() {
      if (kind) runs.push([kind, text]);
      kind = null;
    }
    for (var ch of norm) {
      var c = ch.codePointAt(0);
      var k = isCjk(c) ? "cjk" : WORD.test(ch) ? "word" : null;
      if (k && k === kind) {
        len++;
        if (k === "cjk" || len <= MAX_WORD_CHARS) text += ch;
      } else {
        close();
        if (k) {
          kind = k;
          text = ch;
          len = 1;
        }
      }
    }
    close();
    return runs;
  }

  /*
   * Words as they are, CJK runs as overlapping bigrams (one character alone as itself),
   * each as [token, joined]: whether it directly follows the token before (the next
   * bigram of the same run, or a word after a word).
   */
  function tokenizeJoined(text) {
    var out = [];
    var afterWord = false;
    runsOf(normalize(text)).forEach(function (run) {
      if (run[0] === "word") {
        out.push([run[1], afterWord]);
        afterWord = true;
        return;
      }
      afterWord = false;
      var chars = Array.from(run[1]);
      if (chars.length === 1) out.push([chars[0], false]);
      for (var i = 0; i + 1 < chars.length; i++) out.push([chars[i] + chars[i + 1], i > 0]);
    });
    return out;
  }

  function tokenize(text) {
    return tokenizeJoined(text).map(function (t) {
      return t[0];
    });
  }

  function isSingleCjk(token) {
    var chars = Array.from(token);
    return chars.length === 1 && isCjk(chars[0].codePointAt(0));
  }

  var encoder = null;
  function utf8(s) {
    if (!encoder) encoder = new TextEncoder();
    return encoder.encode(s);
  }

  /* The 32-bit FNV-1a hash of the UTF-8 bytes of `s` (`Fnv1a::hash32` in Rust). */
  function fnv32(s) {
    var h = 0x811c9dc5;
    var bytes = utf8(s);
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
  }

  /* FNV-1a over the UTF-8 bytes, folded to one of 8 bits. */
  function followBit(token) {
    var h = fnv32(token);
    return 1 << ((h ^ (h >>> 16)) & 7);
  }

  // ------------------------------------------------------------ parts on demand
  /*
   * The code that only some queries need is in scripts of its own, next to this one,
   * each loaded the first time a query needs it (`Engine.part`) and run by
   * `define(name, make)`: `search-words.js` (the stemmer, typos and their "did you
   * mean", the prefix of the word being typed), `search-hangul.js` ("did you mean"
   * for Hangul) and `search-runs.js` (the positions check of the CJK runs of 4
   * characters or more). `make` gets `inner` (what the parts use of this file, `parts` among
   * it); what it returns is `parts[name]`.
   */
  var parts = {};
  var loading = {};
  var inner = { parts: parts };

  function define(name, make) {
    parts[name] = make(inner);
  }

  /* Where this script was loaded from: the parts are beside it. */
  var here = typeof document !== "undefined" && document.currentScript ? document.currentScript.src : "";

  /* Loads part `name` as a script of the page (the default of `Engine`). */
  function scriptPart(name) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = here.slice(0, here.lastIndexOf("/") + 1) + "search-" + name + ".js";
      s.onload = resolve;
      s.onerror = function () {
        reject(new Error("search-" + name + ".js"));
      };
      document.head.appendChild(s);
    });
  }

  /* A word the English stemmer changes: 3 ASCII letters or more (`stem`). */
  var STEMMED = /^[a-z]{3,}$/;

  /* The term of a token: its stem (search-words.js, loaded first) or itself. */
  function stem(token) {
    return STEMMED.test(token) ? parts.words.stem(token) : token;
  }

  /* What a word as written starts with in the index when its stem differs. */
  var WRITTEN = "=";

  /* The shortest word of the typo dictionary. */
  var TYPO_MIN_CHARS = 3;

  function isTypoWord(token) {
    var chars = Array.from(token);
    return (
      chars.length >= TYPO_MIN_CHARS &&
      chars.every(function (ch) {
        return !isCjk(ch.codePointAt(0)) && /^\p{Alphabetic}$/u.test(ch);
      })
    );
  }

  function isSyllable(c) {
    return c >= 0xac00 && c <= 0xd7a3;
  }

  // ------------------------------------------------------------ index format
  var decoder = null;

  function Reader(bytes) {
    this.b = bytes;
    this.at = 0;
  }
  Reader.prototype.varint = function () {
    var v = 0;
    var scale = 1;
    for (;;) {
      if (this.at >= this.b.length) throw new Error("truncated index file");
      var byte = this.b[this.at++];
      v += (byte & 0x7f) * scale;
      if (!(byte & 0x80)) return v;
      scale *= 128;
    }
  };
  Reader.prototype.bytes = function () {
    var len = this.varint();
    if (this.at + len > this.b.length) throw new Error("truncated index file");
    var out = this.b.subarray(this.at, this.at + len);
    this.at += len;
    return out;
  };
  Reader.prototype.string = function () {
    if (!decoder) decoder = new TextDecoder();
    return decoder.decode(this.bytes());
  };

  function compareBytes(a, b) {
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  }

  function startsWith(a, prefix) {
    if (a.length < prefix.length) return false;
    for (var i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false;
    return true;
  }

  function concat(prefix, suffix) {
    var out = new Uint8Array(prefix.length + suffix.length);
    out.set(prefix);
    out.set(suffix, prefix.length);
    return out;
  }

  function unzigzag(z) {
    return z % 2 ? -(z + 1) / 2 : z / 2;
  }

  function parseManifest(bytes) {
    var r = new Reader(bytes);
    if (String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]) !== "ACS8") {
      throw new Error("not a search index");
    }
    r.at = 4;
    var m = { version: r.string(), docs: r.varint() };
    function list() {
      var out = [];
      for (var n = r.varint(); n > 0; n--) out.push(r.string());
      return out;
    }
    m.kinds = list();
    m.langs = list();
    var minYear = unzigzag(r.varint());
    m.start = new Int32Array(m.docs);
    m.end = new Int32Array(m.docs);
    m.kind = new Uint8Array(m.docs);
    m.lang = new Uint16Array(m.docs);
    var doc = 0;
    for (var s = r.varint(); s > 0; s--) {
      var start = minYear + r.varint();
      for (var g = r.varint(); g > 0; g--) {
        var end = start + r.varint();
        var kind = r.varint();
        var lang = r.varint();
        var count = r.varint();
        if (doc + count > m.docs) throw new Error("bad record groups");
        for (; count > 0; count--, doc++) {
          m.start[doc] = start;
          m.end[doc] = end;
          m.kind[doc] = kind;
          m.lang[doc] = lang;
        }
      }
    }
    if (doc !== m.docs) throw new Error("bad record groups");
    m.shards = r.varint();
    m.keysPerFile = r.varint();
    var groups = r.varint();
    if (!m.keysPerFile || groups !== Math.max(Math.ceil(m.shards / m.keysPerFile) - 1, 0)) {
      throw new Error("bad shard groups");
    }
    m.top = readSeparators(r, groups);
    m.perRecordFile = r.varint();
    m.perPassageFile = r.varint();
    m.perBlockFile = r.varint();
    if (!m.perRecordFile || !m.perPassageFile || !m.perBlockFile) throw new Error("bad manifest");
    return m;
  }

  /*
   * `count` separators (the first keys of shards) as `encode_separators` writes them:
   * code points shared with the previous one, then the new ones, the first as a step.
   */
  function readSeparators(r, count) {
    var out = [];
    var prev = [];
    for (var i = 0; i < count; i++) {
      var shared = r.varint();
      var cps = prev.slice(0, shared);
      for (var k = r.varint(), first = true; k > 0; k--, first = false) {
        var v = r.varint();
        cps.push(first && shared < prev.length ? prev[shared] + v + 1 : v);
      }
      out.push(utf8(String.fromCodePoint.apply(null, cps)));
      prev = cps;
    }
    return out;
  }

  /* The number of `keys` (sorted) not after `term`. */
  function notAfter(keys, term) {
    var lo = 0;
    var hi = keys.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (compareBytes(keys[mid], term) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /*
   * Terms of a shard: [{term: bytes, df, scale, masks, postings: bytes, f, b, o}], postings
   * decoded on demand; `f`, `b` and `o` say where the term's followers, preceders and
   * positions are:
   * [the number of the file of that kind, the place of the term's block in it]. A
   * term with a head has `head` (parseHead) and `full`, the number of its postings in
   * the postings packs, and no `postings` until they are read (Engine.full).
   */
  function parseShard(bytes) {
    var r = new Reader(bytes);
    var terms = [];
    var prev = new Uint8Array(0);
    for (var n = r.varint(); n > 0; n--) {
      var shared = r.varint();
      var term = concat(prev.subarray(0, shared), r.bytes());
      var t = { term: term, df: r.varint(), scale: r.varint(), postings: null };
      // The postings kind: its low bit says whether they carry their masks (a
      // word's do, a CJK term's do not: ANY_FOLLOWS), the next whether they are
      // dense (a bitmap of the records); the rest, 1 + the number of the term's
      // postings in the postings packs for a term with a head, or 0.
      var kind = r.varint();
      var full = Math.floor(kind / 4);
      t.masks = kind % 2 === 1;
      t.dense = Math.floor(kind / 2) % 2 === 1;
      if (full) {
        t.full = full - 1;
        t.head = parseHead(r.bytes());
      } else {
        t.postings = r.bytes();
      }
      terms.push(t);
      prev = term;
    }
    ["f", "b", "o"].forEach(function (kind) {
      // The file of the terms from `from` on, and the place of term `from` in it.
      var file = r.varint();
      var block = r.varint();
      var from = 0;
      var starts = [];
      for (var n = r.varint(), start = 0; n > 0; n--) starts.push((start += r.varint()));
      for (var k = 0, next = 0; k < terms.length; k++) {
        if (starts[next] === k) {
          next++;
          file++;
          from = k;
          block = 0;
        }
        terms[k][kind] = [file, block + k - from];
      }
    });
    return terms;
  }

  /*
   * The head of a term (`Head::write`): {hits: [[doc, impact]] in the engine's order,
   * kinds and langs: [[index, count]], years: [[year, count]]}.
   */
  function parseHead(bytes) {
    var r = new Reader(bytes);
    var head = { hits: [] };
    for (var n = r.varint(); n > 0; n--) {
      var doc = r.varint();
      head.hits.push([doc, r.b[r.at++]]);
    }
    ["kinds", "langs", "years"].forEach(function (key) {
      var list = [];
      for (var k = r.varint(); k > 0; k--) {
        var v = r.varint();
        list.push([key === "years" ? unzigzag(v) : v, r.varint()]);
      }
      head[key] = list;
    });
    return head;
  }

  /*
   * The head's hits as a postings list {docs, imp, mask, scale} (by record, as
   * decodePostings gives them): a query of the term alone scores them as any list.
   */
  function headList(t) {
    var hits = t.head.hits.slice().sort(function (a, b) {
      return a[0] - b[0];
    });
    return {
      docs: Uint32Array.from(hits, function (h) { return h[0]; }),
      imp: Uint8Array.from(hits, function (h) { return h[1]; }),
      mask: new Uint8Array(hits.length),
      scale: t.scale,
    };
  }

  /* The facets of a query of the term alone, with no filter, from its head. */
  function headFacets(m, head) {
    var facets = { kind: {}, lang: {}, year: {}, city: null };
    head.kinds.forEach(function (c) {
      facets.kind[m.kinds[c[0]]] = c[1];
    });
    head.langs.forEach(function (c) {
      facets.lang[m.langs[c[0]]] = c[1];
    });
    head.years.forEach(function (c) {
      facets.year[c[0]] = c[1];
    });
    return facets;
  }

  /* The mask of a posting that carries none (a CJK term's): every token may follow. */
  var ANY_FOLLOWS = 0xff;

  function decodePostings(t) {
    if (t.decoded) return t.decoded;
    var r = new Reader(t.postings);
    var docs = new Uint32Array(t.df);
    var imp = new Uint8Array(t.df);
    var mask = new Uint8Array(t.df);
    var next = 0;
    var i;
    if (t.dense) {
      // The first record, a bitmap of the records from it on, then the impacts.
      var first = r.varint();
      var bits = r.bytes();
      for (var k = 0, n = 0; k < bits.length * 8 && n < t.df; k++) {
        if (bits[k >> 3] & (1 << (k & 7))) docs[n++] = first + k;
      }
    }
    for (i = 0; i < t.df; i++) {
      if (!t.dense) docs[i] = next += r.varint();
      imp[i] = r.b[r.at++];
      mask[i] = t.masks ? r.b[r.at++] : ANY_FOLLOWS;
      next = docs[i] + 1;
    }
    t.decoded = { docs: docs, imp: imp, mask: mask, scale: t.scale };
    return t.decoded;
  }

  /* {ids: [city id], names: [name], of: [[city index] per record]} */
  function parseCities(bytes) {
    var r = new Reader(bytes);
    var ids = [];
    var names = [];
    for (var c = r.varint(); c > 0; c--) {
      ids.push(r.string());
      names.push(r.string());
    }
    var n = r.varint();
    var of = new Array(n);
    for (var d = 0; d < n; d++) {
      var list = [];
      for (var k = r.varint(); k > 0; k--) list.push(r.varint());
      of[d] = list;
    }
    return { ids: ids, names: names, of: of };
  }

  // ------------------------------------------------------------ queries
  /* The score part of an impact byte; the top bit says "in the title". */
  var IMPACT_SCORE = 0x7f;
  /* What each query token in a record's title adds to its score (2^32). */
  var TITLE_STEP = 4294967296;
  /* The shortest last word matched as a prefix while typing. */
  var PREFIX_MIN = 3;

  /*
   * An index read through `load(path, fresh, range) -> Promise<Uint8Array>` (paths
   * relative to the index folder; `range`, when given, is [start, end) of the file's
   * bytes, and only those are returned). Answers as the Rust reader does: every token required; score =
   * TITLE_STEP per token in the title, plus twice the sum of the tokens' scale × impact,
   * plus, for each pair of consecutive query tokens that follow each other in the
   * record, their scale × impact once more (all integers).
   */
  function Engine(load, part) {
    this.load = load;
    this.loadPart = part || scriptPart;
    this.manifest = null;
    this.shards = {};
    this.metas = {};
    this.passageFiles = {};
    this.keyFiles = {};
    this.cities = null;
    this.lists = {};
    this.followers = {};
    this.items = {};
  }

  /*
   * Item `k` of the pack `path` (see `write_pack`): its two offsets (u32,
   * little-endian), then its bytes, each read with a range; kept by path and item.
   */
  Engine.prototype.item = function (path, k) {
    var key = path + "#" + k;
    var self = this;
    if (!this.items[key]) {
      this.items[key] = this.load(path, false, [4 + 4 * k, 12 + 4 * k]).then(function (b) {
        // No item is empty.
        var v = new DataView(b.buffer, b.byteOffset, 8);
        var start = v.getUint32(0, true);
        var end = v.getUint32(4, true);
        if (end <= start) throw new Error("bad pack " + path);
        return self.load(path, false, [start, end]);
      });
    }
    return this.items[key];
  };

  Engine.prototype.open = function () {
    if (!this.manifest) {
      this.manifest = this.load("manifest.bin", true).then(parseManifest);
    }
    return this.manifest;
  };

  Engine.prototype.shard = function (m, i) {
    if (!this.shards[i]) {
      var per = m.keysPerFile;
      this.shards[i] = this.item("s/" + Math.floor(i / per) + ".bin", i % per).then(parseShard);
    }
    return this.shards[i];
  };

  Engine.prototype.cityLists = function () {
    if (!this.cities) this.cities = this.load("cities.bin").then(parseCities);
    return this.cities;
  };

  /* `organizations` or `topics`: their ids and names and those of every record, as the
     cities'. */
  Engine.prototype.list = function (name) {
    if (!this.lists[name]) {
      this.lists[name] = this.load(name + ".bin").then(function (bytes) {
        var list = parseCities(bytes);
        // Their names are written without markup: `&amp;`, `&lt;`, `&gt;`.
        list.names = list.names.map(function (n) {
          return n.replace(/&(lt|gt|amp);/g, function (_, e) {
            return { lt: "<", gt: ">", amp: "&" }[e];
          });
        });
        return list;
      });
    }
    return this.lists[name];
  };

  /* One city's name and records: {name, member: Uint8Array by record}; none if unknown. */
  Engine.prototype.cityFile = function (m, id) {
    var member = new Uint8Array(m.docs);
    var none = { name: id, member: member };
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(id)) return Promise.resolve(none);
    return this.load("c/" + id + ".bin").then(
      function (bytes) {
        var r = new Reader(bytes);
        var name = r.string();
        var next = 0;
        for (var n = r.varint(); n > 0; n--) {
          var d = next + r.varint();
          if (d >= m.docs) throw new Error("bad city file");
          member[d] = 1;
          next = d + 1;
        }
        return { name: name, member: member };
      },
      function () {
        return none;
      }
    );
  };

  /*
   * The JSON of record `doc`, item `doc % per` of the pack `dir/<doc / per>.bin`
   * (`cache` keeps its promise by record).
   */
  Engine.prototype.listed = function (dir, cache, per, doc) {
    if (!cache[doc]) {
      var path = dir + "/" + Math.floor(doc / per) + ".bin";
      cache[doc] = this.item(path, doc % per).then(function (bytes) {
        if (!decoder) decoder = new TextDecoder();
        return JSON.parse(decoder.decode(bytes));
      });
    }
    return cache[doc];
  };

  /* What result `doc` shows (`d/`, several records per file). */
  Engine.prototype.meta = function (doc) {
    var self = this;
    return this.open().then(function (m) {
      return self.listed("d", self.metas, m.perRecordFile, doc);
    });
  };

  /* The passages of record `doc` (`p/`): {h: [[anchor, heading]], p: [[h, text]], n}. */
  Engine.prototype.passages = function (doc) {
    var self = this;
    return this.open().then(function (m) {
      return self.listed("p", self.passageFiles, m.perPassageFile, doc);
    });
  };

  /* The keys of group `g` (`k/<g>.bin`): the first key of each of its shards but the first. */
  Engine.prototype.keys = function (g) {
    if (!this.keyFiles[g]) {
      this.keyFiles[g] = this.load("k/" + g + ".bin").then(function (bytes) {
        var r = new Reader(bytes);
        return readSeparators(r, r.varint());
      });
    }
    return this.keyFiles[g];
  };

  /* The shard a term would be in: its group from the manifest, then the group's keys. */
  Engine.prototype.shardOf = function (m, key) {
    if (!m.shards) return Promise.resolve(0);
    var g = notAfter(m.top, key);
    return this.keys(g).then(function (keys) {
      return g * m.keysPerFile + notAfter(keys, key);
    });
  };

  /* The first key of shard `i` (not the first shard). */
  Engine.prototype.firstKey = function (m, i) {
    var per = m.keysPerFile;
    if (i % per === 0) return Promise.resolve(m.top[i / per - 1]);
    return this.keys(Math.floor(i / per)).then(function (keys) {
      return keys[(i % per) - 1];
    });
  };

  /* One term of the index: {term, df, scale, postings, shard, at}, or null. */
  Engine.prototype.term = function (m, token) {
    var self = this;
    var key = utf8(token);
    return this.shardOf(m, key).then(function (i) {
      if (i >= m.shards) return null;
      return self.shard(m, i).then(function (terms) {
        for (var k = 0; k < terms.length; k++) {
          if (compareBytes(terms[k].term, key) === 0) {
            terms[k].shard = i;
            return terms[k];
          }
        }
        return null;
      });
    });
  };

  /*
   * Term `t` with its postings: those of a term with a head are read from their
   * pack, item `full % per` of `t/<full / per>.bin` (per: shards per pack), once.
   */
  Engine.prototype.full = function (m, t) {
    if (!t || t.postings) return Promise.resolve(t);
    if (!t.reading) {
      var per = m.keysPerFile;
      t.reading = this.item("t/" + Math.floor(t.full / per) + ".bin", t.full % per).then(function (b) {
        t.postings = b;
        return t;
      });
    }
    return t.reading;
  };

  /*
   * Part `name` of the engine (see `define`), loaded once through `loadPart(name)`,
   * which resolves when the part's script has run: a function of the tests, or
   * `scriptPart` on a page. Resolves to the part.
   */
  Engine.prototype.part = function (name) {
    if (!loading[name]) {
      loading[name] = parts[name] ? Promise.resolve() : this.loadPart(name);
      loading[name] = loading[name].then(function () {
        if (!parts[name]) throw new Error("no part " + name);
        return parts[name];
      }, function (e) {
        delete loading[name];
        throw e;
      });
    }
    return loading[name];
  };

  /* Postings of one query token: {docs, imp, mask, scale}, sorted by record. */
  Engine.prototype.postings = function (m, token) {
    var self = this;
    return this.term(m, token).then(function (t) {
      return self.full(m, t);
    }).then(function (t) {
      if (!t) return null;
      var p = decodePostings(t);
      p.f = t.f;
      p.b = t.b;
      p.o = t.o;
      return p;
    });
  };

  /*
   * Followers (`kind` "f"), preceders ("b") or positions ("o") file `n`, item
   * `n % per` of the pack `<kind>/<n / per>.bin`: a block of bytes per term.
   */
  Engine.prototype.followerBlocks = function (kind, n) {
    var name = kind + "/" + n;
    var self = this;
    if (!this.followers[name]) {
      this.followers[name] = this.open().then(function (m) {
        var per = m.perBlockFile;
        return self.item(kind + "/" + Math.floor(n / per) + ".bin", n % per);
      }).then(function (bytes) {
        var r = new Reader(bytes);
        var blocks = [];
        for (var n = r.varint(); n > 0; n--) blocks.push(r.bytes());
        return blocks;
      });
    }
    return this.followers[name];
  };

  /*
   * What follows (`kind` "f") or comes before ("b") the term of postings `p` in each
   * of its records: [[char]] by posting, kept as p.f or p.b.
   */
  Engine.prototype.around = function (p, kind) {
    var key = kind === "f" ? "next" : "prev";
    if (p[key]) return Promise.resolve(p[key]);
    return this.followerBlocks(kind, p[kind][0]).then(function (blocks) {
      var block = blocks[p[kind][1]];
      if (!block) throw new Error("bad followers file");
      var next = new Array(p.docs.length);
      if (!block.length) {
        for (var j = 0; j < next.length; j++) next[j] = [];
      } else {
        var r = new Reader(block);
        var alphabet = Array.from(r.string());
        for (j = 0; j < next.length; j++) {
          var list = [];
          for (var k = r.varint(); k > 0; k--) list.push(alphabet[r.varint()]);
          next[j] = list;
        }
      }
      p[key] = next;
      return next;
    });
  };

  /*
   * The CJK runs of the query of 4 characters or more, each as the indexes in
   * `unique` of its bigrams in order (`Query::runs` in read.rs).
   */
  function longRuns(joined, unique) {
    var runs = [];
    var open = [];
    joined.forEach(function (t) {
      var bigram = isBigram(t[0]);
      if (!(t[1] && bigram)) {
        if (open.length >= 3) runs.push(open);
        open = [];
      }
      if (bigram) open.push(unique.indexOf(t[0]));
    });
    if (open.length >= 3) runs.push(open);
    return runs;
  }

  /*
   * Where the records of `lists` are: [doc, [its place in each list]] for every record
   * all lists hold, that the pairs of `phrase` hold.
   */
  function candidates(lists, phrase) {
    var out = [];
    var order = lists.map(function (_, i) {
      return i;
    });
    order.sort(function (a, b) {
      return lists[a].docs.length - lists[b].docs.length;
    });
    var first = lists[order[0]];
    for (var j = 0; j < first.docs.length; j++) {
      var doc = first.docs[j];
      var at = new Array(lists.length);
      var all = true;
      for (var k = 0; k < lists.length && all; k++) {
        at[k] = find(lists[k], doc);
        all = at[k] >= 0;
      }
      for (k = 0; k < phrase.length && all; k++) {
        var ph = phrase[k];
        all = byFollowers(ph, lists)
          ? lists[ph[0]].next[at[ph[0]]].indexOf(ph[1]) >= 0
          : lists[ph[2]].prev[at[ph[2]]].indexOf(ph[3]) >= 0;
      }
      if (all) out.push([doc, at]);
    }
    return out;
  }

  function isBigram(token) {
    var chars = Array.from(token);
    return chars.length === 2 && isCjk(chars[0].codePointAt(0)) && isCjk(chars[1].codePointAt(0));
  }

  /*
   * The CJK runs of 3 characters or more among `raw` (tokens as `tokenizeJoined`
   * gives them): per run [the index of its first bigram, the index past its last,
   * the run] (`phrase_runs` in tokenize.rs).
   */
  function phraseRuns(raw) {
    var out = [];
    for (var k = 0; k < raw.length; ) {
      var end = k + 1;
      if (isBigram(raw[k][0])) {
        while (end < raw.length && raw[end][1] && isBigram(raw[end][0])) end++;
      }
      if (end - k >= 2) {
        var run = raw[k][0];
        for (var j = k + 1; j < end; j++) run += Array.from(raw[j][0])[1];
        out.push([k, end, run]);
      }
      k = end;
    }
    return out;
  }

  /*
   * `raw` with each CJK run of 3 characters or more that is a term of the index (a
   * phrase term) as that one token, in place of its bigrams (`Query::with_phrases`
   * in read.rs): resolves to the tokens.
   */
  Engine.prototype.phrases = function (raw) {
    var self = this;
    var runs = phraseRuns(raw);
    if (!runs.length) return Promise.resolve(raw);
    return this.open().then(function (m) {
      return Promise.all(
        runs.map(function (r) {
          return self.term(m, r[2]);
        })
      );
    }).then(function (terms) {
      var out = [];
      var k = 0;
      runs.forEach(function (r, i) {
        if (!terms[i]) return;
        out = out.concat(raw.slice(k, r[0]), [[r[2], false]]);
        k = r[1];
      });
      return k ? out.concat(raw.slice(k)) : raw;
    });
  };

  /*
   * The pair of consecutive bigrams of each CJK run of the query of 3 characters, as
   * [index in `unique` of the first, the character that must follow it, index of the
   * second, the character that must come before it] (`Pair` in read.rs). A run of 4
   * characters or more is checked with the positions of its bigrams alone.
   */
  function phraseOf(joined, unique) {
    var out = [];
    var continued = function (k) {
      return k < joined.length && joined[k][1] && isBigram(joined[k][0]);
    };
    for (var p = 0; p + 1 < joined.length; p++) {
      if (continued(p) || continued(p + 2)) continue;
      if (joined[p + 1][1] && isBigram(joined[p][0]) && isBigram(joined[p + 1][0])) {
        out.push([
          unique.indexOf(joined[p][0]),
          Array.from(joined[p + 1][0])[1],
          unique.indexOf(joined[p + 1][0]),
          Array.from(joined[p][0])[0],
        ]);
      }
    }
    return out;
  }

  /*
   * Whether pair `ph` is checked with the followers of its first bigram (when it has
   * no more records than the second) or the preceders of its second: the same answer,
   * from the rarer term.
   */
  function byFollowers(ph, lists) {
    return lists[ph[0]].docs.length <= lists[ph[2]].docs.length;
  }

  /* What token list `l` adds to the score of its `j`th record (title bit aside). */
  function weight(l, j) {
    return l.scale * (l.imp[j] & IMPACT_SCORE);
  }

  /*
   * The order of hits [doc, score]: by score (or, newest first, by start year, then end
   * year), then by the other, then by record number.
   */
  function hitOrder(m, newest) {
    return function (x, y) {
      var byScore = y[1] - x[1];
      var byYears = m.start[y[0]] - m.start[x[0]] || m.end[y[0]] - m.end[x[0]];
      return (newest ? byYears || byScore : byScore || byYears) || x[0] - y[0];
    };
  }

  function find(list, doc) {
    var lo = 0;
    var hi = list.docs.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (list.docs[mid] < doc) lo = mid + 1;
      else hi = mid;
    }
    return lo < list.docs.length && list.docs[lo] === doc ? lo : -1;
  }

  /*
   * Runs a query. `filters`: {kind, city, org, topic, year, lang}, each null or a value, and
   * `newest`: order by start and end year before the score.
   * `withCities`: also count by city (loads the cities of every record); without it,
   * a city filter loads only that city's file and `facets.city` is null. The
   * organizations and topics of every record are loaded with `withCities` or for their
   * own filter; `facets.org` and `facets.topic` are there when they were.
   * Resolves to {hits: [[doc, score]], suggestion, facets: {kind, lang, year, city},
   * city}, where each facet counts the matches that pass every other filter, `city` is
   * {name, member} of the filtered city when its file was read, and `suggestion` is
   * the normalised query with the words the typo dictionary corrected ("did you
   * mean"), or null, and `total`, the number of matches.
   * `want`, when given, is the number of hits the page shows: a query of one term
   * with no filter, not newest first, without the counts by city, reads only the
   * term's head if it has that many hits or more; `hits` are then the head's (the
   * first ones, in order), `total` and the facets those of every match. Without
   * `want`, `hits` holds every match.
   */
  Engine.prototype.search = function (query, filters, withCities, want) {
    var self = this;
    var raw = tokenizeJoined(query);
    var words =
      prefixSlot(raw, query, filters) >= 0 ||
      raw.some(function (t) {
        return STEMMED.test(t[0]);
      });
    return (words ? this.part("words") : Promise.resolve()).then(function () {
      return self.phrases(raw);
    }).then(function (tokens) {
      return self.answer(tokens, query, filters, withCities, want);
    });
  };

  /*
   * While typing, the last word of PREFIX_MIN letters or more (outside CJK) with
   * nothing after it also matches the longer words it starts: its token's index in
   * `raw` (the query's tokens), or -1.
   */
  function prefixSlot(raw, query, filters) {
    var last = raw.length ? raw[raw.length - 1][0] : "";
    var lastChars = Array.from(last);
    return filters.typing &&
      lastChars.length >= PREFIX_MIN &&
      !lastChars.some(function (ch) {
        return isCjk(ch.codePointAt(0));
      }) &&
      WORD.test(Array.from(query).pop() || "")
      ? raw.length - 1
      : -1;
  }

  /*
   * The typos of the query (`Engine.typos`, search-words.js), when a word that may be
   * one matched nothing: resolves to the fixes, [[word, nearest word]].
   */
  Engine.prototype.fixTypos = function (m, written, lists) {
    var self = this;
    var any = written.some(function (word, slot) {
      return !(lists[slot] && lists[slot].docs.length) && isTypoWord(word);
    });
    if (!any) return Promise.resolve([]);
    return this.part("words").then(function () {
      return self.typos(m, written, lists);
    });
  };

  /*
   * "Did you mean" for the Hangul words of a query without results
   * (`Engine.hangulFixes`, search-hangul.js): resolves to the fixes.
   */
  Engine.prototype.hangulSuggestions = function (norm) {
    var self = this;
    if (!Array.from(norm).some(function (ch) { return isSyllable(ch.codePointAt(0)); })) {
      return Promise.resolve([]);
    }
    return this.part("words").then(function () {
      return self.part("hangul");
    }).then(function () {
      return self.hangulFixes(norm);
    });
  };

  /* `search`, once the parts the query needs are loaded; `raw` its tokens. */
  Engine.prototype.answer = function (raw, query, filters, withCities, want) {
    var self = this;
    var joined = raw.map(function (t) {
      return [stem(t[0]), t[1]];
    });
    var tokens = joined.map(function (t) {
      return t[0];
    });
    var unique = tokens.filter(function (t, i) {
      return tokens.indexOf(t) === i;
    });
    var written = unique.map(function (t) {
      return raw[tokens.indexOf(t)][0];
    });
    var empty =
      !filters.kind && !filters.city && !filters.org && !filters.topic && filters.year == null && !filters.lang;
    var phrase = phraseOf(joined, unique);
    var runs = longRuns(joined, unique);
    var covers = [];
    var found = null;
    var prefix = prefixSlot(raw, query, filters);
    if (prefix >= 0) prefix = unique.indexOf(tokens[prefix]);
    var oneTerm =
      unique.length === 1 &&
      prefix < 0 &&
      joined.slice(1).every(function (t) {
        return !t[1];
      });
    var fixes = [];
    var m = null;
    return this.open().then(function (manifest) {
      m = manifest;
      if (!(want && oneTerm && empty && !filters.newest && !withCities)) return null;
      return self.term(m, unique[0]).then(function (t) {
        return t && t.head && want <= t.head.hits.length ? t : null;
      });
    }).then(function (headTerm) {
      return Promise.all([
        headTerm ? [headList(headTerm)] : Promise.all(
          unique.map(function (t, i) {
            if (i !== prefix) return self.postings(m, t);
            return self.prefixPostings(m, [t, WRITTEN + written[i]]);
          })
        ).then(function (lists) {
          return self.fixTypos(m, written, lists).then(function (got) {
            fixes = got;
            return lists;
          });
        }).then(function (lists) {
          // What follows or comes before the bigrams of a phrase, to keep only records
          // with the phrase.
          return Promise.all(
            phrase.map(function (ph) {
              if (!lists[ph[0]] || !lists[ph[2]]) return null;
              if (byFollowers(ph, lists)) return self.around(lists[ph[0]], "f");
              return self.around(lists[ph[2]], "b");
            })
          ).then(function () {
            if (!runs.length || !lists.every(Boolean)) return lists;
            // Where the bigrams of the cover of each long run stand, when some
            // record holds every token (and the runs of 3 characters).
            found = candidates(lists, phrase);
            if (!found.length) return lists;
            return self.part("runs").then(function () {
              return self.coverPlaces(runs, lists, covers);
            });
          });
        }),
        withCities ? self.cityLists() : null,
        filters.city && !withCities ? self.cityFile(m, filters.city) : null,
        withCities || filters.org ? self.list("organizations") : null,
        withCities || filters.topic ? self.list("topics") : null,
      ]).then(function (got) {
        var lists = got[0];
        var cities = got[1];
        var city = got[2];
        var orgs = got[3];
        var topics = got[4];
        var scored = [];
        if (!tokens.length) {
          if (!empty) for (var d = 0; d < m.docs; d++) scored.push([d, 0]);
        } else if (lists.every(Boolean)) {
          (found || candidates(lists, phrase)).forEach(function (c) {
            var doc = c[0];
            var at = c[1];
            var k;
            for (k = 0; k < runs.length; k++) {
              if (!parts.runs.holdsRun(runs[k], covers[k], lists, at)) return;
            }
            var s = 0;
            for (k = 0; k < lists.length; k++) {
              s += 2 * weight(lists[k], at[k]) + (lists[k].imp[at[k]] & ~IMPACT_SCORE ? TITLE_STEP : 0);
            }
            for (var p = 0; p + 1 < tokens.length; p++) {
              if (!joined[p + 1][1] || isSingleCjk(tokens[p]) || isSingleCjk(tokens[p + 1])) continue;
              var a = unique.indexOf(tokens[p]);
              var b = unique.indexOf(tokens[p + 1]);
              if (lists[a].mask[at[a]] & followBit(tokens[p + 1])) {
                s += weight(lists[a], at[a]) + weight(lists[b], at[b]);
              }
            }
            scored.push([doc, s]);
          });
        }
        var cityId = function (c) {
          return cities.ids[c] || "";
        };
        var inCity = city ? city.member : null;
        if (filters.city && cities) {
          inCity = new Uint8Array(m.docs);
          cities.of.forEach(function (list, d) {
            if (
              list.some(function (c) {
                return cityId(c) === filters.city;
              })
            ) {
              inCity[d] = 1;
            }
          });
        }
        /* The records of the value `wanted` of a list (organizations, topics), if any. */
        function members(list, wanted) {
          if (!list || !wanted) return null;
          var member = new Uint8Array(m.docs);
          list.of.forEach(function (l, d) {
            if (l.some(function (x) { return list.ids[x] === wanted; })) member[d] = 1;
          });
          return member;
        }
        var inOrg = members(orgs, filters.org);
        var inTopic = members(topics, filters.topic);
        function pass(d, skip) {
          return (
            (skip === "kind" || !filters.kind || m.kinds[m.kind[d]] === filters.kind) &&
            (skip === "lang" || !filters.lang || m.langs[m.lang[d]] === filters.lang) &&
            (skip === "year" ||
              filters.year == null ||
              (m.start[d] <= filters.year && filters.year <= m.end[d])) &&
            (skip === "city" || !inCity || inCity[d] === 1) &&
            (skip === "org" || !inOrg || inOrg[d] === 1) &&
            (skip === "topic" || !inTopic || inTopic[d] === 1)
          );
        }
        var facets = { kind: {}, lang: {}, year: {}, city: cities ? {} : null };
        if (orgs) facets.org = {};
        if (topics) facets.topic = {};
        function bump(map, key) {
          map[key] = (map[key] || 0) + 1;
        }
        if (headTerm) facets = headFacets(m, headTerm.head);
        (headTerm ? [] : scored).forEach(function (h) {
          var d = h[0];
          if (pass(d, "kind")) bump(facets.kind, m.kinds[m.kind[d]]);
          if (pass(d, "lang")) bump(facets.lang, m.langs[m.lang[d]]);
          if (pass(d, "year")) for (var y = m.start[d]; y <= m.end[d]; y++) bump(facets.year, y);
          if (cities && pass(d, "city")) {
            cities.of[d].forEach(function (c) {
              bump(facets.city, cityId(c));
            });
          }
          [["org", orgs], ["topic", topics]].forEach(function (fl) {
            if (!fl[1] || !pass(d, fl[0])) return;
            fl[1].of[d].forEach(function (x) {
              bump(facets[fl[0]], fl[1].ids[x] || "");
            });
          });
        });
        var hits = scored.filter(function (h) {
          return pass(h[0], "");
        });
        hits.sort(hitOrder(m, filters.newest));
        var norm = normalize(query);
        // Hangul words are suggested only when no record matches the words.
        return (scored.length ? Promise.resolve([]) : self.hangulSuggestions(norm)).then(function (more) {
          var all = fixes.concat(more);
          var suggestion = all.length ? parts.words.corrected(norm, all) : null;
          return {
            hits: hits,
            total: headTerm ? headTerm.df : hits.length,
            suggestion: suggestion === norm ? null : suggestion,
            facets: facets,
            manifest: m,
            cities: cities,
            city: city,
            orgs: orgs,
            topics: topics,
          };
        });
      });
    });
  };

  // ------------------------------------------------------------ the page
  var PAGE_SIZE = 10;
  var DEBOUNCE_MS = 200;
  var SNIPPET_CHARS = 160;

  /* A plain left click (not one that opens a new tab or window). */
  function plainClick(ev) {
    return ev.button === 0 && !ev.metaKey && !ev.ctrlKey && !ev.shiftKey && !ev.altKey;
  }

  /*
   * The ranges [start, end) of `text` (indexes in the string) that match `needles`,
   * normalised strings, longest first; a range never overlaps an earlier one.
   */
  function matchRanges(text, needles) {
    var folded = "";
    var origin = [];
    var i = 0;
    for (var ch of text) {
      var f = normalize(ch);
      for (var k = 0; k < f.length; k++) origin.push(i);
      folded += f;
      i += ch.length;
    }
    origin.push(text.length);
    var ranges = [];
    needles.forEach(function (n) {
      var from = 0;
      for (;;) {
        var at = folded.indexOf(n, from);
        if (at < 0 || !n) break;
        var s = origin[at];
        var e = origin[at + n.length];
        if (
          !ranges.some(function (r) {
            return s < r[1] && r[0] < e;
          })
        ) {
          ranges.push([s, e]);
        }
        from = at + n.length;
      }
    });
    return ranges.sort(function (a, b) {
      return a[0] - b[0];
    });
  }

  /* What to highlight: whole runs of the query first, then its tokens. */
  function needlesOf(q) {
    var out = [];
    runsOf(normalize(q)).forEach(function (r) {
      out.push(r[1]);
    });
    tokenize(q).forEach(function (tk) {
      if (out.indexOf(tk) < 0) out.push(tk);
    });
    return out.sort(function (a, b) {
      return b.length - a.length;
    });
  }

  /* How many distinct `tokens` the text holds. */
  function matchedTokens(text, tokens) {
    var norm = normalize(text || "");
    return tokens.filter(function (tk) {
      return norm.indexOf(tk) >= 0;
    }).length;
  }

  /*
   * What the search page and the header's panel share, for the page `doc` and the
   * words in `data` (the `data-*` of the element that carries them): the engine,
   * numbers and dates in the page's language, and the result cards.
   */
  function ui(doc, data, edition) {
    var win = doc.defaultView;
    var months = (data.months || "").split("|");
    var version = "";
    /*
     * A file, or the bytes [start, end) of it with a range request. A server that
     * ignores ranges sends the whole file (200): it is kept and sliced, and the other
     * ranges of that file wait for the first one's answer so as not to fetch it twice.
     * `firsts` keeps, by URL, the first answer to a range: [status, bytes].
     */
    var firsts = {};
    var engine = new Engine(function (path, fresh, range) {
      var url = data.index + path + (fresh ? "" : "?v=" + version);
      var init = fresh ? { cache: "no-cache" } : {};
      function get() {
        if (range) init.headers = { Range: "bytes=" + range[0] + "-" + (range[1] - 1) };
        return win.fetch(url, init).then(function (r) {
          if (!r.ok) throw new Error(url + ": " + r.status);
          return r.arrayBuffer().then(function (b) {
            return [r.status, new Uint8Array(b)];
          });
        });
      }
      function part(got) {
        return !range || got[0] === 206 ? got[1] : got[1].subarray(range[0], range[1]);
      }
      if (!range) return get().then(part);
      if (!firsts[url]) return (firsts[url] = get()).then(part);
      return firsts[url].then(function (got) {
        return got[0] === 206 ? get().then(part) : part(got);
      });
    });
    var passageFiles = {};
    var numbers = null;

    /* The manifest, once; every later file is fetched with its version. */
    function open() {
      return engine.open().then(function (m) {
        version = m.version;
        return m;
      });
    }

    /* A number as the page's language writes it (`data-lang`, set by the page). */
    function num(n) {
      if (!numbers) {
        try {
          numbers = new Intl.NumberFormat(data.lang || undefined);
        } catch (e) {
          numbers = new Intl.NumberFormat();
        }
      }
      return numbers.format(n);
    }

    function t(key, n, q) {
      var s = data["t" + key] || "";
      // Replaced by functions, so that `$&` in a query stays as typed.
      return s
        .replace("{n}", function () {
          return n == null ? "" : num(n);
        })
        .replace("{q}", function () {
          return q == null ? "" : q;
        });
    }

    function el(tag, cls, text) {
      var e = doc.createElement(tag);
      if (cls) e.className = cls;
      if (text != null) e.textContent = text;
      return e;
    }

    /* The status line's text for `count` results of `q` (filtered: no words). */
    function statusText(count, q) {
      var key = count === 0 ? "None" : count === 1 ? "One" : "Many";
      return q ? t(key, count, q) : t(key === "None" ? "NoneFiltered" : key + "Filtered", count);
    }

    function editionUrl(u) {
      var from = data.assets;
      return from && u.indexOf(from) === 0 ? data.root + u.slice(from.length) : u;
    }

    function cityName(id, fallback) {
      return (edition.cities && edition.cities[id]) || fallback;
    }

    function formatDate(iso) {
      if (!iso) return "";
      var parts = iso.split("-");
      var pattern = parts.length === 1 ? data.dateY : parts.length === 2 ? data.dateYm : data.dateYmd;
      var m = parts[1] ? parseInt(parts[1], 10) : null;
      return (pattern || "{y}")
        .replace("{y}", String(parseInt(parts[0], 10)))
        .replace("{month}", m ? months[m - 1] || "" : "")
        .replace("{m}", m ? String(m) : "")
        .replace("{d}", parts[2] ? String(parseInt(parts[2], 10)) : "");
    }

    /* Appends `text` to `parent`, with every match of `needles` in a <mark>. */
    function highlight(parent, text, needles) {
      var pos = 0;
      var ranges = matchRanges(text, needles);
      ranges.forEach(function (r) {
        if (r[0] > pos) parent.appendChild(doc.createTextNode(text.slice(pos, r[0])));
        parent.appendChild(el("mark", null, text.slice(r[0], r[1])));
        pos = r[1];
      });
      if (pos < text.length) parent.appendChild(doc.createTextNode(text.slice(pos)));
      return ranges.length > 0;
    }

    /* A window of `text` around the first match, or its start. */
    function snippet(text, needles) {
      var chars = Array.from(text);
      var norm = normalize(text);
      var at = -1;
      needles.forEach(function (n) {
        var i = norm.indexOf(n);
        if (i >= 0 && (at < 0 || i < at)) at = i;
      });
      if (chars.length <= SNIPPET_CHARS) return { text: text, found: at >= 0 };
      var charAt = at < 0 ? 0 : Array.from(norm.slice(0, at)).length;
      var from = Math.max(0, Math.min(charAt - 40, chars.length - SNIPPET_CHARS));
      var out = chars.slice(from, from + SNIPPET_CHARS).join("");
      return {
        text: (from > 0 ? "… " : "") + out + (from + SNIPPET_CHARS < chars.length ? " …" : ""),
        found: at >= 0,
      };
    }

    /* The passages of record `n`, once: {h: [[anchor, heading]], p: [[h, text]]}, or null. */
    function passagesOf(n) {
      if (!passageFiles[n]) {
        passageFiles[n] = engine.passages(n).then(
          function (passages) {
            return passages || null;
          },
          function () {
            return null;
          }
        );
      }
      return passageFiles[n];
    }

    /* The record's translation into the page's language, {t, s, b}, or null. */
    function translationOf(meta) {
      return (meta.x && meta.x[data.lang]) || null;
    }

    /* A translation into the page's language is shown instead of the original. */
    function titleOf(meta) {
      var own = translationOf(meta);
      return (own && own.t) || meta.t;
    }

    /* The summary and the start of the body shown, with their language. */
    function textsOf(meta) {
      var own = translationOf(meta);
      return own ? { s: own.s, b: own.b, lang: data.lang } : { s: meta.s, b: meta.b, lang: meta.l };
    }

    /*
     * The metadata of `hits` and, for those whose title and summary hold no token of
     * `q`, their passages: [{doc, meta, passages}].
     */
    function details(hits, q) {
      var tokens = tokenize(q);
      return Promise.all(
        hits.map(function (h) {
          return engine.meta(h[0]).then(function (meta) {
            var shown = titleOf(meta) + "\n" + (textsOf(meta).s || "");
            var need = tokens.length && !matchedTokens(shown, tokens);
            return (need ? passagesOf(h[0]) : Promise.resolve(null)).then(function (p) {
              return { doc: h[0], meta: meta, passages: p };
            });
          });
        })
      );
    }

    /*
     * The text a card shows: of the summary, the passages and the names, the one with
     * the most distinct tokens of the query (the first of equals), as {text, heading},
     * where heading is [anchor, text] for a passage under a heading.
     */
    function bestPassage(meta, file, tokens) {
      var texts = textsOf(meta);
      var best = { text: texts.s || "", heading: null, score: matchedTokens(texts.s, tokens), lang: texts.lang };
      if (file && Array.isArray(file.p)) {
        file.p.concat(file.n ? [[0, file.n]] : []).forEach(function (p) {
          var score = matchedTokens(p[1], tokens);
          if (score > best.score) {
            best = { text: p[1], heading: (p[0] > 0 && file.h[p[0] - 1]) || null, score: score, lang: meta.l };
          }
        });
      }
      if (!best.score && texts.b && (!texts.s || matchedTokens(texts.b, tokens))) {
        best = { text: texts.b, heading: null, score: 0, lang: texts.lang };
      }
      return best;
    }

    /* The address of a record from the results: `?highlight=` carries the query. */
    function recordHref(meta, q, anchor) {
      var u = editionUrl(meta.u);
      if (q) u += "?highlight=" + encodeURIComponent(q);
      if (anchor) u += "#" + encodeURIComponent(anchor);
      return u;
    }

    /* One result: `d` from `details`; `compact` (the header's panel) leaves out the facts. */
    function card(d, q, compact) {
      var meta = d.meta;
      var needles = needlesOf(q);
      var tokens = tokenize(q);
      var li = el("li", "card card-" + meta.k);
      li.setAttribute("data-url", meta.u);
      var h = el(compact ? "p" : "h2", "card-title");
      var a = el("a");
      var local = typeof meta.u === "string" && meta.u.charAt(0) === "/";
      if (local) a.href = recordHref(meta, q);
      var own = translationOf(meta);
      var titleLang = own && own.t ? data.lang : meta.l;
      if (titleLang !== data.lang) a.lang = titleLang;
      highlight(a, titleOf(meta), needles);
      h.appendChild(a);
      li.appendChild(h);
      if (!compact) {
        var info = el("div", "card-meta");
        info.appendChild(el("span", "badge badge-" + meta.k, data["kind_" + meta.k] || meta.k));
        var time = el("time", null, formatDate(meta.d) + (meta.e ? (data.rangeSep || " – ") + formatDate(meta.e) : ""));
        time.setAttribute("datetime", meta.d);
        info.appendChild(time);
        if (meta.c && meta.c.length) {
          var ul = el("ul", "inline-list card-cities");
          meta.c.forEach(function (city) {
            var cli = el("li");
            var ca = el("a", null, cityName(city[0], city[1]));
            ca.href = data.root + "cities/" + encodeURIComponent(city[0]) + "/";
            cli.appendChild(ca);
            ul.appendChild(cli);
          });
          info.appendChild(ul);
        }
        li.appendChild(info);
      }
      var best = bestPassage(meta, d.passages, tokens);
      // A passage under a heading links to it, as a sub-result.
      if (best.heading && local) {
        var sub = el("p", "search-sub");
        var sa = el("a", null, best.heading[1]);
        sa.href = recordHref(meta, q, best.heading[0]);
        if (meta.l !== data.lang) sa.lang = meta.l;
        sub.appendChild(sa);
        li.appendChild(sub);
      }
      var pick = snippet(best.text, needles);
      if (pick.text) {
        var p = el("p", "card-summary search-snippet");
        if (best.lang !== data.lang) p.lang = best.lang;
        highlight(p, pick.text, needles);
        li.appendChild(p);
      }
      return li;
    }

    /*
     * What to mark for `result` of `q`: the query, and the words the engine matched
     * for its typos (its suggestion) when it found them.
     */
    function markedQuery(result, q) {
      var other = result && typeof result.suggestion === "string" ? result.suggestion : "";
      return other && result.hits.length ? q + " " + other : q;
    }

    /* "Did you mean …?" for a result that offers another query, or null. */
    function suggestion(result, href) {
      var other = result && typeof result.suggestion === "string" ? result.suggestion : "";
      if (!other) return null;
      var p = el("p", "search-suggest");
      var parts = (data.tDidYouMean || "{q}").split("{q}");
      p.appendChild(doc.createTextNode(parts[0]));
      var a = el("a", null, other);
      a.href = href(other);
      a.setAttribute("data-suggest", other);
      p.appendChild(a);
      p.appendChild(doc.createTextNode(parts.slice(1).join("{q}")));
      return p;
    }

    return {
      engine: engine,
      open: open,
      num: num,
      t: t,
      el: el,
      statusText: statusText,
      cityName: cityName,
      formatDate: formatDate,
      details: details,
      markedQuery: markedQuery,
      card: card,
      suggestion: suggestion,
    };
  }

  /*
   * Arrow keys through the result links of `list` (the first link of each
   * `.search-hits > li`): Down from `input` goes to the first, Up from the first back
   * to `input`, Escape back to `input` (and `onEscape`).
   */
  function resultKeys(input, list, onEscape) {
    function links() {
      return Array.prototype.map.call(list.querySelectorAll(".search-hits > li"), function (li) {
        return li.querySelector("a");
      }).filter(Boolean);
    }
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown" && !ev.altKey) {
        var first = links()[0];
        if (first) {
          ev.preventDefault();
          first.focus();
        }
      } else if (ev.key === "Escape" && onEscape) {
        onEscape();
      }
    });
    list.addEventListener("keydown", function (ev) {
      var all = links();
      var at = all.indexOf(ev.target);
      if (ev.key === "Escape") {
        ev.preventDefault();
        input.focus();
        if (onEscape) onEscape();
      } else if (at >= 0 && (ev.key === "ArrowDown" || ev.key === "ArrowUp")) {
        ev.preventDefault();
        var next = at + (ev.key === "ArrowDown" ? 1 : -1);
        if (next < 0) input.focus();
        else if (next < all.length) all[next].focus();
      }
    });
  }

  /* The search page: `#search-form`, `#search-q`, `#search-status`, `#search-results`. */
  function start(doc) {
    var root = doc.getElementById("search-results");
    var form = doc.getElementById("search-form");
    var input = doc.getElementById("search-q");
    var status = doc.getElementById("search-status");
    if (!root || !form || !input || !status) return;
    var win = doc.defaultView;
    var data = root.dataset;
    // Another edition than the default: its names of cities and its own pages (the
    // index has the default edition's).
    var edition = {};
    var editionNames = doc.getElementById("search-edition");
    if (editionNames) edition = JSON.parse(editionNames.textContent);
    var u = ui(doc, data, edition);
    var engine = u.engine;
    var t = u.t;
    var el = u.el;
    var num = u.num;
    var state = readUrl();
    var shown = PAGE_SIZE;
    var citiesWanted = false;
    var run = 0;
    var timer = null;

    /* Whether any filter is set. */
    function filtered(st) {
      return !!(st.kind || st.city || st.org || st.topic || st.year != null || st.lang);
    }

    function readUrl() {
      var p = new URLSearchParams(win.location.search);
      var year = p.get("year");
      return {
        q: p.get("q") || "",
        kind: p.get("kind") || null,
        city: p.get("city") || null,
        org: p.get("org") || null,
        topic: p.get("topic") || null,
        year: year && /^-?\d{1,6}$/.test(year) ? parseInt(year, 10) : null,
        lang: p.get("lang") || null,
        sort: p.get("sort") === "new" ? "new" : null,
      };
    }

    function urlFor(st) {
      var p = new URLSearchParams();
      if (st.q) p.set("q", st.q);
      ["kind", "city", "org", "topic", "year", "lang", "sort"].forEach(function (k) {
        if (st[k] != null) p.set(k, String(st[k]));
      });
      var qs = p.toString();
      return win.location.pathname + (qs ? "?" + qs : "");
    }

    function with_(change) {
      var st = {};
      Object.keys(state).forEach(function (k) {
        st[k] = state[k];
      });
      Object.keys(change).forEach(function (k) {
        st[k] = change[k];
      });
      return st;
    }

    /* `typing`: the query is being typed (its last word may be unfinished). */
    function go(st, push, typing) {
      state = st;
      shown = PAGE_SIZE;
      var url = urlFor(st);
      if (url !== win.location.pathname + win.location.search) {
        win.history[push ? "pushState" : "replaceState"](null, "", url);
      }
      search(typing);
    }

    /* A link to the state `st`, followed in the page (a new history entry). */
    function stateLink(a, st) {
      a.href = urlFor(st);
      a.addEventListener("click", function (ev) {
        if (!plainClick(ev)) return;
        ev.preventDefault();
        go(st, true);
      });
      return a;
    }

    function facetLink(key, value, label, count, current) {
      var li = el("li");
      var a = el("a", "facet");
      var change = {};
      change[key] = current ? null : value;
      stateLink(a, with_(change));
      a.setAttribute("data-facet", key + "=" + (value == null ? "" : value));
      if (current) a.setAttribute("aria-current", "true");
      a.appendChild(doc.createTextNode(label));
      if (count != null) {
        a.appendChild(doc.createTextNode(" "));
        a.appendChild(el("span", "count", num(count)));
      }
      li.appendChild(a);
      return li;
    }

    /* Most relevant or newest first: two links, the one in use marked. */
    function sortControl() {
      var nav = el("p", "search-sort");
      nav.appendChild(doc.createTextNode(t("Sort") + " "));
      [
        [null, t("SortRelevance")],
        ["new", t("SortNewest")],
      ].forEach(function (o, i) {
        if (i) nav.appendChild(doc.createTextNode(" · "));
        var a = stateLink(el("a", "facet", o[1]), with_({ sort: o[0] }));
        a.setAttribute("data-facet", "sort=" + (o[0] || ""));
        if (state.sort === o[0]) a.setAttribute("aria-current", "true");
        nav.appendChild(a);
      });
      return nav;
    }

    function facetGroup(key, title, entries) {
      var box = el("section", "facet-group facet-" + key);
      var id = "facet-title-" + key;
      var h = el("h2", "facet-title", title);
      h.id = id;
      box.setAttribute("aria-labelledby", id);
      box.appendChild(h);
      var ul = el("ul", "facet-list");
      entries.forEach(function (e) {
        ul.appendChild(facetLink(key, e[0], e[1], e[2], String(state[key]) === String(e[0])));
      });
      if (entries.length) box.appendChild(ul);
      return box;
    }

    function facets(result) {
      var m = result.manifest;
      var f = result.facets;
      var nav = el("nav", "search-facets");
      nav.setAttribute("aria-label", t("Filters"));
      function entries(counts, label, order) {
        var keys = Object.keys(counts);
        keys.sort(order);
        return keys.map(function (k) {
          return [k, label(k), counts[k]];
        });
      }
      function withCurrent(list, key, label) {
        if (state[key] != null && !list.some(function (e) { return String(e[0]) === String(state[key]); })) {
          list.unshift([String(state[key]), label(String(state[key])), 0]);
        }
        return list;
      }
      function group(key, label, order) {
        nav.appendChild(facetGroup(key, t("Facet" + key.charAt(0).toUpperCase() + key.slice(1)), withCurrent(entries(f[key], label, order), key, label)));
      }
      group(
        "kind",
        function (k) {
          return data["kinds_" + k] || k;
        },
        function (a, b) {
          return m.kinds.indexOf(a) - m.kinds.indexOf(b);
        }
      );
      group(
        "year",
        function (y) {
          return u.formatDate(String(y));
        },
        function (a, b) {
          return b - a;
        }
      );
      group(
        "lang",
        function (l) {
          return data["lang_" + l] || l;
        },
        function (a, b) {
          return f.lang[b] - f.lang[a] || (a < b ? -1 : 1);
        }
      );
      var names = {};
      if (result.cities) {
        result.cities.ids.forEach(function (id, i) {
          names[id] = result.cities.names[i];
        });
      }
      if (result.city && state.city) names[state.city] = result.city.name;
      var cityLabel = function (c) {
        return u.cityName(c, names[c] || c);
      };
      if (f.city) {
        group("city", cityLabel, function (a, b) {
          return f.city[b] - f.city[a] || (cityLabel(a) < cityLabel(b) ? -1 : 1);
        });
      } else {
        // Counting by city reads the cities of every record: only when asked.
        var box = facetGroup(
          "city",
          t("FacetCity"),
          state.city ? [[state.city, cityLabel(state.city), result.total]] : []
        );
        var more = el("button", "facet-load", t("CountCities"));
        more.type = "button";
        more.setAttribute("data-facet", "load-cities");
        more.addEventListener("click", function () {
          citiesWanted = true;
          search();
        });
        box.appendChild(more);
        nav.appendChild(box);
      }
      // The organizations and topics, once their lists are read (with the cities, or
      // for their own filter), named in the edition's language.
      [["org", result.orgs, "organizations"], ["topic", result.topics, "topics"]].forEach(function (fl) {
        var key = fl[0];
        if (!f[key]) return;
        var own = {};
        fl[1].ids.forEach(function (id, i) {
          own[id] = fl[1].names[i];
        });
        var label = function (x) {
          return (edition[fl[2]] && edition[fl[2]][x]) || own[x] || x;
        };
        group(key, label, function (a, b) {
          return f[key][b] - f[key][a] || (label(a) < label(b) ? -1 : 1);
        });
      });
      if (filtered(state)) {
        var clear = el("p", "facet-clear");
        var a = stateLink(
          el("a", "facet", t("ClearFilters")),
          with_({ kind: null, city: null, org: null, topic: null, year: null, lang: null })
        );
        a.setAttribute("data-facet", "clear");
        clear.appendChild(a);
        nav.appendChild(clear);
      }
      return nav;
    }

    function render(result, mine) {
      var hits = result.hits;
      var marked = u.markedQuery(result, state.q);
      return u.details(hits.slice(0, shown), marked).then(function (found) {
        if (mine !== run) return;
        var focused = doc.activeElement && doc.activeElement.getAttribute("data-facet");
        root.textContent = "";
        var isFiltered = filtered(state);
        // A query of one term may have read only its first hits: `total` counts all.
        var count = result.total;
        status.textContent = u.statusText(count, state.q);
        var list = el("ol", "cards search-hits");
        found.forEach(function (d) {
          list.appendChild(u.card(d, marked, false));
        });
        // The facets come first in the tab order (and beside the results on wide
        // screens): the results are one Arrow Down away from the box.
        if (count || isFiltered) root.appendChild(facets(result));
        var main = el("div", "search-main");
        var suggest = !count && u.suggestion(result, function (q) {
          return urlFor(with_({ q: q }));
        });
        if (suggest) {
          suggest.querySelector("a").addEventListener("click", function (ev) {
            if (!plainClick(ev)) return;
            ev.preventDefault();
            input.value = result.suggestion;
            go(with_({ q: result.suggestion }), true);
          });
          main.appendChild(suggest);
        }
        if (count > 1) main.appendChild(sortControl());
        if (count) main.appendChild(list);
        else main.appendChild(el("p", "search-empty", t("EmptyHint")));
        if (count > shown) {
          var more = el("button", "search-more", t("More"));
          more.type = "button";
          more.setAttribute("data-facet", "more");
          more.addEventListener("click", function () {
            var before = shown;
            shown += PAGE_SIZE;
            // Past the hits read (a head's), the query runs again for more.
            var enough = hits.length >= Math.min(shown, count);
            (enough ? render(result, run) : search()).then(
              function () {
                // Focus the first of the results just shown.
                var next = root.querySelectorAll(".search-hits > li")[before];
                if (next) next.querySelector("a").focus();
              },
              function () {
                status.textContent = t("Error");
              }
            );
          });
          main.appendChild(more);
        }
        root.appendChild(main);
        root.setAttribute("data-state", "done");
        root.setAttribute("data-count", String(count));
        status.setAttribute("data-count", String(count));
        if (focused) {
          var again =
            focused === "load-cities"
              ? root.querySelector(".facet-city a")
              : root.querySelector('[data-facet="' + focused.replace(/["\\]/g, "\\$&") + '"]');
          if (again) again.focus();
        }
      });
    }

    function search(typing) {
      var mine = ++run;
      var filters = {
        kind: state.kind,
        city: state.city,
        org: state.org,
        topic: state.topic,
        year: state.year,
        lang: state.lang,
        newest: state.sort === "new",
        typing: !!typing,
      };
      var hasFilter = filtered(state);
      if (!tokenize(state.q).length && !hasFilter) {
        root.textContent = "";
        status.textContent = "";
        status.removeAttribute("data-count");
        root.setAttribute("data-state", "idle");
        return Promise.resolve();
      }
      root.setAttribute("data-state", "busy");
      return u
        .open()
        .then(function () {
          return engine.search(state.q, filters, citiesWanted, shown);
        })
        .then(function (result) {
          if (mine === run) return render(result, mine);
        })
        .catch(function (err) {
          if (mine !== run) return;
          root.textContent = "";
          status.textContent = t("Error");
          root.setAttribute("data-state", "error");
          root.setAttribute("data-error", String(err && err.message ? err.message : err));
        });
    }

    input.value = state.q;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearTimeout(timer);
      go(with_({ q: input.value.trim() }), true);
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        // A space after the last word says it is finished.
        go(with_({ q: q }), false, !/\s$/.test(input.value));
      }, DEBOUNCE_MS);
    });
    resultKeys(input, root, null);
    win.addEventListener("popstate", function () {
      clearTimeout(timer);
      state = readUrl();
      shown = PAGE_SIZE;
      input.value = state.q;
      search();
    });
    search();
  }

  if (typeof document !== "undefined" && document.getElementById) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () {
        start(document);
      });
    } else {
      start(document);
    }
  }

  // What the parts use of this file (see `define`).
  inner.isCjk = isCjk;
  inner.isSyllable = isSyllable;
  inner.isTypoWord = isTypoWord;
  inner.WORD = WORD;
  inner.MAX_WORD_CHARS = MAX_WORD_CHARS;
  inner.TYPO_MIN_CHARS = TYPO_MIN_CHARS;
  inner.IMPACT_SCORE = IMPACT_SCORE;
  inner.Engine = Engine;
  inner.Reader = Reader;
  inner.compareBytes = compareBytes;
  inner.startsWith = startsWith;
  inner.concat = concat;
  inner.utf8 = utf8;
  inner.fnv32 = fnv32;
  inner.decodePostings = decodePostings;

  return {
    normalize: normalize,
    tokenize: tokenize,
    tokenizeJoined: tokenizeJoined,
    phraseRuns: phraseRuns,
    followBit: followBit,
    Engine: Engine,
    define: define,
    parts: parts,
    // For search-ui.js: the header's panel and the highlighting on a record page.
    runsOf: runsOf,
    matchRanges: matchRanges,
    ui: ui,
    resultKeys: resultKeys,
    DEBOUNCE_MS: DEBOUNCE_MS,
  };
})();
