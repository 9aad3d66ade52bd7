# Premium bought with Telegram Stars, and the Mini App.
cmd-premium = plans and buying Premium with Stars
cmd-paysupport = help with a payment
premium-button = ⭐ Premium
premium-title = ⭐ <b>Premium</b>
premium-tier-free = <b>Free</b>: { $features }
premium-tier-premium = <b>Premium</b>: { $features }
premium-feature-types = signals: { $types }
premium-feature-all-types = every signal type
premium-feature-history = { $days } days of history
premium-feature-charts = charts
premium-feature-protected = protected from forwarding
premium-feature-delay = { $minutes } min after Premium
premium-feature-instant = at once
premium-plans = <b>Plans</b>
premium-plan-monthly = • { $stars } ⭐ a month, renews by itself until you cancel it in Telegram
premium-plan-once = • { $stars } ⭐ for { $days } days, paid once
premium-pay = Pay { $stars } ⭐ · { $days ->
        [one] 1 day
       *[other] { $days } days
    }
premium-how = Pay with Telegram Stars: the button opens Telegram's own payment sheet. Premium starts the moment the payment arrives. Questions: /paysupport
premium-not-for-sale = Premium is granted by the operators of this service; it is not for sale in the bot.
premium-links-failed = ⚠️ Payments are unavailable right now. Try /premium again in a few minutes.
invoice-title = Herald Premium · { $days } days
invoice-description-monthly = Premium signals for 30 days: every signal type, full history and charts. Renews monthly until you cancel.
invoice-description-once = Premium signals for { $days } days: every signal type, full history and charts. Paid once.
invoice-label = Premium, { $days } days
checkout-not-ours = This offer is not valid (it may have changed). Open /premium again for a fresh one.
checkout-stale = This offer has expired. Open /premium again for a fresh one.
checkout-unknown-user = Start the bot with /start before buying Premium.
checkout-inactive = Your account is deactivated; write /paysupport.
payment-confirmed = ⭐ Thank you! Premium is active until { $date }.
payment-renews = It renews by itself every 30 days; cancel at any time in Telegram's settings (Stars → subscriptions).
payment-once = It does not renew: open /premium again to extend it.
payment-refunded = ↩️ Your payment of { $stars } ⭐ was refunded and your plan is back to Free.
paysupport-text =
    💳 <b>Payment support</b>

    Premium is paid with Telegram Stars. Your payments:
    { $payments }

    Refunds: an operator can give back the Stars of a payment; Premium then ends. Write <code>/paysupport</code> followed by your question (say which payment) and the operators receive it.
paysupport-none = • none yet
paysupport-payment = • { $date }: { $stars } ⭐, { $plan }{ $refunded ->
        [yes] , refunded
       *[no] {""}
    } (<code>{ $charge }</code>)
paysupport-sent = ✅ Your question went to the operators. They answer here.
paysupport-too-long = ⚠️ A question can be at most { $max } characters.
paysupport-no-operators = ⚠️ No operator can be reached through the bot right now. Try again later.
paysupport-question = 💳 <b>Payment question</b> from user <code>{ $id }</code>:
    { $text }
settings-open-app = 📱 Open settings
menu-app = Settings
