//! Price alerts, pure: `/alert BTC/USD > 50000` parsed, checked against the last known price and
//! reduced to one level and a direction, and the rule that says whether a price fires it.
//!
//! Forms (TradingView's conditions): `> X` fires at the first price above X, `< X` below X,
//! `crosses X` at the first price at or beyond X on the other side of where the price was (so it
//! needs a price on each side), `+5%` / `-5%` at the first price that far from the last one.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::signal::Asset;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Above(Decimal),
    Below(Decimal),
    Crosses(Decimal),
    /// Percent from the last price, signed.
    Move(Decimal),
}

impl Condition {
    pub fn kind(self) -> &'static str {
        match self {
            Self::Above(_) => "above",
            Self::Below(_) => "below",
            Self::Crosses(_) => "crosses",
            Self::Move(_) => "move",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRequest {
    pub asset: Asset,
    pub condition: Condition,
}

/// Why `/alert …` could not be read; each names what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing, or not `ASSET CONDITION`.
    Usage,
    Asset(&'static str),
    /// Not a positive number.
    Level(String),
    /// Not a percentage between -100% and +1000%, nor zero.
    Percent(String),
}

/// Where the alert waits: it fires at the first price at (or, `strict`, past) `level` going
/// `direction`; `None` until a price tells a `crosses` alert which side it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Armed {
    pub level: Decimal,
    pub direction: Option<Direction>,
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "up" => Some(Self::Up),
            "down" => Some(Self::Down),
            _ => None,
        }
    }
}

/// Why an alert that reads well cannot be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The price is already past the level: the alert would fire at once.
    AlreadyPast { last: Decimal },
    /// A crossing of the price it is at: no side to start from.
    AtLevel,
    /// A move needs a price to move from.
    NoPrice,
}

pub fn parse(args: &str) -> Result<AlertRequest, ParseError> {
    let mut words = args.split_whitespace();
    let asset = words.next().ok_or(ParseError::Usage)?;
    let rest: String = words.collect::<Vec<_>>().join(" ");
    if rest.is_empty() {
        return Err(ParseError::Usage);
    }
    let asset = Asset::parse(asset).map_err(ParseError::Asset)?;
    let lower = rest.to_lowercase();
    let condition = if let Some(level) = rest.strip_prefix('>') {
        Condition::Above(level_of(level)?)
    } else if let Some(level) = rest.strip_prefix('<') {
        Condition::Below(level_of(level)?)
    } else if let Some(level) = lower.strip_prefix("crosses") {
        Condition::Crosses(level_of(level)?)
    } else if rest.starts_with(['+', '-']) && rest.ends_with('%') {
        let text = rest.trim_end_matches('%').trim();
        let percent = Decimal::from_str(text).map_err(|_| ParseError::Percent(rest.clone()))?;
        let sensible =
            percent > Decimal::from(-100) && percent <= Decimal::from(1000) && !percent.is_zero();
        if !sensible {
            return Err(ParseError::Percent(rest.clone()));
        }
        Condition::Move(percent)
    } else {
        return Err(ParseError::Usage);
    };
    Ok(AlertRequest { asset, condition })
}

fn level_of(text: &str) -> Result<Decimal, ParseError> {
    let text = text.trim();
    Decimal::from_str(text)
        .ok()
        .filter(|level| *level > Decimal::ZERO)
        .ok_or_else(|| ParseError::Level(text.to_owned()))
}

/// The alert as it will wait, given the asset's last known price; refused if it could only fire
/// at once or has nothing to start from.
pub fn arm(condition: Condition, last: Option<Decimal>) -> Result<Armed, Refusal> {
    let armed = |level, direction, strict| Armed {
        level,
        direction: Some(direction),
        strict,
    };
    match condition {
        Condition::Above(level) => match last {
            Some(last) if last > level => Err(Refusal::AlreadyPast { last }),
            _ => Ok(armed(level, Direction::Up, true)),
        },
        Condition::Below(level) => match last {
            Some(last) if last < level => Err(Refusal::AlreadyPast { last }),
            _ => Ok(armed(level, Direction::Down, true)),
        },
        Condition::Crosses(level) => match last {
            None => Ok(Armed {
                level,
                direction: None,
                strict: false,
            }),
            Some(last) if last == level => Err(Refusal::AtLevel),
            Some(last) if last < level => Ok(armed(level, Direction::Up, false)),
            Some(_) => Ok(armed(level, Direction::Down, false)),
        },
        Condition::Move(percent) => {
            let last = last.ok_or(Refusal::NoPrice)?;
            let factor = Decimal::ONE + percent / Decimal::from(100);
            let level = (last * factor).round_dp(last.scale() + 2).normalize();
            let direction = if percent > Decimal::ZERO {
                Direction::Up
            } else {
                Direction::Down
            };
            Ok(armed(level, direction, false))
        }
    }
}

