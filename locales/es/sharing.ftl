# Compartir y referidos: el botón 📤 Compartir, la tarjeta en modo inline, /invite.
share-button = 📤 Compartir
share-card-open = aún abierta
share-card-closed-unpriced = cerrada, sin precio conocido
share-card-entry-exit = Entrada { $entry } → salida { $exit }
share-card-entry = Entrada { $entry }
share-card-closed-at = Cerrada { $at }
share-card-invite = Recibe señales como esta con Herald: { $link }
invite-text =
    📤 <b>Invita a tus amigos</b>

    Tu enlace: { $link }
    Se unieron con él: { $joined }
    De ellos compraron Premium: { $paid }

    Bajo el resultado de una señal cerrada, 📤 Compartir envía a cualquier chat una tarjeta con el resultado y este enlace.
cmd-invite = tu enlace de invitación y quién se unió con él
