# Alerts to admins (src/alerts.rs). HTML: the detail is escaped by the caller.
alert-firing = 🚨 <b>Herald alert: { $alert }</b>
    { $detail }
    You will hear again when it is over.
alert-resolved = ✅ <b>Resolved: { $alert }</b>
    It lasted about { $minutes ->
        [one] one minute
       *[other] { $minutes } minutes
    }.
alert-database = database unreachable
alert-telegram = Telegram API failing
alert-error-rate = error rate high
alert-queue = delivery queue growing
alert-logins = repeated failed logins
alert-admin-locked = admin account locked: failed logins from many addresses
