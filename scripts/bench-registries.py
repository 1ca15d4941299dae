#!/usr/bin/env python3
"""Writes data/organizations.yaml and data/topics.yaml for an archive made by the
benchmark generator (../shared/bench/gen_archive.py), from the names its records use,
so that a benchmark build has the organization and topic pages of a real archive.

    scripts/bench-registries.py ARCHIVE [--generator PATH]

Every organizer, partner and tag of ARCHIVE/content/ is read. A name the generator
makes from its tables (a city's department, a partner organization, a university, a
topic) gets the generator's names in all four languages, so that the records of every
language meet on one page; any other name becomes an entry of its own, named as
written. Existing registries are replaced. Prints what it wrote.
"""

import argparse
import importlib.util
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LANGS = ["ko", "ja", "zh", "en"]
LIST_KEYS = ("organizers", "partners")


def load_generator(path):
    spec = importlib.util.spec_from_file_location("gen_archive", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def slug(text):
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "x"


def scan(content):
    """The organizers and partners (name → language of a record using it) and the tags
    (name → language) of every record, as the generator writes them: flow lists for
    `tags`, block lists for the others."""
    orgs, tags = {}, {}
    for path in sorted(content.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---\n"):
            continue
        front = text[4 : text.find("\n---", 4)]
        lang = re.search(r"^lang: *(\S+)", front, re.M)
        lang = lang.group(1) if lang else "ko"
        key = None
        for line in front.splitlines():
            if line.startswith("tags:"):
                inner = line[5:].strip().strip("[]")
                for t in filter(None, (x.strip().strip('"') for x in inner.split(","))):
                    tags.setdefault(t, lang)
                key = None
            elif line.split(":")[0] in LIST_KEYS and line.rstrip().endswith(":"):
                key = line.split(":")[0]
            elif key and line.startswith("  - "):
                orgs.setdefault(line[4:].strip().strip('"'), lang)
            else:
                key = None
    return orgs, tags


def known_organizations(gen):
    """Every organization the generator can name: id → (names by language, kind,
    country)."""
    out = {}
    for row in gen.PARTNER_ORGS:
        out["org-" + slug(row["en"])] = ({l: row[l] for l in LANGS}, "other", "")
    for city in gen.CITIES:
        cid = slug(city["en"])
        uni = {"ko": f"{city['ko']}대학교", "ja": f"{city['ja']}大学",
               "zh": f"{city['zh']}大学", "en": f"University of {city['en']}"}
        out[f"{cid}-university"] = (uni, "university", city["country"])
        for dept in gen.DEPARTMENTS:
            names = {}
            for lang in LANGS:
                name = city[lang]
                if lang == "en":
                    names[lang] = f"{name} {dept[lang]}"
                    continue
                suffix = gen.CITY_SUFFIX_EXCEPTIONS.get((lang, name), gen.CITY_SUFFIX[lang])
                sep = " " if lang == "ko" else ""
                names[lang] = f"{name}{suffix}{sep}{dept[lang]}"
            out[f"{cid}-{slug(dept['en'])}"] = (names, "city-government", city["country"])
    return out


def yaml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def entry(oid, names, kind=None, country=None):
    inner = ", ".join(f"{l}: {yaml_str(n)}" for l, n in names.items())
    lines = [f"{oid}:", f"  name: {{{inner}}}"]
    if kind:
        lines.append(f"  kind: {kind}")
    if country:
        lines.append(f"  country: {country}")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("archive", type=Path)
    p.add_argument("--generator", type=Path,
                   default=REPO.parent / "shared" / "bench" / "gen_archive.py")
    args = p.parse_args()
    gen = load_generator(args.generator)
    used_orgs, used_tags = scan(args.archive / "content")

    by_name = {}
    for oid, (names, kind, country) in known_organizations(gen).items():
        for n in names.values():
            by_name.setdefault(n, oid)
    known = known_organizations(gen)
    entries, seen = [], set()
    for name, lang in sorted(used_orgs.items()):
        oid = by_name.get(name)
        if oid is None:
            oid = f"org-{len(entries) + 1}"
            entries.append((oid, entry(oid, {lang: name}, "other")))
        elif oid not in seen:
            names, kind, country = known[oid]
            entries.append((oid, entry(oid, names, kind, country)))
        seen.add(oid)
    entries.sort()

    topic_rows = {row["en"]: row for row in gen.TOPICS}
    topic_of = {row[l]: en for en, row in topic_rows.items() for l in LANGS}
    topics, seen = [], set()
    for tag, lang in sorted(used_tags.items()):
        en = topic_of.get(tag)
        if en is None or en in seen:
            continue
        seen.add(en)
        row = topic_rows[en]
        names = {l: row[l] for l in ("ko", "ja", "zh")}
        names["en"] = en.replace("-", " ").capitalize()
        topics.append((slug(en), entry(slug(en), names) + f"\n  aliases: [{yaml_str(en)}]"))
    topics.sort()

    data = args.archive / "data"
    data.mkdir(exist_ok=True)
    head = "# Written by scripts/bench-registries.py from the names the records use.\n"
    (data / "organizations.yaml").write_text(
        head + "\n".join(e for _, e in entries) + "\n", encoding="utf-8")
    (data / "topics.yaml").write_text(
        head + "\n".join(e for _, e in topics) + "\n", encoding="utf-8")
    print(f"{len(entries)} organizations ({len(used_orgs)} names used), "
          f"{len(topics)} registered topics ({len(used_tags)} tags used)", file=sys.stderr)


if __name__ == "__main__":
    main()
