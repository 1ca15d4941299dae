//! Facts checked against each other and the day of the build: a program's `status`
//! against its dates, a budget's years against the record's period and its total.
//! (Language tags and currency codes are checked by `codes`, as the front matter is
//! read.)

use crate::content::{Details, Record, Status};
use crate::date::PartialDate;
use crate::diag::{Code, Diagnostic};
use crate::site::FrontMatters;
use crate::source::Sources;
use crate::yaml::Seg;

/// What a program's dates say where its `status` says otherwise: it ended, or it
/// began, before `today`. `None` when the status agrees with the dates or is not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatesSay {
    /// Written `ongoing` or `planned`, but `end` is past.
    Ended(PartialDate),
    /// Written `planned`, but `date` is past (and `end` is not).
    Started(PartialDate),
}

/// What the dates of `r` say against its `status`, on the day `today`.
pub fn dates_say(r: &Record, today: PartialDate) -> Option<DatesSay> {
    let Details::Program(p) = &r.details else {
        return None;
    };
    let today = today.earliest();
    let ended = r.end.filter(|e| e.latest() < today);
    match (p.status?, ended) {
        (Status::Ongoing | Status::Planned, Some(end)) => Some(DatesSay::Ended(end)),
        (Status::Planned, None) if r.date.latest() < today => Some(DatesSay::Started(r.date)),
        _ => None,
    }
}

/// The warnings about the facts of the records that need the whole record (or the
/// day of the build): a `status` the dates contradict, budget years outside the
/// record's period, or adding up to more than its total.
pub fn warnings(records: &[Box<Record>], sources: &Sources, today: PartialDate) -> Vec<Diagnostic> {
    let mut front = FrontMatters::new(sources);
    let mut out = Vec::new();
    for r in records {
        if let Some(say) = dates_say(r, today) {
            let pos = front.locate(r, &["status".into()]);
            let (message, help) = match say {
                DatesSay::Ended(end) => (
                    format!(
                        "`status: {}`, but the program ended in {end} (`end`); its page says \"ended {end}\"",
                        status_id(r)
                    ),
                    "write `status: completed`, or correct `end` if the program was extended",
                ),
                DatesSay::Started(start) => (
                    format!(
                        "`status: planned`, but the program started in {start} (`date`); its page says \"started {start}\""
                    ),
                    "write `status: ongoing` (or `completed`), or correct `date` if it was postponed",
                ),
            };
            out.push(
                Diagnostic::warning(Code::StatusDates, &r.source, pos, message).with_help(help),
            );
        }
        budget_years(r, &mut front, &mut out);
    }
    out
}

fn status_id(r: &Record) -> &'static str {
    match &r.details {
        Details::Program(p) => p.status.map_or("", Status::id),
        _ => "",
    }
}

/// A year of `by_year` outside `date`–`end`, and years adding up to more than
/// `total`, are warnings at the year or the total.
fn budget_years(r: &Record, front: &mut FrontMatters<'_>, out: &mut Vec<Diagnostic>) {
    let Details::Program(p) = &r.details else {
        return;
    };
    let Some(b) = &p.budget else {
        return;
    };
    let first = r.date.year;
    let last = r.end.map_or(first, |e| e.year);
    for &year in b.by_year.keys().filter(|y| !(first..=last).contains(*y)) {
        let path = [
            "budget".into(),
            "by_year".into(),
            Seg::Key(year.to_string()),
        ];
        let pos = front.locate_key(r, &path);
        let period = if first == last {
            format!("{first}")
        } else {
            format!("{first}–{last}")
        };
        out.push(
            Diagnostic::warning(
                Code::BudgetYears,
                &r.source,
                pos,
                format!(
                    "the budget of {year} is outside the record's years, {period} (`date`–`end`)"
                ),
            )
            .with_help("is the year mistyped? If the program ran longer, correct `end`"),
        );
    }
    let sum: f64 = b.by_year.values().sum();
    if let Some(total) = b.total.filter(|t| sum > *t * (1.0 + 1e-9)) {
        let pos = front.locate(r, &["budget".into(), "total".into()]);
        out.push(
            Diagnostic::warning(
                Code::BudgetYears,
                &r.source,
                pos,
                format!("the amounts of `by_year` add up to {sum}, more than `total` ({total})"),
            )
            .with_help("is an amount mistyped, or in another unit than `unit`?"),
        );
    }
}
