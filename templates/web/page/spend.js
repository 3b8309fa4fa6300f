// costbot web channel: the spend view (summary, spend by dimension with trends, period over period,
// team vs team, anomaly and finding filters, savings, CSV export). Drawn with DOM calls and
// textContent only; charts are inline SVG built here (no library, nothing from another origin).
"use strict";
(() => {
  const page = window.costbotPage;
  const { el, getJSON } = page;
  const SVG = "http://www.w3.org/2000/svg";
  const state = {
    by: "team",
    period: "30d",
    where: "",
    search: "",
    compareA: "",
    compareB: "",
    findings: { status: "open", group: "", severity: "", team: "", q: "" },
    tables: new Map(),  // table id -> {columns, rows} as last drawn (for CSV export)
    lastSpendKey: "",
    lastSummaryKey: "",
    ticks: 0,
  };
  const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3 };
  page.severityRank = SEVERITY_RANK;

  const money = (n) => page.money(n);
  const pct = (f) => (f === null || f === undefined ? "new" : `${f >= 0 ? "+" : ""}${(f * 100).toFixed(f > -0.1 && f < 0.1 ? 1 : 0)}%`);
  const signedMoney = (n) => `${n >= 0 ? "+" : "\u2212"}${money(Math.abs(n))}`;

  // ---- accessible tabs: arrow keys, Home/End, one tab stop (WAI-ARIA tabs pattern) ----
  function tablist(container, label, items, selected, onSelect) {
    // Redrawn on every selection: keep the keyboard focus on the selected tab.
    const hadFocus = container.contains(document.activeElement);
    container.setAttribute("role", "tablist");
    container.setAttribute("aria-label", label);
    const buttons = items.map(({ value, text, panel }) => el("button", {
      role: "tab", id: `${container.id}-${value}`, "aria-selected": value === selected ? "true" : "false",
      "aria-controls": panel, tabindex: value === selected ? "0" : "-1", data: { value },
      onclick: () => onSelect(value),
    }, text));
    container.replaceChildren(...buttons);
    if (hadFocus) {
      const current = buttons.find((b) => b.dataset.value === selected);
      if (current) current.focus();
    }
    container.onkeydown = (e) => {
      const i = buttons.indexOf(document.activeElement);
      if (i < 0) return;
      let next = null;
      if (e.key === "ArrowRight" || e.key === "ArrowDown") next = (i + 1) % buttons.length;
      else if (e.key === "ArrowLeft" || e.key === "ArrowUp") next = (i - 1 + buttons.length) % buttons.length;
      else if (e.key === "Home") next = 0;
      else if (e.key === "End") next = buttons.length - 1;
      if (next === null) return;
      e.preventDefault();
      buttons[next].focus();
      onSelect(buttons[next].dataset.value);
    };
  }
  page.tablist = tablist;

  // ---- SVG charts ----
  function svgNode(tag, attrs = {}) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }
  function sparkline(values, label) {
    const w = 120, h = 28;
    const max = Math.max(...values, 0), min = Math.min(...values, 0);
    const span = max - min || 1;
    const pts = values.map((v, i) => `${(i / Math.max(values.length - 1, 1)) * w},${h - 2 - ((v - min) / span) * (h - 4)}`);
    const svg = svgNode("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, class: "spark", role: "img", "aria-label": label });
    svg.append(svgNode("polyline", { points: pts.join(" "), fill: "none", stroke: "currentColor", "stroke-width": "1.5" }));
    return svg;
  }
  // A line chart of one or more daily series with a y axis in money and a few day labels.
  function lineChart(days, series, title) {
    const w = 720, h = 240, left = 64, right = 12, top = 12, bottom = 28;
    const all = series.flatMap((s) => s.values);
    const max = Math.max(...all, 1);
    const x = (i) => left + (i / Math.max(days.length - 1, 1)) * (w - left - right);
    const y = (v) => top + (1 - v / max) * (h - top - bottom);
    const svg = svgNode("svg", { viewBox: `0 0 ${w} ${h}`, class: "trend", role: "img", "aria-label": title,
      preserveAspectRatio: "xMidYMid meet" });
    for (let k = 0; k <= 4; k++) {
      const v = (max * k) / 4;
      svg.append(svgNode("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), class: "grid" }));
      const t = svgNode("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" });
      t.textContent = money(v);
      svg.append(t);
    }
    const step = Math.max(1, Math.ceil(days.length / 6));
    for (let i = days.length - 1; i >= 0; i -= step) {
      const t = svgNode("text", { x: x(i), y: h - 8, "text-anchor": "middle", class: "tick" });
      t.textContent = days[i].slice(5);
      svg.append(t);
    }
    series.forEach((s, n) => {
      svg.append(svgNode("polyline", { points: s.values.map((v, i) => `${x(i)},${y(v)}`).join(" "),
        class: `line line${n}`, fill: "none" }));
    });
    return el("figure", { class: "chart-figure" }, svg,
      el("figcaption", {}, series.map((s, n) => el("span", { class: `key key${n}` }, s.name))));
  }

  // ---- tables with CSV export ----
  function table(id, caption, columns, rows) {
    state.tables.set(id, { columns, rows });
    const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", class: c.num ? "num" : "" }, c.label)));
    const body = rows.length ? rows.map((r) => el("tr", {}, columns.map((c) => {
      const cell = c.render ? c.render(r) : r[c.key];
      return el("td", { class: c.num ? "num" : "" }, cell === undefined || cell === null ? "" : cell);
    }))) : [el("tr", {}, el("td", { colspan: String(columns.length), class: "empty" }, "Nothing to show."))];
    // A box that may scroll sideways on a phone: reachable by keyboard, named for screen readers.
    return el("div", { class: "table-wrap", role: "region", "aria-label": caption, tabindex: "0" },
      el("table", { class: "data", id, data: { testid: id } }, el("caption", { class: "sr-only" }, caption),
        el("thead", {}, head), el("tbody", {}, body)));
  }
  function csvCell(v) {
    let s = v === undefined || v === null ? "" : String(v);
    // A text cell a spreadsheet would run as a formula is kept as text (numbers stay numbers).
    if (typeof v !== "number" && /^[=+\-@\t\r]/.test(s) && Number.isNaN(Number(s))) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }
  function exportButton(id, name) {
    return el("button", { class: "act", data: { testid: `export-${id}` }, onclick: () => {
      const t = state.tables.get(id);
      if (!t) return;
      const lines = [t.columns.map((c) => csvCell(c.label)).join(",")]
        .concat(t.rows.map((r) => t.columns.map((c) => csvCell(c.csv ? c.csv(r) : r[c.key])).join(",")));
      const blob = new Blob([`${lines.join("\r\n")}\r\n`], { type: "text/csv;charset=utf-8" });
      const a = el("a", { href: URL.createObjectURL(blob), download: `${name}.csv` });
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    } }, "Export CSV");
  }

  // ---- executive summary ----
  async function refreshSummary(force) {
    const s = await getJSON("/web/summary");
    const key = JSON.stringify(s);
    if (!force && key === state.lastSummaryKey) return;
    state.lastSummaryKey = key;
    const stat = (label, value, sub, testid) => el("div", { class: "stat", data: { testid } },
      el("div", { class: "stat-label" }, label), el("div", { class: "stat-value" }, value), sub ? el("div", { class: "meta" }, sub) : null);
    const over = s.budgets.filter((b) => b.status === "over");
    const sentences = [
      `Month to date (${s.month}, ${s.as_of_text}): ${money(s.month_to_date)}; team budgets ${money(s.team_budgets)}, forecast ${money(s.team_forecast)}.`,
      `Last 30 days ${money(s.last_30_days)}, ${pct(s.change_pct)} against the 30 before.`,
      over.length ? `Forecast over budget: ${over.map((b) => `${b.name} (${Math.round(b.forecast_used * 100)}%)`).join(", ")}.` : "Every budget is on track.",
      `${s.open_incidents} open incident(s)${s.critical_incidents ? `, ${s.critical_incidents} critical` : ""}, about ${money(s.at_stake_per_month)} a month at stake.`,
      `Savings: ${money(s.savings.open_per_month)}/month open in ${s.savings.open_count} waste finding(s), ${money(s.savings.approved_per_month)} approved, ${money(s.savings.realised_per_month)} realised.`,
    ];
    const movers = (list, what) => el("div", {}, el("h3", {}, `Largest changes by ${what}`),
      el("ul", { class: "movers" }, list.map((m) => el("li", {}, `${m.label}: ${money(m.cost)} (${m.change_text}, ${pct(m.change_pct)})`))));
    document.getElementById("summary-body").replaceChildren(
      el("div", { class: "stats" },
        stat("Month to date", money(s.month_to_date), s.as_of_text, "stat-mtd"),
        stat("Forecast, team budgets", money(s.team_forecast), `of ${money(s.team_budgets)}`, "stat-forecast"),
        stat("Last 30 days", money(s.last_30_days), `${pct(s.change_pct)} vs previous 30`, "stat-30d"),
        stat("At stake in open incidents", `${money(s.at_stake_per_month)}/mo`, `${s.open_incidents} open`, "stat-stake"),
        stat("Open savings", `${money(s.savings.open_per_month)}/mo`, `${s.savings.open_count} finding(s)`, "stat-savings")),
      el("p", { class: "text", data: { testid: "summary-text" } }, sentences.join(" ")),
      el("div", { class: "two" }, movers(s.movers_by_team, "team"), movers(s.movers_by_service, "service")),
      table("budget-table", "Budgets", [
        { key: "name", label: "Budget" }, { key: "scope", label: "Scope" },
        { key: "budget", label: "Monthly", num: true, render: (r) => money(r.budget) },
        { key: "month_to_date", label: "Month to date", num: true, render: (r) => money(r.month_to_date) },
        { key: "forecast", label: "Forecast", num: true, render: (r) => money(r.forecast) },
        { key: "interval", label: "90% interval", num: true, render: (r) => `${money(r.forecast_lower)}\u2013${money(r.forecast_upper)}`,
          csv: (r) => `${r.forecast_lower}-${r.forecast_upper}` },
        { key: "status", label: "Status" }], s.budgets),
      el("div", { class: "actions" }, exportButton("budget-table", "budgets")));
  }

  // ---- spend by dimension ----
  function spendUrl() {
    const p = new URLSearchParams({ by: state.by, period: state.period, limit: "200" });
    if (state.search) p.set("q", state.search);
    for (const w of state.where.split(/[,;]\s*/).map((x) => x.trim()).filter(Boolean)) p.append("where", w);
    return `/web/spend?${p}`;
  }
  async function refreshSpend(force) {
    const url = spendUrl();
    const note = document.getElementById("spend-note");
    let data;
    try {
      data = await getJSON(url);
    } catch (e) {
      note.textContent = e.message;  // a filter the service refuses says why, here
      note.classList.add("error");
      return;
    }
    const key = `${url}|${data.total}|${data.rows.length}|${data.period.to}`;
    if (!force && key === state.lastSpendKey) return;
    state.lastSpendKey = key;
    note.classList.remove("error");
    note.textContent = `${data.period.from} to ${data.period.to}: ${money(data.total)}, ${pct(data.previous_total > 0 ? data.total / data.previous_total - 1 : null)} against ${data.previous_period.from} to ${data.previous_period.to} (${money(data.previous_total)}).`;
    const rows = data.rows.map((r) => ({ ...r, change_text: signedMoney(r.change) }));
    document.getElementById("spend-table").replaceChildren(
      table("spend-rows", `Spend by ${data.by}`, [
        { key: "label", label: data.by[0].toUpperCase() + data.by.slice(1), render: (r) => el("span", { class: "name" }, r.label) },
        { key: "cost", label: "Cost", num: true, render: (r) => money(r.cost) },
        { key: "previous_cost", label: "Previous period", num: true, render: (r) => money(r.previous_cost) },
        { key: "change", label: "Change", num: true, render: (r) => `${r.change_text} (${pct(r.change_pct)})`,
          csv: (r) => r.change },
        { key: "share", label: "Share", num: true, render: (r) => `${Math.round(r.share * 100)}%`, csv: (r) => r.share.toFixed(4) },
        { key: "trend", label: "Trend", render: (r) => (r.trend ? sparkline(r.trend, `Daily cost of ${r.label}`) : null),
          csv: (r) => (r.trend || []).join(" ") }], rows),
      lineChart(data.days, [{ name: `Total daily cost (${data.period.label || state.period})`, values: data.daily_total }],
        `Total daily cost, ${data.period.from} to ${data.period.to}`));
    // Team vs team: the choices are this period's values of the dimension.
    const options = data.rows.map((r) => r.key);
    if (!options.includes(state.compareA)) state.compareA = options[0] || "";
    if (!options.includes(state.compareB)) state.compareB = options[1] || options[0] || "";
    const pick = (which) => el("select", { "aria-label": `Compare ${which === "compareA" ? "first" : "second"} ${data.by}`,
      data: { testid: which }, onchange: (e) => { state[which] = e.target.value; refreshCompare(); } },
    data.rows.map((r) => el("option", { value: r.key, selected: r.key === state[which] }, r.label)));
    document.getElementById("compare-controls").replaceChildren(
      el("label", {}, `Compare ${data.by} `, pick("compareA")), el("span", {}, " with "), pick("compareB"));
    await refreshCompare();
  }
  async function refreshCompare() {
    const box = document.getElementById("compare-chart");
    if (!state.compareA || !state.compareB) { box.replaceChildren(); return; }
    const p = new URLSearchParams({ dimension: state.by, a: state.compareA, b: state.compareB, period: state.period });
    const c = await getJSON(`/web/compare?${p}`);
    const name = (s) => `${s.value || "(none)"}: ${money(s.total)} (${pct(s.change_pct)})`;
    box.replaceChildren(lineChart(c.days, [{ name: name(c.a), values: c.a.daily }, { name: name(c.b), values: c.b.daily }],
      `${c.a.value} against ${c.b.value}, daily cost`));
  }

  // ---- anomalies and findings: filters and search ----
  async function refreshFindings() {
    const f = state.findings;
    const data = await getJSON(`/web/findings?status=${f.status}&limit=500`);
    const groupOf = (kind) => (/^budget_/.test(kind) ? "budget" : ["cost_spike", "level_shift", "drift", "runaway_growth"].includes(kind) ? "cost_anomaly" : "waste");
    const q = f.q.trim().toLowerCase();
    const rows = data.findings.filter((x) => (!f.group || groupOf(x.kind) === f.group) && (!f.severity || x.severity === f.severity) &&
      (!f.team || (x.team || "") === f.team) &&
      (!q || `F${x.id} ${x.title} ${x.summary || ""} ${x.scope.value} ${x.team || ""} ${x.kind}`.toLowerCase().includes(q)))
      .sort((a, b) => (SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]) || (b.impact_per_month - a.impact_per_month));
    const teams = [...new Set(data.findings.map((x) => x.team || ""))].sort();
    const teamSelect = document.getElementById("finding-team");
    const wanted = ["", ...teams].join("|");
    if (teamSelect.dataset.options !== wanted) {
      teamSelect.dataset.options = wanted;
      teamSelect.replaceChildren(el("option", { value: "" }, "every team"),
        ...teams.map((t) => el("option", { value: t, selected: t === f.team }, t || "(unallocated)")));
    }
    document.getElementById("finding-count").textContent = `${rows.length} of ${data.findings.length} finding(s)`;
    document.getElementById("finding-table").replaceChildren(table("finding-rows", "Anomalies and findings", [
      { key: "ref", label: "Finding", render: (r) => el("a", { href: `/findings/${r.id}` }, `F${r.id}`), csv: (r) => `F${r.id}` },
      { key: "severity", label: "Severity", render: (r) => page.badge(r.severity), csv: (r) => r.severity },
      { key: "kind", label: "Kind", render: (r) => r.kind.replace(/_/g, " ") },
      { key: "title", label: "What" },
      { key: "team", label: "Team", render: (r) => r.team || "(unallocated)" },
      { key: "impact_per_month", label: "$/month", num: true, render: (r) => money(r.impact_per_month) },
      { key: "status", label: "Status" }], rows));
  }

  // ---- savings ----
  async function refreshSavings() {
    const s = await getJSON("/web/savings");
    document.getElementById("savings-stats").replaceChildren(
      el("div", { class: "stat", data: { testid: "savings-open" } }, el("div", { class: "stat-label" }, "Open"),
        el("div", { class: "stat-value" }, `${money(s.open_per_month)}/mo`), el("div", { class: "meta" }, `${s.open_count} waste finding(s)`)),
      el("div", { class: "stat", data: { testid: "savings-approved" } }, el("div", { class: "stat-label" }, "Approved"),
        el("div", { class: "stat-value" }, `${money(s.approved_per_month)}/mo`), el("div", { class: "meta" }, `${s.approved_count} request(s)`)),
      el("div", { class: "stat", data: { testid: "savings-realised" } }, el("div", { class: "stat-label" }, "Realised"),
        el("div", { class: "stat-value" }, `${money(s.realised_per_month)}/mo`), el("div", { class: "meta" }, `${s.realised_count} resolved`)));
    document.getElementById("savings-table").replaceChildren(table("savings-rows", "Open waste by dollars per month", [
      { key: "ref", label: "Finding", render: (r) => el("a", { href: `/findings/${r.id}` }, r.ref) },
      { key: "kind_label", label: "Kind" }, { key: "title", label: "What" },
      { key: "team", label: "Team", render: (r) => r.team || "(unallocated)" },
      { key: "per_month", label: "$/month", num: true, render: (r) => r.per_month_text }], s.open));
  }

  // ---- controls ----
  function setUp() {
    const dims = [["team", "Team"], ["service", "Service"], ["account", "Account"], ["provider", "Provider"], ["resource", "Resource"]];
    const drawBy = () => tablist(document.getElementById("spend-by"), "Group spend by",
      dims.map(([value, text]) => ({ value, text, panel: "spend-panel" })), state.by,
      (value) => { state.by = value; state.compareA = state.compareB = ""; drawBy(); refreshSpend(true); });
    drawBy();
    document.getElementById("spend-panel").setAttribute("aria-labelledby", `spend-by-${state.by}`);
    const period = document.getElementById("spend-period");
    period.value = state.period;
    period.onchange = () => { state.period = period.value; refreshSpend(true); };
    let typing = null;
    const debounce = (fn) => { clearTimeout(typing); typing = setTimeout(fn, 300); };
    document.getElementById("spend-search").oninput = (e) => { state.search = e.target.value; debounce(() => refreshSpend(true)); };
    document.getElementById("spend-where").oninput = (e) => { state.where = e.target.value; debounce(() => refreshSpend(true)); };
    document.getElementById("spend-export").replaceChildren(exportButton("spend-rows", "spend"));
    document.getElementById("finding-export").replaceChildren(exportButton("finding-rows", "findings"));
    document.getElementById("savings-export").replaceChildren(exportButton("savings-rows", "savings"));
    for (const [id, field] of [["finding-status", "status"], ["finding-group", "group"], ["finding-severity", "severity"], ["finding-team", "team"]])
      document.getElementById(id).onchange = (e) => { state.findings[field] = e.target.value; refreshFindings(); };
    document.getElementById("finding-search").oninput = (e) => { state.findings.q = e.target.value; debounce(refreshFindings); };
  }

  // Auto-refresh: the page's poll calls this; spend and the summary follow new data every few polls.
  page.refreshSpendView = async () => {
    const heavy = state.ticks++ % 5 === 0;
    await Promise.all([heavy ? refreshSummary(false) : null, heavy ? refreshSpend(false) : null, refreshFindings(), refreshSavings()]);
  };
  setUp();
})();
