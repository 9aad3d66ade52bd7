# Charts on signals and the 📈 Chart button. The words drawn in the picture (title, axis, level
# labels) use only characters of the bundled font: no emoji there.
signal-button-chart = 📈 Chart
chart-title = { $asset } · { $direction } · { $timeframe }
chart-title-untimed = { $asset } · { $direction }
chart-time-axis = Time (UTC)
chart-issued = Signal
chart-level-entry = Entry { $price }
chart-level-target = Target { $price }
chart-level-stop = Stop { $price }

# The caption of a chart sent by the button.
chart-caption-last-vs-entry = Last price { $price } ({ $change } vs entry { $entry }), { $time }
chart-caption-last = Last price { $price }, { $time }
chart-caption-target = Target { $price }: { $away } away
chart-caption-stop = Stop { $price }: { $away } away

# Answers to a tap on 📈 Chart (at most 200 characters).
chart-no-prices = No prices known for { $asset } yet.
chart-premium-only = 📈 Charts come with Premium: see /premium.
chart-signal-gone = This signal is no longer available.

# /settings and /filter.
settings-charts-on = 📈 Charts: on
settings-charts-off = 📈 Charts: off
settings-charts-locked = 🔒 📈 Charts
settings-charts-premium-only = 🔒 Charts on signals come with Premium: see /premium.
filter-summary-charts-on = Charts on signals: on
filter-summary-charts-off = Charts on signals: off
