# La conversación del bot. Textos en HTML para Telegram: solo <b>, <i>, <code>; escapar & < > como entidades.
start-welcome =
    👋 ¡Bienvenido a <b>Herald</b>, { $name }!

    Te envío señales de trading generadas por IA en el momento en que se generan: entrada, objetivo, stop loss, confianza y cómo les fue a señales similares.
start-welcome-back = 👋 ¡Hola de nuevo, { $name }! Envía /subscribe para empezar a recibir señales, o /help para ver todo lo que puedo hacer.
start-welcome-back-subscribed = 👋 ¡Hola de nuevo, { $name }! Estás suscrito. Envía /help para ver todo lo que puedo hacer.
disclaimer-text =
    ⚠️ <b>Aviso de riesgo</b>

    Las señales las generan modelos de aprendizaje automático y <b>no son asesoramiento financiero</b>. Operar conlleva un riesgo considerable de pérdidas; los resultados pasados no garantizan resultados futuros. Opera solo con dinero que puedas permitirte perder y toma tus propias decisiones.
disclaimer-accept-button = ✅ Entiendo y acepto
disclaimer-accepted = ✅ Aceptado. Envía /subscribe para empezar a recibir señales.
disclaimer-accepted-subscribed = ✅ Aceptado. Estás suscrito: a partir de ahora recibirás las señales.
disclaimer-required = Casi listo: lee y acepta el aviso de riesgo de abajo. Tu suscripción empieza en cuanto lo aceptes.
subscribe-done = 🔔 Estás suscrito. Las señales que coincidan con tus filtros te llegarán en cuanto se generen.
subscribe-already = 🔔 Ya estás suscrito.
unsubscribe-done = 🔕 Has cancelado la suscripción y no recibirás más señales. Envía /subscribe para volver.
unsubscribe-already = 🔕 No estás suscrito. Envía /subscribe para empezar a recibir señales.
need-start = Envía /start primero, por favor.
unknown-command = No conozco /{ $command }. Envía /help para ver los comandos.
plain-text-hint = Solo entiendo comandos. Envía /help para verlos.
callback-expired = Este botón ha caducado.
help-title = <b>Comandos de Herald</b>
help-footer = Las señales no son asesoramiento financiero.
cmd-start = empezar, o ver tu estado
cmd-help = esta lista
cmd-subscribe = empezar a recibir señales
cmd-unsubscribe = dejar de recibir señales
signal-button-ack = ✅ Entendido
signal-copy-entry = 📋 Entrada
signal-copy-target = 📋 Objetivo
signal-copy-stop = 📋 Stop
signal-ack-answer = 👍 Anotado
error-apology = Lo sentimos, algo ha fallado por nuestra parte. Inténtalo de nuevo en un momento.

## Issue 4: toda la conversación.
rate-limited = ⏳ Más despacio, por favor: envías comandos más rápido de lo que puedo responder. Vuelve a intentarlo en un minuto.
help-group-basics = Primeros pasos
help-group-signals = Señales
help-group-account = Tu cuenta
help-group-admin = Administración (cada acción pide el código de tu autenticador)
cmd-settings = todas las preferencias, con botones
cmd-language = elegir el idioma: /language en
cmd-signals = las últimas señales: /signals 10
cmd-filter = ver o cambiar filtros: /filter confidence:80 types:buy,sell
cmd-status = estado del servicio, tu plan y tus filtros
cmd-privacy = qué se guarda sobre ti y por qué
cmd-delete = borrar todo lo que hay sobre ti
cmd-broadcast = enviar un mensaje a todos los usuarios activos: /broadcast texto
cmd-users = número de usuarios y altas recientes
cmd-stats = cifras de señales y envíos
cmd-grant = dar premium: /grant 12345 premium 30

# Bienvenida, tras aceptar el aviso (se edita el mismo mensaje paso a paso).
language-name = Español
onboarding-language-question = 🌐 ¿En qué idioma te hablo?
onboarding-skip = Omitir
onboarding-timezone-question = 🕒 ¿En qué zona horaria estás? La uso para tus horas de notificación y las horas que te muestro. Ahora: { $tz }
timezone-type-button = ⌨️ Escribirla
timezone-type-prompt = ⌨️ Envíame el nombre de tu zona horaria, por ejemplo <code>Europe/Madrid</code>, <code>America/Mexico_City</code> o <code>UTC+2</code>.
timezone-unknown = ⚠️ No conozco la zona horaria «{ $input }». Envía un nombre de la lista IANA, por ejemplo <code>Europe/Madrid</code> o <code>America/Bogota</code>, o envía /settings para elegir una.
timezone-set = ✅ Zona horaria cambiada a { $tz }.
onboarding-done = ✅ Todo listo: idioma { $language }, zona horaria { $tz }. Cambia lo que quieras luego con /settings.

