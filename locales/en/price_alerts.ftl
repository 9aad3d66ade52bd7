# Price alerts: /alert and /alerts.
cmd-alert = tell me when a price gets there: /alert BTC/USD &gt; 50000
cmd-alerts = your price alerts, with delete buttons
alert-usage = Set a price alert like this:
    /alert BTC/USD &gt; 50000 — when the price goes above 50,000
    /alert BTC/USD &lt; 42000 — when it goes below 42,000
    /alert BTC/USD crosses 50000 — when it crosses 50,000 either way
    /alert ETH/USD +5% — when it moves 5% up from the last price (or -5% down)
alert-bad-asset = That asset name does not look right: { $problem }.
alert-bad-level = “{ $text }” is not a price: write a positive number such as 50000 or 1.0852.
alert-bad-percent = “{ $text }” is not a move I can watch: write +5% or -2.5% (more than -100%, at most +1000%).
alert-already-past = The price is already there (last { $price }): this alert would fire at once, so I did not set it.
alert-at-level = The price is exactly at that level right now: set the alert a little above or below it.
alert-no-price = I have no price for { $asset } yet, so there is nothing to move from: set a level with &gt; or &lt; instead.
alert-limit = You have { $limit } alerts waiting, the most your plan allows. Delete one with /alerts, or see /premium for more.
alert-set = 🔔 Alert set: { $alert }. I will tell you once when the price gets there. ({ $count } of { $limit } alerts in use)
alert-fired = 🔔 Price alert: { $alert } — now { $price }.
alerts-title = 🔔 Your price alerts:
alerts-none = You have no price alerts. Set one with /alert BTC/USD &gt; 50000.
alerts-delete-button = 🗑 Delete { $n }
alerts-deleted = Deleted.
alerts-already-gone = That alert is gone already (it fired or was deleted).
