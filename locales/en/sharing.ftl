# Sharing and referrals: the 📤 Share button, the inline card, /invite.
share-button = 📤 Share
share-card-open = still open
share-card-closed-unpriced = closed, no price known
share-card-entry-exit = Entry { $entry } → exit { $exit }
share-card-entry = Entry { $entry }
share-card-closed-at = Closed { $at }
share-card-invite = Get signals like this from Herald: { $link }
invite-text =
    📤 <b>Invite friends</b>

    Your link: { $link }
    Joined through it: { $joined }
    Of them bought Premium: { $paid }

    Under the result of a closed signal, 📤 Share sends a card with the result and this link to any chat.
cmd-invite = your invite link and who joined through it
