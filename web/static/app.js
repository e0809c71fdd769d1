/* xborder workspace: the planner's page over the HTTP API (/openapi.json). Every text that comes
   from an instance or a run is put in the page as text (textContent), never as HTML. */
"use strict";

const MODE_COLOURS = {
  postal: "#8c6d31", express: "#d62728", dedicated_line: "#9467bd", air_freight: "#ff7f0e",
  sea_freight: "#1f77b4", rail_freight: "#2ca02c", truck: "#7f7f7f", courier: "#17becf",
};
const ACTIVE = ["queued", "running", "cancelling"];
const state = { schema: null, kinds: null, timers: [], compare: new Set(JSON.parse(sessionStorage.getItem("compare") || "[]")) };

/* ---- small helpers ------------------------------------------------------------------------- */

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function kids(children) { return children.flat().filter((c) => c !== null && c !== undefined && c !== false); }
function fill(node, ...children) { node.replaceChildren(...kids(children)); return node; }
function add(node, ...children) { node.append(...kids(children)); return node; }

function cookie(name) {
  const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

async function api(method, path, body, options = {}) {
  const headers = { "X-CSRF-Token": cookie("xborder_csrf") };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  busy(1);
  try {
    const response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
    if (response.status === 401 && !options.quiet401) { showLogin(); throw new Error("sign in first"); }
    if (!response.ok) {
      let detail = response.statusText;
      try { const data = await response.json(); detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail); } catch (e) { /* not JSON */ }
      const error = new Error(detail); error.status = response.status; throw error;
    }
    return options.raw ? response : response.json();
  } finally { busy(-1); }
}

let busyCount = 0;
function busy(delta) { busyCount += delta; document.getElementById("busy").hidden = busyCount <= 0; }

function say(text, kind = "error") {
  const box = document.getElementById("message");
  box.textContent = text; box.className = kind === "info" ? "info" : ""; box.hidden = !text;
  if (kind === "info" && text) setTimeout(() => { if (box.textContent === text) box.hidden = true; }, 6000);
}

function money(value, currency) {
  if (value === null || value === undefined || Number.isNaN(value)) return "-";
  return `${Math.round(value).toLocaleString("en-US")}${currency ? " " + currency : ""}`;
}
function number(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "-";
  return Number(value).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: Number.isInteger(value) ? 0 : Math.min(digits, 2) });
}
function percent(value, digits = 1) { return value === null || value === undefined ? "-" : `${(100 * value).toFixed(digits)}%`; }
function when(seconds) { return seconds ? new Date(seconds * 1000).toLocaleString() : "-"; }
function statusTag(status) { return el("span", { class: `status ${status}`, text: status, "data-status": status }); }
function plainLabel(text) { return String(text).replace(/</g, "‹").replace(/>/g, "›"); } // plotly reads its labels as markup

function table(columns, rows, options = {}) {
  const head = el("tr", {}, columns.map((c) => el("th", { class: c.text ? "text" : null, text: c.title })));
  const body = rows.map((r) => el("tr", { class: r._class || null },
    columns.map((c) => { const v = c.render ? c.render(r) : r[c.field]; return el("td", { class: c.text ? "text" : null }, v instanceof Node ? v : (v ?? "")); })));
  return el("table", { class: "plain", "data-table": options.name || null }, el("thead", {}, head), el("tbody", {}, body));
}

function clearTimers() { state.timers.forEach(clearTimeout); state.timers = []; }

async function schema() { return state.schema || (state.schema = await api("GET", "/api/schema")); }
async function kinds() { return state.kinds || (state.kinds = await api("GET", "/api/run-kinds")); }

/* ---- routing ------------------------------------------------------------------------------- */

async function route() {
  clearTimers();
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const main = document.getElementById("main");
  fill(main);
  document.querySelectorAll("header nav a").forEach((a) => a.classList.toggle("active", a.dataset.nav === (parts[0] || "instances")));
  try {
    if (location.pathname === "/login") return showLogin();
    if (!parts.length) return await instancesView(main);
    if (parts[0] === "instance") return await instanceView(main, parts[1], parts[2]);
    if (parts[0] === "runs") return await runsView(main);
    if (parts[0] === "run") return await runView(main, parts[1], parts[2]);
    if (parts[0] === "compare") return await compareView(main, parts[1]);
    add(main, el("p", { text: "Nothing here." }));
  } catch (error) { if (error.message !== "sign in first") say(error.message); }
}

function showLogin() {
  const main = document.getElementById("main");
  const token = el("input", { type: "password", name: "token", autocomplete: "off" });
  const name = el("input", { name: "name", autocomplete: "username" });
  const password = el("input", { type: "password", name: "password", autocomplete: "current-password" });
  const submit = async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/api/login", token.value ? { token: token.value } : { name: name.value, password: password.value }, { quiet401: true });
      say("");
      history.replaceState(null, "", "/#/");
      await route();
    } catch (error) { say(error.message); }
  };
  fill(main, el("form", { class: "panel login", onsubmit: submit },
    el("h1", { text: "Sign in" }), el("p", { class: "sub", text: "with the workspace's token, or your name and password" }),
    el("label", {}, "Token", token), el("p", { class: "muted small", text: "or" }),
    el("label", {}, "Name", name), el("label", {}, "Password", password),
    el("div", { class: "row" }, el("button", { type: "submit", text: "Sign in" }))));
}

/* ---- instances ----------------------------------------------------------------------------- */

