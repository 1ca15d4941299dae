//! Codes of the world a record writes: language tags (BCP 47, with a known language)
//! and currency codes (ISO 4217). The lists are small on purpose, and documented in
//! `docs/editing.md` ("Facts checked").

/// The primary language subtags accord knows: every ISO 639-1 code (two letters; the
/// deprecated `bh`, `in`, `iw`, `ji`, `jw`, `mo` left out), then the ISO 639-3 codes
/// an archive of East Asian cooperation writes where two letters do not say enough,
/// and the special codes `mul` (several languages) and `und` (undetermined).
pub const LANGUAGES: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi",
    "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de",
    "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy",
    "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia",
    "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk",
    "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo",
    "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd",
    "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl",
    "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl",
    "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk",
    "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa",
    "wo", "xh", "yi", "yo", "za", "zh", "zu",
    // Chinese languages, languages of Japan and Korea, Filipino; several, unknown.
    "cmn", "yue", "nan", "hak", "wuu", "gan", "hsn", "ain", "ryu", "jje", "fil", "mul", "und",
];

/// Country codes and names written for a language: the language meant.
const LANGUAGE_SLIPS: &[(&str, &str)] = &[
    ("jp", "ja"),
    ("jpn", "ja"),
    ("cn", "zh"),
    ("zho", "zh"),
    ("chi", "zh"),
    ("kor", "ko"),
    ("eng", "en"),
    ("us", "en"),
    ("gb", "en"),
    ("uk", "en"),
];

/// The active ISO 4217 codes (currencies, funds and the `X..` units).
pub const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK",
    "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD",
    "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD",
    "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT",
    "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK",
    "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP",
    "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
    "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST",
    "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF",
    "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW", "ZWG",
];

/// Names and symbols written for a currency, in the archive's languages: its code.
const CURRENCY_NAMES: &[(&str, &str)] = &[
    ("yen", "JPY"),
    ("円", "JPY"),
    ("엔", "JPY"),
    ("¥", "JPY"),
    ("won", "KRW"),
    ("원", "KRW"),
    ("₩", "KRW"),
    ("yuan", "CNY"),
    ("rmb", "CNY"),
    ("元", "CNY"),
    ("위안", "CNY"),
    ("人民币", "CNY"),
    ("dollar", "USD"),
    ("dollars", "USD"),
    ("$", "USD"),
    ("달러", "USD"),
    ("euro", "EUR"),
    ("euros", "EUR"),
    ("€", "EUR"),
    ("유로", "EUR"),
    ("hk$", "HKD"),
    ("nt$", "TWD"),
    ("ntd", "TWD"),
    ("rub", "RUB"),
];

/// A value that is not what its field needs: the message and the fix.
pub struct Problem {
    pub message: String,
    pub help: String,
}

/// Checks `tag` as a BCP 47 language tag (RFC 5646): well-formed, its language
/// subtag one of `LANGUAGES`, written in lower case.
pub fn check_language(tag: &str) -> Result<(), Problem> {
    let help_known = "write a language tag such as ko, ja, zh, en, zh-Hant or ja-JP (see \"Facts checked\" in docs/editing.md)";
    let problem = |message: String, help: String| Err(Problem { message, help });
    if !well_formed(tag) {
        return problem(
            format!("`{tag}` is not a language tag"),
            help_known.to_string(),
        );
    }
    let language = tag.split('-').next().unwrap_or_default();
    let lower = language.to_ascii_lowercase();
    let slip = LANGUAGE_SLIPS.iter().find(|(s, _)| *s == lower);
    if let Some((_, meant)) = slip.filter(|_| !LANGUAGES.contains(&lower.as_str())) {
        let rest = &tag[language.len()..];
        return problem(
            format!("`{language}` is not a language (a country code?)"),
            format!("did you mean {meant}{rest}?"),
        );
    }
    if !LANGUAGES.contains(&lower.as_str()) {
        return problem(
            format!("`{tag}`: `{language}` is not a language accord knows"),
            format!("{help_known}; a language missing from the list is a bug to report"),
        );
    }
    if lower != language {
        return problem(
            format!("the language `{language}` of `{tag}` is written in capitals"),
            format!("write it in lower case: {lower}{}", &tag[language.len()..]),
        );
    }
    Ok(())
}

