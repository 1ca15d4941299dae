//! One generator of synthetic archives, for the tests that need many records.

use std::path::Path;

use super::site::{repo, write};

/// Writes a synthetic archive of `n` records titled `title` into `dir`: the sample
/// archive's city registry, every kind, the four languages, every front-matter field,
/// and bodies with headings, lists, tables, code, footnotes, quotes and links between
/// records. Record `i` is `content/<kind>s/r<i, five digits>.md`, its kind the `i % 3`th
/// of program, trip, workshop. Deterministic: the same arguments give the same files.
pub(crate) fn generate_archive(dir: &Path, n: usize, title: &str) {
    let registry = std::fs::read_to_string(repo().join("data/cities.yaml")).unwrap();
    let ids: Vec<&str> = registry
        .lines()
        .filter(|l| !l.starts_with([' ', '#']) && l.ends_with(':'))
        .map(|l| l.trim_end_matches(':'))
        .collect();
    assert!(ids.len() > 10, "registry ids not found");
    write(dir, "data/cities.yaml", registry.as_bytes());
    write(
        dir,
        "accord.yaml",
        format!(
            "title: '{}'\ndescription: \"Synthetic records: programs, trips, workshops\"\nbase_url: https://example.org/archive/\nlanguage: en\npaginate_by: 20\n",
            title.replace('\'', "''")
        )
        .as_bytes(),
    );
    let mut seed: u64 = 0x5eed;
    let mut rnd = move |m: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % m.max(1)
    };
    let words = [
        (
            "ko",
            ["대기질", "협력", "도시", "탄소중립", "워크숍", "교류"],
        ),
        ("ja", ["大気", "協力", "都市", "脱炭素", "研修", "交流"]),
        ("zh", ["大气", "合作", "城市", "碳中和", "研讨", "交流"]),
        (
            "en",
            [
                "air",
                "cooperation",
                "city",
                "carbon",
                "training",
                "exchange",
            ],
        ),
    ];
    let kinds = ["programs", "trips", "workshops"];
    for i in 0..n {
        let section = kinds[i % 3];
        let (lang, w) = words[rnd(4)];
        let [w0, w1, w2, w3, w4, w5] = w;
        let year = 2008 + rnd(18) as i32;
        let month = 1 + rnd(12);
        let day = 1 + rnd(28);
        let date = match rnd(3) {
            0 => format!("{year}"),
            1 => format!("{year}-{month:02}"),
            _ => format!("{year}-{month:02}-{day:02}"),
        };
        let span = rnd(4) as i32;
        let end = if span > 0 && section == "programs" {
            format!("end: {}\n", year + span)
        } else {
            String::new()
        };
        let mut cities: Vec<&str> = Vec::new();
        for _ in 0..1 + rnd(4) {
            let c = ids[rnd(ids.len())];
            if !cities.contains(&c) {
                cities.push(c);
            }
        }
        let title = match i % 7 {
            0 => format!("{} {} & \"{}\" <{i}>", w[0], w[1], w[2]),
            3 => format!("{} {} </script> {i}", w[3], w[4]),
            _ => format!("{} {} {} {i}", w[rnd(6)], w[rnd(6)], w[rnd(6)]),
        };
        let kind_fields = match section {
            "programs" => {
                let mut f = format!(
                    "code: \"{}-{}\"\nstatus: {}\n",
                    i % 20,
                    i % 7,
                    ["planned", "ongoing", "completed"][rnd(3)]
                );
                if rnd(3) > 0 {
                    let total = 50 + rnd(5000);
                    f.push_str(&format!(
                        "budget: {{unit: {}, total: {total}, spent: {}, by_year: {{{year}: {}}}}}\n",
                        ["백만원", "千円", "万元"][rnd(3)],
                        rnd(total),
                        total / (span as usize + 1)
                    ));
                }
                if cities.len() > 1 {
                    f.push_str(&format!("pairs: [[{}, {}]]\n", cities[0], cities[1]));
                }
                f
            }
            "trips" => format!(
                "travelers: {}\npurpose: {} {}\ncost: {{amount: {}, currency: KRW}}\n",
                1 + rnd(20),
                w[1],
                w[5],
                100_000 + rnd(9_000_000)
            ),
            _ => format!(
                "venue: {} hall\nformat: {}\nparticipants: [{} {}, {}]\n",
                w[2],
                ["workshop", "forum", "seminar", "conference"][rnd(4)],
                w[0],
                w[2],
                w[5]
            ),
        };
        let other = if i > 0 { rnd(i) } else { 0 };
        let link = format!("../{}/r{other:05}.md", kinds[other % 3]);
        let body = format!(
            "{w0} {w1} — {w2}, **{w3}** and ~~{w4}~~ with `code {i}` and a note.[^n]\n\n\
             ## {w0} {w1}\n\n- {w2}\n- {w3} <b>not html</b>\n  - nested {w4}\n\n\
             1. first\n2. second\n\n\
             | {w0} | {w1} | 2014 |\n|---|---|---:|\n| {w2} | {w3} | 1,000 |\n| a & b | < c > | 2 |\n\n\
             ### {w5}\n\n> {w4} {w5}\n\nSee [another record]({link}) and <https://example.org/{i}>.\n\n\
             ```yaml\nkey: value {i}\nlist: [1, 2]\n```\n\n\
             [^n]: {w5} footnote.\n"
        );
        let text = format!(
            "---\ntitle: '{}'\ndate: {date}\n{end}cities: [{}]\norganizers: [{} office]\npartners: [{} center]\ntags: [{}, {}]\nlang: {lang}\n{kind_fields}sources:\n  - {{title: Source {i}, url: \"https://example.org/source?id={i}&x=1\"}}\n---\n\n{body}",
            title.replace('\'', "''"),
            cities.join(", "),
            w[2],
            w[3],
            w[0],
            w[1 + rnd(5)],
        );
        write(
            dir,
            &format!("content/{section}/r{i:05}.md"),
            text.as_bytes(),
        );
    }
}
