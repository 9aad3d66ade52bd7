# /filter: error explanations. $token is the user's own text, quoted back.
filter-error = `{ $token }` — { $reason }
filter-error-unknown-key = unknown filter; the filters are confidence, types, silent, assets, muted, hours, tz, format, reports, lang and charts
filter-error-missing-value = { $key } needs a value, for example { $example }
filter-error-confidence = confidence must be a whole number from 0 to 100
filter-error-unknown-type = signal types are buy, sell, close and alert (or all, or none)
filter-error-unknown-mode = a signal type is on, silent or off
filter-error-bad-asset = an asset is 1 to 32 letters, digits or / . _ -, for example BTC/USD
filter-error-bad-hours = hours are start-end in whole hours, start 0 to 23 and end 0 to 24, for example 8-22, 22-6 or all
filter-error-unknown-timezone = unknown time zone; use a name such as Europe/Berlin, America/New_York or UTC
filter-error-unknown-value = { $key } must be one of: { $choices }
filter-error-duplicate = { $key } is given more than once
filter-error-too-many-assets = you can follow at most { $max } assets
filter-error-reset-alone = reset cannot be combined with other filters; send /filter reset on its own

# /filter: the summary of a user's filters.
filter-summary-title = Your filters:
filter-summary-types = Signal types: { $types }
filter-summary-confidence = Minimum confidence: { $value }%
filter-summary-assets-all = Assets: all
filter-summary-assets = Assets: { $assets }
filter-summary-muted = Muted: { $assets }
filter-summary-hours-all = Hours: all day
filter-summary-hours = Hours: { $start }–{ $end }
filter-summary-timezone = Time zone: { $tz }
filter-summary-format = Format: { $format }
filter-summary-reports = Performance reports: { $reports }
filter-summary-language = Language: { $language }
filter-summary-command = To change them, edit and send: /filter { $args }

filter-type-buy = buy
filter-type-sell = sell
filter-type-close = close
filter-type-alert = alert
filter-mode-silent = silent
filter-mode-off = off
filter-format-detailed = detailed
filter-format-compact = compact
filter-reports-daily = daily
filter-reports-weekly = weekly
filter-reports-never = never
filter-language-en = English
filter-language-es = Spanish

# Why a signal was not delivered (recipients::SkipReason).
skip-reason-tier-excludes-type = your plan does not include this signal type
skip-reason-type-off = you turned this signal type off
skip-reason-below-threshold = the confidence is below your minimum
skip-reason-asset-not-followed = you do not follow this asset
skip-reason-asset-muted = you muted this asset
skip-reason-outside-hours = it arrived outside your notification hours
