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
   * The record page opened from a result (`?highlight=<query>`): marks the query's
   * words and CJK runs in the body (`.prose`, else `main`), matched on normalised
   * text, with a control above it that removes the marks and the parameter.
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
    var walker = doc.createTreeWalker(body, 4 /* NodeFilter.SHOW_TEXT */);
    var nodes = [];
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.parentNode.closest("script, style, mark")) nodes.push(n);
    }
    var marks = [];
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var ranges = matchRanges(text, needles);
      if (!ranges.length) return;
      var frag = doc.createDocumentFragment();
      var pos = 0;
      ranges.forEach(function (r) {
        if (r[0] > pos) frag.appendChild(doc.createTextNode(text.slice(pos, r[0])));
        var m = doc.createElement("mark");
        m.className = "search-highlight";
        m.textContent = text.slice(r[0], r[1]);
        frag.appendChild(m);
        marks.push(m);
        pos = r[1];
      });
      if (pos < text.length) frag.appendChild(doc.createTextNode(text.slice(pos)));
      node.parentNode.replaceChild(frag, node);
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
      marks.forEach(function (m) {
        m.replaceWith(doc.createTextNode(m.textContent));
      });
      body.normalize();
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