async function instancesView(main) {
  const instances = await api("GET", "/api/instances");
  const file = el("input", { type: "file", accept: ".xlsx,.zip,.json", id: "upload-file", hidden: true,
    onchange: async () => { if (file.files.length) await upload(file.files[0]); } });
  const newInstance = async (path) => { const made = await api("POST", path); openVersion(made); };
  add(main, 
    el("h1", { text: "Instances" }),
    el("p", { class: "sub", text: "Upload a workbook, a zipped CSV folder or JSON; or start from the demo or an empty instance." }),
    el("div", { class: "row" },
      el("button", { id: "upload", onclick: () => file.click(), text: "Upload…" }), file,
      el("button", { class: "plain", id: "from-demo", onclick: () => newInstance("/api/instances/demo"), text: "Start from the demo" }),
      el("button", { class: "plain", id: "empty", onclick: () => newInstance("/api/instances/empty"), text: "Empty instance" }),
      el("a", { class: "button plain", href: "/api/template", download: "xborder-template.xlsx", text: "Download the empty template" })),
    instances.length ? table([
      { title: "instance", text: true, render: (r) => el("a", { href: `#/instance/${r.id}`, text: r.name }) },
      { title: "version", render: (r) => r.latest ? r.latest.number : "-" },
      { title: "valid", render: (r) => r.latest ? (r.latest.valid ? el("span", { class: "ok", text: "valid" }) : el("span", { class: "bad", text: `${r.latest.issues.length} problem(s)` })) : "-" },
      { title: "runs", field: "runs" },
      { title: "created", render: (r) => when(r.created_at) },
    ], instances, { name: "instances" }) : el("p", { class: "muted", text: "No instance yet." }));
}

async function upload(file) {
  const form = new FormData();
  form.append("file", file);
  try { openVersion(await api("POST", "/api/instances", form)); } catch (error) { say(`${file.name}: ${error.message}`); }
}

function openVersion(made) {
  const v = made.version;
  say(v.valid ? `version ${v.number} saved: valid` : `version ${v.number} saved: ${v.issues.length} problem(s) to fix`, "info");
  location.hash = `#/instance/${made.instance}/${v.hash}`;
}

async function instanceView(main, instanceId, versionHash) {
  const [instance, spec] = await Promise.all([api("GET", `/api/instances/${instanceId}`), schema()]);
  const version = instance.versions.find((v) => v.hash === versionHash) || instance.versions[0];
  const keys = await api("GET", `/api/versions/${version.hash}/keys`);
  const picker = el("select", { id: "version", onchange: () => { location.hash = `#/instance/${instanceId}/${picker.value}`; } },
    instance.versions.map((v) => el("option", { value: v.hash, selected: v.hash === version.hash || null,
      text: `version ${v.number}${v.valid ? "" : " (problems)"} – ${v.note || ""}` })));
  add(main, 
    el("h1", { text: instance.name }),
    el("div", { class: "row" }, picker,
      el("a", { class: "button plain", id: "download-workbook", href: `/api/versions/${version.hash}/workbook`, text: "Download workbook" }),
      el("span", { class: version.valid ? "ok" : "bad", id: "validity", text: version.valid ? "valid" : `${version.issues.length} problem(s)` })));
  const gridPanel = el("div", { class: "panel", id: "grid-panel" });
  const issues = issueList(version, (issue) => openTable(gridPanel, spec, version, keys, issue.table, issue));
  add(main, issues, gridPanel);
  openTable(gridPanel, spec, version, keys, version.issues.length ? version.issues[0].table : "settings");
  const runs = el("div", { id: "instance-runs" });
  add(main, el("h2", { text: "Run" }), await runForm(version, spec), el("h2", { text: "Runs of this instance" }), runs);
  await runList(runs, instanceId);
}

function issueList(version, open) {
  if (version.valid) return el("div");
  const items = version.issues.slice(0, 200).map((issue) => el("li", {},
    el("a", { onclick: () => open(issue), text: `${issue.table}${issue.row ? ` row ${issue.row}` : ""}${issue.column ? `, ${issue.column}` : ""}` }),
    `: ${issue.message}`));
  return el("div", { class: "panel", id: "issues" }, el("strong", { text: `${version.issues.length} problem(s) to fix before a run:` }),
    el("ul", { class: "issues" }, items));
}

/* ---- the grid ------------------------------------------------------------------------------ */

function openTable(panel, spec, version, keys, tableName, focus) {
  const names = ["settings", ...spec.tables.map((t) => t.name)];
  const withIssues = new Set(version.issues.map((i) => i.table));
  const tabs = el("div", { class: "tabs", id: "table-tabs" }, names.map((name) => el("button", {
    class: `${name === tableName ? "active" : ""} ${withIssues.has(name) ? "has-issues" : ""}`, "data-table": name,
    onclick: () => openTable(panel, spec, version, keys, name) }, name,
    el("span", { class: "n", text: name === "settings" ? "" : String(version.counts[name] || 0) }))));
  const body = el("div");
  fill(panel, tabs, body);
  if (tableName === "settings") return settingsForm(body, spec, version);
  return grid(body, spec.tables.find((t) => t.name === tableName), version, keys, focus);
}

function validatorFor(column) {
  return (cell, value) => {
    if (value === "" || value === null || value === undefined) return !column.required;
    if (column.kind === "number" || column.kind === "integer") {
      const x = Number(value);
      if (!Number.isFinite(x) || (column.kind === "integer" && !Number.isInteger(x))) return false;
      return { NONNEG: x >= 0, POSITIVE: x > 0, UNIT: x >= 0 && x <= 1, UNIT_OPEN_RIGHT: x >= 0 && x < 1, UNIT_OPEN_LEFT: x > 0 && x <= 1 }[column.range] ?? true;
    }
    return true;
  };
}

