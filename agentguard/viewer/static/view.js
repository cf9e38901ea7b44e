// agentguard view: the page's code. Plain JavaScript, no libraries; text from the trace is
// only ever put into the page as text (textContent), never as markup.
"use strict";

const EMBEDDED = JSON.parse(document.getElementById("embedded").textContent);
const $ = (id) => document.getElementById(id);
const state = { offset: 0, limit: 50, query: {}, cases: null, line: null, claim: null,
  detail: null, total: 0, status: null };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// replaceChildren, but skipping empty parts and flattening lists, as `el` does.
function put(node, ...children) {
  node.replaceChildren();
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
}

const fmt = (p) => (typeof p === "number" ? p.toFixed(2) : "–");
const band = (p) => (typeof p !== "number" ? "mid" : p < 0.3 ? "lo" : p < 0.7 ? "mid" : "hi");

// -- the data: the server's API, or the records carried in the page -----------------------------

async function api(path, params) {
  if (EMBEDDED) return local(path, params || {});
  const query = params ? "?" + new URLSearchParams(params).toString() : "";
  const answer = await fetch(path + query);
  const body = await answer.json();
  if (!answer.ok) throw new Error(body.error || answer.statusText);
  return body;
}

async function post(path, body) {
  const answer = await fetch(path, { method: "POST", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json" } });
  const found = await answer.json();
  if (!answer.ok) throw new Error(found.error || answer.statusText);
  return found;
}

function globRe(glob) {
  const escaped = glob.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp("^" + escaped + "$");
}

function flaggedClaims(entry) {
  const report = (entry.detail && entry.detail.record.report) || {};
  const flags = {};
  for (const f of report.flags || []) if (!(f.claim_id in flags)) flags[f.claim_id] = f.type;
  const out = (report.claims || []).filter((c) => c.id in flags)
    .map((c) => ({ ...c, flag: flags[c.id] }));
  if (null in flags || undefined in flags) out.push({ flag: flags[null] || flags[undefined] });
  return out;
}

function passes(entry, q) {
  const split = (v) => (v ? String(v).split(",").filter(Boolean) : []);
  if (q.cases) {
    const wanted = new Set(split(q.cases));
    return wanted.has((entry.suite || "") + "/" + entry.input_id) || wanted.has(entry.input_id);
  }
  if (q.decision && !split(q.decision).includes(entry.decision)) return false;
  if (q.domain && !split(q.domain).includes(entry.domain)) return false;
  if (q.input && !globRe(q.input).test(entry.input_id || "")) return false;
  const claimTerms = q.flag || q.tool || q.param || q.min || q.max;
  if (q.all && !claimTerms) return true;
  return flaggedClaims(entry).some((c) =>
    (!q.flag || split(q.flag).includes(c.flag)) && (!q.tool || split(q.tool).includes(c.tool)) &&
    (!q.param || split(q.param).includes(c.path)) &&
    (!q.min || (c.support ?? -1) >= Number(q.min)) && (!q.max || (c.support ?? 2) <= Number(q.max)));
}

function local(path, q) {
  const records = EMBEDDED.records.filter((r) => r.error || passes(r, q));
  if (path === "/api/status") return EMBEDDED.status;
  if (path === "/api/run") return EMBEDDED.run;
  if (path.startsWith("/api/record/")) {
    const line = Number(path.split("/").pop());
    const found = EMBEDDED.records.find((r) => r.line === line);
    if (!found || !found.detail) throw new Error("line " + line + ": not in this file");
    return found.detail;
  }
  if (path === "/api/rows") {
    const offset = Number(q.offset || 0), limit = Number(q.limit || 50);
    return { total: records.length, offset, limit, rows: records.slice(offset, offset + limit),
      indexing: false };
  }
  if (path === "/api/summary") {
    const groups = new Map();
    for (const r of records) for (const c of flaggedClaims(r)) {
      const key = JSON.stringify([c.tool ?? null, c.path ?? null]);
      const g = groups.get(key) || { tool: c.tool ?? null, param: c.path ?? null, flags: 0,
        lines: new Set(), sum: 0, n: 0, types: new Set() };
      g.flags += 1; g.lines.add(r.line); g.types.add(c.flag);
      if (typeof c.support === "number") { g.sum += c.support; g.n += 1; }
      groups.set(key, g);
    }
    return [...groups.values()].sort((a, b) => b.flags - a.flags).map((g) => ({
      tool: g.tool, param: g.param, flags: g.flags, records: g.lines.size,
      mean_support: g.n ? g.sum / g.n : null, flag_types: [...g.types].sort() }));
  }
  throw new Error("not found: " + path);
}

// -- status, warnings and indexing progress ----------------------------------------------------

function showBanner(status) {
  const banner = $("banner");
  const items = [...(status.warnings || [])];
  if (status.error) items.unshift("The trace could not be indexed: " + status.error);
  if (EMBEDDED && EMBEDDED.shown < EMBEDDED.total) {
    items.unshift(`This file holds ${EMBEDDED.shown.toLocaleString()} of the ` +
      `${EMBEDDED.total.toLocaleString()} records (flagged ones first). Serve the trace with ` +
      "`agentguard view` to see them all.");
  }
  if (EMBEDDED) items.push("A saved page: labels are made in the served viewer (`agentguard view`).");
  banner.replaceChildren();
  if (!items.length && !(status.problems || []).length) { banner.hidden = true; return; }
  banner.hidden = false;
  banner.classList.toggle("error", Boolean(status.error));
  banner.append(el("ul", {}, items.map((t) => el("li", {}, t))));
  if ((status.problems || []).length) {
    banner.append(el("details", { id: "problems" }, el("summary", {}, "Lines that could not be read"),
      el("ul", {}, status.problems.map((p) => el("li", { class: "problem" },
        `line ${p.line ?? "?"}: ${p.reason}`)))));
  }
}

async function pollStatus() {
  const status = await api("/api/status");
  state.status = status;
  $("where").textContent = status.path;
  $("tab-calibration").hidden = status.kind !== "run";
  const progress = $("progress");
  progress.hidden = !status.indexing;
  if (status.indexing) {
    const share = status.size ? status.read / status.size : 0;
    $("progress-bar").style.width = Math.round(160 * share) + "px";
    $("progress-text").textContent = `indexing the trace: ${Math.round(100 * share)}%`;
    await loadList();
    setTimeout(pollStatus, 400);
    return;
  }
  showBanner(status);
  await Promise.all([loadList(), loadSummary()]);
  openFromHash();
}

// `#line=N` (as the eval report links to records) opens the record on trace line N, whether or
// not it is on the list's current page.
function hashLine() {
  const found = /^#line=(\d+)$/.exec(location.hash);
  return found ? Number(found[1]) : null;
}

function openFromHash() {
  const line = hashLine();
  if (line !== null && line !== state.line) {
    showTab("records");
    openRecord(line);
  }
}

// -- the list -----------------------------------------------------------------------------------

function whereOf(r) {
  if (r.suite || (state.status && state.status.kind === "run")) return `${r.suite || ""}/${r.input_id || ""}`;
  if (r.thread || r.run) return [r.thread, r.run && String(r.run).slice(0, 8), r.step && "step " + r.step]
    .filter(Boolean).join(" · ");
  return r.input_id || (r.input_sha256 ? "sha256 " + String(r.input_sha256).slice(0, 10) : "");
}

function params() {
  const q = { ...state.query, offset: state.offset, limit: state.limit };
  if (state.cases) { q.cases = state.cases.join(","); q.all = "1"; }
  return q;
}

async function loadList() {
  let page;
  try { page = await api("/api/rows", params()); } catch (err) { return showError(err); }
  state.total = page.total;
  const body = $("list").tBodies[0];
  body.replaceChildren(...page.rows.map((r) => r.error
    ? el("tr", { class: "bad", "data-line": r.line }, el("td", { class: "num" }, r.line),
      el("td", { colspan: 6 }, r.error))
    : el("tr", { "data-line": r.line, class: r.line === state.line ? "sel" : null,
      onclick: () => openRecord(r.line) },
      el("td", { class: "num" }, r.line), el("td", {}, whereOf(r)),
      el("td", { class: "time", title: r.time || "" }, (r.time || "").slice(11, 19)),
      el("td", {}, el("span", { class: "pill " + (r.decision || "") }, r.decision || "–")),
      el("td", { class: "num" }, fmt(r.support)), el("td", { class: "num" }, r.flags),
      el("td", { class: "flagged" }, (r.flagged || []).map((f) => f.text || f.type).join(" | ")))));
  const last = Math.min(page.offset + page.rows.length, page.total);
  $("count").textContent = page.total
    ? `${page.offset + 1}–${last} of ${page.total.toLocaleString()} records` +
      (page.indexing ? " (indexing: more to come)" : "")
    : page.indexing ? "Indexing… the first records show in a moment." : "No records match.";
  $("page").textContent = `page ${Math.floor(page.offset / state.limit) + 1}`;
  $("prev").disabled = page.offset === 0;
  $("next").disabled = last >= page.total;
  return page;
}

async function loadSummary() {
  let rows;
  try { rows = await api("/api/summary", state.query); } catch (err) { return showError(err); }
  const table = $("summary");
  table.replaceChildren(el("tr", {}, ["tool", "parameter", "flags", "records", "mean support",
    "flag types"].map((h) => el("th", {}, h))));
  for (const s of rows) {
    table.append(el("tr", {}, el("td", {}, s.tool || "(text)"), el("td", {}, s.param || "–"),
      el("td", { class: "num" }, s.flags), el("td", { class: "num" }, s.records),
      el("td", { class: "num" }, fmt(s.mean_support)), el("td", {}, s.flag_types.join(", "))));
  }
  const options = (values) => [...new Set(values.filter(Boolean))].map((v) => el("option", { value: v }));
  $("tools").replaceChildren(...options(rows.map((s) => s.tool)));
  $("params").replaceChildren(...options(rows.map((s) => s.param)));
}

function showError(err) {
  const banner = $("banner");
  banner.hidden = false;
  banner.classList.add("error");
  banner.replaceChildren(el("span", {}, String(err.message || err)));
}

// -- one record ---------------------------------------------------------------------------------

async function openRecord(line, claimId) {
  state.line = line;
  if (location.hash !== "#line=" + line) {
    try { history.replaceState(null, "", "#line=" + line); } catch (err) { /* a page from disk */ }
  }
  for (const tr of $("list").tBodies[0].rows) tr.classList.toggle("sel", Number(tr.dataset.line) === line);
  let detail;
  try { detail = await api("/api/record/" + line); } catch (err) {
    $("detail").replaceChildren(el("p", { class: "banner error" }, `line ${line}: ${err.message}`));
    return;
  }
  state.detail = detail;
  state.claim = null;
  renderDetail(detail);
  const report = detail.record.report || {};
  const first = claimId || (report.flags || []).map((f) => f.claim_id).find(Boolean);
  if (first) showClaim(first, true);
}

function claimSpan(claim, text) {
  return el("span", { class: "claim " + band(claim.support), "data-claim": claim.id,
    title: `${claim.id}: support ${fmt(claim.support)} (${claim.label})`,
    onmouseenter: () => showClaim(claim.id, false), onclick: () => showClaim(claim.id, true) }, text);
}

function outputNode(record, claims) {
  const text = record.output_text;
  const textual = claims.filter((c) => c.kind !== "argument" && Array.isArray(c.span));
  if (typeof text !== "string") {
    const node = el("div", { class: "output" }, textual.map((c) => [claimSpan(c, c.text), " "]));
    return [el("p", { class: "note" }, "This record holds no output text: shown from its claims."), node];
  }
  const node = el("div", { class: "output" });
  let at = 0;
  for (const c of [...textual].sort((a, b) => a.span[0] - b.span[0])) {
    const [start, end] = c.span;
    if (start < at || end > text.length) continue;
    node.append(text.slice(at, start), claimSpan(c, text.slice(start, end)));
    at = end;
  }
  node.append(text.slice(at));
  if (!text) node.append(el("span", { class: "empty" }, "(no text: tool calls only)"));
  return [node];
}

function callsNode(claims) {
  const calls = new Map();
  for (const c of claims.filter((c) => c.kind === "argument")) {
    const key = (c.call_id || "") + "|" + c.tool;
    if (!calls.has(key)) calls.set(key, { tool: c.tool, args: [] });
    calls.get(key).args.push(c);
  }
  if (!calls.size) return null;
  return el("div", { class: "calls" }, [...calls.values()].map((call) => el("div", { class: "call" },
    call.tool + "(", call.args.map((c, i) => [i ? ", " : "",
      claimSpan(c, `${c.path}=${JSON.stringify(c.value)}`)]), ")")));
}

function renderDetail(detail) {
  const record = detail.record;
  const report = record.report || {};
  const claims = report.claims || [];
  const decision = report.decision || {};
  const where = whereOf({ ...record, input_id: record.input_id });
  const node = $("detail");
  put(node,
    el("h2", {}, `line ${detail.line}` + (where ? ` · ${where}` : "")),
    el("div", { class: "meta" }, el("span", {}, record.time || ""),
      record.input_id ? el("span", {}, "input " + record.input_id) : null,
      record.agent ? el("span", {}, "agent " + record.agent) : null,
      el("span", {}, "support " + fmt(report.support))),
    el("div", { class: "decision" }, el("span", { class: "pill " + (decision.action || "") },
      decision.action || record.kind), " ", decision.reason || "",
      decision.question ? el("div", {}, "asks: " + decision.question) : null),
    el("div", { class: "legend" }, "support: ", el("span", { class: "claim lo" }, "below 0.3"), " ",
      el("span", { class: "claim mid" }, "0.3–0.7"), " ", el("span", { class: "claim hi" }, "0.7 and up")),
    ...outputNode(record, claims), callsNode(claims),
    claims.length ? claimTable(claims, report.flags || [], detail.labels || {}) :
      el("p", { class: "empty" }, record.kind === "report" ? "No claims." : "Not a report record."),
    el("div", { id: "evidence", class: "evidence", hidden: true }));
}

// A label's `correct` says whether the CLAIM is backed by what the agent was told (as
// `agentguard label --right/--wrong`), not whether the monitor judged it well.
function labelText(label) {
  if (!label) return "";
  return [label.correct ? "✓ backed" : "✗ not backed", label.by && "labelled by " + label.by,
    label.note].filter(Boolean).join(" · ");
}

function claimTable(claims, flags, labels) {
  const flagOf = Object.fromEntries(flags.map((f) => [f.claim_id, f.type]));
  return el("div", { class: "wrap" }, el("table", { class: "claims" },
    el("tr", {}, ["claim", "what", "support", "monitor says", "flag", "person: backed?"].map((h) => el("th", {}, h))),
    claims.map((c) => el("tr", {}, el("td", {}, claimSpan(c, c.id)),
      el("td", {}, c.kind === "argument" ? `${c.tool}.${c.path} = ${JSON.stringify(c.value)}` : c.text),
      el("td", { class: "num" }, fmt(c.support)), el("td", {}, c.label),
      el("td", {}, flagOf[c.id] || ""),
      el("td", { class: "label-cell", "data-claim": c.id }, labelText(labels[c.id]))))));
}

function sourceNode(ev, sources) {
  const source = sources[ev.source];
  const [start, end] = Array.isArray(ev.span) ? ev.span : [null, null];
  if (!source || start === null || end > source.text.length || source.text.slice(start, end) !== ev.text) {
    return el("div", { class: "text" }, ev.text);
  }
  const from = Math.max(0, start - 240), to = Math.min(source.text.length, end + 240);
  return el("div", { class: "text in-source" }, from ? "…" : "", source.text.slice(from, start),
    el("mark", {}, source.text.slice(start, end)), source.text.slice(end, to),
    to < source.text.length ? "…" : "");
}

function showClaim(id, pin) {
  if (!pin && state.claim) return;  // a clicked claim stays until another is clicked
  if (pin) state.claim = id;
  const detail = state.detail;
  const claim = ((detail.record.report || {}).claims || []).find((c) => c.id === id);
  const box = $("evidence");
  if (!claim || !box) return;
  for (const span of document.querySelectorAll("#detail .claim[data-claim]")) {
    span.classList.toggle("on", span.dataset.claim === id);
  }
  const flags = ((detail.record.report || {}).flags || []).filter((f) => f.claim_id === id);
  const evidence = claim.evidence || [];
  box.hidden = false;
  put(box,
    el("h3", {}, `${claim.id}: ${claim.kind === "argument" ? claim.tool + "." + claim.path : "“" + claim.text + "”"}`),
    el("div", { class: "meta" }, el("span", {}, "support " + fmt(claim.support)),
      el("span", {}, claim.label), claim.hedged ? el("span", {}, "hedged") : null),
    flags.map((f) => el("p", { class: "note" }, `${f.type}: ${f.message}`)),
    evidence.length ? evidence.map((ev) => el("div", { class: "ev" },
      el("span", { class: "src" }, ev.source), ev.note ? el("span", { class: "note" }, " " + ev.note) : null,
      sourceNode(ev, detail.sources || {})))
      : el("p", { class: "empty" }, "No source carries or contradicts this claim."),
    detail.sources_from ? null : el("p", { class: "note" },
      "Evidence is shown as text alone: the record holds no context (trace with --trace-inputs to see it in place)."),
    labelControls(claim, detail));
}

function labelControls(claim, detail) {
  const current = (detail.labels || {})[claim.id];
  const status = el("span", { class: "label-state " + (current ? (current.correct ? "right" : "wrong") : ""),
    id: "label-state" }, current ? labelText(current) : "not labelled yet");
  if (EMBEDDED) return el("div", { class: "labels" }, status);
  const note = el("input", { id: "label-note", placeholder: "note (optional)" });
  const by = el("input", { id: "label-by", placeholder: "your name (optional)", value: savedName() });
  const save = async (correct) => {
    try {
      rememberName(by.value.trim());
      const label = await post("/api/labels", { line: detail.line, claim_id: claim.id, correct,
        note: note.value || null, by: by.value.trim() || null });
      detail.labels = { ...(detail.labels || {}), [claim.id]: label };
      status.textContent = labelText(label);
      status.className = "label-state " + (correct ? "right" : "wrong");
      const cell = document.querySelector(`.label-cell[data-claim="${claim.id}"]`);
      if (cell) cell.textContent = labelText(label);
    } catch (err) { status.textContent = "not saved: " + err.message; }
  };
  return el("div", { class: "labels" }, "Is this claim backed by what the agent was told?",
    el("button", { type: "button", id: "label-right", onclick: () => save(true) }, "✓ yes, backed"),
    el("button", { type: "button", id: "label-wrong", onclick: () => save(false) }, "✗ no, not backed"),
    note, by, status);
}

// The labeller's name is kept in the browser for the next label (labels without one say "viewer").
function savedName() {
  try { return localStorage.getItem("agentguard-label-by") || ""; } catch (err) { return ""; }
}

function rememberName(name) {
  try { localStorage.setItem("agentguard-label-by", name); } catch (err) { /* private mode */ }
}

// -- an eval run: calibration plots, the cases of each bin, the misses --------------------------

function openCases(cases, what, claimId) {
  state.cases = [...new Set(cases)].slice(0, 2000);
  state.offset = 0;
  $("case-filter").hidden = false;
  $("case-filter-text").textContent = `Showing the ${state.cases.length} case(s) of ${what}.`;
  showTab("records");
  loadList().then((page) => {
    if (claimId && page && page.rows.length === 1) openRecord(page.rows[0].line, claimId);
  });
}

function binsTable(fig) {
  return el("table", { class: "bins" }, el("tr", {}, ["bin", "n", "mean support", "supported", ""]
    .map((h) => el("th", {}, h))), fig.bins.map((b) => el("tr", {},
    el("td", {}, `${fmt(b.lo)}–${fmt(b.hi)}`), el("td", { class: "num" }, b.count ?? b.members.length),
    el("td", { class: "num" }, fmt(b.mean_p)), el("td", { class: "num" }, fmt(b.frac_pos)),
    el("td", {}, b.members.length ? el("button", { type: "button", class: "bin-cases",
      onclick: () => openCases(b.members.map((m) => m.case),
        `${fig.level} with support ${fmt(b.lo)}–${fmt(b.hi)} (${fig.scheme} bins)`) },
    `${new Set(b.members.map((m) => m.case)).size} cases`) : ""))));
}

function figureNode(fig) {
  const holder = el("div");
  holder.innerHTML = fig.svg;  // drawn by the package itself, every text in it escaped
  const drawn = fig.bins.filter((b) => b.members.length && b.frac_pos !== null);
  holder.querySelectorAll("svg > g").forEach((g, i) => {
    const bin = drawn[i];
    if (!bin) return;
    g.classList.add("bin");
    g.addEventListener("click", () => openCases(bin.members.map((m) => m.case),
      `${fig.level} with support ${fmt(bin.lo)}–${fmt(bin.hi)} (${fig.scheme} bins)`));
  });
  return el("figure", {}, holder, el("figcaption", {}, fig.label),
    fig.bins.length ? el("details", {}, el("summary", {}, "bins and their cases"), binsTable(fig)) : null);
}

async function loadRun() {
  const run = await api("/api/run");
  const section = $("calibration");
  const info = run.run || {};
  const settings = info.settings || {};
  const rows = [["run", info.run_id], ["started", info.created], ["finished", info.finished],
    ["suites", (settings.suites || []).join(", ")], ["policy", settings.policy],
    ["model", settings.model], ["estimator", info.estimator], ["cases", run.cases],
    ["threshold", run.threshold]].filter(([, v]) => v !== undefined && v !== null && v !== "");
  const misses = run.misses || [];
  put(section,
    el("h2", {}, "Run"), el("div", { class: "wrap" }, el("table", {}, rows.map(([k, v]) =>
      el("tr", {}, el("th", {}, k), el("td", {}, String(v)))))),
    el("h2", {}, "Calibration"), el("p", { class: "note" },
      "Click a bar (or a bin's button) to list the cases behind it."),
    el("div", { class: "figs" }, run.figures.map(figureNode)),
    el("h2", {}, `Misses (${misses.length})`),
    misses.length ? el("div", { class: "wrap" }, el("table", { class: "misses" },
      el("tr", {}, ["case", "claim", "what", "support", "miss"].map((h) => el("th", {}, h))),
      misses.map((m) => el("tr", { onclick: () => openCases([m.case], `the miss ${m.case} ${m.claim_id}`, m.claim_id) },
        el("td", {}, m.case), el("td", {}, m.claim_id),
        el("td", {}, m.kind === "argument" ? `${m.tool}.${m.path}` : m.kind),
        el("td", { class: "num" }, fmt(m.support)), el("td", {}, m.miss)))))
      : el("p", { class: "empty" }, "No claim's support disagrees with its gold label."));
}

// -- wiring -------------------------------------------------------------------------------------

function showTab(name) {
  for (const tab of ["records", "calibration"]) {
    $(tab).hidden = tab !== name;
    $("tab-" + tab).classList.toggle("on", tab === name);
  }
  if (name === "calibration" && !$("calibration").childElementCount) loadRun().catch(showError);
}

$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = {};
  for (const [key, value] of new FormData(event.target)) if (String(value).trim()) q[key] = String(value).trim();
  state.query = q;
  state.offset = 0;
  state.cases = null;
  $("case-filter").hidden = true;
  loadList();
  loadSummary();
});
$("clear").addEventListener("click", () => { $("filters").reset(); $("apply").click(); });
$("clear-cases").addEventListener("click", () => { state.cases = null; $("case-filter").hidden = true; loadList(); });
$("prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); loadList(); });
$("next").addEventListener("click", () => { state.offset += state.limit; loadList(); });
$("tab-records").addEventListener("click", () => showTab("records"));
$("tab-calibration").addEventListener("click", () => showTab("calibration"));
window.addEventListener("hashchange", openFromHash);
pollStatus().catch(showError);
