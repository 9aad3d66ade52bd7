# Alertas para administradores (src/alerts.rs). HTML: el detalle lo escapa quien llama.
alert-firing = 🚨 <b>Alerta de Herald: { $alert }</b>
    { $detail }
    Recibirás otro aviso cuando termine.
alert-resolved = ✅ <b>Resuelto: { $alert }</b>
    Duró { $minutes ->
        [one] un minuto
       *[other] unos { $minutes } minutos
    }.
alert-database = base de datos inaccesible
alert-telegram = la API de Telegram falla
alert-error-rate = tasa de errores alta
alert-queue = la cola de envíos crece
alert-logins = inicios de sesión fallidos repetidos
alert-admin-locked = cuenta de administrador bloqueada: intentos fallidos desde muchas direcciones