# /settings
settings-title = Ajustes
settings-types = 📨 Tipos de señal
settings-confidence = 🎯 Confianza
settings-hours = 🕒 Horario
settings-timezone = 🌍 Zona horaria
settings-format = 📝 Formato
settings-reports = 📈 Informes
settings-language = 🌐 Idioma
settings-assets = 💱 Activos
settings-close = ✖️ Cerrar
settings-back = ⬅️ Volver
settings-saved = ✅ Guardado
settings-closed = ✅ Ajustes guardados.
settings-premium-only = 🔒 Tu plan no incluye este tipo de señal.
settings-too-many-assets = Ya sigues el máximo de activos; quita uno primero.
settings-types-help = Cómo te llega cada tipo de señal: 🔔 con sonido, 🔕 en silencio, ⛔ nunca. Los tipos con 🔒 no están en tu plan.
settings-confidence-help = La confianza mínima que necesita una señal para llegarte. Cualquier otro valor: /filter confidence:NN
settings-hours-help = Las señales llegan en estas horas de tu hora local (los cierres de tus señales abiertas llegan en silencio fuera de ellas). Cualquier otro horario: /filter hours:8-22
settings-timezone-help = Tu zona horaria: { $tz }. Elige una o escribe cualquier nombre IANA.
settings-format-help = Los mensajes detallados llevan todos los campos; los compactos caben en pocas líneas.
settings-reports-help = Cada cuánto recibes un informe de rendimiento.
settings-language-help = El idioma de todos los mensajes.
settings-assets-help = Los activos que sigues. Sin ninguno elegido, los sigues todos. Cualquier otro activo: /filter assets:BTC/USD,ETH/USD
settings-assets-muted-help = 🔕 Los activos silenciados nunca se envían, los sigas o no: pulsa uno para quitarle el silencio.
settings-assets-all = Todos los activos
settings-hours-all = Todo el día

# /filter
filter-error-help = No se ha cambiado nada. Ejemplo: <code>/filter confidence:80 types:buy,sell hours:8-22 tz:Europe/Madrid</code>; <code>/filter reset</code> vuelve a los valores por defecto.
filter-updated = Filtros actualizados.
filter-reset-done = Filtros restablecidos a los valores por defecto.
filter-tier-excludes = 🔒 Tu plan no incluye { $types }: esas señales no te llegarán.

# /signals
signals-bad-count = ⚠️ «{ $input }» no es una cantidad. Envía /signals o /signals N, con N un número entero de 1 a { $max }.
signals-tier-limited = Tu plan muestra hasta { $max } señales.

# /status
status-title = Estado
status-health = Servicio: base de datos { $database } · Telegram { $telegram }
status-last-signal = Última señal: { $time }
status-no-signals = Última señal: todavía ninguna
status-queue = Mensajes pendientes de envío: { $count }
status-subscribed = 🔔 Estás suscrito.
status-not-subscribed = 🔕 No estás suscrito. Envía /subscribe para recibir señales.
status-disclaimer-pending = ⚠️ Acepta el aviso de riesgo (envía /start) para que te lleguen señales.
status-plan-free = Plan: Gratuito
status-plan-premium = Plan: ⭐ Premium
status-plan-premium-until = Plan: ⭐ Premium hasta { $date }
status-plan-premium-expired = Plan: Gratuito (Premium terminó el { $date })

# /language
language-current = 🌐 Idioma: { $language }. Elige:
language-set = ✅ A partir de ahora te hablo en español.
language-unknown = ⚠️ No hablo «{ $input }». Elige uno de: { $choices }.

