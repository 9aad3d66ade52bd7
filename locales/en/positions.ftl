# Positions: the buttons under a signal, /positions, replies that set an entry.
cmd-positions = your trades: open positions with profit and loss, /positions closed for the closed ones
signal-button-took = ✅ I took it
signal-button-mute = 🔕 Mute { $asset }
callback-no-account = You are not registered any more. Send /start to receive signals again.
signal-gone = This signal is no longer available.
signal-not-tradable = There is no trade to take on this message.
signal-closed-answer = This signal is closed already ({ $reason }): there is no trade left to take.

# ✅ I took it
took-answer = ✅ Position opened. Reply to my message to set your own entry.
took-already-open = You took this signal already: /positions shows it.
took-already-closed = You took this signal and the position is closed: see /positions closed.
position-opened-title = ✅ <b>Position opened</b>
position-opened-help = Entered at a different price? Reply to this message with your entry price, or price and size (for example <code>45100 0.5</code>), and I will track your real trade. /positions shows it with its profit and loss; it closes with the signal (close, target or stop), or when you close it there.
position-entry = entry { $price }
position-size = size { $size }
position-entry-set = ✏️ <b>Entry updated</b>
position-reply-usage = Reply with your entry price, or price and size: for example <code>45100</code> or <code>45100 0.5</code>. Nothing was changed.
position-reply-bad-price = “{ $text }” is not a price: write digits with a dot for decimals and no thousands separators, such as 45100 or 1.0852. Nothing was changed.
position-reply-bad-size = “{ $text }” is not a size: write a positive number of units, such as 0.5 or 100. Nothing was changed.
position-reply-far = That is far from this signal's entry, so it looks like a typo: I take entries from { $low } to { $high }. Nothing was changed.
position-reply-closed = This position is closed already: its entry can no longer change.

# 🔕 Mute
mute-answer = 🔕 { $asset } muted
mute-done = 🔕 <b>{ $asset } muted.</b> You will get no more { $asset } signals; closes of signals you already got still come. /filter shows what you muted.
mute-already = { $asset } is muted already. /filter muted:none un-mutes everything.
mute-undo-button = ↩️ Undo
mute-undone = 🔔 <b>{ $asset } un-muted.</b> Its signals reach you again.
mute-undone-answer = Undone
mute-undo-stale = { $asset } is not muted any more.
mute-too-many = You have muted { $max } assets, the most allowed: un-mute one with /filter first.

# /positions
positions-title = 💼 <b>Your open positions</b>
positions-none = You have no open positions. Tap ✅ I took it under a buy or sell signal to track the trade here.
positions-now = now { $price }: <b>{ $pnl }</b>
positions-no-price = no price yet, so no profit or loss to show
positions-more = …and { $count } more
positions-closed-hint = Closed trades: /positions closed
positions-closed-title = 📜 <b>Your closed trades</b>
positions-closed-none = You have no closed trades yet.
positions-usage = /positions shows your open positions, /positions closed the closed ones.
positions-close-button = ✖️ Close { $n }
position-close-question = Close it at the last price, { $price } ({ $pnl })?
position-close-yes = ✅ Close it
position-close-back = ↩️ Back
position-closed-answer = Closed at { $price }: { $pnl }
position-close-no-price = I have no price for { $asset } yet, so I cannot close it at the market. It closes with the signal, or try again after the next price.
position-gone = That position is closed already.
position-reason-close = close signal
position-reason-reported = outcome reported
position-reason-target = target hit
position-reason-stop = stop hit
position-reason-expired = signal expired
position-reason-manual = closed by you
perf-your-trades = 💼 Your trades: { $count } closed · win rate { $rate } · total { $total } · best { $best } · worst { $worst }