function editorFor(column, keys) {
  const values = column.choices || (column.keys ? keys[column.keys] : null);
  if (values) return { editor: "list", editorParams: { values: ["", ...values.map(String)], autocomplete: true, allowEmpty: true, listOnEmpty: true, freetext: !column.choices } };
  if (column.kind === "number" || column.kind === "integer") return { editor: "number", editorParams: { selectContents: true } };
  return { editor: "input", editorParams: { selectContents: true } };
}

function coerce(column, value) {
  if (value === "" || value === null || value === undefined) return null;
  if (column.kind === "bool") return value === true || value === "true";
  if (column.kind === "number" || column.kind === "integer") { const x = Number(value); return Number.isFinite(x) ? x : value; }
  return value;
}

function grid(body, spec, version, keys, focus) {
  const pending = { updates: {}, inserts: new Map(), deletes: new Set(), next: 1 };
  const issuesAt = new Map();
  const save = el("button", { id: "save-edits", disabled: true, text: "Save changes" });
  const count = () => Object.keys(pending.updates).length + pending.inserts.size + pending.deletes.size;
  const touched = () => { const n = count(); save.disabled = n === 0; save.textContent = n ? `Save changes (${n})` : "Save changes"; };
  const columns = spec.columns.map((c) => ({
    title: c.name, field: c.name, headerTooltip: `${c.kind}${c.required ? ", required" : c.default !== null ? `, default ${c.default}` : ""}. ${c.note}`,
    headerFilter: "input", ...editorFor(c, keys), validator: { type: validatorFor(c) },
    formatter: (cell) => {
      const problem = issuesAt.get(`${cell.getRow().getData()._row}/${c.name}`);
      cell.getElement().classList.toggle("cell-bad", Boolean(problem));
      cell.getElement().title = problem || "";
      const v = cell.getValue();
      return document.createTextNode(v === null || v === undefined ? "" : String(v));
    },
  }));
  const holder = el("div", { id: "grid", "data-table": spec.name });
  const tabulator = new Tabulator(holder, {
    height: "480px", layout: "fitDataStretch", index: "_id", validationMode: "blocking",
    pagination: true, paginationMode: "remote", paginationSize: 100, paginationSizeSelector: [25, 100, 500],
    sortMode: "remote", filterMode: "remote", selectableRows: true, placeholder: "no rows",
    ajaxURL: `/api/versions/${version.hash}/tables/${spec.name}`,
    ajaxURLGenerator: (url, config, params) => {
      const q = new URLSearchParams({ page: params.page || 1, size: params.size || 100 });
      if (params.sort && params.sort.length) { q.set("sort", params.sort[0].field); q.set("descending", params.sort[0].dir === "desc"); }
      if (params.filter && params.filter.length) q.set("filter", JSON.stringify(Object.fromEntries(params.filter.map((f) => [f.field, f.value]))));
      return `${url}?${q}`;
    },
    ajaxResponse: (url, params, response) => {
      issuesAt.clear();
      for (const i of response.issues) issuesAt.set(`${i.row}/${i.column}`, i.message);
      const rows = response.rows.map((r) => ({ ...r, ...(pending.updates[r._row] || {}), _id: `r${r._row}` }));
      return { last_page: response.last_page, data: rows.filter((r) => !pending.deletes.has(r._row)).concat([...pending.inserts.values()]) };
    },
    columns: [{ formatter: "rowSelection", titleFormatter: "rowSelection", headerSort: false, width: 36, hozAlign: "center" },
      { title: "#", field: "_row", headerSort: false, width: 64, formatter: (cell) => document.createTextNode(cell.getValue() ?? "new") }, ...columns],
  });
  tabulator.on("cellEdited", (cell) => {
    const data = cell.getRow().getData();
    const column = spec.columns.find((c) => c.name === cell.getField());
    const value = coerce(column, cell.getValue());
    if (data._new) pending.inserts.set(data._id, { ...data, [column.name]: value });
    else (pending.updates[data._row] = pending.updates[data._row] || {})[column.name] = value;
    cell.getElement().classList.add("cell-edited");
    touched();
  });
  const addRow = () => {
    const id = `n${pending.next++}`;
    const row = { _id: id, _new: true, _row: null };
    pending.inserts.set(id, row);
    tabulator.addRow(row, true).then((r) => { r.getElement().classList.add("row-new"); r.scrollTo(); });
    touched();
  };
  const remove = () => {
    for (const row of tabulator.getSelectedRows()) {
      const data = row.getData();
      if (data._new) pending.inserts.delete(data._id); else { pending.deletes.add(data._row); delete pending.updates[data._row]; }
      row.delete();
    }
    touched();
  };
  save.addEventListener("click", () => saveEdits(spec, version, pending));
  add(body, el("div", { class: "row" },
    el("strong", { text: spec.name }), el("span", { class: "muted small", text: `key: ${spec.key.join(", ")}` }),
    el("button", { class: "plain", id: "add-row", onclick: addRow, text: "Add row" }),
    el("button", { class: "plain", id: "delete-rows", onclick: remove, text: "Delete selected" }), save), holder);
  if (focus && focus.row) tabulator.on("tableBuilt", () => tabulator.setPage(Math.ceil(focus.row / 100)));
  return tabulator;
}

async function saveEdits(spec, version, pending) {
  const inserts = [...pending.inserts.values()].map((r) => Object.fromEntries(Object.entries(r).filter(([k, v]) => !k.startsWith("_") && v !== null && v !== "")));
  const updates = Object.entries(pending.updates).map(([row, values]) => ({ row: Number(row), values }));
  try {
    const made = await api("POST", `/api/versions/${version.hash}/edits`, { table: spec.name, updates, inserts, deletes: [...pending.deletes] });
    openVersion(made);
  } catch (error) { say(error.message); }
}

