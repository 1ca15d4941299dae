/*
 * accord — the search outside the search page. Plain JavaScript, no dependencies;
 * needs search.js (AccordSearch), loaded before it by the page's loader when the
 * header's box first gets the focus, or on a page opened from a result
 * (`?highlight=`).
 *
 * The header's box shows the first results in a panel under it as the reader types;
 * a record page opened from a result marks the query's words in its body. Text is
 * inserted with textContent only.
 */
(function () {
  "use strict";

  var S = AccordSearch;
  var normalize = S.normalize;
  var tokenize = S.tokenize;
  var runsOf = S.runsOf;
  var matchRanges = S.matchRanges;
  var ui = S.ui;
  var resultKeys = S.resultKeys;
  var DEBOUNCE_MS = S.DEBOUNCE_MS;
  /* Results shown in the header's panel. */
  var PANEL_SIZE = 6;

  /*
   * The header's search box (`#site-search-q` in a form whose `data-*` give the index
   * and the words): a panel of results under it as the reader types, without leaving
   * the page. The page loads this script when the box first gets the focus.
   */
  function startPanel(doc) {
    var input = doc.getElementById("site-search-q");
    var form = input && input.form;
    if (!form || !form.dataset.index || doc.getElementById("site-search-panel")) return;
    var data = form.dataset;
    var u = ui(doc, data, {});
    var el = u.el;
    var panel = el("div", "search-panel");
    panel.id = "site-search-panel";
    panel.hidden = true;
    // A click inside the panel keeps the focus in the form, and the panel open.
    panel.tabIndex = -1;
    panel.setAttribute("data-state", "idle");
    var status = el("p", "search-status");
    status.id = "site-search-status";
    status.setAttribute("role", "status");
    var list = el("ol", "search-hits");
    var all = el("p", "search-all");
    panel.appendChild(status);
    panel.appendChild(list);
    panel.appendChild(all);
    form.appendChild(panel);
    input.setAttribute("aria-controls", panel.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-describedby", status.id);
    var run = 0;
    var timer = null;

    function show(open) {
      panel.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
    }

    function search() {
      var mine = ++run;
      var q = input.value.trim();
      if (!tokenize(q).length) {
        show(false);
        list.textContent = "";
        status.textContent = "";
        status.removeAttribute("data-count");
        panel.setAttribute("data-state", "idle");
        return;
      }
      panel.setAttribute("data-state", "busy");
      var filters = { kind: null, city: null, year: null, lang: null, newest: false, typing: !/\s$/.test(input.value) };
      u.open()
        .then(function () {
          return u.engine.search(q, filters, false, PANEL_SIZE);
        })
        .then(function (result) {
          if (mine !== run) return;
          var marked = u.markedQuery(result, q);
          return u.details(result.hits.slice(0, PANEL_SIZE), marked).then(function (found) {
            if (mine !== run) return;
            var count = result.total;
            list.textContent = "";
            found.forEach(function (d) {
              list.appendChild(u.card(d, marked, true));
            });
            status.textContent = u.statusText(count, q);
            status.setAttribute("data-count", String(count));
            all.textContent = "";
            var href = form.action + "?q=" + encodeURIComponent(q);
            var suggest = !count && u.suggestion(result, function (s) {
              return form.action + "?q=" + encodeURIComponent(s);
            });
            if (suggest) all.appendChild(suggest);
            if (count > found.length) {
              var a = el("a", null, u.t("All", count, q));
              a.href = href;
              all.appendChild(a);
            }
            panel.setAttribute("data-state", "done");
            panel.setAttribute("data-count", String(count));
            show(true);
          });
        })
        .catch(function (err) {
          if (mine !== run) return;
          list.textContent = "";
          status.textContent = u.t("Error");
          panel.setAttribute("data-state", "error");
          panel.setAttribute("data-error", String(err && err.message ? err.message : err));
          show(true);
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      // Not `done` while the answer shown is that of an earlier text: a search still
      // running for it is dropped when it ends.
      run++;
      panel.setAttribute("data-state", "busy");
      timer = setTimeout(search, DEBOUNCE_MS);
    });
    input.addEventListener("focus", function () {
      if (panel.getAttribute("data-state") === "done" && input.value.trim()) show(true);
    });
    form.addEventListener("focusout", function (ev) {
      if (!form.contains(ev.relatedTarget)) show(false);
    });
    resultKeys(input, panel, function () {
      show(false);
    });
    // Typed before the script arrived.
    if (input.value.trim()) search();
  }

  /*
   * Elements that start a block of text: a match never spans one (a paragraph that
   * ends with `대기` and the next that starts with `오염` hold no `대기오염`).
   */
  var BLOCK =
    /^(ADDRESS|ARTICLE|ASIDE|BLOCKQUOTE|BR|CAPTION|DD|DETAILS|DIV|DL|DT|FIELDSET|FIGCAPTION|FIGURE|FOOTER|FORM|H[1-6]|HEADER|HR|LI|MAIN|NAV|OL|P|PRE|SECTION|SUMMARY|TABLE|TBODY|TD|TFOOT|TH|THEAD|TR|UL)$/;

  /*
   * The text nodes of `body` in runs that read as one text: consecutive text nodes of
   * the same block, whatever inline elements (`strong`, `em`, `a`, `code`…) they are
   * in. A block element, a line break, or text that is not marked (in `script`,
   * `style` or `mark`) ends a run.
   */
  function textRuns(doc, body) {
    var runs = [];
    var run = null;
    var block = null;
    var walker = doc.createTreeWalker(body, 5 /* NodeFilter.SHOW_ELEMENT | SHOW_TEXT */);
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.nodeType === 1 || n.parentNode.closest("script, style, mark")) {
        if (n.nodeType !== 1 || BLOCK.test(n.nodeName)) run = null;
        continue;
      }
      var b = n.parentNode;
      while (b !== body && !BLOCK.test(b.nodeName)) b = b.parentNode;
      if (!run || b !== block) runs.push((run = []));
      block = b;
      run.push(n);
    }
    return runs;
  }

  /*
   * Marks the ranges of `text` (the text of the nodes of one run, joined) in those
   * nodes: each node that a match reaches is replaced by its text around the match and
   * a `mark` per piece, so that a match across `대기<strong>오염</strong>` is two marks.
   * Returns the first mark of each match and, to undo it, each replaced node with
   * what replaced it.
   */
  function markRun(doc, nodes, text, ranges) {
    var firsts = [];
    var replaced = [];
    var start = 0;
    nodes.forEach(function (node) {
      var end = start + node.nodeValue.length;
      var parts = [];
      var pos = start;
      ranges.forEach(function (r) {
        var s = Math.max(r[0], start);
        var e = Math.min(r[1], end);
        if (s >= e) return;
        if (s > pos) parts.push(doc.createTextNode(text.slice(pos, s)));
        var m = doc.createElement("mark");
        m.className = "search-highlight";
        m.textContent = text.slice(s, e);
        parts.push(m);
        if (s === r[0]) firsts.push(m);
        pos = e;
      });
      if (parts.length) {
        if (pos < end) parts.push(doc.createTextNode(text.slice(pos, end)));
        parts.forEach(function (p) {
          node.parentNode.insertBefore(p, node);
        });
        node.remove();
        replaced.push([node, parts]);
      }
      start = end;
    });
    return { firsts: firsts, replaced: replaced };
  }

  /*
   * The record page opened from a result (`?highlight=<query>`): marks the query's
   * words and CJK runs in the body (`.prose`, else `main`), matched on normalised
   * text, across inline markup but never across blocks, with a control above it that
   * removes the marks (putting back the very text nodes they replaced) and the
   * parameter.
   */
  function startHighlight(doc) {
    var win = doc.defaultView;
    var q = new URLSearchParams(win.location.search).get("highlight");
    var body = doc.querySelector("main .prose") || doc.querySelector("main");
    if (!q || !body || doc.querySelector(".search-highlight-bar")) return;
    var needles = runsOf(normalize(q))
      .map(function (r) {
        return r[1];
      })
      .sort(function (a, b) {
        return b.length - a.length;
      });
    var marks = [];
    var replaced = [];
    textRuns(doc, body).forEach(function (nodes) {
      var text = nodes
        .map(function (n) {
          return n.nodeValue;
        })
        .join("");
      var ranges = matchRanges(text, needles);
      if (!ranges.length) return;
      var done = markRun(doc, nodes, text, ranges);
      marks = marks.concat(done.firsts);
      replaced = replaced.concat(done.replaced);
    });
    var words = (doc.querySelector("form[data-index]") || { dataset: {} }).dataset;
    var bar = doc.createElement("p");
    bar.className = "search-highlight-bar";
    bar.setAttribute("data-count", String(marks.length));
    var numbers = new Intl.NumberFormat(doc.documentElement.lang || undefined);
    bar.appendChild(
      doc.createTextNode(
        (words.tHighlight || "{n} × “{q}”")
          .replace("{n}", function () {
            return numbers.format(marks.length);
          })
          .replace("{q}", function () {
            return q;
          }) + " "
      )
    );
    var button = doc.createElement("button");
    button.type = "button";
    button.textContent = words.tUnhighlight || "×";
    button.addEventListener("click", function () {
      replaced.forEach(function (r) {
        r[1][0].parentNode.insertBefore(r[0], r[1][0]);
        r[1].forEach(function (p) {
          p.remove();
        });
      });
      bar.remove();
      var url = new URL(win.location.href);
      url.searchParams.delete("highlight");
      win.history.replaceState(win.history.state, "", url.pathname + url.search + url.hash);
    });
    bar.appendChild(button);
    body.parentNode.insertBefore(bar, body);
    if (marks.length && !win.location.hash) marks[0].scrollIntoView({ block: "center" });
  }

  if (typeof document !== "undefined" && document.getElementById) {
    var boot = function () {
      startPanel(document);
      startHighlight(document);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
    else boot();
  }
})();
