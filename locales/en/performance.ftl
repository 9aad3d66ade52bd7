## Performance (src/domain/performance/text.rs): /performance, scheduled reports, and the reason
## line on close messages Herald sends for an outcome. Plain text: the code escapes it.

cmd-performance = how past signals did: /performance [today|7d|30d|all] [asset]

outcome-reason-close = Closed by the signal engine
outcome-reason-reported = Outcome reported by the signal engine
outcome-reason-target = Target reached
outcome-reason-stop = Stop loss hit
outcome-reason-expired = Expired at the end of its timeframe
outcome-reason-expired-unpriced = Expired at the end of its timeframe; no price was known, so it counts without a result

perf-period-today = today
perf-period-7d = last 7 days
perf-period-30d = last 30 days
perf-period-all = all time
perf-title = Performance · { $period }
perf-title-asset = Performance · { $asset } · { $period }
perf-empty = No signal has closed in this period yet.
perf-line-closed = Closed: { $count } · ✅ { $wins } · ❌ { $losses } · ⚪ { $even }
perf-line-unpriced = Expired without a price: { $count }
perf-line-rate = Win rate { $rate } · average { $avg } · total { $total }
perf-line-risk = Profit factor { $pf } · expectancy { $expectancy } · max drawdown { $drawdown }
perf-line-holding = Average holding time: { $holding }
perf-section-asset = By asset
perf-section-model = By model
perf-section-type = By type
perf-section-timeframe = By timeframe
perf-section-confidence = By confidence
perf-column-closed = n
perf-column-rate = win
perf-column-total = total
perf-more-rows = …and { $count } more
perf-yours = Your record: { $count } closed · win rate { $rate } · total { $total }
perf-yours-none = Your record: none of the signals you received has closed in this period.
perf-history-limit = Your plan covers the last { $days } days.
perf-updated = Updated { $time }
perf-refresh-button = 🔄 Refresh
perf-refreshed = Updated
perf-bad-period = I don't know the period "{ $text }". Use today, 7d, 30d or all, optionally followed by an asset: /performance 30d BTC/USD
perf-bad-asset = "{ $text }" is not an asset name: letters, digits and / . _ - only, e.g. BTC/USD.
perf-unknown-asset = There are no signals for { $asset } yet. Usage: /performance [today|7d|30d|all] [asset]
perf-chart-title = Cumulative return, % ({ $period })
perf-chart-no-data = No closed signals yet

report-daily-title = Daily report · { $date }
report-weekly-title = Weekly report · { $from } – { $to }
report-new-signals = New signals: { $count }
report-heartbeat-daily = No signal closed that day. Herald is running and watching the markets.
report-heartbeat-weekly = No signal closed that week. Herald is running and watching the markets.
report-footer = Change how often you get this report in /settings.

# /performance pages (the buttons under the table) and their figures.
perf-page-overview = 📊 Overview
perf-page-asset = 💱 Assets
perf-page-model = 🤖 Models
perf-page-timeframe = ⏱ Timeframes
perf-page-confidence = 🎯 Confidence
perf-line-payoff = Average win { $win } · average loss { $loss } · payoff { $payoff }
perf-line-ratios = Sharpe { $sharpe } · Sortino { $sortino } · longest streaks: { $wins ->
        [one] 1 win
       *[other] { $wins } wins
    }, { $losses ->
        [one] 1 loss
       *[other] { $losses } losses
    }
perf-group-record = { $count } closed · win rate { $rate } · total { $total }
perf-group-trade = average { $avg } · expectancy { $expectancy } · PF { $pf } · holding { $holding }
perf-button-period-today = Today
perf-button-period-7d = 7 days
perf-button-period-30d = 30 days
perf-button-period-all = All
