"""Search quality: a query set drawn from an archive's source records, the true
answer of every query computed from those records, and recall, precision, P@10,
"title match first" and first-query bytes per class of query. Used by
scripts/search-bench.py (`--quality`); the engine's answers come from
`search_bench ROOT --queries FILE`, whose reader answers exactly as the page does.

Truth, per query (text = title, summary, body without Markdown marks, organizers,
partners, tags, purpose, code, participants, venue, and every name of the record's
cities, normalised as the index normalises: NFC, full-width ASCII folded, lower case):
  - a query of CJK characters: the text contains it (as a run, the way a reader reads);
  - English words (3 or more ASCII letters): the text contains a word with the same
    Snowball English stem (`recycle` stands for `recycling` too), as the index matches
    them; other Latin words: the text contains every word as a whole word;
  - several words or runs: every one of them, as above;
  - a city name (any language or alias): also every record of that city, and every
    record whose text contains any name of that city (Latin names as whole words);
  - a typo or another word form: the truth of the word it stands for;
  - a misspelt Korean word (one jamo changed, in no record): no record (the engine
    only suggests the word it stands for); what counts is the suggestion;
  - an absent word: no record.
"""

import collections
import json
import re
import statistics
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import yaml

CJK = re.compile(r"[\u1100-\u11ff\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf"
                 r"\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff\uff66-\uff9f]")
HANGUL = re.compile(r"^[\uac00-\ud7a3]+$")
KANA_HAN = re.compile(r"^[\u3040-\u30ff\u4e00-\u9fff]+$")
HAN = re.compile(r"^[\u4e00-\u9fff]+$")
LATIN = re.compile(r"^[a-z]+$")


def norm(text):
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in text)
    return unicodedata.normalize("NFC", text.lower())


def load(root):
    """The records of an archive: source path → {title, lang, text, cities}."""
    cities = yaml.safe_load((root / "data/cities.yaml").read_text(encoding="utf-8"))
    names = {}  # city id → every normalised name
    by_name = {}
    for cid, c in cities.items():
        ns = [norm(n) for n in list((c.get("name") or {}).values()) + list(c.get("aliases") or [])]
        names[cid] = sorted(set(ns))
        for n in ns:
            by_name[n] = cid
    # Longest first; Latin names as whole words, CJK names anywhere.
    alts = []
    for n in sorted(by_name, key=lambda n: (-len(n), n)):
        if len([c for c in n if c.isalnum()]) < 2:
            continue
        pat = re.escape(n)
        if re.match(r"[^\W_]", n) and not CJK.match(n):
            pat = r"(?<![^\W_])" + pat
        if re.search(r"[^\W_]$", n) and not CJK.search(n[-1]):
            pat = pat + r"(?![^\W_])"
        alts.append(pat)
    mention = re.compile("|".join(alts)) if alts else re.compile(r"(?!x)x")
    records = {}
    for path in sorted((root / "content").rglob("*.md")):
        raw = path.read_text(encoding="utf-8")
        if not raw.startswith("---"):
            continue
        _, fm, body = raw.split("---", 2)
        meta = yaml.safe_load(fm) or {}
        if meta.get("draft"):
            continue
        body = re.sub(r"\]\([^)]*\)", "]", body)  # link targets are not text
        body = re.sub(r"[*_`#>|\[\]()]", " ", body)
        fields = [meta.get("title", ""), meta.get("summary", ""), body]
        for key in ("organizers", "partners", "tags", "participants"):
            fields += [str(v) for v in meta.get(key) or []]
        for key in ("purpose", "code", "venue"):
            if meta.get(key):
                fields.append(str(meta[key]))
        ids = [by_name.get(norm(c)) for c in meta.get("cities") or []]
        ids = [i for i in ids if i]
        for i in ids:
            fields += names[i]
        # Every name of every other city the text names (the index's mentions).
        text = "\n".join(norm(f) for f in fields)
        named = {by_name[m.group(0)] for m in mention.finditer(text)} - set(ids)
        for i in sorted(named):
            fields += names[i]
        rel = str(path.relative_to(root))
        records[rel] = {"title": norm(meta.get("title", "")), "lang": meta.get("lang", ""),
                        "text": "\n".join(norm(f) for f in fields), "cities": ids,
                        "organizers": [str(o) for o in meta.get("organizers") or []]}
    return records, names, by_name


