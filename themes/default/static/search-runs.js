/*
 * accord — the check of the CJK runs of 4 characters or more of a query, loaded by
 * search.js the first time such a query has records that hold every token: where
 * the bigrams of a run's cover stand in those records (the positions files) decides
 * whether a record holds the run. Plain JavaScript, no dependencies; runs inside
 * `AccordSearch.define`, which hands it what it uses of search.js (`S`).
 */
AccordSearch.define("runs", function (S) {
  var Engine = S.Engine;
  var Reader = S.Reader;

  /*
   * Where the term of postings `p` stands in each of its records (`put_positions`):
   * [[place]] by posting, kept as p.places.
   */
  Engine.prototype.places = function (p) {
    if (p.places) return Promise.resolve(p.places);
    return this.followerBlocks("o", p.o[0]).then(function (blocks) {
      var block = blocks[p.o[1]];
      if (!block) throw new Error("bad positions file");
      var places = new Array(p.docs.length);
      var r = new Reader(block);
      for (var j = 0; j < places.length; j++) {
        // The first place × 4 + their number up to 3 (more: the rest after), then
        // the steps (`put_positions`).
        var list = [];
        var head = block.length ? r.varint() : 0;
        var k = head % 4 === 3 ? 3 + r.varint() : head % 4;
        var at = Math.floor(head / 4);
        if (k > 0) list.push(at);
        for (; k > 1; k--) list.push((at += r.varint()));
        places[j] = list;
      }
      p.places = places;
      return places;
    });
  };

  /*
   * The bigrams of a run whose places a record must hold, as offsets in the run: the
   * first, the last, and steps of one or two between them, those of the fewest
   * records in all (on a tie, the longer step; `run_cover` in read.rs).
   */
  function runCover(run, lists) {
    var n = run.length;
    var best = new Array(n);
    for (var k = n - 1; k >= 0; k--) {
      var own = lists[run[k]].docs.length;
      if (k + 2 < n && best[k + 2][0] <= best[k + 1][0]) best[k] = [own + best[k + 2][0], k + 2];
      else if (k + 1 < n) best[k] = [own + best[k + 1][0], k + 1];
      else best[k] = [own, n];
    }
    var cover = [];
    for (k = 0; k < n; k = best[k][1]) cover.push(k);
    return cover;
  }

  /*
   * Whether the record at `at` (its place in each list) holds the whole run: its
   * first bigram at some place p and each bigram of its cover at p plus its offset.
   */
  function holdsRun(run, cover, lists, at) {
    return lists[run[0]].places[at[run[0]]].some(function (p) {
      return cover.every(function (k) {
        return lists[run[k]].places[at[run[k]]].indexOf(p + k) >= 0;
      });
    });
  }

  /*
   * Reads where the bigrams of the cover of each of `runs` stand in their records
   * (`places`), the covers pushed to `covers` in the order of `runs`; resolves to
   * `lists`.
   */
  Engine.prototype.coverPlaces = function (runs, lists, covers) {
    var self = this;
    var slots = [];
    runs.forEach(function (run) {
      covers.push(runCover(run, lists));
      covers[covers.length - 1].forEach(function (k) {
        if (slots.indexOf(run[k]) < 0) slots.push(run[k]);
      });
    });
    return Promise.all(
      slots.map(function (i) {
        return self.places(lists[i]);
      })
    ).then(function () {
      return lists;
    });
  };

  return { holdsRun: holdsRun };
});
