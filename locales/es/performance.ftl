## Rendimiento (src/domain/performance/text.rs): /performance, informes programados y la línea
## de motivo en los cierres que envía Herald por un resultado. Texto plano: el código lo escapa.

cmd-performance = cómo les fue a las señales: /performance [today|7d|30d|all] [activo]

outcome-reason-close = Cerrada por el motor de señales
outcome-reason-reported = Resultado comunicado por el motor de señales
outcome-reason-target = Objetivo alcanzado
outcome-reason-stop = Stop loss alcanzado
outcome-reason-expired = Expirada al final de su marco temporal
outcome-reason-expired-unpriced = Expirada al final de su marco temporal; no se conocía ningún precio, así que cuenta sin resultado

perf-period-today = hoy
perf-period-7d = últimos 7 días
perf-period-30d = últimos 30 días
perf-period-all = todo el historial
perf-title = Rendimiento · { $period }
perf-title-asset = Rendimiento · { $asset } · { $period }
perf-empty = Todavía no se ha cerrado ninguna señal en este periodo.
perf-line-closed = Cerradas: { $count } · ✅ { $wins } · ❌ { $losses } · ⚪ { $even }
perf-line-unpriced = Expiradas sin precio: { $count }
perf-line-rate = Acierto { $rate } · media { $avg } · total { $total }
perf-line-risk = Factor de beneficio { $pf } · esperanza { $expectancy } · drawdown máx. { $drawdown }
perf-line-holding = Tiempo medio en posición: { $holding }
perf-section-asset = Por activo
perf-section-model = Por modelo
perf-section-type = Por tipo
perf-section-timeframe = Por marco temporal
perf-section-confidence = Por confianza
perf-column-closed = n
perf-column-rate = acierto
perf-column-total = total
perf-more-rows = …y { $count } más
perf-yours = Tu historial: { $count ->
        [one] 1 cerrada
       *[other] { $count } cerradas
    } · acierto { $rate } · total { $total }
perf-yours-none = Tu historial: ninguna de las señales que recibiste se ha cerrado en este periodo.
perf-history-limit = Tu plan abarca los últimos { $days } días.
perf-updated = Actualizado { $time }
perf-refresh-button = 🔄 Actualizar
perf-refreshed = Actualizado
perf-bad-period = No conozco el periodo «{ $text }». Usa today, 7d, 30d o all, y si quieres un activo: /performance 30d BTC/USD
perf-bad-asset = «{ $text }» no es un nombre de activo: solo letras, dígitos y / . _ -, p. ej. BTC/USD.
perf-unknown-asset = Todavía no hay señales de { $asset }. Uso: /performance [today|7d|30d|all] [activo]
perf-chart-title = Rentabilidad acumulada, % ({ $period })
perf-chart-no-data = Todavía no hay señales cerradas

report-daily-title = Informe diario · { $date }
report-weekly-title = Informe semanal · { $from } – { $to }
report-new-signals = Señales nuevas: { $count }
report-heartbeat-daily = Ese día no se cerró ninguna señal. Herald sigue en marcha vigilando los mercados.
report-heartbeat-weekly = Esa semana no se cerró ninguna señal. Herald sigue en marcha vigilando los mercados.
report-footer = Cambia la frecuencia de este informe en /settings.

# Páginas de /performance (los botones bajo la tabla) y sus cifras.
perf-page-overview = 📊 Resumen
perf-page-asset = 💱 Activos
perf-page-model = 🤖 Modelos
perf-page-timeframe = ⏱ Marcos
perf-page-confidence = 🎯 Confianza
perf-line-payoff = Ganancia media { $win } · pérdida media { $loss } · ratio de pago { $payoff }
perf-line-ratios = Sharpe { $sharpe } · Sortino { $sortino } · rachas más largas: { $wins ->
        [one] 1 ganadora
       *[other] { $wins } ganadoras
    }, { $losses ->
        [one] 1 perdedora
       *[other] { $losses } perdedoras
    }
perf-group-record = { $count ->
        [one] 1 cerrada
       *[other] { $count } cerradas
    } · acierto { $rate } · total { $total }
perf-group-trade = media { $avg } · esperanza { $expectancy } · FB { $pf } · en posición { $holding }
perf-button-period-today = Hoy
perf-button-period-7d = 7 días
perf-button-period-30d = 30 días
perf-button-period-all = Todo