def whole_word(word):
    return re.compile(r"(?<![^\W_])" + re.escape(word) + r"(?![^\W_])")


STEMMED = re.compile(r"^[a-z]{3,}$")
STEMS = {}  # English word → its stem, filled by `stem_words`


def english_words(text):
    """The words of text that the index stems: runs of letters and digits outside CJK
    made of 3 or more ASCII letters only."""
    runs = re.findall(r"[^\W_]+", CJK.sub(" ", text))
    return {w for w in runs if STEMMED.match(w)}


def stem_words(bench, words):
    """Fills STEMS with the stem of every word, as the index stems it."""
    todo = sorted(set(words) - set(STEMS))
    if not todo:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(todo, f)
    try:
        out = subprocess.run([bench, f.name, "--stems"], check=True, capture_output=True,
                             text=True).stdout
    finally:
        Path(f.name).unlink()
    STEMS.update(zip(todo, json.loads(out)))


def stems_of(text):
    return {STEMS[w] for w in english_words(text)}


def contains(text, part, stems=None):
    if CJK.search(part):
        return part in text
    if STEMMED.match(part) and stems is not None:
        return STEMS[part] in stems
    return whole_word(part).search(text) is not None


def truth(records, names, by_name, query, means=None):
    q = norm(means or query)
    if not q.strip():
        return set()
    parts = q.split()
    hits = {p for p, r in records.items()
            if all(contains(r["text"], x, r["stems"]) for x in parts)}
    cid = by_name.get(q)
    if cid:
        for p, r in records.items():
            if cid in r["cities"] or any(contains(r["text"], n) for n in names[cid]):
                hits.add(p)
    return hits


def title_has(records, path, query):
    r = records[path]
    return all(contains(r["title"], x, r["title_stems"]) for x in norm(query).split())


# Jamo an IME slip turns into one another: medials (ㅏㅑ, ㅐㅔ, ㅓㅕ, ㅗㅛ, ㅜㅠ) and
# initials (ㄱㅋ, ㄷㅌ, ㅂㅍ, ㅈㅊ, ㅅㅆ, ㅇㅎ, ㄴㄹ), by index in the Unicode order.
MEDIAL_SLIP = {0: 2, 2: 0, 1: 5, 5: 1, 4: 6, 6: 4, 8: 12, 12: 8, 13: 17, 17: 13}
INITIAL_SLIP = {0: 15, 15: 0, 3: 16, 16: 3, 7: 17, 17: 7, 12: 14, 14: 12, 9: 10, 10: 9,
                11: 18, 18: 11, 2: 5, 5: 2}


def jamo_slip(word, i):
    """Word with one jamo of syllable i % len changed: the medial, the final (dropped, or
    ㄴ added) or the initial, by i % 3; None when that jamo has no slip."""
    k = i % len(word)
    c = ord(word[k]) - 0xAC00
    lead, vowel, tail = c // 588, c % 588 // 28, c % 28
    kind = i // len(word) % 3
    if kind == 0 and vowel in MEDIAL_SLIP:
        vowel = MEDIAL_SLIP[vowel]
    elif kind == 1:
        tail = 0 if tail else 4
    elif kind == 2 and lead in INITIAL_SLIP:
        lead = INITIAL_SLIP[lead]
    else:
        return None
    return word[:k] + chr(0xAC00 + lead * 588 + vowel * 28 + tail) + word[k + 1:]


def ko_typos(words, records):
    """One misspelling of each word that no record holds: (misspelling, word)."""
    texts = [r["text"] for r in records.values()]
    out = []
    for n, w in enumerate(words):
        for i in range(n, n + 3 * len(w)):
            typo = jamo_slip(w, i)
            if typo and not any(typo in t for t in texts):
                out.append((typo, w))
                break
    return out