# /privacy y /delete
privacy-text =
    🔒 <b>Qué guardo sobre ti y por qué</b>

    • Tu id de Telegram, tu nombre de usuario y tus nombres: para saber quién eres y saludarte. Nada más de tu perfil.
    • Tus preferencias y tu suscripción: para enviarte solo las señales que quieres.
    • Qué señales se te enviaron y cuándo: para entregar cada una una sola vez, responder «¿por qué no me llegó?» y medir los envíos.
    • Tus mensajes recientes: se guardan poco tiempo para que ningún comando se pierda si me reinicio.
    • Tus pagos con Stars (importe, plan, fechas, id de cargo de Telegram): para la contabilidad y los reembolsos. /delete los desvincula de ti; los registros de cargo se quedan.
    • Tu código de invitación (aleatorio, no tu id de Telegram), quién te invitó si llegaste por un enlace y quién se unió con el tuyo: para /invite. /delete borra tu código; las personas que invitaste se quedan, ya sin vínculo contigo.
    • Tus alertas de precio (activo, nivel, cuándo saltó cada una): para avisarte cuando un precio llegue. /delete las borra.
    • Tus posiciones (las señales que dijiste haber tomado, tu entrada, tamaño, salida y resultado) y los activos que silenciaste: para /positions y “tus operaciones” en /performance. Solo tú las ves y nunca se escriben en los registros. /delete las borra.

    Nada se vende ni se comparte. Envía /delete para borrar todo lo que hay sobre ti.
delete-question = 🗑 ¿Borrar todo lo que hay sobre ti: tu cuenta, preferencias y suscripción? Las señales se detienen al momento. No se puede deshacer.
delete-confirm-button = 🗑 Sí, borrar mis datos
delete-cancel-button = Conservar mis datos
delete-cancelled = 👍 No se ha borrado nada.
delete-done = ✅ Se ha borrado todo lo que había sobre ti. Envía /start si algún día quieres volver.

# Premium
premium-granted = ⭐ Ahora tienes Premium hasta el { $date }. Disfruta de todos los tipos de señal y del historial más largo.
premium-reminder = ⏳ Tu plan Premium termina el { $date } ({ $days ->
        [one] queda 1 día
       *[other] quedan { $days } días
    }). Después seguirás recibiendo señales con las reglas del plan Gratuito. Una suscripción mensual con Stars se renueva sola; si no, /premium lo amplía.

# Comandos de administración
admin-code-prompt = 🔐 Para confirmar «{ $action }», envía el código de 6 dígitos de tu aplicación de autenticación.
admin-action-grant = Premium para { $id } durante { $days } días
admin-code-wrong = ❌ Código incorrecto. { $left ->
        [one] Queda 1 intento antes de bloquear las acciones de administración.
       *[other] Quedan { $left } intentos antes de bloquear las acciones de administración.
    }
admin-code-used = ❌ Ese código ya se usó; espera al siguiente. { $left ->
        [one] Queda 1 intento antes de bloquear las acciones de administración.
       *[other] Quedan { $left } intentos antes de bloquear las acciones de administración.
    }
admin-locked = 🔒 Demasiados códigos incorrectos: las acciones de administración están bloqueadas { $minutes ->
        [one] 1 minuto más.
       *[other] { $minutes } minutos más.
    }
admin-totp-missing = 🔐 No tienes un autenticador configurado. En el servidor, ejecuta <code>herald admin totp { $id }</code> y añade el resultado a tu aplicación de autenticación.
admin-totp-unavailable = 🔐 Las acciones de administración no están disponibles: el servidor no puede leer los secretos del autenticador (HERALD_ENCRYPTION_KEY).
broadcast-usage = Envía el texto tras el comando: <code>/broadcast Hoy los mercados abren tarde.</code>
broadcast-too-long = ⚠️ Un mensaje masivo puede tener como mucho { $max } caracteres.
broadcast-queued = 📢 Mensaje en cola para { $count ->
        [one] 1 usuario
       *[other] { $count } usuarios
    }. Se envía al ritmo normal de envío.
users-summary =
    👥 <b>Usuarios</b>
    Total: { $total } · activos: { $active } · suscritos: { $subscribed } · premium: { $premium }
    Nuevos: { $day } en 24 h, { $week } en 7 días
users-recent = Últimas altas:
stats-summary =
    📈 <b>Últimas 24 horas</b>
    Señales: { $signals_day } (en total { $signals })
    Envíos: { $sent } enviados · { $failed } fallidos · { $blocked } bloqueados · { $skipped } omitidos
    Latencia media de entrega: { $latency } ms
    Cola: { $queue }
grant-usage = Uso: <code>/grant &lt;id de telegram o @usuario&gt; premium &lt;días&gt;</code>
grant-bad-tier = ⚠️ Solo se puede dar <code>premium</code>.
grant-bad-days = ⚠️ Los días deben ser un número entero de 1 a { $max }.
grant-unknown-user = ⚠️ Ningún usuario { $user } ha iniciado el bot.
grant-done = ⭐ { $id } tiene Premium hasta el { $date }.
