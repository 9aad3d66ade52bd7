# Premium comprado con Telegram Stars, y la Mini App.
cmd-premium = planes y compra de Premium con Stars
cmd-paysupport = ayuda con un pago
premium-button = ⭐ Premium
premium-title = ⭐ <b>Premium</b>
premium-tier-free = <b>Gratis</b>: { $features }
premium-tier-premium = <b>Premium</b>: { $features }
premium-feature-types = señales: { $types }
premium-feature-all-types = todos los tipos de señal
premium-feature-history = { $days } días de historial
premium-feature-charts = gráficos
premium-feature-protected = protegidas contra reenvío
premium-feature-delay = { $minutes } min después de Premium
premium-feature-instant = al instante
premium-plans = <b>Planes</b>
premium-plan-monthly = • { $stars } ⭐ al mes, se renueva solo hasta que lo canceles en Telegram
premium-plan-once = • { $stars } ⭐ por { $days } días, pago único
premium-pay = Pagar { $stars } ⭐ · { $days ->
        [one] 1 día
       *[other] { $days } días
    }
premium-how = Paga con Telegram Stars: el botón abre la hoja de pago de Telegram. Premium empieza en cuanto llega el pago. Dudas: /paysupport
premium-not-for-sale = Premium lo conceden los operadores del servicio; no se vende en el bot.
premium-links-failed = ⚠️ Los pagos no están disponibles ahora. Prueba /premium de nuevo en unos minutos.
invoice-title = Herald Premium · { $days } días
invoice-description-monthly = Señales Premium durante 30 días: todos los tipos de señal, historial completo y gráficos. Se renueva cada mes hasta que canceles.
invoice-description-once = Señales Premium durante { $days } días: todos los tipos de señal, historial completo y gráficos. Pago único.
invoice-label = Premium, { $days } días
checkout-not-ours = Esta oferta no es válida (puede haber cambiado). Abre /premium de nuevo para obtener una nueva.
checkout-stale = Esta oferta ha caducado. Abre /premium de nuevo para obtener una nueva.
checkout-unknown-user = Inicia el bot con /start antes de comprar Premium.
checkout-inactive = Tu cuenta está desactivada; escribe /paysupport.
payment-confirmed = ⭐ ¡Gracias! Premium está activo hasta el { $date }.
payment-renews = Se renueva solo cada 30 días; cancela cuando quieras en los ajustes de Telegram (Stars → suscripciones).
payment-once = No se renueva: abre /premium de nuevo para ampliarlo.
payment-refunded = ↩️ Tu pago de { $stars } ⭐ fue reembolsado y tu plan vuelve a ser Gratis.
paysupport-text =
    💳 <b>Ayuda con pagos</b>

    Premium se paga con Telegram Stars. Tus pagos:
    { $payments }

    Reembolsos: un operador puede devolver las Stars de un pago; Premium termina entonces. Escribe <code>/paysupport</code> seguido de tu pregunta (di qué pago) y los operadores la reciben.
paysupport-none = • ninguno todavía
paysupport-payment = • { $date }: { $stars } ⭐, { $plan }{ $refunded ->
        [yes] , reembolsado
       *[no] {""}
    } (<code>{ $charge }</code>)
paysupport-sent = ✅ Tu pregunta llegó a los operadores. Te responden aquí.
paysupport-too-long = ⚠️ Una pregunta puede tener como mucho { $max } caracteres.
paysupport-no-operators = ⚠️ Ahora no se puede contactar con ningún operador por el bot. Prueba más tarde.
paysupport-question = 💳 <b>Pregunta de pago</b> del usuario <code>{ $id }</code>:
    { $text }
settings-open-app = 📱 Abrir ajustes
menu-app = Ajustes