def queries(records, names):
    """About 76 queries in 13 classes, drawn from the records (deterministic)."""
    words = collections.Counter()
    for r in records.values():
        for w in r["title"].split():
            words[(r["lang"], w)] += 1
    starts = collections.Counter()
    for r in records.values():
        for run in re.findall(r"[\u3040-\u30ff\u4e00-\u9fff]{2,}", r["title"]):
            for k in (2, 3, 4):
                if len(run) >= k:
                    starts[(r["lang"], run[:k])] += 1
    def top_runs(lang, pattern, n):
        ranked = sorted(starts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [w for (l, w), _ in ranked if l == lang and pattern.match(w)][:n]

    def top(lang, pattern, n, lo=2, hi=6, skip=()):
        out = []
        for (l, w), _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
            if l == lang and pattern.match(w) and lo <= len(w) <= hi and w not in skip:
                out.append(w)
            if len(out) == n:
                break
        return out
    city_names = {n for ns in names.values() for n in ns}
    no_city = lambda ws: [w for w in ws if not any(n in w for n in city_names)]
    ko = no_city(top("ko", HANGUL, 30, 2, 4))[:6]
    long_ko = no_city(top("ko", HANGUL, 40, 5, 9))
    infix = [w[1:4] for w in long_ko][:6]
    ja = no_city(top_runs("ja", KANA_HAN, 60))[:6]
    zh = no_city(top_runs("zh", HAN, 60))[:6]
    en = [w for w in top("en", LATIN, 60, 4, 14) if w not in {"with", "from", "city", "cities"}]
    en_case = [w.capitalize() for w in en[:3]] + [w.upper() for w in en[3:5]]
    stems = [w for w in en if w.endswith("ing") or w.endswith("s")][:4]
    en_stem = [(w[:-3] if w.endswith("ing") else w[:-1], w) for w in stems]
    typo_src = [w for w in en if len(w) >= 5][:7]
    typos = []
    for i, w in enumerate(typo_src):
        k = 1 + i % (len(w) - 2)
        typos.append((w[:k] + w[k + 1:] if i % 2 else w[:k] + w[k + 1] + w[k] + w[k + 2:], w))
    one = ["물", "대", "기", "碳", "水", "気"]
    multi = []
    for r in sorted(records.values(), key=lambda r: r["title"]):
        ws = [w for w in r["title"].split() if HANGUL.match(w) and len(w) >= 2]
        if r["lang"] == "ko" and len(ws) >= 2 and len(multi) < 6 and " ".join(ws[:2]) not in multi:
            multi.append(" ".join(ws[:2]))
    counts = collections.Counter(c for r in records.values() for c in r["cities"])
    cities = []
    for cid, _ in counts.most_common(6):
        ns = names[cid]
        pick = [n for n in ns if re.match(r"^[a-z]", n)] + [n for n in ns if HAN.match(n)]
        cities.append(pick[len(cities) % len(pick)] if pick else ns[0])
    orgs = collections.Counter(o for r in records.values() for o in r["organizers"])
    organizations = [o for o, _ in orgs.most_common(6)]
    absent = ["뷁뛣", "zqxjv", "鱻龘", "ヰヱヲ", "qwertyuiop", "xylophonist"]
    out = []
    add = lambda cls, qs: out.extend({"class": cls, "q": q, "means": m} for q, m in qs)
    add("ko word", [(q, None) for q in ko])
    add("ko infix", [(q, None) for q in infix])
    add("ja", [(q, None) for q in ja])
    add("zh", [(q, None) for q in zh])
    add("en case", [(q, None) for q in en_case])
    add("en stemming", en_stem)
    add("typos", typos)
    add("ko typos", ko_typos(ko, records))
    add("one character", [(q, None) for q in one])
    add("multi-word", [(q, None) for q in multi])
    add("city, other script", [(q, None) for q in cities])
    add("organizations", [(q, None) for q in organizations])
    add("absent", [(q, None) for q in absent])
    return out


def evaluate(root, bench, engine_bytes):
    """The rows of every query; `engine_bytes` the size of each script of the engine as
    served (search.js, search-NAME.js), of which a query counts search.js and the parts
    it loads (`parts` of `search_bench --queries`)."""
    records, names, by_name = load(root)
    qs = queries(records, names)
    words = set()
    for r in records.values():
        words |= english_words(r["text"]) | english_words(r["title"])
    for q in qs:
        words |= english_words(norm(q["q"])) | english_words(norm(q["means"] or ""))
    stem_words(bench, words)
    for r in records.values():
        r["stems"], r["title_stems"] = stems_of(r["text"]), stems_of(r["title"])
    spec = root / ".search-queries.json"
    spec.write_text(json.dumps([q["q"] for q in qs], ensure_ascii=False), encoding="utf-8")
    answers = json.loads(subprocess.run([bench, root, "--queries", spec], check=True,
                                        capture_output=True, text=True).stdout)
    spec.unlink()
    rows = []
    for q, a in zip(qs, answers):
        t = truth(records, names, by_name, q["q"], q["means"])
        if q["class"] == "en stemming":
            t |= truth(records, names, by_name, q["q"])
        hits = a["hits"]
        found = set(hits)
        titled = [p for p in t if title_has(records, p, q["means"] or q["q"])]
        if q["class"] == "ko typos":
            # No record holds the misspelling: no hits, a suggestion.
            t = titled = set()
        rows.append({
            **q, "true": len(t), "results": len(hits),
            "recall": len(found & t) / len(t) if t else None,
            "precision": len(found & t) / len(found) if found else None,
            "p10": (sum(h in t for h in hits[:10]) / min(10, len(hits))) if hits else None,
            "title_first": (bool(hits) and title_has(records, hits[0], q["means"] or q["q"]))
            if titled else None,
            "bytes": sum(size for _, size in a["files"]) + engine_bytes["search.js"]
            + sum(engine_bytes[f"search-{p}.js"] for p in a["parts"]),
            "parts": a["parts"],
            "suggested": (a["suggestion"] == norm(q["means"])) if q["means"] and "typos" in q["class"]
            else None,
        })
    return rows


def summary(rows):
    """Per class: queries, recall, precision, P@10, title first, first-query bytes."""
    by = collections.OrderedDict()
    for r in rows:
        by.setdefault(r["class"], []).append(r)
    out = []
    mean = lambda xs: statistics.fmean(xs) if xs else None
    for cls, rs in list(by.items()) + [("all", rows)]:
        def pooled(key):
            vals = [r[key] for r in rs if r[key] is not None]
            return mean(vals)
        tf = [r["title_first"] for r in rs if r["title_first"] is not None]
        out.append({
            "class": cls, "queries": len(rs),
            "recall": pooled("recall"), "precision": pooled("precision"), "p10": pooled("p10"),
            "title_first": (sum(tf), len(tf)),
            "false_hits": sum(r["results"] for r in rs if r["true"] == 0),
            "suggested": (sum(bool(r["suggested"]) for r in rs),
                          sum(r["suggested"] is not None for r in rs)),
            "bytes_median": statistics.median(r["bytes"] for r in rs),
            "bytes_max": max(r["bytes"] for r in rs),
        })
    return out


def markdown(rows):
    pct = lambda v: "–" if v is None else f"{100 * v:.1f}%"
    print("| class | queries | recall | precision | P@10 | title match first | first query KB (median / max) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for s in summary(rows):
        tf = f"{s['title_first'][0]} of {s['title_first'][1]}" if s["title_first"][1] else "–"
        prec = pct(s["precision"])
        if s["class"] in ("absent", "ko typos"):
            prec = f"{s['false_hits']} results"
        print(f"| {s['class']} | {s['queries']} | {pct(s['recall'])} | {prec} | {pct(s['p10'])} | "
              f"{tf} | {s['bytes_median'] / 1024:.1f} / {s['bytes_max'] / 1024:.1f} |")
    print()
    for s in summary(rows):
        if s["suggested"][1] and s["class"] != "all":
            print(f"- {s['class']}: the suggestion is the word meant for {s['suggested'][0]} of "
                  f"{s['suggested'][1]}")
    for r in rows:
        if r["suggested"] is not None:
            print(f"  - `{r['q']}` → `{r['means']}`: {'right' if r['suggested'] else 'wrong'}, "
                  f"{r['results']} results, {r['bytes'] / 1024:.1f} KB")
