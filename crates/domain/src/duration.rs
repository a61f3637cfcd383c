//! Owns parsing the lifetimes clients give uploads: whole seconds (`3600`) or ISO-8601
//! durations (`PT5M`, `P3D`, `P1Y2M`, `P2W`, `PT1H30M`). Years count 365 days and months 30,
//! as upload clients mean them. Never panics and never overflows, whatever the input.

use crate::ValidationError;

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

fn invalid() -> ValidationError {
    ValidationError::new(
        "expiration",
        "must be a number of seconds or an ISO-8601 duration such as PT5M or P3D",
    )
}

/// Seconds in `input`; an empty string or an unknown shape is refused.
pub fn parse_duration_secs(input: &str) -> Result<i64, ValidationError> {
    let s = input.trim();
    if s.len() > 64 {
        return Err(invalid());
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().map_err(|_| invalid());
    }
    let upper = s.to_ascii_uppercase();
    let rest = upper.strip_prefix('P').ok_or_else(invalid)?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return Err(invalid()),
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut parts = 0;
    for (text, units) in [
        (
            date,
            &[
                ('Y', 365 * DAY),
                ('M', 30 * DAY),
                ('W', 7 * DAY),
                ('D', DAY),
            ][..],
        ),
        (
            time.unwrap_or(""),
            &[('H', HOUR), ('M', MINUTE), ('S', 1)][..],
        ),
    ] {
        let mut units = units.iter();
        let mut number = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            // Units must come in order, each at most once, each after a number.
            let (_, secs) = units.find(|(u, _)| *u == c).ok_or_else(invalid)?;
            let n: i64 = number.parse().map_err(|_| invalid())?;
            total = n
                .checked_mul(*secs)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(invalid)?;
            number.clear();
            parts += 1;
        }
        if !number.is_empty() {
            return Err(invalid());
        }
    }
    if parts == 0 {
        return Err(invalid());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_iso_durations() {
        let ok = [
            ("300", 300),
            (" 86400 ", 86_400),
            ("PT5M", 300),
            ("pt5m", 300),
            ("P3D", 3 * DAY),
            ("P2W", 14 * DAY),
            ("P1Y", 365 * DAY),
            ("P1M", 30 * DAY),
            ("PT1H30M", 90 * MINUTE),
            ("P1DT12H", DAY + 12 * HOUR),
            ("PT45S", 45),
            ("P0D", 0),
        ];
        for (input, want) in ok {
            assert_eq!(parse_duration_secs(input), Ok(want), "{input}");
        }
        let bad = [
            "",
            "P",
            "PT",
            "5M",
            "P5",
            "PT5",
            "P5H",
            "PTD",
            "P1D2Y",
            "P1DD",
            "-300",
            "1.5",
            "P1.5D",
            "P99999999999999999999D",
            "\u{0}",
            "P1Y2M3W4DT5H6M7S8",
        ];
        for input in bad {
            assert!(parse_duration_secs(input).is_err(), "{input:?}");
        }
        assert!(parse_duration_secs(&format!("P{}D", i64::MAX)).is_err());
        assert!(parse_duration_secs(&"9".repeat(100)).is_err());
    }
}
