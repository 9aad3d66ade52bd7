# Alertas de precio: /alert y /alerts.
cmd-alert = avísame cuando un precio llegue: /alert BTC/USD &gt; 50000
cmd-alerts = tus alertas de precio, con botones para borrarlas
alert-usage = Crea una alerta de precio así:
    /alert BTC/USD &gt; 50000 — cuando el precio supere 50.000
    /alert BTC/USD &lt; 42000 — cuando baje de 42.000
    /alert BTC/USD crosses 50000 — cuando cruce 50.000 en cualquier sentido
    /alert ETH/USD +5% — cuando suba un 5% desde el último precio (o -5% si baja)
alert-bad-asset = Ese nombre de activo no parece correcto: { $problem }.
alert-bad-level = «{ $text }» no es un precio: escribe un número positivo como 50000 o 1.0852.
alert-bad-percent = «{ $text }» no es un movimiento que pueda vigilar: escribe +5% o -2.5% (más de -100%, como mucho +1000%).
alert-already-past = El precio ya está ahí (último { $price }): la alerta saltaría al instante, así que no la creé.
alert-at-level = El precio está justo en ese nivel ahora: pon la alerta un poco por encima o por debajo.
alert-no-price = Aún no tengo precio de { $asset }, así que no hay desde dónde medir el movimiento: usa un nivel con &gt; o &lt;.
alert-limit = Tienes { $limit } alertas activas, el máximo de tu plan. Borra una con /alerts o mira /premium para tener más.
alert-set = 🔔 Alerta creada: { $alert }. Te avisaré una vez cuando el precio llegue. ({ $count } de { $limit } alertas en uso)
alert-fired = 🔔 Alerta de precio: { $alert } — ahora { $price }.
alerts-title = 🔔 Tus alertas de precio:
alerts-none = No tienes alertas de precio. Crea una con /alert BTC/USD &gt; 50000.
alerts-delete-button = 🗑 Borrar { $n }
alerts-deleted = Borrada.
alerts-already-gone = Esa alerta ya no está (saltó o se borró).