function settingsForm(body, spec, version) {
  // The form appears only once the version's values are in, so nothing typed is overwritten.
  api("GET", `/api/versions/${version.hash}/tables/settings?size=1000`).then((page) => {
    const current = {};
    for (const r of page.rows) current[r.key] = r.value;
    const inputs = spec.settings.map((s) => {
      const input = s.choices ? el("select", { name: s.key }, el("option", { value: "", text: `(default ${s.default ?? "none"})` }),
        s.choices.map((c) => el("option", { value: c, text: c }))) : el("input", { name: s.key, placeholder: s.default === null ? "none" : `default ${s.default}` });
      input.value = current[s.key] ?? "";
      return [s, input];
    });
    const save = async () => {
      const changed = {};
      for (const [s, input] of inputs) {
        const before = current[s.key] ?? "";
        if (String(before) !== input.value) changed[s.key] = input.value === "" ? null : coerce(s, input.value);
      }
      if (!Object.keys(changed).length) return say("no setting changed", "info");
      try { openVersion(await api("POST", `/api/versions/${version.hash}/edits`, { table: "settings", settings: changed })); } catch (error) { say(error.message); }
    };
    add(body, el("div", { class: "form-grid", id: "settings-form" },
      inputs.map(([s, input]) => el("label", { title: s.note }, s.key, input))),
    el("div", { class: "row" }, el("button", { id: "save-settings", onclick: save, text: "Save settings" })));
  }).catch((error) => say(error.message));
}

/* ---- starting runs ------------------------------------------------------------------------- */

async function runForm(version, spec) {
  const all = await kinds();
  const kind = el("select", { id: "run-kind" }, Object.keys(all).map((k) => el("option", { value: k, text: k })));
  const fields = el("div", { class: "form-grid", id: "run-options" });
  const scenarios = el("div", { id: "scenario-builder" });
  const inputs = new Map();
  const render = () => {
    inputs.clear();
    const chosen = all[kind.value];
    fill(fields, ...chosen.options.map((o) => {
      const input = optionInput(o);
      inputs.set(o.name, [o, input]);
      return el("label", { title: o.help }, o.name.replace(/_/g, " "), input);
    }));
    fill(scenarios);
    if (chosen.scenarios) scenarioBuilder(scenarios, spec, kind.value === "stochastic");
  };
  kind.addEventListener("change", render);
  render();
  const start = async () => {
    const options = {};
    for (const [name, [o, input]] of inputs) {
      const value = o.type === "bool" ? (input.value === "" ? null : input.value === "true") : input.value.trim();
      if (value === null || value === "") continue;
      options[name] = o.multiple ? value.split(/\s*\n\s*/).filter(Boolean) : (o.type === "number" || o.type === "integer") ? Number(value) : value;
    }
    const body = { version: version.hash, kind: kind.value, options };
    if (all[kind.value].scenarios) Object.assign(body, scenarios.collect());
    try {
      const run = await api("POST", "/api/runs", body);
      location.hash = `#/run/${run.id}`;
    } catch (error) { say(error.message); }
  };
  return el("div", { class: "panel", id: "run-form" },
    el("div", { class: "row" }, el("label", {}, "kind", kind),
      el("button", { id: "start-run", disabled: !version.valid || null, onclick: start, text: "Start run" }),
      version.valid ? null : el("span", { class: "bad small", text: "fix the problems first" })),
    fields, scenarios);
}

function optionInput(o) {
  if (o.type === "bool") {
    return el("select", { name: o.name }, el("option", { value: "", text: `(default${o.default === null ? "" : ` ${o.default}`})` }),
      el("option", { value: "true", text: "yes" }), el("option", { value: "false", text: "no" }));
  }
  if (o.type === "choice") return el("select", { name: o.name }, el("option", { value: "", text: o.required ? "(choose)" : "(default)" }), o.choices.map((c) => el("option", { value: c, text: c })));
  if (o.multiple) return el("textarea", { name: o.name, rows: 1, placeholder: "one per line" });
  return el("input", { name: o.name, type: o.type === "number" || o.type === "integer" ? "number" : "text", step: "any",
    placeholder: o.default === null || o.default === undefined ? "" : String(o.default) });
}

