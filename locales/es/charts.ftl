# Gráficos en las señales y el botón 📈 Gráfico. Las palabras dibujadas en la imagen (título, eje,
# etiquetas de niveles) usan solo caracteres de la fuente incluida: sin emojis ahí.
signal-button-chart = 📈 Gráfico
chart-title = { $asset } · { $direction } · { $timeframe }
chart-title-untimed = { $asset } · { $direction }
chart-time-axis = Hora (UTC)
chart-issued = Señal
chart-level-entry = Entrada { $price }
chart-level-target = Objetivo { $price }
chart-level-stop = Stop { $price }

# El pie de un gráfico enviado por el botón.
chart-caption-last-vs-entry = Último precio { $price } ({ $change } frente a la entrada { $entry }), { $time }
chart-caption-last = Último precio { $price }, { $time }
chart-caption-target = Objetivo { $price }: a { $away }
chart-caption-stop = Stop { $price }: a { $away }

# Respuestas a un toque en 📈 Gráfico (200 caracteres como mucho).
chart-no-prices = Aún no se conocen precios de { $asset }.
chart-premium-only = 📈 Los gráficos vienen con Premium: mira /premium.
chart-signal-gone = Esta señal ya no está disponible.

# /settings y /filter.
settings-charts-on = 📈 Gráficos: sí
settings-charts-off = 📈 Gráficos: no
settings-charts-locked = 🔒 📈 Gráficos
settings-charts-premium-only = 🔒 Los gráficos en las señales vienen con Premium: mira /premium.
filter-summary-charts-on = Gráficos en las señales: sí
filter-summary-charts-off = Gráficos en las señales: no