/// Whether `tag` has the shape of a BCP 47 tag: language (2–3 letters) with up to three
/// extended subtags, then script (4 letters), region (2 letters or 3 digits), variants,
/// extensions and private use, in that order.
fn well_formed(tag: &str) -> bool {
    let alpha = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
    };
    let alnum = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    let mut parts = tag.split('-').peekable();
    if !parts.next().is_some_and(|l| alpha(l, 2..=3)) {
        return false;
    }
    // Each later subtag must come after those before it: 0 extlang, 1 script,
    // 2 region, 3 variant, then extensions and private use.
    let mut stage = 0;
    let mut extlangs = 0;
    while let Some(p) = parts.next() {
        let next = if stage == 0 && alpha(p, 3..=3) && extlangs < 3 {
            extlangs += 1;
            0
        } else if stage <= 1 && alpha(p, 4..=4) {
            2
        } else if (stage <= 2
            && (alpha(p, 2..=2) || (p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))))
            || (stage <= 3
                && (alnum(p, 5..=8)
                    || (p.len() == 4 && p.as_bytes()[0].is_ascii_digit() && alnum(p, 4..=4))))
        {
            // A region, or a variant.
            3
        } else if p.len() == 1 && alnum(p, 1..=1) {
            // An extension or private use: at least one subtag of its own follows.
            let min = if p.eq_ignore_ascii_case("x") { 1 } else { 2 };
            let mut any = false;
            while parts.peek().is_some_and(|s| alnum(s, min..=8)) {
                parts.next();
                any = true;
            }
            if !any {
                return false;
            }
            if p.eq_ignore_ascii_case("x") {
                return parts.next().is_none();
            }
            4
        } else {
            return false;
        };
        stage = next.max(stage);
    }
    true
}

/// Checks `code` as an ISO 4217 currency code (upper case).
pub fn check_currency(code: &str) -> Result<(), Problem> {
    if CURRENCIES.contains(&code) {
        return Ok(());
    }
    let lower = code.trim().to_lowercase();
    let meant = CURRENCY_NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, c)| *c)
        .or_else(|| {
            let upper = code.trim().to_ascii_uppercase();
            CURRENCIES.iter().copied().find(|c| *c == upper)
        });
    let help = match meant {
        Some(c) => {
            format!("did you mean {c}? A currency is its ISO 4217 code: KRW, JPY, CNY, USD, EUR, …")
        }
        None => "write the currency's ISO 4217 code: KRW, JPY, CNY, USD, EUR, …".into(),
    };
    Err(Problem {
        message: format!("`{code}` is not an ISO 4217 currency code"),
        help,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_well_formed_and_known() {
        for ok in [
            "ko",
            "ja",
            "zh",
            "en",
            "zh-Hant",
            "zh-Hans-CN",
            "ja-JP",
            "en-US",
            "yue",
            "zh-yue",
            "sr-Latn-RS",
            "de-CH-1901",
            "en-x-plain",
            "ko-KR-u-ca-dangi",
        ] {
            assert!(check_language(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "j",
            "japanese",
            "ja_JP",
            "ja-",
            "ja--JP",
            "en-x",
            "ja-JP-JP-JP",
        ] {
            assert!(check_language(bad).is_err(), "{bad}");
        }
        let jp = check_language("jp").err().unwrap();
        assert!(jp.help.contains("did you mean ja?"), "{}", jp.help);
        let cn = check_language("cn-Hant").err().unwrap();
        assert!(cn.help.contains("zh-Hant"), "{}", cn.help);
        assert!(
            check_language("xx")
                .err()
                .unwrap()
                .message
                .contains("not a language accord knows")
        );
        assert!(check_language("KO").err().unwrap().help.contains("ko"));
    }

    #[test]
    fn the_language_list_is_sorted_within_its_groups_and_has_no_repeats() {
        let mut seen = std::collections::BTreeSet::new();
        for l in LANGUAGES {
            assert!(seen.insert(l), "{l} twice");
            assert!(l.bytes().all(|b| b.is_ascii_lowercase()), "{l}");
        }
        let two: Vec<&&str> = LANGUAGES.iter().filter(|l| l.len() == 2).collect();
        assert!(two.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(two.len(), 183);
    }

    #[test]
    fn currencies_are_iso_4217_codes_with_a_suggestion_for_names() {
        assert!(check_currency("KRW").is_ok());
        assert!(check_currency("JPY").is_ok());
        let yen = check_currency("yen").err().unwrap();
        assert!(yen.help.starts_with("did you mean JPY?"), "{}", yen.help);
        assert!(check_currency("원").err().unwrap().help.contains("KRW"));
        assert!(check_currency("krw").err().unwrap().help.contains("KRW"));
        assert!(
            check_currency("ABC")
                .err()
                .unwrap()
                .help
                .starts_with("write")
        );
        assert!(CURRENCIES.windows(2).all(|w| w[0] < w[1]));
    }
}