function scenarioBuilder(holder, spec, stochastic) {
  const tables = ["settings", ...spec.tables.map((t) => t.name)];
  const columnsOf = (t) => t === "settings" ? spec.settings.map((s) => s.key) : spec.tables.find((x) => x.name === t).columns.map((c) => c.name);
  const body = el("tbody");
  const addRow = (values = {}) => {
    const table = el("select", { name: "table" }, tables.map((t) => el("option", { value: t, text: t })));
    const column = el("select", { name: "column" });
    const fillColumns = () => fill(column, el("option", { value: "", text: "" }), ...columnsOf(table.value).map((c) => el("option", { value: c, text: c })));
    table.addEventListener("change", fillColumns);
    table.value = values.table || "lanes"; fillColumns(); column.value = values.column || "";
    const action = el("select", { name: "action" }, ["scale", "set", "add", "exclude", "include"].map((a) => el("option", { value: a, text: a })));
    action.value = values.action || "scale";
    const cells = [el("input", { name: "scenario", value: values.scenario || "" }), ...(stochastic ? [el("input", { name: "probability", type: "number", step: "any", value: values.probability ?? "" })] : []),
      table, action, column, el("input", { name: "value", value: values.value ?? "" }), el("input", { name: "where", value: values.where || "" })];
    const tr = el("tr", {}, cells.map((c) => el("td", {}, c)), el("td", {}, el("button", { class: "plain", onclick: () => tr.remove(), text: "×" })));
    add(body, tr);
  };
  const head = ["scenario", ...(stochastic ? ["probability"] : []), "table", "action", "column", "value (FROM:TO:STEP sweeps)", "where (col=v|v;col=v)", ""];
  const sweep = sweepForm(spec, (row) => addRow(row));
  const draw = stochastic ? el("div", { class: "row" }, el("label", {}, "or draw scenarios: count", el("input", { name: "draw-count", type: "number", min: 2 })),
    el("label", {}, "seed", el("input", { name: "draw-seed", type: "number", value: 0 }))) : null;
  holder.collect = () => {
    const count = holder.querySelector("[name=draw-count]");
    if (count && count.value) return { draw: { count: Number(count.value), seed: Number(holder.querySelector("[name=draw-seed]").value || 0) } };
    const rows = [...body.querySelectorAll("tr")].map((tr) => Object.fromEntries([...tr.querySelectorAll("input, select")].map((i) => [i.name, i.value]).filter(([, v]) => v !== "")));
    return { scenarios: rows };
  };
  add(holder, el("h3", { text: "Scenarios" }),
    el("table", { class: "plain scenario-rows" }, el("thead", {}, el("tr", {}, head.map((h) => el("th", { class: "text", text: h })))), body),
    el("div", { class: "row" }, el("button", { class: "plain", id: "add-scenario-row", onclick: () => addRow(), text: "Add override row" })),
    sweep, draw);
}

function sweepForm(spec, add) {
  const input = (name, attrs = {}) => el("input", { name, ...attrs });
  const name = input("sweep-name", { value: "sweep" }), table = input("sweep-table", { value: "lanes" }), column = input("sweep-column", { value: "cost_per_m3" });
  const action = el("select", { name: "sweep-action" }, ["scale", "set", "add"].map((a) => el("option", { value: a, text: a })));
  const where = input("sweep-where", { value: "mode=sea_freight" }), from = input("sweep-from", { type: "number", step: "any", value: 1 });
  const to = input("sweep-to", { type: "number", step: "any", value: 1.5 }), step = input("sweep-step", { type: "number", step: "any", value: 0.1 });
  const make = () => add({ scenario: name.value, table: table.value, action: action.value, column: column.value, value: `${from.value}:${to.value}:${step.value}`, where: where.value });
  return el("div", { class: "panel", id: "sweep-form" }, el("strong", { text: "Sweep one parameter (one scenario per point)" }),
    el("div", { class: "form-grid" }, el("label", {}, "name", name), el("label", {}, "table", table), el("label", {}, "column", column),
      el("label", {}, "action", action), el("label", {}, "where", where), el("label", {}, "from", from), el("label", {}, "to", to), el("label", {}, "step", step)),
    el("div", { class: "row" }, el("button", { class: "plain", id: "add-sweep", onclick: make, text: "Add sweep" })));
}

/* ---- runs ---------------------------------------------------------------------------------- */