/// Whether `price` fires an alert waiting at `level` going `direction`.
pub fn fires(level: Decimal, direction: Direction, strict: bool, price: Decimal) -> bool {
    match (direction, strict) {
        (Direction::Up, true) => price > level,
        (Direction::Up, false) => price >= level,
        (Direction::Down, true) => price < level,
        (Direction::Down, false) => price <= level,
    }
}

/// The side a `crosses` alert starts on, seen from `price`; `None` while the price sits on the
/// level.
pub fn side(level: Decimal, price: Decimal) -> Option<Direction> {
    match price.cmp(&level) {
        std::cmp::Ordering::Less => Some(Direction::Up),
        std::cmp::Ordering::Greater => Some(Direction::Down),
        std::cmp::Ordering::Equal => None,
    }
}

/// How the alert reads back: `BTC/USD > 50000`, `ETH/USD +5% (2100.5)`.
pub fn describe(asset: &Asset, condition: Condition, level: Decimal) -> String {
    match condition {
        Condition::Above(x) => format!("{asset} > {}", x.normalize()),
        Condition::Below(x) => format!("{asset} < {}", x.normalize()),
        Condition::Crosses(x) => format!("{asset} crosses {}", x.normalize()),
        Condition::Move(p) => format!("{asset} {:+}% ({})", p.normalize(), level.normalize()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn every_form_parses_and_bad_input_is_named() {
        let parsed = |text: &str| parse(text).map(|r| r.condition);
        assert_eq!(parsed("btc/usd > 50000"), Ok(Condition::Above(d("50000"))));
        assert_eq!(
            parsed("BTC/USD <42000.5"),
            Ok(Condition::Below(d("42000.5")))
        );
        assert_eq!(
            parsed("BTC/USD Crosses 50000"),
            Ok(Condition::Crosses(d("50000")))
        );
        assert_eq!(parsed("ETH/USD +5%"), Ok(Condition::Move(d("5"))));
        assert_eq!(parsed("ETH/USD -2.5%"), Ok(Condition::Move(d("-2.5"))));
        assert_eq!(parse("").unwrap_err(), ParseError::Usage);
        assert_eq!(parse("BTC/USD").unwrap_err(), ParseError::Usage);
        assert_eq!(parse("BTC/USD = 5").unwrap_err(), ParseError::Usage);
        assert_eq!(
            parse("BTC/USD > lots").unwrap_err(),
            ParseError::Level("lots".into())
        );
        assert_eq!(
            parse("BTC/USD > -5").unwrap_err(),
            ParseError::Level("-5".into())
        );
        assert_eq!(
            parse("BTC/USD -100%").unwrap_err(),
            ParseError::Percent("-100%".into())
        );
        assert_eq!(
            parse("BTC/USD +0%").unwrap_err(),
            ParseError::Percent("+0%".into())
        );
        assert!(matches!(
            parse("BTC USD! > 5"),
            Err(ParseError::Usage | ParseError::Asset(_))
        ));
    }

    #[test]
    fn an_alert_already_past_is_refused_and_others_wait_on_the_right_side() {
        let last = Some(d("45000"));
        assert_eq!(
            arm(Condition::Above(d("44000")), last),
            Err(Refusal::AlreadyPast { last: d("45000") })
        );
        assert_eq!(
            arm(Condition::Below(d("46000")), last),
            Err(Refusal::AlreadyPast { last: d("45000") })
        );
        let above = arm(Condition::Above(d("50000")), last).unwrap();
        assert_eq!((above.direction, above.strict), (Some(Direction::Up), true));
        assert_eq!(
            arm(Condition::Crosses(d("45000")), last),
            Err(Refusal::AtLevel)
        );
        assert_eq!(
            arm(Condition::Crosses(d("40000")), last).unwrap().direction,
            Some(Direction::Down)
        );
        assert_eq!(
            arm(Condition::Crosses(d("40000")), None).unwrap().direction,
            None
        );
        assert_eq!(arm(Condition::Move(d("5")), None), Err(Refusal::NoPrice));
        let up = arm(Condition::Move(d("5")), Some(d("2000.50"))).unwrap();
        assert_eq!(up.level, d("2100.525"));
        let down = arm(Condition::Move(d("-10")), Some(d("100"))).unwrap();
        assert_eq!(
            (down.level, down.direction),
            (d("90"), Some(Direction::Down))
        );
    }

    #[test]
    fn strict_levels_fire_only_past_them() {
        let level = d("50000");
        assert!(!fires(level, Direction::Up, true, d("50000")));
        assert!(fires(level, Direction::Up, true, d("50000.01")));
        assert!(fires(level, Direction::Up, false, d("50000")));
        assert!(!fires(level, Direction::Down, false, d("50000.01")));
        assert!(fires(level, Direction::Down, true, d("49999")));
        assert_eq!(side(level, d("1")), Some(Direction::Up));
        assert_eq!(side(level, level), None);
    }
}
