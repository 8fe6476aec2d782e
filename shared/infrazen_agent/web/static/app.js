// The InfraZen Agent web app: sign-in, recommendations with their texts, and the chats, over
// the service's public API. No framework, no build step; words come from strings.js.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const state = {
    token: null, lang: "ru", user: null, tab: "recs", recs: [], detail: null,
    chat: null, // { ws, sessionId, wsUrl, scope, title, turn, bubble, closing, retries, lastQuestion }
  };
  const TYPES = ["cross_provider_server", "cross_provider_dbaas", "rightsize_cpu", "stopped_server", "old_snapshot", "unused_ip"];
  const RANGES = [7, 30, 90];
  const PERSONAS = ["cfo", "cto", "finops", "product"];

  // --- words and numbers
  function t(key, vars) {
    const table = window.STRINGS[state.lang] || window.STRINGS.ru;
    let text = table[key] !== undefined ? table[key] : key;
    for (const [k, v] of Object.entries(vars || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }
  const SIGNS = { RUB: "₽", USD: "$", EUR: "€" };
  const PERIODS = { ru: { month: "/мес", year: "/год", day: "/день" }, en: { month: "/month", year: "/year", day: "/day" } };
  function money(m) {
    if (!m) return "—";
    const locale = state.lang === "ru" ? "ru-RU" : "en-US";
    const n = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(m.amount);
    const sign = SIGNS[m.currency] || m.currency;
    // as the server's formatter writes it (wording/numbers.py): "14 252,74 ₽/мес", "14,252.74 RUB/month"
    const body = state.lang === "ru" ? `${n}\u00a0${sign}` : sign === "$" ? `$${n}` : `${n} ${m.currency}`;
    return body + ((PERIODS[state.lang] || {})[m.period] || "");
  }
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function translate() {
    document.documentElement.lang = state.lang;
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    $("lang").textContent = t("lang.switch");
    $("chat-input").placeholder = t("chat.placeholder");
    fillSelect($("rec-type"), [["", t("recs.all")], ...TYPES.map((k) => [k, t("type." + k)])]);
    fillSelect($("rec-sort"), [["savings", t("sort.savings")], ["confidence", t("sort.confidence")], ["title", t("sort.title")]], "savings");
    fillSelect($("an-range"), RANGES.map((d) => [String(d), t("range." + d)]), "30");
    fillSelect($("rep-persona"), PERSONAS.map((p) => [p, t("rep.persona." + p)]), "finops");
    fillSelect($("rep-format"), ["both", "html", "pdf"].map((f) => [f, t("rep.format." + f)]), "both");
    for (const li of document.querySelectorAll("#rep-list li[data-id]")) if (li.job) renderReport(li, li.job);
  }
  function fillSelect(select, options, fallback) {
    const keep = select.value;
    select.replaceChildren(...options.map(([value, label]) => { const o = el("option", null, label); o.value = value; return o; }));
    select.value = options.some(([value]) => value === keep) ? keep : (fallback !== undefined ? fallback : options[0][0]);
  }
  function num(value) {
    return new Intl.NumberFormat(state.lang === "ru" ? "ru-RU" : "en-US", { maximumFractionDigits: 2 }).format(value);
  }

  // --- errors people understand
  function notice(text) {
    const box = $("notice");
    box.textContent = text;
    box.hidden = !text;
  }
  function errorText(code, message) {
    const key = "err." + code;
    return window.STRINGS[state.lang][key] ? t(key) : t("err.generic", { message: message || code });
  }

  async function api(path, body) {
    let response;
    try {
      response = await fetch(path, {
        method: body === undefined ? "GET" : "POST",
        headers: { "Content-Type": "application/json", ...(state.token ? { Authorization: "Bearer " + state.token } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new Error(t("err.network"));
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const err = (data && data.error) || {};
      if (response.status === 401) { signOut(); }
      const problem = new Error(errorText(err.code || String(response.status), err.message));
      problem.code = err.code;
      throw problem;
    }
    return data;
  }

  // --- sign-in: a demo user (dev), a pasted token, the URL fragment or the embedding page
  async function signIn(token, language) {
    state.token = token;
    sessionStorage.setItem("iza.token", token);
    if (language) setLang(language);
    try {
      const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      state.user = { id: payload.sub || payload.user_id, tenant: payload.tenant_id || payload.tid };
    } catch (e) { state.user = { id: "?" }; }
    $("who").textContent = state.user.id + (state.user.tenant ? " · " + state.user.tenant : "");
    $("signin").hidden = true;
    $("tabs").hidden = false;
    $("signout").hidden = false;
    notice("");
    showTab("recs");
    await loadRecs();
  }
  function signOut() {
    state.token = null;
    state.analytics = null;
    sessionStorage.removeItem("iza.token");
    closeChat();
    $("signin").hidden = false;
    $("tabs").hidden = true;
    $("signout").hidden = true;
    $("recs").hidden = true;
    $("analytics").hidden = true;
    $("who").textContent = "";
    loadDemoUsers();
  }
  async function loadDemoUsers() {
    const box = $("demo-users");
    box.replaceChildren();
    let data;
    try { data = await api("/v1/dev/demo-users"); } catch (e) { return; } // not dev: paste a token
    for (const user of data.users) {
      const card = el("button", "card");
      card.type = "button";
      card.dataset.user = user.id;
      card.dataset.tenant = user.tenant_id;
      card.append(el("strong", null, user.name || user.id), el("span", "muted", `${user.tenant_name} · ${user.role}`));
      card.setAttribute("aria-label", `${t("signin.as")} ${user.name || user.id}, ${user.tenant_name}`);
      card.addEventListener("click", async () => {
        try {
          const got = await api("/v1/dev/token", { user_id: user.id, tenant_id: user.tenant_id });
          await signIn(got.token, got.language);
        } catch (e) { notice(e.message); }
      });
      box.append(card);
    }
  }

  // --- recommendations
  function showTab(tab) {
    state.tab = tab;
    for (const b of document.querySelectorAll("#tabs button")) b.setAttribute("aria-pressed", String(b.dataset.tab === tab));
    $("recs").hidden = tab !== "recs";
    $("analytics").hidden = tab !== "analytics";
    if (tab === "analytics" && !state.analytics) { loadAnalytics(); loadReports(); }
  }
  async function loadRecs() {
    const type = $("rec-type").value;
    const types = type ? [type] : TYPES;
    try {
      const results = await Promise.all(types.map((rec_type) => api("/v1/tools/summarize_top_recommendations", { limit: 10, rec_type })));
      state.recs = results.flatMap((r) => (r.ok && r.data ? r.data.items : []));
      const all = type ? null : await api("/v1/tools/summarize_top_recommendations", { limit: 1 });
      state.totals = all && all.ok ? all.data : null;
      renderRecs();
    } catch (e) { notice(e.message); }
  }
  function renderRecs() {
    const d = state.totals;
    $("recs-total").textContent = d
      ? t("recs.total", { n: d.open_count, month: money(d.total_savings_monthly), year: money(d.total_savings_yearly) }) : "";
    const sort = $("rec-sort").value;
    const rows = [...state.recs].sort((a, b) =>
      sort === "title" ? a.title.localeCompare(b.title) : sort === "confidence" ? b.confidence - a.confidence
        : b.savings_monthly.amount - a.savings_monthly.amount);
    const body = $("rec-rows");
    body.replaceChildren();
    if (!rows.length) { const tr = el("tr"); const td = el("td", "muted", t("recs.none")); td.colSpan = 8; tr.append(td); body.append(tr); }
    for (const r of rows) {
      const tr = el("tr");
      const open = el("button", "link", r.title);
      open.type = "button";
      open.dataset.rec = r.id;
      open.addEventListener("click", () => openRec(r));
      const first = el("td"); first.append(open);
      const effort = el("td", "effort", "…");
      const risk = el("td", "risk-cell", "…");
      tr.append(first, el("td", null, t("type." + r.rec_type)), el("td", "n", money(r.savings_monthly)),
        el("td", "n", money(r.savings_yearly)), effort, risk,
        el("td", null, r.target_provider ? `${r.target_provider} ${r.target_sku || ""}` : "—"),
        el("td", null, Math.round(r.confidence * 100) + " %"));
      tr.dataset.rec = r.id;
      body.append(tr);
      watchRow(tr, r, effort, risk);
    }
  }
  // --- reports: a job per click, followed to its files (fetched with the token, never a bare link)
  async function download(path, name, open) {
    let response;
    try {
      response = await fetch(path, { headers: { Authorization: "Bearer " + state.token } });
    } catch (e) { notice(t("err.network")); return; }
    if (!response.ok) { const d = await response.json().catch(() => ({})); notice(errorText((d.error || {}).code || String(response.status), (d.error || {}).message)); return; }
    const url = URL.createObjectURL(await response.blob());
    if (open) { window.open(url, "_blank", "noopener"); }
    else { const a = el("a"); a.href = url; a.download = name; document.body.append(a); a.click(); a.remove(); }
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }
  function reportItem(job) {
    let li = document.querySelector(`#rep-list li[data-id="${job.id}"]`);
    if (!li) { li = el("li", "report"); li.dataset.id = job.id; $("rep-list").prepend(li); }
    document.querySelector("#rep-list li.none")?.remove();
    renderReport(li, job);
    return li;
  }
  function renderReport(li, job) {
    li.job = job;
    const status = job.status === "running" ? t("rep.status.running", { pct: Math.round(job.progress * 100) })
      : job.status === "failed" ? t("rep.status.failed", { message: (job.error && job.error.message) || "" })
      : t("rep.status." + job.status);
    const title = job.title || t("rep.persona." + job.persona);
    li.className = "report " + job.status;
    li.replaceChildren(el("strong", null, title), el("span", "muted", ` · ${job.time_range ? job.time_range + " · " : ""}${status}`));
    const links = job.links || {};
    if (links.html) { const b = el("button", "ghost", t("rep.open")); b.type = "button"; b.addEventListener("click", () => download(links.html, job.id + ".html", true)); li.append(" ", b); }
    if (links.pdf) { const b = el("button", "ghost", t("rep.pdf")); b.type = "button"; b.addEventListener("click", () => download(links.pdf, job.id + ".pdf", false)); li.append(" ", b); }
  }
  async function follow(id) {
    for (let i = 0; i < 600; i++) {
      const job = await api("/v1/reports/" + id).catch((e) => { notice(e.message); return null; });
      if (!job) return;
      reportItem(job);
      if (job.status === "ready" || job.status === "failed") return;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  async function loadReports() {
    try {
      const { reports } = await api("/v1/reports?limit=10");
      $("rep-list").replaceChildren();
      for (const job of reports.reverse()) { reportItem(job); if (job.status === "queued" || job.status === "running") follow(job.id); }
      if (!reports.length) $("rep-list").append(el("li", "none muted", t("rep.none")));
    } catch (e) { /* a viewer may not list them: the form still says why on submit */ }
  }
  async function makeReport() {
    const days = Number($("an-range").value) || 30;
    const body = { persona: $("rep-persona").value, format: $("rep-format").value, time_range: days + "d", language: state.lang };
    $("rep-make").disabled = true;
    try { const job = await api("/v1/reports", body); reportItem(job); follow(job.id); }
    catch (e) { notice(e.message); }
    finally { $("rep-make").disabled = false; }
  }
  // --- analytics: the same tools the chat uses, drawn
  async function loadAnalytics() {
    const days = Number($("an-range").value) || 30;
    try {
      const [overview, trends, services, providers, anomalies] = await Promise.all([
        api("/v1/tools/get_analytics_overview", { days }),
        api("/v1/tools/get_cost_trends", { days, granularity: "day" }),
        api("/v1/tools/get_service_breakdown", { days, limit: 8 }),
        api("/v1/tools/get_provider_breakdown", { days, limit: 8 }),
        api("/v1/tools/get_anomalies", { days, limit: 20 }),
      ]);
      state.analytics = { overview: overview.data, trends: trends.data, services: services.data, providers: providers.data, anomalies: anomalies.data };
      renderAnalytics();
    } catch (e) { notice(e.message); }
  }
  function renderAnalytics() {
    const a = state.analytics;
    if (!a || !a.overview) return;
    const card = (label, value) => { const c = el("div", "kpi"); c.append(el("span", "muted", label), el("strong", null, value)); return c; };
    const change = a.overview.change_pct === null ? "—" : `${a.overview.change_pct > 0 ? "+" : ""}${num(a.overview.change_pct)} %`;
    $("kpis").replaceChildren(card(t("kpi.total"), money(a.overview.total_spend)), card(t("kpi.daily"), money(a.overview.average_daily)),
      card(t("kpi.runrate"), money(a.overview.run_rate_monthly)), card(t("kpi.change"), change),
      card(t("kpi.anomalies"), String(a.anomalies ? a.anomalies.count : 0)));
    $("trend").replaceChildren(chart(a.trends, (a.anomalies && a.anomalies.anomalies) || []));
    bars($("by-service"), a.services);
    bars($("by-provider"), a.providers);
  }
  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }
  function chart(trends, anomalies) {
    const frag = document.createDocumentFragment();
    const points = (trends && trends.points) || [];
    frag.append(el("figcaption", null, t("chart.title")));
    if (!points.length) return frag;
    const W = 760, H = 220, P = 36;
    const max = Math.max(...points.map((p) => p.amount)) * 1.1 || 1;
    const x = (i) => P + (i * (W - 2 * P)) / Math.max(1, points.length - 1);
    const y = (v) => H - P - (v / max) * (H - 2 * P);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": t("chart.title") });
    root.append(svg("line", { x1: P, y1: H - P, x2: W - P, y2: H - P, class: "axis" }));
    for (const f of [0.5, 1]) {
      const v = (max / 1.1) * f;
      root.append(svg("line", { x1: P, y1: y(v), x2: W - P, y2: y(v), class: "grid" }));
      const label = svg("text", { x: 2, y: y(v) + 4, class: "tick" });
      label.textContent = num(Math.round(v));
      root.append(label);
    }
    root.append(svg("polyline", { points: points.map((p, i) => `${x(i)},${y(p.amount)}`).join(" "), class: "line" }));
    const byDay = new Map(points.map((p, i) => [p.start, i]));
    for (const an of anomalies) {
      const i = byDay.get(an.day);
      if (i === undefined) continue;
      const dot = svg("circle", { cx: x(i), cy: y(points[i].amount), r: 5, class: "anomaly " + an.kind });
      const title = svg("title");
      title.textContent = t("chart.anomaly", { day: an.day, amount: `${money(an.amount)} · ${an.service} · ${an.kind}` });
      dot.append(title);
      root.append(dot);
    }
    for (const i of [0, points.length - 1]) {
      const label = svg("text", { x: x(i), y: H - 12, class: "tick", "text-anchor": i ? "end" : "start" });
      label.textContent = points[i].start;
      root.append(label);
    }
    frag.append(root);
    return frag;
  }
  function bars(list, breakdown) {
    list.replaceChildren();
    for (const item of (breakdown && breakdown.items) || []) {
      const li = el("li");
      const bar = el("span", "bar");
      bar.style.width = Math.max(2, Math.round(item.pct)) + "%";
      li.append(el("span", "label", item.name), bar, el("span", "n", `${money(item.amount)} · ${num(item.pct)} %`));
      list.append(li);
    }
  }

  // Effort and risk per row come from the recommendation's own text (the same facts as its detail),
  // fetched for the rows that come into view, a few at a time; cached texts cost nothing.
  const summaries = new Map();
  let inFlight = 0;
  const waiting = [];
  const seen = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      seen.unobserve(entry.target);
      waiting.push(entry.target.rowJob);
    }
    pump();
  });
  function watchRow(tr, r, effort, risk) {
    tr.rowJob = { r, effort, risk, lang: state.lang };
    const known = summaries.get(`${r.id}:${state.lang}`);
    if (known) fillRow(tr.rowJob, known); else seen.observe(tr);
  }
  function fillRow(job, text) {
    job.effort.textContent = `${text.effort.score}/5 · ${text.effort.label}`;
    const order = { high: 3, medium: 2, low: 1 };
    const top = text.risks.reduce((a, b) => (order[b.level] > order[a] ? b.level : a), "low");
    job.risk.textContent = t("risk." + top);
    job.risk.className = "risk-cell risk " + top;
  }
  function pump() {
    while (inFlight < 3 && waiting.length) {
      const job = waiting.shift();
      if (job.lang !== state.lang || !job.effort.isConnected) continue;
      inFlight++;
      api("/v1/generate/recommendation-text", { recommendation_id: job.r.id, language: job.lang, mode: "deterministic" })
        .then((text) => { summaries.set(`${job.r.id}:${job.lang}`, text); if (job.effort.isConnected) fillRow(job, text); })
        .catch(() => { job.effort.textContent = "—"; job.risk.textContent = "—"; })
        .finally(() => { inFlight--; pump(); });
    }
  }

  async function openRec(r) {
    const box = $("rec-detail");
    box.hidden = false;
    box.replaceChildren(el("p", "muted", t("detail.loading")));
    box.focus();
    try {
      const [text, alts] = await Promise.all([
        api("/v1/generate/recommendation-text", { recommendation_id: r.id, language: state.lang }),
        r.rec_type.startsWith("cross_provider") || r.rec_type === "rightsize_cpu"
          ? api("/v1/tools/list_top_alternatives", { resource_id: r.resource_id, limit: 3 }).catch(() => null) : null,
      ]);
      state.detail = { rec: r, text, alts };
      renderDetail();
    } catch (e) { box.replaceChildren(el("p", "error", e.message)); }
  }
  function renderDetail() {
    const { rec, text, alts } = state.detail;
    const box = $("rec-detail");
    const head = el("div", "detail-head");
    head.append(el("h2", null, text.title));
    const chat = el("button", null, t("detail.chat"));
    chat.type = "button";
    chat.id = "open-rec-chat";
    chat.addEventListener("click", () => openChat({ scope: "recommendation", recommendation_id: rec.id }, ["chat.rec", { title: text.title }]));
    head.append(chat);
    const facts = el("dl", "facts");
    const add = (label, value) => { facts.append(el("dt", null, label), el("dd", null, value)); };
    add(t("detail.savings"), `${money(text.monthly_savings)} · ${money(text.yearly_savings)} · ${num(text.savings_percent)} %`);
    add(t("detail.effort"), `${text.effort.score}/5 · ${text.effort.label}`);
    const section = (title, node) => { const s = el("section", "part"); s.append(el("h3", null, title), node); return s; };
    const risks = el("ul");
    for (const risk of text.risks) risks.append(el("li", "risk " + risk.level, risk.text));
    const steps = el("ol");
    for (const step of text.next_steps) steps.append(el("li", null, step));
    box.replaceChildren(head, facts,
      section(t("detail.summary"), el("p", null, text.summary)),
      section(t("detail.how"), el("p", null, text.how_calculated)),
      section(t("detail.risks"), risks), section(t("detail.steps"), steps));
    if (alts && alts.ok && alts.data && alts.data.alternatives.length) {
      const table = el("table", "list");
      const hr = el("tr");
      for (const k of ["alt.provider", "alt.sku", "alt.month", "alt.parity"]) hr.append(el("th", null, t(k)));
      const thead = el("thead"); thead.append(hr); table.append(thead);
      const tb = el("tbody");
      for (const a of alts.data.alternatives) {
        const tr = el("tr");
        const s = a.spec || {};
        const spec = [s.vcpu && `${s.vcpu} vCPU`, s.ram_gb && `${s.ram_gb} GB RAM`, s.disk_gb && `${s.disk_gb} GB ${s.disk_type || ""}`].filter(Boolean).join(" / ");
        tr.append(el("td", null, a.provider_name), el("td", null, `${a.sku} (${spec})`), el("td", "n", money(a.monthly)),
          el("td", null, Math.round(a.parity.score * 100) + " %"));
        tb.append(tr);
      }
      table.append(tb);
      box.append(section(t("detail.alts"), table));
    }
  }

  // --- chat
  async function openChat(body, title) {
    closeChat();
    const aside = $("chat");
    aside.hidden = false;
    $("chat-title").textContent = t(title[0], title[1]);
    $("chat-log").replaceChildren();
    chatState(t("chat.connecting"), "chat.connecting");
    try {
      const started = await api("/v1/chat/start", body);
      state.chat = { sessionId: started.session_id, wsUrl: started.ws_url, title, turn: null, bubble: null, retries: 0, closing: false, body };
      connect();
      $("chat-input").focus();
    } catch (e) { chatState(e.message); }
  }
  function closeChat() {
    if (state.chat && state.chat.ws) { state.chat.closing = true; state.chat.ws.close(); }
    state.chat = null;
    $("chat").hidden = true;
    $("source").hidden = true;
  }
  let lastChatState = null;
  function chatState(text, key) { lastChatState = key || null; $("chat-state").textContent = text; }
  function connect() {
    const chat = state.chat;
    const url = new URL(chat.wsUrl, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.host = location.host; // the page's own host: the same service, whatever it calls itself
    url.searchParams.set("token", state.token);
    const ws = new WebSocket(url);
    chat.ws = ws;
    ws.onmessage = (ev) => onEvent(JSON.parse(ev.data));
    ws.onclose = () => {
      if (chat.closing || state.chat !== chat) return;
      chatState(t("chat.reconnecting"), "chat.reconnecting");
      const delay = Math.min(8000, 500 * 2 ** chat.retries++);
      setTimeout(() => { if (state.chat === chat) connect(); }, delay);
    };
  }
  function bubble(role, text) {
    const li = el("li", "msg " + role);
    const body = el("div", "body");
    if (text) body.textContent = text;
    li.append(body);
    $("chat-log").append(li);
    li.scrollIntoView({ block: "end" });
    return li;
  }
  function assistantBubble(turn) {
    const chat = state.chat;
    if (chat.bubble && chat.bubble.dataset.turn === turn) return chat.bubble;
    const li = bubble("assistant");
    li.dataset.turn = turn;
    li.prepend(el("ul", "steps"));
    li.dataset.text = "";
    chat.bubble = li;
    return li;
  }
  function renderFinal(li, content, grounding) {
    const body = li.querySelector(".body");
    body.replaceChildren(window.Markdown.render(content, (grounding && grounding.numbers) || [], showSource));
  }
  function onEvent(ev) {
    const chat = state.chat;
    if (!chat) return;
    switch (ev.type) {
      case "ready": {
        chat.retries = 0;
        chatState(t(ev.mode === "offline" ? "chat.offline" : "chat.online"), ev.mode === "offline" ? "chat.offline" : "chat.online");
        $("chat-log").replaceChildren();
        chat.bubble = null;
        for (const m of ev.history) {
          if (m.role === "user") bubble("user", m.content);
          else { const li = assistantBubble(m.turn_id); renderFinal(li, m.content, m.grounding); markStatus(li, m.status); }
        }
        busy(Boolean(ev.turn_in_progress));
        break;
      }
      case "turn_started":
        if (!document.querySelector(`li.user[data-turn="${ev.turn_id}"]`)) {
          const mine = document.querySelector("li.user.pending");
          const li = mine || bubble("user", ev.content);
          li.classList.remove("pending");
          li.dataset.turn = ev.turn_id;
        }
        chat.turn = ev.turn_id;
        assistantBubble(ev.turn_id);
        chatState(t("chat.writing"), "chat.writing");
        busy(true);
        break;
      case "turn_queued":
        chatState(t("chat.queued", { n: ev.position }));
        break;
      case "tool_call": {
        const li = assistantBubble(ev.turn_id);
        const step = el("li", "step running", t("tool.running", { name: toolName(ev.name) }));
        step.dataset.call = ev.call_id;
        li.querySelector(".steps").append(step);
        break;
      }
      case "tool_result": {
        const li = assistantBubble(ev.turn_id);
        const step = li.querySelector(`[data-call="${ev.call_id}"]`) || el("li", "step");
        step.className = "step " + (ev.ok ? "done" : "failed");
        step.textContent = ev.ok ? t("tool.done", { name: toolName(ev.name), summary: ev.summary })
          : t("tool.failed", { name: toolName(ev.name), code: ev.error_code });
        step.title = ev.name;
        if (!step.parentNode) li.querySelector(".steps").append(step);
        break;
      }
      case "delta": {
        const li = assistantBubble(ev.turn_id);
        li.dataset.text += ev.text;
        li.querySelector(".body").textContent = li.dataset.text; // as it arrives; formatted at the end
        li.scrollIntoView({ block: "end" });
        break;
      }
      case "message": {
        const li = assistantBubble(ev.turn_id);
        renderFinal(li, ev.content, ev.grounding);
        markStatus(li, ev.status, ev.incomplete);
        if (ev.turn_id === chat.turn) { chat.turn = null; busy(false); chatState(t(ev.mode === "offline" ? "chat.offline" : "chat.online"), ev.mode === "offline" ? "chat.offline" : "chat.online"); }
        break;
      }
      case "error": {
        const text = errorText(ev.code, ev.message);
        if (ev.turn_id) {
          const li = assistantBubble(ev.turn_id);
          li.classList.add("failed");
          const p = el("p", "error", text);
          if (ev.retryable && chat.lastQuestion) {
            const retry = el("button", "ghost", t("chat.retry"));
            retry.type = "button";
            retry.addEventListener("click", () => send(chat.lastQuestion));
            p.append(" ", retry);
          }
          li.append(p);
          if (ev.turn_id === chat.turn) { chat.turn = null; busy(false); }
        } else {
          notice(text);
          document.querySelector("li.user.pending")?.remove();
        }
        break;
      }
      case "confirm_required": {
        const li = assistantBubble(ev.turn_id);
        const box = el("div", "confirm");
        box.dataset.action = ev.action_id;
        box.append(el("p", null, t("act.asked", { preview: ev.preview })));
        for (const [key, approve] of [["act.confirm", true], ["act.reject", false]]) {
          const b = el("button", approve ? null : "ghost", t(key));
          b.type = "button";
          b.addEventListener("click", () => {
            for (const x of box.querySelectorAll("button")) x.disabled = true;
            chat.ws.send(JSON.stringify({ type: "confirm", action_id: ev.action_id, approve }));
          });
          box.append(b, " ");
        }
        li.append(box);
        break;
      }
      case "action_result": {
        const box = document.querySelector(`.confirm[data-action="${ev.action_id}"]`);
        if (box) box.replaceChildren(el("p", "muted", t("act.done", { summary: ev.summary })));
        break;
      }
      case "report": {
        let li = document.querySelector(`#chat-log li.report[data-id="${ev.report_id}"]`);
        if (!li) { li = bubble("assistant"); li.classList.add("report"); li.dataset.id = ev.report_id; }
        const links = Object.fromEntries(Object.entries(ev.links || {}).filter(([k]) => k !== "status"));
        renderReport(li, { id: ev.report_id, status: ev.status, progress: 0, title: ev.title, persona: ev.persona || "finops", time_range: ev.time_range || "", links, error: ev.error });
        li.classList.add("msg", "assistant");
        li.scrollIntoView({ block: "end" });
        break;
      }
      default:
        break;
    }
  }
  function toolName(name) {
    const key = "toolname." + name;
    return window.STRINGS[state.lang][key] ? t(key) : name;
  }
  function markStatus(li, status, incomplete) {
    if (status === "cancelled") li.append(el("p", "muted", t("chat.cancelled")));
    else if (incomplete) li.append(el("p", "muted", t("chat.incomplete")));
  }
  function busy(on) {
    $("chat-cancel").disabled = !on;
  }
  // --- screenshots: picked, pasted or dropped; uploaded at once (with progress), sent with the next question
  const attached = []; // { id: upload id once stored, url: local preview, box }
  function attach(file) {
    if (!state.chat || !file) return;
    if (!/^image\/(png|jpeg|webp)$/.test(file.type)) { notice(t("err.image_type")); return; }
    const item = { id: null, url: URL.createObjectURL(file), box: el("figure", "thumb") };
    const img = el("img");
    img.src = item.url;
    img.alt = t("chat.attached", { name: file.name || "" });
    const progress = el("progress");
    progress.max = 100;
    progress.value = 0;
    const remove = el("button", "ghost", t("chat.remove"));
    remove.type = "button";
    remove.addEventListener("click", () => { attached.splice(attached.indexOf(item), 1); item.box.remove(); });
    item.box.append(img, progress, remove);
    $("attachments").append(item.box);
    attached.push(item);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/upload");
    xhr.setRequestHeader("Authorization", "Bearer " + state.token);
    xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) progress.value = Math.round((ev.loaded / ev.total) * 100); };
    xhr.onload = () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201 && data.upload_id) {
        item.id = data.upload_id;
        progress.value = 100;
        item.box.classList.add("ready");
      } else {
        const err = data.error || {};
        item.box.classList.add("failed");
        item.box.append(el("span", "error", errorText(err.code || String(xhr.status), err.message)));
      }
    };
    xhr.onerror = () => { item.box.classList.add("failed"); item.box.append(el("span", "error", t("err.network"))); };
    const form = new FormData();
    form.append("file", file, file.name || "screenshot.png");
    xhr.send(form);
  }
  function send(text) {
    const chat = state.chat;
    if (!chat || !chat.ws || chat.ws.readyState !== WebSocket.OPEN) return;
    if (attached.some((a) => !a.id && !a.box.classList.contains("failed"))) { notice(t("chat.uploading")); return; }
    const ready = attached.filter((a) => a.id);
    if (!text.trim() && !ready.length) return;
    chat.lastQuestion = text;
    const li = bubble("user", text);
    li.classList.add("pending");
    for (const a of ready) { const img = el("img", "sent"); img.src = a.url; img.alt = t("chat.attached", { name: "" }); li.append(img); }
    const message = { type: "message", content: text, attachments: ready.map((a) => a.id),
      client_message_id: "w" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8) };
    attached.length = 0;
    $("attachments").replaceChildren();
    chat.ws.send(JSON.stringify(message));
  }
  function showSource(n, anchor) {
    const box = $("source");
    box.replaceChildren();
    const close = el("button", "ghost", t("num.close"));
    close.type = "button";
    close.addEventListener("click", () => { box.hidden = true; anchor.focus(); });
    if (n.traced) {
      const dl = el("dl", "facts");
      const value = SIGNS[n.unit] ? money({ amount: n.value, currency: n.unit, period: n.period })
        : `${num(n.value)} ${n.unit || ""}${n.period ? " " + t("num.period." + n.period) : ""}`.trim();
      const origin = n.origin === "screenshot" ? t("num.from_screenshot") : n.source || "—";
      dl.append(el("dt", null, t("num.source")), el("dd", "source-name", origin),
        el("dt", null, t("num.value")), el("dd", null, value));
      if (n.path) dl.append(el("dt", null, t("num.where")), el("dd", null, n.path));
      box.append(el("strong", null, n.text), dl);
    } else {
      box.append(el("strong", null, n.text), el("p", "error", t("num.untraced")));
    }
    box.append(close);
    box.hidden = false;
    close.focus();
  }

  // --- wiring
  function setLang(lang) {
    state.lang = lang === "en" ? "en" : "ru";
    sessionStorage.setItem("iza.lang", state.lang);
    translate();
    if (state.token && state.recs.length) renderRecs();
    if (state.analytics) renderAnalytics();
    if (state.chat) {
      $("chat-title").textContent = t(state.chat.title[0], state.chat.title[1]);
      if (lastChatState) $("chat-state").textContent = t(lastChatState);
    }
    if (state.detail && !$("rec-detail").hidden) openRec(state.detail.rec);
  }
  function init() {
    state.lang = sessionStorage.getItem("iza.lang") || ((navigator.language || "ru").startsWith("en") ? "en" : "ru");
    translate();
    $("lang").addEventListener("click", () => setLang(state.lang === "ru" ? "en" : "ru"));
    $("signout").addEventListener("click", signOut);
    $("token-form").addEventListener("submit", (ev) => { ev.preventDefault(); const v = $("token-input").value.trim(); if (v) signIn(v); });
    for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
    $("rec-type").addEventListener("change", loadRecs);
    $("rec-sort").addEventListener("change", renderRecs);
    $("an-range").addEventListener("change", loadAnalytics);
    $("an-open").addEventListener("click", () => {
      const days = Number($("an-range").value);
      openChat({ scope: "analytics", time_range: { days } }, ["chat.analytics", { days }]);
    });
    $("rep-form").addEventListener("submit", (ev) => { ev.preventDefault(); makeReport(); });
    $("chat-close").addEventListener("click", closeChat);
    $("chat-cancel").addEventListener("click", () => { if (state.chat && state.chat.ws) state.chat.ws.send(JSON.stringify({ type: "cancel" })); });
    $("chat-form").addEventListener("submit", (ev) => { ev.preventDefault(); const v = $("chat-input").value; $("chat-input").value = ""; send(v); });
    $("chat-attach").addEventListener("click", () => $("chat-file").click());
    $("chat-file").addEventListener("change", (ev) => { for (const f of ev.target.files) attach(f); ev.target.value = ""; });
    $("chat-input").addEventListener("paste", (ev) => {
      for (const item of ev.clipboardData ? ev.clipboardData.items : []) {
        if (item.kind === "file" && item.type.startsWith("image/")) { ev.preventDefault(); attach(item.getAsFile()); }
      }
    });
    $("chat").addEventListener("dragover", (ev) => { ev.preventDefault(); });
    $("chat").addEventListener("drop", (ev) => { ev.preventDefault(); for (const f of ev.dataTransfer.files) attach(f); });
    $("chat-input").addEventListener("keydown", (ev) => { if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("chat-form").requestSubmit(); } });
    window.addEventListener("message", (ev) => {
      if (ev.data && ev.data.type === "infrazen-agent-token" && typeof ev.data.token === "string") signIn(ev.data.token);
    });
    const fragment = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fragment) history.replaceState(null, "", location.pathname);
    const token = fragment || sessionStorage.getItem("iza.token");
    if (token) signIn(token); else loadDemoUsers();
  }
  document.addEventListener("DOMContentLoaded", init);
})();
