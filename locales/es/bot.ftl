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
signal-ack-answer = 👍 Anotado
error-apology = Lo sentimos, algo ha fallado por nuestra parte. Inténtalo de nuevo en un momento.
