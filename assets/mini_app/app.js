// Herald Mini App. Vanilla JS with a tiny hand-written Telegram bridge:
// the strict CSP (script-src 'self') rules out telegram-web-app.js from a CDN.
'use strict';

(() => {
  const I18N = {
    en: {
      loading: 'Loading…', greeting: 'Hi, {name}!', greetingAnon: 'Hi!',
      planTitle: 'Your plan', free: 'Free', premium: 'Premium', premiumUntil: 'Premium until {date}',
      payOnce: 'Pay {stars} ⭐ · {days} days', payRenew: '{stars} ⭐ / {period}',
      week: 'week', month: 'month', year: 'year', nDays: '{days} days',
      creatingInvoice: 'Creating invoice…', paid: 'Payment received ✓',
      payCancelled: 'Payment cancelled', payFailed: 'Payment failed, please try again',
      payPending: 'Payment is being processed…',
      signalsTitle: 'Signals', typeBuy: 'Buy', typeSell: 'Sell', typeClose: 'Close', typeAlert: 'Alerts',
      optOn: '🔔 With sound', optSilent: '🔕 Silent', optOff: '⛔ Off',
      confidence: 'Minimum confidence (%)', needNumber: 'Enter a number from 0 to 100',
      assets: 'Assets', assetsHint: 'Comma-separated. Empty = all assets.',
      scheduleTitle: 'Schedule', hoursAll: 'All day', hoursFrom: 'From', hoursTo: 'To', timezone: 'Time zone',
      messagesTitle: 'Messages', format: 'Message format', fmtDetailed: 'Detailed', fmtCompact: 'Compact',
      charts: 'Charts on signals', chartsHint: 'A price chart above buy and sell signals. Included in Premium.',
      reports: 'Performance reports', daily: 'Daily', weekly: 'Weekly', never: 'Never', language: 'Language',
      save: 'Save', saving: 'Saving…', saved: 'Saved ✓', invalid: 'Please fix the highlighted fields',
      tooMany: 'Too many changes, wait a moment',
      sessionExpired: 'Session expired: close and reopen the app from the bot',
      startBot: 'Start the bot with /start first',
      openFromBot: 'Open this page from the bot in Telegram',
      network: 'Network error: check your connection and try again',
      httpError: 'Something went wrong (HTTP {status})', badLink: 'The payment link is not valid',
    },
    es: {
      loading: 'Cargando…', greeting: '¡Hola, {name}!', greetingAnon: '¡Hola!',
      planTitle: 'Tu plan', free: 'Gratis', premium: 'Premium', premiumUntil: 'Premium hasta {date}',
      payOnce: 'Pagar {stars} ⭐ · {days} días', payRenew: '{stars} ⭐ / {period}',
      week: 'semana', month: 'mes', year: 'año', nDays: '{days} días',
      creatingInvoice: 'Creando factura…', paid: 'Pago recibido ✓',
      payCancelled: 'Pago cancelado', payFailed: 'El pago falló, inténtalo de nuevo',
      payPending: 'El pago se está procesando…',
      signalsTitle: 'Señales', typeBuy: 'Compra', typeSell: 'Venta', typeClose: 'Cierre', typeAlert: 'Alertas',
      optOn: '🔔 Con sonido', optSilent: '🔕 Silencio', optOff: '⛔ Desactivado',
      confidence: 'Confianza mínima (%)', needNumber: 'Introduce un número del 0 al 100',
      assets: 'Activos', assetsHint: 'Separados por comas. Vacío = todos los activos.',
      scheduleTitle: 'Horario', hoursAll: 'Todo el día', hoursFrom: 'Desde', hoursTo: 'Hasta', timezone: 'Zona horaria',
      messagesTitle: 'Mensajes', format: 'Formato de mensajes', fmtDetailed: 'Detallado', fmtCompact: 'Compacto',
      charts: 'Gráficos en las señales', chartsHint: 'Un gráfico de precios sobre las señales de compra y venta. Incluido en Premium.',
      reports: 'Informes de rendimiento', daily: 'Diario', weekly: 'Semanal', never: 'Nunca', language: 'Idioma',
      save: 'Guardar', saving: 'Guardando…', saved: 'Guardado ✓', invalid: 'Corrige los campos marcados',
      tooMany: 'Demasiados cambios, espera un momento',
      sessionExpired: 'Sesión caducada: cierra y vuelve a abrir la app desde el bot',
      startBot: 'Primero inicia el bot con /start',
      openFromBot: 'Abre esta página desde el bot en Telegram',
      network: 'Error de red: revisa tu conexión e inténtalo de nuevo',
      httpError: 'Algo salió mal (HTTP {status})', badLink: 'El enlace de pago no es válido',
    },
  };

  const TYPES = ['buy', 'sell', 'close', 'alert'];
  const MODES = [['on', 'optOn'], ['silent', 'optSilent'], ['off', 'optOff']];
  // API field name -> input id, to flag the control that a server error refers to.
  const FIELD_INPUTS = {
    confidence_threshold: 'confidence', notification_hours: 'hours-start', timezone: 'timezone',
    format: 'format', performance_updates: 'reports', language: 'language', assets: 'assets',
    charts: 'charts',
  };

  const $ = (id) => document.getElementById(id);
  const browserLang = /^es\b/i.test(navigator.language || '') ? 'es' : 'en';
  const state = { lang: browserLang, me: null, initData: null };

  function t(key, vars) {
    const text = I18N[state.lang][key] ?? I18N.en[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? '')) : text;
  }

  // sessionStorage can throw in sandboxed/private webviews; losing it only breaks reloads.
  const store = {
    get(key) { try { return sessionStorage.getItem(key); } catch { return null; } },
    set(key, value) { try { sessionStorage.setItem(key, value); } catch { /* ignore */ } },
  };

  // ---- Launch parameters & theme ----------------------------------------------------------

  function launchParams() {
    const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
    // Some clients put the parameters in the query string instead of the fragment.
    const query = new URLSearchParams(location.search);
    const get = (key) => hash.get(key) ?? query.get(key);
    return { initData: get('tgWebAppData'), theme: get('tgWebAppThemeParams') };
  }

  function applyTheme(params) {
    if (!params || typeof params !== 'object') return;
    const root = document.documentElement;
    for (const [key, value] of Object.entries(params)) {
      // Only plain colours: these values come from the URL, which anyone can craft.
      if (!/^[a-z_]+$/.test(key) || !/^(#[0-9a-f]{3,8}|rgba?\([\d\s.,%]+\))$/i.test(String(value))) continue;
      root.style.setProperty('--tg-theme-' + key.replace(/_/g, '-'), String(value));
    }
    root.classList.add('tg-themed'); // disables the prefers-color-scheme fallback
  }

  function parseJson(text) {
    try { return text ? JSON.parse(text) : null; } catch { return null; }
  }

  // ---- Bridge to the Telegram client ------------------------------------------------------

  function postEvent(type, data = {}) {
    try {
      if (window.TelegramWebviewProxy?.postEvent) {
        window.TelegramWebviewProxy.postEvent(type, JSON.stringify(data));
      } else if (window.external && 'notify' in window.external) {
        window.external.notify(JSON.stringify({ eventType: type, eventData: data }));
      } else if (window.parent !== window) {
        window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), '*');
      }
    } catch (err) {
      console.warn('postEvent failed', type, err);
    }
  }

  const inTelegram = () => Boolean(window.TelegramWebviewProxy) || window.parent !== window;

  function receiveEvent(eventType, eventData) {
    if (eventType === 'invoice_closed') onInvoiceClosed(eventData || {});
    else if (eventType === 'theme_changed') applyTheme(eventData?.theme_params);
  }

  // Web clients (iframe) deliver events with postMessage...
  window.addEventListener('message', (ev) => {
    if (ev.source && ev.source !== window.parent && ev.source !== window) return;
    const msg = typeof ev.data === 'string' ? parseJson(ev.data) : ev.data;
    if (msg && typeof msg.eventType === 'string') receiveEvent(msg.eventType, msg.eventData);
  });
  // ...while native clients call these globals (the names telegram-web-app.js defines).
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = Object.assign(window.Telegram.WebView || {}, { receiveEvent });
  window.TelegramGameProxy = Object.assign(window.TelegramGameProxy || {}, { receiveEvent });
  window.TelegramGameProxy_receiveEvent = receiveEvent;

  // ---- API ---------------------------------------------------------------------------------

  // Resolves to {status, data}; throws only on network failure. data is null for non-JSON bodies.
  async function api(method, path, body) {
    const headers = { Authorization: 'tma ' + state.initData, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(new URL(path, document.baseURI), {
      method, headers, cache: 'no-store', credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = parseJson(await res.text().catch(() => ''));
    return { status: res.status, data };
  }

  function errorText(res) {
    if (res.status === 401) return t('sessionExpired');
    if (res.status === 403) return t('startBot');
    if (res.status === 429) return t('tooMany');
    return res.data?.error?.message || t('httpError', { status: res.status });
  }

  // ---- Rendering ---------------------------------------------------------------------------

  function setLang(lang) {
    state.lang = lang === 'es' ? 'es' : 'en';
    document.documentElement.lang = state.lang;
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    if (state.me) { renderHeader(); renderPlan(); }
  }

  function fillOptions(select, entries) {
    select.replaceChildren(...entries.map(([value, key, label]) => {
      const opt = document.createElement('option');
      opt.value = value;
      if (key) opt.dataset.i18n = key;
      opt.textContent = key ? t(key) : label;
      return opt;
    }));
  }

  function buildControls() {
    for (const type of TYPES) fillOptions($('type-' + type), MODES);
    const hours = Array.from({ length: 24 }, (_, h) => [String(h), null, String(h).padStart(2, '0') + ':00']);
    fillOptions($('hours-start'), hours);
    fillOptions($('hours-end'), hours);
    try { $('timezone').placeholder = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { /* old engines */ }
  }

  function renderHeader() {
    const name = state.me.user?.first_name;
    $('greeting').textContent = name ? t('greeting', { name }) : t('greetingAnon');
  }

  function planLabel(plan) {
    if (!plan.renews) return t('payOnce', { stars: plan.stars, days: plan.days });
    const period = { 7: t('week'), 30: t('month'), 31: t('month'), 365: t('year'), 366: t('year') }[plan.days]
      || t('nDays', { days: plan.days });
    return t('payRenew', { stars: plan.stars, period });
  }

  function renderPlan() {
    const sub = state.me.subscription || {};
    const until = sub.expires_at ? String(sub.expires_at).slice(0, 10) : null;
    $('tier').textContent = sub.tier === 'premium'
      ? (until ? t('premiumUntil', { date: until }) : t('premium'))
      : t('free');
    const plans = Array.isArray(state.me.plans) ? state.me.plans : [];
    $('plans').replaceChildren(...plans.map((plan) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'pay button';
      button.dataset.plan = plan.id;
      button.textContent = planLabel(plan);
      return button;
    }));
    $('plans').hidden = plans.length === 0;
  }

  function syncHours() {
    const allDay = $('hours-all').checked;
    $('hours-start').disabled = allDay;
    $('hours-end').disabled = allDay;
  }

  function fillPrefs(p) {
    const types = p.signal_types || {};
    for (const type of TYPES) $('type-' + type).value = types[type] || 'on';
    $('confidence').value = p.confidence_threshold ?? '';
    const hours = p.notification_hours || { start: 0, end: 0 };
    $('hours-start').value = String(hours.start ?? 0);
    $('hours-end').value = String(hours.end ?? 0);
    $('hours-all').checked = hours.start === hours.end; // equal bounds mean "all day"
    syncHours();
    $('timezone').value = p.timezone || '';
    $('format').value = p.format || 'detailed';
    $('charts').checked = p.charts !== false;
    $('reports').value = p.performance_updates || 'daily';
    $('language').value = p.language || state.lang;
    $('assets').value = (p.assets || []).join(', ');
  }

  function readForm() {
    const allDay = $('hours-all').checked;
    const confidence = $('confidence').value.trim();
    return {
      signal_types: Object.fromEntries(TYPES.map((type) => [type, $('type-' + type).value])),
      confidence_threshold: confidence === '' ? NaN : Number(confidence),
      notification_hours: allDay
        ? { start: 0, end: 0 }
        : { start: Number($('hours-start').value), end: Number($('hours-end').value) },
      timezone: $('timezone').value.trim(),
      format: $('format').value,
      charts: $('charts').checked,
      performance_updates: $('reports').value,
      language: $('language').value,
      assets: $('assets').value.split(',').map((s) => s.trim()).filter(Boolean),
    };
  }

  // ---- Messages ----------------------------------------------------------------------------

  function setLine(el, text, kind) {
    el.textContent = text || '';
    el.classList.toggle('ok', kind === 'ok');
    el.classList.toggle('error', kind === 'error');
  }
  const setStatus = (text, kind) => setLine($('status'), text, kind);
  const setPlanStatus = (text, kind) => setLine($('plan-status'), text, kind);

  function showNotice(text, kind) {
    setLine($('notice'), text, kind);
    $('notice').hidden = !text;
  }

  function fatal(text) {
    $('loading').hidden = true;
    $('content').hidden = true;
    $('fatal').textContent = text;
    $('fatal').hidden = false;
    document.body.dataset.ready = 'error';
  }

  function clearErrors() {
    for (const el of document.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of document.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  // Server keys are either exact names ("timezone") or dotted paths ("assets.1", "signal_types.buy").
  function setFieldError(key, message) {
    const [head, sub] = key.split('.');
    const boxes = Array.from(document.querySelectorAll('.field-error'));
    const box = boxes.find((el) => el.dataset.field === key) || boxes.find((el) => el.dataset.field === head);
    if (!box) return false;
    box.textContent = box.textContent ? box.textContent + '; ' + message : message;
    const input = $(head === 'signal_types' && sub ? 'type-' + sub : FIELD_INPUTS[head]);
    if (input) input.setAttribute('aria-invalid', 'true');
    return true;
  }

  function showFieldErrors(error) {
    const unplaced = [];
    for (const [key, message] of Object.entries(error?.fields || {})) {
      if (!setFieldError(key, String(message))) unplaced.push(key + ': ' + message);
    }
    // The server's general line is English; ours is in the user's language.
    const general = error?.code === 'invalid' || !error?.message ? t('invalid') : error.message;
    setStatus([general, ...unplaced].join(' · '), 'error');
  }

  // ---- Actions -----------------------------------------------------------------------------

  async function loadMe(initial) {
    let res;
    try { res = await api('GET', 'app/api/me'); } catch { res = { status: 0, data: null }; }
    if (res.status !== 200 || !res.data) {
      const text = res.status === 0 ? t('network') : errorText(res);
      if (initial) fatal(text); else showNotice(text, 'error');
      return;
    }
    state.me = res.data;
    setLang(res.data.language || res.data.preferences?.language);
    // After a payment only the plan changes; keep whatever the user is editing.
    if (!initial) return;
    fillPrefs(res.data.preferences || {});
    $('loading').hidden = true;
    $('content').hidden = false;
    document.body.dataset.ready = 'true';
  }

  async function savePrefs(ev) {
    ev.preventDefault();
    if (document.body.dataset.ready === 'saving') return;
    clearErrors();
    const body = readForm();
    // Only catch what the server cannot even parse (it wants an integer); ranges are its call.
    if (!Number.isInteger(body.confidence_threshold)) {
      setFieldError('confidence_threshold', t('needNumber'));
      setStatus(t('invalid'), 'error');
      return;
    }
    document.body.dataset.ready = 'saving';
    $('save').disabled = true;
    setStatus(t('saving'));
    try {
      const res = await api('PUT', 'app/api/preferences', body);
      if (res.status === 200) {
        const prefs = res.data?.preferences || body;
        if (state.me) { state.me.preferences = prefs; state.me.language = prefs.language || state.me.language; }
        if (prefs.language && prefs.language !== state.lang) setLang(prefs.language);
        fillPrefs(prefs);
        setStatus(t('saved'), 'ok');
      } else if (res.status === 422 && res.data?.error) {
        showFieldErrors(res.data.error);
      } else {
        setStatus(errorText(res), 'error');
      }
    } catch {
      setStatus(t('network'), 'error');
    } finally {
      $('save').disabled = false;
      document.body.dataset.ready = 'true';
    }
  }

  function invoiceSlug(link) {
    const match = /(?:\/\$|\/invoice\/)([^/?#]+)/.exec(link);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function openInvoice(link) {
    // The link comes from our server, but never put a non-https URL into an href.
    let url;
    try { url = new URL(link); } catch { url = null; }
    if (!url || url.protocol !== 'https:') { setPlanStatus(t('badLink'), 'error'); return; }
    const anchor = $('invoice-link');
    anchor.href = url.href;
    anchor.textContent = link;
    anchor.hidden = false;
    const slug = invoiceSlug(link);
    if (inTelegram() && slug) postEvent('web_app_open_invoice', { slug });
    else window.open(url.href, '_blank', 'noopener');
  }

  async function buyPlan(planId) {
    const buttons = document.querySelectorAll('.pay');
    buttons.forEach((b) => { b.disabled = true; });
    setPlanStatus(t('creatingInvoice'));
    try {
      const res = await api('POST', 'app/api/invoice', { plan: planId });
      if (res.status === 200 && res.data?.link) {
        setPlanStatus('');
        openInvoice(String(res.data.link));
      } else {
        setPlanStatus(errorText(res), 'error');
      }
    } catch {
      setPlanStatus(t('network'), 'error');
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  function onInvoiceClosed({ status }) {
    if (status === 'paid') {
      showNotice(t('paid'), 'ok');
      loadMe(false); // the webhook may already have upgraded the subscription
    } else if (status === 'cancelled') {
      showNotice(t('payCancelled'));
    } else if (status === 'failed') {
      showNotice(t('payFailed'), 'error');
    } else if (status === 'pending') {
      showNotice(t('payPending'));
    }
  }

  // ---- Start -------------------------------------------------------------------------------

  function init() {
    const params = launchParams();
    // Keep launch data for reloads: Telegram only passes it in the first URL.
    if (params.initData) store.set('herald.initData', params.initData);
    if (params.theme) store.set('herald.theme', params.theme);
    state.initData = params.initData || store.get('herald.initData');
    applyTheme(parseJson(params.theme || store.get('herald.theme')));

    buildControls();
    setLang(browserLang);

    $('prefs-form').addEventListener('submit', savePrefs);
    $('hours-all').addEventListener('change', () => {
      // Unchecking with equal bounds would still mean "all day", so offer a usual window.
      if (!$('hours-all').checked && $('hours-start').value === $('hours-end').value) {
        $('hours-start').value = '8';
        $('hours-end').value = '22';
      }
      syncHours();
    });
    $('plans').addEventListener('click', (ev) => {
      const button = ev.target.closest('.pay');
      if (button && !button.disabled) buyPlan(button.dataset.plan);
    });

    postEvent('web_app_ready', {});
    postEvent('web_app_expand', {});

    if (!state.initData) { fatal(t('openFromBot')); return; }
    loadMe(true);
  }

  init();
})();
