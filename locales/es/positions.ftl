# Posiciones: los botones bajo una señal, /positions, respuestas que fijan una entrada.
cmd-positions = tus operaciones: posiciones abiertas con su resultado, /positions closed para las cerradas
signal-button-took = ✅ La tomé
signal-button-mute = 🔕 Silenciar { $asset }
callback-no-account = Ya no estás registrado. Envía /start para volver a recibir señales.
signal-gone = Esta señal ya no está disponible.
signal-not-tradable = No hay ninguna operación que tomar en este mensaje.
signal-closed-answer = Esta señal ya está cerrada ({ $reason }): no queda operación que tomar.

# ✅ La tomé
took-answer = ✅ Posición abierta. Responde a mi mensaje para poner tu propia entrada.
took-already-open = Ya tomaste esta señal: /positions la muestra.
took-already-closed = Tomaste esta señal y la posición está cerrada: mira /positions closed.
position-opened-title = ✅ <b>Posición abierta</b>
position-opened-help = ¿Entraste a otro precio? Responde a este mensaje con tu precio de entrada, o precio y tamaño (por ejemplo <code>45100 0.5</code>), y seguiré tu operación real. /positions la muestra con su ganancia o pérdida; se cierra con la señal (cierre, objetivo o stop), o cuando la cierres tú allí.
position-entry = entrada { $price }
position-size = tamaño { $size }
position-entry-set = ✏️ <b>Entrada actualizada</b>
position-reply-usage = Responde con tu precio de entrada, o precio y tamaño: por ejemplo <code>45100</code> o <code>45100 0.5</code>. No se cambió nada.
position-reply-bad-price = «{ $text }» no es un precio: escribe dígitos con punto para los decimales y sin separador de miles, como 45100 o 1.0852. No se cambió nada.
position-reply-bad-size = «{ $text }» no es un tamaño: escribe un número positivo de unidades, como 0.5 o 100. No se cambió nada.
position-reply-far = Eso está lejos de la entrada de esta señal y parece una errata: acepto entradas de { $low } a { $high }. No se cambió nada.
position-reply-closed = Esta posición ya está cerrada: su entrada ya no puede cambiar.

# 🔕 Silenciar
mute-answer = 🔕 { $asset } silenciado
mute-done = 🔕 <b>{ $asset } silenciado.</b> No recibirás más señales de { $asset }; los cierres de señales que ya recibiste siguen llegando. /filter muestra lo que silenciaste.
mute-already = { $asset } ya está silenciado. /filter muted:none quita todos los silencios.
mute-undo-button = ↩️ Deshacer
mute-undone = 🔔 <b>{ $asset } ya no está silenciado.</b> Sus señales vuelven a llegarte.
mute-undone-answer = Deshecho
mute-undo-stale = { $asset } ya no está silenciado.
mute-too-many = Tienes { $max } activos silenciados, el máximo permitido: quita uno con /filter primero.

# /positions
positions-title = 💼 <b>Tus posiciones abiertas</b>
positions-none = No tienes posiciones abiertas. Pulsa ✅ La tomé bajo una señal de compra o venta para seguir la operación aquí.
positions-now = ahora { $price }: <b>{ $pnl }</b>
positions-no-price = aún no hay precio, así que no hay ganancia ni pérdida que mostrar
positions-more = …y { $count } más
positions-closed-hint = Operaciones cerradas: /positions closed
positions-closed-title = 📜 <b>Tus operaciones cerradas</b>
positions-closed-none = Aún no tienes operaciones cerradas.
positions-usage = /positions muestra tus posiciones abiertas, /positions closed las cerradas.
positions-close-button = ✖️ Cerrar { $n }
position-close-question = ¿Cerrarla al último precio, { $price } ({ $pnl })?
position-close-yes = ✅ Cerrarla
position-close-back = ↩️ Volver
position-closed-answer = Cerrada a { $price }: { $pnl }
position-close-no-price = Aún no tengo precio para { $asset }, así que no puedo cerrarla a mercado. Se cierra con la señal, o inténtalo tras el próximo precio.
position-gone = Esa posición ya está cerrada.
position-reason-close = señal de cierre
position-reason-reported = resultado informado
position-reason-target = objetivo alcanzado
position-reason-stop = stop alcanzado
position-reason-expired = señal vencida
position-reason-manual = cerrada por ti
perf-your-trades = 💼 Tus operaciones: { $count } cerradas · tasa de acierto { $rate } · total { $total } · mejor { $best } · peor { $worst }
