//! JSON number text → `Decimal`, exactly. Going through `f64` would turn `1.08523` into
//! `1.0852299999…` and lose the trailing zero of `45250.50`, so the digits are read as written.

use rust_decimal::Decimal;

/// Why a JSON number cannot become a `Decimal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Not the text of a JSON number at all.
    NotANumber,
    /// More than 28 significant digits, or a scale beyond 28 decimal places.
    OutOfRange,
}

/// Digits a `Decimal` always holds exactly (its mantissa is 96 bits, about 28.9 digits).
const MAX_DIGITS: usize = 28;

/// Parses JSON number text (`45250`, `45250.50`, `4.5e4`, `1.5E-3`) keeping its scale:
/// `45250.50` keeps two decimals, `4.5e4` is `45000`, `1.50e-1` is `0.150`.
pub fn decimal_from_json(text: &str) -> Result<Decimal, NumberError> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (rest, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((int_part, frac_part)) if !frac_part.is_empty() => (int_part, frac_part),
        Some(_) => return Err(NumberError::NotANumber),
        None => (mantissa, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() || !all_digits(int_part) || !all_digits(frac_part) {
        return Err(NumberError::NotANumber);
    }
    let digits = format!("{int_part}{frac_part}");
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        // Zero stays zero whatever the exponent; the caller rejects it as "not > 0".
        return Ok(Decimal::ZERO);
    }
    let exponent = match exponent {
        None => 0,
        Some(text) => parse_exponent(text)?,
    };
    // value = significant × 10^shift
    let frac_len = i64::try_from(frac_part.len()).map_err(|_| NumberError::OutOfRange)?;
    let shift = exponent - frac_len;
    let (mantissa_digits, scale) = if shift >= 0 {
        let zeros = usize::try_from(shift).map_err(|_| NumberError::OutOfRange)?;
        if significant.len().saturating_add(zeros) > MAX_DIGITS {
            return Err(NumberError::OutOfRange);
        }
        (format!("{significant}{}", "0".repeat(zeros)), 0)
    } else {
        let scale = u32::try_from(-shift).map_err(|_| NumberError::OutOfRange)?;
        if significant.len() > MAX_DIGITS || scale > Decimal::MAX_SCALE {
            return Err(NumberError::OutOfRange);
        }
        (significant.to_owned(), scale)
    };
    let mantissa: i128 = mantissa_digits
        .parse()
        .map_err(|_| NumberError::OutOfRange)?;
    let mantissa = if negative { -mantissa } else { mantissa };
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| NumberError::OutOfRange)
}

/// `+12`, `-3`, `7`; anything too large to matter is out of range rather than an overflow.
fn parse_exponent(text: &str) -> Result<i64, NumberError> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    let value: i64 = digits.parse().map_err(|_| NumberError::OutOfRange)?;
    if value > 1_000 {
        return Err(NumberError::OutOfRange);
    }
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn text(input: &str) -> String {
        decimal_from_json(input).unwrap().to_string()
    }

    #[test]
    fn keeps_the_written_precision() {
        assert_eq!(text("45250"), "45250");
        assert_eq!(text("45250.50"), "45250.50");
        assert_eq!(text("1.08523"), "1.08523");
        assert_eq!(text("0.00001234"), "0.00001234");
    }

    #[test]
    fn reads_exponents() {
        assert_eq!(text("4.5e4"), "45000");
        assert_eq!(text("4.5E+4"), "45000");
        assert_eq!(text("1.5e-3"), "0.0015");
        assert_eq!(text("1.50e-1"), "0.150");
        assert_eq!(text("12e0"), "12");
        assert_eq!(text("0e999999999999999999999"), "0");
    }

    #[test]
    fn rejects_what_a_decimal_cannot_hold_exactly() {
        let too_many_digits = format!("1.{}", "1".repeat(28));
        for input in [
            "1e28",
            "1e-29",
            "1e99999999999999999999",
            too_many_digits.as_str(),
        ] {
            assert_eq!(
                decimal_from_json(input),
                Err(NumberError::OutOfRange),
                "{input}"
            );
        }
        assert_eq!(text(&"9".repeat(28)), "9".repeat(28));
        assert_eq!(text("1e27"), format!("1{}", "0".repeat(27)));
        assert_eq!(text("1e-28"), format!("0.{}1", "0".repeat(27)));
    }

    #[test]
    fn rejects_non_numbers_and_keeps_signs() {
        for input in ["", "-", "abc", "1.", ".5", "1e", "1e+", "\"5\"", "0x10"] {
            assert_eq!(
                decimal_from_json(input),
                Err(NumberError::NotANumber),
                "{input}"
            );
        }
        assert_eq!(text("-2.50"), "-2.50");
    }
}
