# /filter: explicación de errores. $token es el texto del usuario, citado.
filter-error = `{ $token }` — { $reason }
filter-error-unknown-key = filtro desconocido; los filtros son confidence, types, silent, assets, muted, hours, tz, format, reports, lang y charts
filter-error-missing-value = { $key } necesita un valor, por ejemplo { $example }
filter-error-confidence = la confianza debe ser un número entero de 0 a 100
filter-error-unknown-type = los tipos de señal son buy, sell, close y alert (o all, o none)
filter-error-unknown-mode = un tipo de señal está on, silent u off
filter-error-bad-asset = un activo tiene de 1 a 32 letras, dígitos o / . _ -, por ejemplo BTC/USD
filter-error-bad-hours = las horas son inicio-fin en horas enteras, inicio de 0 a 23 y fin de 0 a 24, por ejemplo 8-22, 22-6 o all
filter-error-unknown-timezone = zona horaria desconocida; usa un nombre como Europe/Madrid, America/Mexico_City o UTC
filter-error-unknown-value = { $key } debe ser uno de: { $choices }
filter-error-duplicate = { $key } aparece más de una vez
filter-error-too-many-assets = puedes seguir como máximo { $max } activos
filter-error-reset-alone = reset no se puede combinar con otros filtros; envía /filter reset solo

# /filter: resumen de los filtros del usuario.
filter-summary-title = Tus filtros:
filter-summary-types = Tipos de señal: { $types }
filter-summary-confidence = Confianza mínima: { $value } %
filter-summary-assets-all = Activos: todos
filter-summary-assets = Activos: { $assets }
filter-summary-muted = Silenciados: { $assets }
filter-summary-hours-all = Horario: todo el día
filter-summary-hours = Horario: { $start }–{ $end }
filter-summary-timezone = Zona horaria: { $tz }
filter-summary-format = Formato: { $format }
filter-summary-reports = Informes de rendimiento: { $reports }
filter-summary-language = Idioma: { $language }
filter-summary-command = Para cambiarlos, edita y envía: /filter { $args }

filter-type-buy = compra
filter-type-sell = venta
filter-type-close = cierre
filter-type-alert = alerta
filter-mode-silent = silencio
filter-mode-off = desactivado
filter-format-detailed = detallado
filter-format-compact = compacto
filter-reports-daily = diario
filter-reports-weekly = semanal
filter-reports-never = nunca
filter-language-en = inglés
filter-language-es = español

# Por qué no se entregó una señal (recipients::SkipReason).
skip-reason-tier-excludes-type = tu plan no incluye este tipo de señal
skip-reason-type-off = desactivaste este tipo de señal
skip-reason-below-threshold = la confianza está por debajo de tu mínimo
skip-reason-asset-not-followed = no sigues este activo
skip-reason-asset-muted = silenciaste este activo
skip-reason-outside-hours = llegó fuera de tu horario de notificaciones
