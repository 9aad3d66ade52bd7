## Mensajes de señales (src/domain/render). Emojis, viñetas, precios y disposición los pone el
## código; aquí solo van las palabras. Los argumentos llegan sin escapar; el código escapa el texto.

signal-title = SEÑAL DE TRADING: { $direction } { $asset }
signal-details = Detalles de la señal:
signal-direction-buy = COMPRA
signal-direction-sell = VENTA
signal-kind-close = CIERRE
signal-kind-alert = ALERTA
signal-label-direction = Dirección
signal-label-asset = Activo
signal-label-entry = Precio de entrada
signal-label-target = Precio objetivo
signal-label-stop = Stop loss
signal-label-timeframe = Temporalidad
signal-label-confidence = Confianza de la señal
signal-label-model = Modelo
signal-label-market = Mercado
signal-label-generated = Señal generada
signal-notes = Notas:
signal-notes-more = …y { $count } más
signal-similar-label = Señales similares
signal-similar-stats = { $rate }% de aciertos ({ $closed } { $closed ->
        [one] cerrada
       *[other] cerradas
    })
signal-similar-stats-broad = { $rate }% de aciertos ({ $closed } { $closed ->
        [one] cerrada
       *[other] cerradas
    }, mismo modelo en todos los activos)
signal-similar-none = Aún no hay señales similares cerradas
signal-hashtags = #Trading #Señal
signal-close-title = CIERRE DE SEÑAL: { $asset }
signal-close-details = Detalles del cierre:
signal-label-position = Posición
signal-label-exit = Precio de salida
signal-label-result = Resultado
signal-result-profit = ganancia
signal-result-loss = pérdida
signal-result-flat = sin ganancia ni pérdida
signal-alert-title = ALERTA DE MERCADO: { $asset }
signal-repeat-notice = Posible repetición: puede que esta señal ya te haya llegado; es la misma señal, no una nueva.
signal-compact-stop = SL
signal-compact-exit = salida { $price }
signal-compact-vs-entry = { $change } frente a la entrada { $entry }
signal-list-title = Últimas señales
signal-list-empty = Aún no hay señales.
signal-list-more = …y { $count } más antiguas