async function runList(holder, instanceId) {
  const runs = await api("GET", `/api/runs${instanceId ? `?instance=${instanceId}` : ""}`);
  const pick = (r) => el("input", { type: "checkbox", name: "compare", value: r.id, checked: state.compare.has(r.id) || null,
    onchange: (e) => { e.target.checked ? state.compare.add(r.id) : state.compare.delete(r.id); sessionStorage.setItem("compare", JSON.stringify([...state.compare])); } });
  fill(holder, runs.length ? table([
    { title: "compare", render: (r) => (r.kind === "solve" && r.status !== "failed") ? pick(r) : "" },
    { title: "run", text: true, render: (r) => el("a", { href: `#/run/${r.id}`, text: `${r.kind} ${r.id.slice(0, 8)}` }) },
    { title: "status", render: (r) => statusTag(r.status) },
    { title: "objective", render: (r) => r.summary && r.summary.objective !== undefined ? number(r.summary.objective) : "-" },
    { title: "checked", render: (r) => r.summary && r.summary.checked !== undefined && r.summary.checked !== null ? (r.summary.checked ? "passed" : "FAILED") : "-" },
    { title: "options", text: true, render: (r) => Object.entries(r.options).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ") },
    { title: "started", render: (r) => when(r.created_at) },
  ], runs, { name: "runs" }) : el("p", { class: "muted", text: "No run yet." }),
  el("div", { class: "row" }, el("button", { class: "plain", id: "compare-selected", text: "Compare selected",
    onclick: () => { location.hash = `#/compare/${[...state.compare].join(",")}`; } })));
  if (runs.some((r) => ACTIVE.includes(r.status))) state.timers.push(setTimeout(() => runList(holder, instanceId).catch(() => {}), 1500));
}

async function runsView(main) {
  const holder = el("div");
  add(main, el("h1", { text: "Runs" }), holder);
  await runList(holder, null);
}

async function runView(main, runId, planName) {
  const run = await api("GET", `/api/runs/${runId}`);
  const head = el("div", { id: "run-head" });
  const progress = el("pre", { class: "progress", id: "progress" });
  const results = el("div", { id: "results" });
  add(main, el("h1", { text: `${run.kind} run ${run.id.slice(0, 8)}` }),
    el("p", { class: "sub" }, el("a", { href: `#/instance/${run.instance_id}/${run.version_hash}`, text: "the instance version it solves" })),
    head, el("h2", { text: "Progress" }), progress, results);
  const refresh = async () => {
    const now = await api("GET", `/api/runs/${runId}`);
    drawRunHead(head, now);
    progress.textContent = now.progress || "(waiting for a worker)";
    progress.scrollTop = progress.scrollHeight;
    if (ACTIVE.includes(now.status)) { state.timers.push(setTimeout(() => refresh().catch((e) => say(e.message)), 1000)); return; }
    await drawResults(results, now, planName);
  };
  await refresh();
}

function drawRunHead(head, run) {
  const summary = run.summary || {};
  const cancel = el("button", { class: "danger", id: "cancel-run", text: run.status === "cancelling" ? "Stopping…" : "Cancel",
    disabled: run.status === "cancelling" || null,
    onclick: async () => { await api("POST", `/api/runs/${run.id}/cancel`); say("asked to stop; the best plan so far is kept", "info"); } });
  fill(head, el("div", { class: "row" }, "status: ", statusTag(run.status), ACTIVE.includes(run.status) ? cancel : null,
    el("span", { class: "muted small", text: `options: ${JSON.stringify(run.options)}` })),
  summary.headline ? el("p", { id: "headline", text: summary.headline }) : null,
  run.error ? el("pre", { class: "panel bad", id: "run-error", text: run.error }) : null);
}

async function drawResults(holder, run, planName) {
  const files = await api("GET", `/api/runs/${run.id}/files`);
  const shown = files.filter((f) => !f.name.startsWith("out/") || f.name.split("/").length <= 2);
  fill(holder, el("h2", { text: "Files" }), el("div", { class: "row small", id: "files" }, shown.map((f) =>
    el("a", { class: "button plain", href: `/api/runs/${run.id}/files/${f.name.split("/").map(encodeURIComponent).join("/")}`, "data-file": f.name, text: f.name }))));
  if (run.kind !== "solve" && run.kind !== "explain") {
    try { await studyView(run, holder); } catch (error) { if (error.status !== 404) say(error.message); }
  }
  if (run.kind === "explain") {
    const text = files.find((f) => f.name === "stdout.txt");
    if (text) add(holder, el("h2", { text: "Explanation" }), el("pre", { class: "panel", id: "explanation", text: await (await api("GET", `/api/runs/${run.id}/files/stdout.txt`, undefined, { raw: true })).text() }));
  }
  const plans = await api("GET", `/api/runs/${run.id}/plans`);
  if (!plans.length) return;
  const chosen = plans.includes(planName) ? planName : plans[0];
  const picker = el("select", { id: "plan-picker", onchange: () => { location.hash = `#/run/${run.id}/${encodeURIComponent(picker.value)}`; } },
    plans.map((p) => el("option", { value: p, text: p, selected: p === chosen || null })));
  const holderPlan = el("div", { id: "plan" });
  add(holder, el("h2", { text: "Plan" }), plans.length > 1 ? el("div", { class: "row" }, "plan: ", picker) : null, holderPlan);
  drawPlan(holderPlan, await api("GET", `/api/runs/${run.id}/plans/${encodeURIComponent(chosen)}`), run.id);
}

/* ---- plan views ---------------------------------------------------------------------------- */

function drawPlan(holder, plan, runId) {
  const cur = plan.currency, k = plan.kpis;
  const cards = [[plan.kind, money(plan.objective, cur)], ["revenue", money(k.revenue, cur)], ["total cost", money(k.total_cost, cur)],
    ["markets entered", k.markets_entered], ["warehouses open", k.warehouses_open], ["units sold", number(k.units)],
    ["average lead time", k.avg_lead_time_days === null ? "-" : `${number(k.avg_lead_time_days, 2)} days`],
    ["payment loss rate", percent(k.payment_loss_rate, 2)], ["status", plan.status],
    ["independent check", plan.check.passed ? "passed" : `FAILED (${plan.check.violations.length})`]];
  const mapDiv = el("div", { class: "map", id: `map-${runId || "x"}` });
  const useDiv = el("div", { class: "chart", id: "warehouse-use" });
  fill(holder, 
    el("div", { class: "cards", id: "kpis" }, cards.map(([key, value]) => el("div", { class: "card" }, el("div", { class: "v", text: value }), el("div", { class: "k", text: key })))),
    el("h2", { text: "The plan in words" }), el("ul", { class: "words", id: "words" }, plan.words.map((w) => el("li", { text: w }))),
    el("h2", { text: "Network" }), mapDiv, plan.map.unplaced.length ? el("p", { class: "muted small", text: `not on the map (no known place): ${plan.map.unplaced.join(", ")}` }) : null,
    el("h2", { text: "Profit and loss per market" }), marketTable(plan),
    el("h2", { text: "Channels" }), channelTable(plan),
    el("h2", { text: "Warehouse use by period" }), plan.warehouses.length ? useDiv : el("p", { class: "muted", text: "No open warehouse with a capacity." }),
    el("h2", { text: "Marginal values" }), plan.marginal.length ? el("ul", { id: "marginal" }, plan.marginal.map((m) => el("li", { text: m }))) : el("p", { class: "muted", text: "No limit binds at the plan." }));
  drawMap(mapDiv, plan.map);
  if (plan.warehouses.length) drawUse(useDiv, plan.warehouses);
}

function marketTable(plan) {
  const cur = plan.currency, m = plan.markets;
  const cols = [["market", "market"], ["revenue", "revenue"], ["goods", "goods"], ["freight, duties, handling", "freight"], ["payment loss", "payment_loss"],
    ["FX", "fx"], ["payment fees", "payment_fees"], ["refused orders", "refused_orders"], ["returns", "returns"],
    ["contribution", "contribution"], ["entry", "entry"], ["channels", "channel_spend"], ["listings", "listings"],
    ["mitigation", "mitigation"], ["payment methods", "payment_integration"], ["compliance share", "compliance_share"], ["customer data", "data_protection"], ["net", "net"]];
  const rows = [...m.rows, { market: "shared", net: -m.shared, _class: "shared" }, { market: "profit", net: m.profit, _class: "total" }];
  return el("div", {}, table(cols.map(([title, field]) => ({ title, text: field === "market",
    render: (r) => field === "market" ? r.market : (r[field] === undefined ? "" : money(r[field])) })), rows, { name: "markets" }),
  el("p", { class: "muted small", text: `money in ${cur}. "shared": ${m.shared_note}, which no one market carries.` }));
}

function channelTable(plan) {
  if (!plan.channels.length) return el("p", { class: "muted", text: "No channel runs." });
  return el("div", {}, table([{ title: "market", field: "market", text: true }, { title: "channel", field: "channel", text: true },
    { title: "spend", render: (r) => money(r.spend) }, { title: "units (attributed)", render: (r) => number(r.units) },
    { title: "revenue (attributed)", render: (r) => money(r.revenue) }, { title: "return on spend", render: (r) => r.return_on_spend === null ? "-" : `${number(r.return_on_spend, 2)}x` }],
  plan.channels, { name: "channels" }), el("p", { class: "muted small", text: "A product-market's units are attributed to its organic demand and the channels running there in proportion to the demand each can bring." }));
}

function mapTraces(map, highlight) {
  const at = Object.fromEntries(map.nodes.map((n) => [n.id, n]));
  const maxUnits = Math.max(1, ...map.lanes.map((l) => l.units));
  const traces = [];
  const seen = new Set();
  for (const lane of map.lanes) {
    const a = at[lane.from], b = at[lane.to];
    if (!a || !b) continue;
    const changed = highlight && highlight.added.has(`${lane.from}>${lane.to}>${lane.mode}`);
    traces.push({ type: "scattergeo", mode: "lines", lon: [a.lon, b.lon], lat: [a.lat, b.lat], name: lane.mode, legendgroup: lane.mode, showlegend: !seen.has(lane.mode),
      line: { width: 1 + 7 * lane.units / maxUnits, color: changed ? "#0f9d58" : (MODE_COLOURS[lane.mode] || "#555") }, opacity: 0.75,
      hoverinfo: "text", text: plainLabel(`${lane.from} → ${lane.to} by ${lane.mode}: ${number(lane.units)} units${changed ? " (new)" : ""}`) });
    seen.add(lane.mode);
  }
  for (const lane of (highlight ? highlight.dropped : [])) {
    const a = at[lane.from] || highlight.nodes[lane.from], b = at[lane.to] || highlight.nodes[lane.to];
    if (!a || !b) continue;
    traces.push({ type: "scattergeo", mode: "lines", lon: [a.lon, b.lon], lat: [a.lat, b.lat], name: "dropped", legendgroup: "dropped", showlegend: !seen.has("dropped"),
      line: { width: 2, color: "#d93025", dash: "dot" }, hoverinfo: "text", text: plainLabel(`${lane.from} → ${lane.to} by ${lane.mode}: dropped`) });
    seen.add("dropped");
  }
  const groups = [["origin", true, "star", "#111", "origin hub"], ["origin", false, "star-open", "#98a2ad", "origin not used"], ["warehouse", true, "square", "#2b6cb0", "warehouse open"], ["warehouse", false, "square-open", "#98a2ad", "warehouse closed"],
    ["market", true, "circle", "#c05621", "market entered"], ["market", false, "circle-open", "#98a2ad", "market not entered"]];
  for (const [kind, active, symbol, colour, name] of groups) {
    const nodes = map.nodes.filter((n) => n.kind === kind && n.active === active);
    if (!nodes.length) continue;
    traces.push({ type: "scattergeo", mode: "markers+text", lon: nodes.map((n) => n.lon), lat: nodes.map((n) => n.lat), name,
      text: nodes.map((n) => plainLabel(n.id)), textposition: "top center", marker: { size: kind === "origin" ? 14 : 10, symbol, color: colour }, hoverinfo: "text" });
  }
  return traces;
}

function drawMap(div, map, highlight) {
  Plotly.newPlot(div, mapTraces(map, highlight), {
    margin: { l: 0, r: 0, t: 10, b: 0 }, legend: { orientation: "h" },
    geo: { projection: { type: "natural earth" }, showcountries: true, countrycolor: "#c9d1d9", showland: true, landcolor: "#f3f1ec", showocean: true, oceancolor: "#eef5fb" },
  }, { topojsonURL: "/static/vendor/", displaylogo: false, responsive: true });
}

function drawUse(div, rows) {
  const byWarehouse = {};
  for (const r of rows) (byWarehouse[r.warehouse] = byWarehouse[r.warehouse] || []).push(r);
  Plotly.newPlot(div, Object.entries(byWarehouse).map(([w, rs]) => ({ type: "bar", name: plainLabel(w), x: rs.map((r) => plainLabel(r.period)), y: rs.map((r) => 100 * r.use) })),
    { barmode: "group", yaxis: { title: "% of the period's capacity" }, margin: { t: 10 }, height: 320 }, { displaylogo: false, responsive: true });
}

async function studyView(run, holder) {
  const study = await api("GET", `/api/runs/${run.id}/study`);
  const box = el("div", { id: "study" }, el("h2", { text: { scenarios: "Scenario comparison", tradeoff: "Trade-off", alternatives: "Alternatives", stochastic: "Scenarios of the two-stage plan" }[run.kind] }));
  const wanted = ["scenario", "rank", "limit", "value", "probability", "swept_value", "status", "objective", "objective_vs_base", "gap_to_best", "checked", "markets_entered", "warehouses_open", "changes", "changes_vs_best", "diagnosis"];
  const columns = wanted.filter((c) => study.columns.includes(c)).map((c) => ({ title: c.replace(/_/g, " "), text: ["scenario", "status", "changes", "changes_vs_best", "diagnosis"].includes(c),
    render: (r) => typeof r[c] === "number" ? (Math.abs(r[c]) >= 100 ? number(r[c]) : number(r[c], 4)) : (r[c] === null ? "" : String(r[c])) }));
  add(box, table(columns, study.rows, { name: "study" }));
  const chart = el("div", { class: "chart", id: "study-chart" });
  add(box, chart);
  add(holder, box);  // in the page before plotting, so that the chart takes the page's width
  const rows = study.rows;
  if (run.kind === "scenarios" && rows.some((r) => r.swept_value !== null && r.swept_value !== undefined)) {
    const swept = rows.filter((r) => r.swept_value !== null && r.swept_value !== undefined);
    Plotly.newPlot(chart, [{ type: "scatter", mode: "lines+markers", x: swept.map((r) => r.swept_value), y: swept.map((r) => r.objective), name: plainLabel(swept[0].swept || "sweep"), text: swept.map((r) => plainLabel(r.scenario)) },
      { type: "scatter", mode: "lines", x: [swept[0].swept_value, swept[swept.length - 1].swept_value], y: [rows[0].objective, rows[0].objective], name: "base", line: { dash: "dot" } }],
    { title: { text: "The objective against the swept value" }, xaxis: { title: { text: plainLabel(swept[0].swept || "swept value") } }, yaxis: { title: { text: "objective" } }, height: 380 }, { displaylogo: false, responsive: true });
  } else if (run.kind === "tradeoff") {
    Plotly.newPlot(chart, [{ type: "scatter", mode: "lines+markers", x: rows.map((r) => r.value), y: rows.map((r) => r.objective) }],
      { title: { text: "Efficient frontier" }, xaxis: { title: { text: rows.length ? `${rows[0].measure} (${rows[0].unit})` : "" } }, yaxis: { title: { text: "objective" } }, height: 380 }, { displaylogo: false, responsive: true });
  } else {
    const label = rows.map((r) => plainLabel(r.scenario ?? `plan ${r.rank}`));
    Plotly.newPlot(chart, [{ type: "bar", x: label, y: rows.map((r) => r.objective) }], { title: { text: "Objective" }, height: 340 }, { displaylogo: false, responsive: true });
  }
}

/* ---- comparing runs ------------------------------------------------------------------------ */

async function compareView(main, list) {
  const chosen = (list || [...state.compare].join(",")).split(",").filter(Boolean);
  add(main, el("h1", { text: "Compare runs" }));
  if (chosen.length < 2) {
    add(main, el("p", { class: "muted", text: "Tick two or more solve runs in a run list, then Compare selected." }));
    return;
  }
  const result = await api("GET", `/api/compare?plans=${encodeURIComponent(chosen.join(","))}`);
  const labels = result.plans.map((p) => p.label);
  const kpiNames = Object.keys(result.plans[0].kpis);
  add(main, el("h2", { text: "KPIs" }), table([{ title: "KPI", field: "kpi", text: true }, ...labels.map((l, i) => ({ title: l, render: (r) => r.values[i] }))],
    kpiNames.map((k) => ({ kpi: k.replace(/_/g, " "), values: result.plans.map((p) => /rate/.test(k) ? percent(p.kpis[k], 2) : number(p.kpis[k], /lead/.test(k) ? 2 : 0)) })), { name: "compare-kpis" }));
  for (const change of result.changes) {
    const lines = Object.entries(change.changes).flatMap(([kind, d]) => [...d.added.map((x) => ["+", kind, x]), ...d.dropped.map((x) => ["-", kind, x])]);
    const strategic = lines.filter(([, kind]) => kind !== "product_markets");
    const products = lines.length - strategic.length;
    add(main, el("h2", { text: `${change.name} against ${labels[0]}` }),
      el("ul", { class: "changes", "data-plan": change.name }, strategic.map(([sign, kind, x]) => el("li", { class: sign === "+" ? "diff-add" : "diff-drop", text: `${sign} ${kind.replace(/s$/, "")} ${x}` })),
        products ? el("li", { class: "muted", text: `${products} product-market change(s)` }) : null, lines.length ? null : el("li", { text: "no decision changed" })));
  }
  const maps = el("div", { class: "side-by-side", id: "compare-maps" });
  add(main, el("h2", { text: "Networks (new lanes in green, dropped lanes dotted red)" }), maps);
  const divs = result.plans.map((p, i) => el("div", { class: "map", id: `compare-map-${i}` }));
  result.plans.forEach((p, i) => add(maps, el("div", {}, el("strong", { text: p.label }), divs[i])));  // laid out first, then drawn at their width
  result.plans.forEach((p, i) => {
    const diff = i === 0 ? null : result.changes[i - 1].map;
    const highlight = diff ? { added: new Set(diff.lanes_added.map((l) => `${l.from}>${l.to}>${l.mode}`)), dropped: diff.lanes_dropped,
      nodes: Object.fromEntries(result.plans[0].map.nodes.map((n) => [n.id, n])) } : null;
    drawMap(divs[i], p.map, highlight);
  });
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", route);
