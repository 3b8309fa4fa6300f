// costbot local web channel: polls the service's JSON endpoints and draws the alert feeds, the
// approval requests with their buttons, the open incidents with their charts and the ticket outbox.
// Everything is drawn with DOM calls and textContent: no text from the server is ever parsed as
// markup, except a post's optional "html", which goes through sanitize() (a handful of tags).
"use strict";
(() => {
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const pollMs = Math.max(500, Number(document.querySelector('meta[name="poll-ms"]').content) || 3000);
  // The page acts as the signed-in person; only a grant (access.act_for) lets it act for another.
  const userId = document.querySelector('meta[name="user-id"]').content;
  const actsForOthers = document.querySelector('meta[name="acts-for-others"]').content === "true";
  const state = {
    personas: [],
    persona: (location.hash.match(/persona=([\w:.-]+)/) || [])[1] || "",
    approvalsFeed: "approvals",
    currency: "USD",
    actorFor: new Map(),     // approval subject -> the approver the page acts for (with a grant)
    rejecting: new Map(),    // approval subject -> reason typed so far (reject form open)
    messages: new Map(),     // subject -> {text, ok}
    drawn: new Map(),        // card key -> what it was drawn from (redraw only on change)
    busy: false,
    showAll: false,          // the alert list shows the first few unless asked for all
  };
  const FIRST_ALERTS = 8;

  // ---- small DOM helpers ----
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "data") Object.entries(value).forEach(([k, v]) => { node.dataset[k] = v; });
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const money = (n) => {
    try {
      return new Intl.NumberFormat("en-US", { style: "currency", currency: state.currency, maximumFractionDigits: 0 }).format(n);
    } catch (e) {
      return `${Math.round(n)} ${state.currency}`;
    }
  };
  const when = (iso) => (iso ? iso.replace("T", " ").replace(/:\d\dZ$/, " UTC") : "");
  const badge = (text, kind) => (text ? el("span", { class: `badge ${kind || text}`, text }) : null);

  // Only a few harmless tags survive; everything else is reduced to its text. Links must be http(s)
  // or relative. (The producers send escaped text only; this is a second line of defence.)
  const ALLOWED = new Set(["B", "STRONG", "I", "EM", "CODE", "BR", "P", "UL", "OL", "LI", "A", "SPAN"]);
  const DROPPED = new Set(["SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT", "SVG", "MATH"]);
  function sanitize(html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const out = document.createDocumentFragment();
    const walk = (from, to) => {
      for (const child of from.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) to.append(document.createTextNode(child.textContent));
        if (child.nodeType !== Node.ELEMENT_NODE || DROPPED.has(child.tagName)) continue;
        if (!ALLOWED.has(child.tagName)) { walk(child, to); continue; }
        const copy = document.createElement(child.tagName);
        const href = child.tagName === "A" ? child.getAttribute("href") || "" : "";
        if (/^(https?:\/\/|\/)/i.test(href)) Object.assign(copy, { href, rel: "noopener noreferrer", target: "_blank" });
        walk(child, copy);
        to.append(copy);
      }
    };
    walk(doc.body, out);
    return out;
  }

  // ---- talking to the service ----
  async function errorText(response) {
    try {
      const body = await response.json();
      return body.message || `${response.status} ${response.statusText}`;
    } catch (e) {
      return `${response.status} ${response.statusText}`;
    }
  }
  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (response.status === 401) { location.assign("/"); throw new Error("signed out"); }
    if (!response.ok) throw new Error(await errorText(response));
    return response.json();
  }
  async function act(body) {
    const response = await fetch("/web/actions", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(await errorText(response));
    return response.json();
  }
  async function click(subject, body, key) {
    state.messages.set(key, { text: "sending…", ok: true });
    redrawMessage(key);
    try {
      const answer = await act(body);
      state.messages.set(key, { text: answer.message || "Done.", ok: true });
    } catch (e) {
      state.messages.set(key, { text: e.message, ok: false });
    }
    redrawMessage(key);
    // The decision's effects (the updated message) arrive through the outbox within moments.
    setTimeout(refresh, 150);
    setTimeout(refresh, 700);
  }
  function messageNode(key) {
    const m = state.messages.get(key);
    return el("div", { class: `message ${m ? (m.ok ? "ok" : "error") : ""}`, data: { testid: "message", key }, "aria-live": "polite" },
      m ? m.text : "");
  }
  function redrawMessage(key) {
    for (const node of document.querySelectorAll('[data-testid="message"]'))
      if (node.dataset.key === key) node.replaceWith(messageNode(key));
  }

  // ---- personas and alerts ----
  function drawPersonas() {
    const tabs = document.getElementById("personas");
    tabs.replaceChildren(...state.personas.map((name) => el("button", {
      role: "tab", "aria-selected": name === state.persona ? "true" : "false", data: { persona: name },
      onclick: () => { state.persona = name; location.hash = `persona=${name}`; drawPersonas(); state.drawn.delete("alerts"); refresh(); },
    }, name.replace(/_/g, " "))));
  }

  function actionButtons(actions, key) {
    return (actions || []).map((a) => el("button", {
      class: `act ${a.verb === "approve" || a.verb === "ack" ? "primary" : ""}`, data: { verb: a.verb },
      onclick: () => click(a.subject, { verb: a.verb, subject: a.subject }, key),
    }, a.label || a.verb));
  }

  function postCard(post) {
    const key = `${post.feed}|${post.subject}`;
    const body = post.html ? el("div", { class: "text" }, sanitize(post.html)) : el("div", { class: "text", text: post.text });
    const notes = (post.notes || []).map((n) => el("li", { text: `${when(n.at)} ${n.text}` }));
    return el("article", { class: "card", data: { subject: post.subject, testid: "alert" } },
      el("h3", {}, badge(post.severity), post.title || post.subject),
      el("div", { class: "meta", text: `${post.event || "post"} · updated ${when(post.updated_at)}` }),
      body,
      notes.length ? el("ul", { class: "notes" }, notes) : null,
      post.actions && post.actions.length ? el("div", { class: "actions" }, actionButtons(post.actions, key)) : null,
      messageNode(key));
  }

  function findingCard(f) {
    const key = `finding|${f.id}`;
    const facts = el("dl", { class: "facts" },
      el("dt", { text: "Scope" }), el("dd", { text: `${f.scope.dimension} ${f.scope.value || "(unallocated)"}` }),
      el("dt", { text: "Impact" }), el("dd", { text: `${money(f.impact_per_day)}/day · ${money(f.impact_per_month)}/month` }),
      f.team ? [el("dt", { text: "Team" }), el("dd", { text: f.team })] : null,
      f.remediation && f.remediation.text ? [el("dt", { text: "Fix" }), el("dd", { text: f.remediation.text })] : null);
    return el("article", { class: "card", data: { subject: f.subject, testid: "finding" } },
      el("h3", {}, badge(f.severity), `F${f.id} · ${f.title}`),
      el("div", { class: "meta", text: `${f.kind.replace(/_/g, " ")} · ${f.day}` }),
      f.summary ? el("div", { class: "text", text: f.summary }) : null,
      facts,
      el("div", { class: "actions" }, actionButtons(f.actions, key),
        el("a", { href: f.chart_url, target: "_blank", rel: "noopener" }, "cost chart")),
      messageNode(key));
  }

  async function refreshAlerts() {
    const list = document.getElementById("alert-list");
    const hint = document.getElementById("alerts-hint");
    const feed = `persona:${state.persona}`;
    const posts = await getJSON(`/web/feed?feed=${encodeURIComponent(feed)}&limit=50`);
    if (posts.items.length) {
      const sig = `posts:${feed}:${posts.last_seq}`;
      if (state.drawn.get("alerts") === sig) return;
      state.drawn.set("alerts", sig);
      hint.textContent = `${posts.items.length} alert(s) posted for ${state.persona.replace(/_/g, " ")}.`;
      list.replaceChildren(...posts.items.map(postCard));
      return;
    }
    // Until alerts are routed to this persona's feed, show what detection found, as it is.
    const found = await getJSON("/web/findings?limit=30");
    const sig = `findings:${feed}:${found.findings.map((f) => `${f.id}.${f.updated_at}`).join(",")}`;
    if (state.drawn.get("alerts") === sig) return;
    state.drawn.set("alerts", sig);
    hint.textContent = `Nothing was posted to ${feed} yet; these are detection's open findings, unrewritten (${found.findings.length}).`;
    const shown = state.showAll ? found.findings : found.findings.slice(0, FIRST_ALERTS);
    const more = found.findings.length > shown.length
      ? el("button", { class: "more", onclick: () => { state.showAll = true; state.drawn.delete("alerts"); refresh(); } },
        `Show all ${found.findings.length}`)
      : null;
    list.replaceChildren(...(found.findings.length ? [...shown.map(findingCard), more].filter(Boolean)
      : [el("div", { class: "empty", text: "No open findings. Run `costbot demo` or `costbot detect`." })]));
  }

  // ---- approvals ----
  function stageItem(s) {
    // Marks drawn by the page (not the engine's emoji, which not every system has a font for).
    const decisions = (s.decisions || []).map((d) => el("div", { class: "decision" },
      `${d.verdict === "approve" ? "\u2713" : "\u2717"} ${d.verdict_text} by ${d.principal_name}${d.by_delegate ? ` (delegate ${d.actor_name})` : ""}, ${d.at_text}`,
      d.reason ? `: ${d.reason}` : ""));
    return el("li", { data: { stage: String(s.index), stageStatus: s.status, testid: "stage" } },
      el("div", {}, el("span", { class: `dot ${s.status}`, "aria-hidden": "true" }), el("strong", {}, `${s.number}. ${s.name}`),
        ` (${s.quorum_text})`),
      el("div", { class: "meta", data: { testid: "stage-status" } }, s.status, s.due_text ? ` · due ${s.due_text}` : ""),
      decisions);
  }

  function approvalCard(post) {
    const v = post.view || {};
    const subject = post.subject;
    const facts = (v.fact_lines || []).map((f) => [el("dt", { text: f.name }), el("dd", { text: f.value })]);
    const notes = (post.notes || []).map((n) => el("li", { text: `${when(n.at)} ${n.text}` }));
    let actions = null;
    if (v.is_open && v.current) {
      const pending = v.current.pending || [];
      const target = `approval:${v.current.button_value}`;
      // With a grant the page offers the stage's pending approvers to act for; otherwise it is you.
      let chooser = null;
      if (actsForOthers) {
        if (!state.actorFor.has(subject) && pending.length) state.actorFor.set(subject, pending[0].user);
        const chosen = state.actorFor.get(subject) || userId;
        const select = el("select", { "aria-label": "Act for", data: { testid: "actor" },
          onchange: (e) => state.actorFor.set(subject, e.target.value) },
        pending.map((p) => el("option", { value: p.user, selected: p.user === chosen }, p.name)),
        el("option", { value: userId, selected: chosen === userId }, "myself"));
        chooser = el("label", {}, "Act for ", select);
      }
      const actingFor = () => {
        const who = actsForOthers ? state.actorFor.get(subject) : "";
        return who && who !== userId ? { acting_for: who } : {};
      };
      const buttons = [
        chooser,
        el("button", { class: "act primary", data: { verb: "approve" },
          onclick: () => click(subject, { verb: "approve", subject: target, feed: post.feed, ...actingFor() }, subject) }, "Approve"),
        el("button", { class: "act danger", data: { verb: "reject" },
          onclick: () => { state.rejecting.set(subject, state.rejecting.get(subject) || ""); redrawApproval(post); } }, "Reject"),
      ];
      if (v.finding_id)
        buttons.push(el("button", { class: "act", data: { verb: "not_anomaly" },
          onclick: () => click(subject, { verb: "not_anomaly", subject: `finding:${v.finding_id}`, feed: post.feed }, subject) },
        "Not an anomaly"));
      actions = el("div", { class: "actions" }, buttons.filter(Boolean));
      if (state.rejecting.has(subject)) {
        const input = el("input", { type: "text", placeholder: "Why? (the requester sees this)", value: state.rejecting.get(subject),
          "aria-label": "Reject reason", data: { testid: "reject-reason" }, oninput: (e) => state.rejecting.set(subject, e.target.value) });
        actions = el("div", {}, actions, el("div", { class: "actions" }, input,
          el("button", { class: "act danger", data: { verb: "confirm-reject" }, onclick: () => {
            const reason = (state.rejecting.get(subject) || "").trim();
            if (!reason) { state.messages.set(subject, { text: "Give a reason to reject.", ok: false }); redrawMessage(subject); return; }
            state.rejecting.delete(subject);
            click(subject, { verb: "reject", subject: target, reason, feed: post.feed, ...actingFor() }, subject);
          } }, "Reject with this reason"),
          el("button", { class: "act", onclick: () => { state.rejecting.delete(subject); redrawApproval(post); } }, "Cancel")));
      }
    }
    const ticket = v.ticket
      ? el("div", { class: "meta" }, "Ticket ", v.ticket.ticket_url
        ? el("a", { href: v.ticket.ticket_url, target: "_blank", rel: "noopener" }, v.ticket.ticket_key) : v.ticket.ticket_key,
      v.ticket.ticket_status ? ` (${v.ticket.ticket_status})` : "")
      : null;
    return el("article", { class: "card", data: { subject, status: v.status || "", testid: "approval" } },
      el("h3", {}, badge(v.status, v.status), badge(v.severity), v.header || post.title),
      el("div", { class: "meta" }, `${v.amount_text || ""}${v.team ? ` · ${v.team}` : ""} · workflow ${v.workflow || "?"} · requested by ${v.requester_name || "?"}`),
      el("div", { class: "text", data: { testid: "approval-status" }, text: v.status_text || "" }),
      v.rejection_reason ? el("div", { class: "text", text: `Rejected: ${v.rejection_reason}` }) : null,
      el("ol", { class: "stages" }, (v.stages || []).map(stageItem)),
      v.summary ? el("div", { class: "text", text: v.summary }) : null,
      v.recommendation ? el("div", { class: "text", text: `Recommendation: ${v.recommendation}` }) : null,
      facts.length ? el("dl", { class: "facts" }, facts) : null,
      ticket,
      notes.length ? el("ul", { class: "notes" }, notes) : null,
      actions,
      messageNode(subject));
  }

  function redrawApproval(post) {
    const old = document.querySelector(`#approval-list [data-subject="${CSS.escape(post.subject)}"]`);
    if (old) old.replaceWith(approvalCard(post));
  }

  async function refreshApprovals() {
    const list = document.getElementById("approval-list");
    const feed = await getJSON(`/web/feed?feed=${encodeURIComponent(state.approvalsFeed)}&limit=100`);
    const sig = feed.items.map((p) => `${p.subject}.${p.seq}`).join(",");
    if (state.drawn.get("approvals") === sig) return;
    state.drawn.set("approvals", sig);
    const open = feed.items.filter((p) => p.view && p.view.is_open);
    const closed = feed.items.filter((p) => !(p.view && p.view.is_open));
    list.replaceChildren(...(feed.items.length ? [...open, ...closed].map(approvalCard)
      : [el("div", { class: "empty", text: "No approval requests yet." })]));
  }

  // ---- incidents and tickets ----
  async function refreshIncidents() {
    const data = await getJSON("/web/incidents?limit=30");
    const sig = data.incidents.map((i) => `${i.id}.${i.updated_at}`).join(",");
    if (state.drawn.get("incidents") === sig) return;
    state.drawn.set("incidents", sig);
    const cards = data.incidents.map((i) => {
      const f = i.latest_finding;
      return el("article", { class: "card", data: { subject: i.subject, testid: "incident" } },
        el("h3", {}, badge(i.severity), `I${i.id} · ${i.title}`),
        el("div", { class: "meta", text: `${i.family.replace(/_/g, " ")} · ${i.scope.dimension} ${i.scope.value || "(unallocated)"} · ${i.first_day} → ${i.last_day}` }),
        el("div", { class: "meta", text: `peak ${money(i.peak_impact_per_day)}/day · ${i.finding_count} finding(s)` }),
        f ? el("img", { class: "chart", src: f.chart_url, alt: `Cost trend for finding F${f.id}`, loading: "lazy", width: 800, height: 400 }) : null);
    });
    document.getElementById("incident-list").replaceChildren(...(cards.length ? cards
      : [el("div", { class: "empty", text: "No open incidents." })]));
  }

  async function refreshTickets() {
    const data = await getJSON("/web/tickets");
    const sig = JSON.stringify(data);
    if (state.drawn.get("tickets") === sig) return;
    state.drawn.set("tickets", sig);
    const rows = data.tickets.map((t) => el("tr", { data: { subject: t.subject, testid: "ticket" } },
      el("td", {}, /^https?:\/\//.test(t.url) ? el("a", { href: t.url, target: "_blank", rel: "noopener" }, t.key) : t.key,
        t.system && t.system !== "jira" ? ` (${t.system})` : ""),
      el("td", { text: t.status || "-" }),
      el("td", { text: `#${t.request_id} ${t.title}` }),
      el("td", { text: t.team || "-" }),
      el("td", { text: when(t.created_at) })));
    document.getElementById("ticket-rows").replaceChildren(...(rows.length ? rows
      : [el("tr", {}, el("td", { colspan: "5", class: "empty", text: "No tickets yet: approve a request to open one." }))]));
    const waiting = data.awaiting.map((a) => el("li", { data: { subject: a.subject } },
      `#${a.request_id} ${a.title}: ${a.state}${a.attempts ? `, ${a.attempts} attempt(s)` : ""}${a.last_error ? ` — ${a.last_error}` : ""}`));
    document.getElementById("awaiting").replaceChildren(...(waiting.length
      ? [el("p", { class: "meta", text: "Approved, ticket not recorded yet:" }), el("ul", {}, waiting)] : []));
  }

  // ---- the loop ----
  async function refresh() {
    if (state.busy) return;
    state.busy = true;
    const status = document.getElementById("status");
    try {
      const info = await getJSON("/web/feeds");
      state.approvalsFeed = info.approvals_feed;
      state.currency = info.currency || "USD";
      if (JSON.stringify(info.personas) !== JSON.stringify(state.personas)) {
        state.personas = info.personas;
        if (!state.personas.includes(state.persona)) state.persona = state.personas[0] || "";
        drawPersonas();
      }
      await Promise.all([refreshAlerts(), refreshApprovals(), refreshIncidents(), refreshTickets()]);
      status.textContent = `updated ${new Date().toLocaleTimeString()}`;
      status.classList.remove("error");
    } catch (e) {
      status.textContent = `cannot reach costbot: ${e.message}`;
      status.classList.add("error");
    } finally {
      state.busy = false;
    }
  }

  document.getElementById("logout").addEventListener("click", async () => {
    await fetch("/auth/logout", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      body: "{}" });
    location.assign("/");
  });

  refresh();
  setInterval(refresh, pollMs);
})();
