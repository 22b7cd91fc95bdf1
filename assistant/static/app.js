// 述评助手: the page. Plain JavaScript, no library, nothing fetched from a network.
// Every call goes to the JSON endpoints under /api with the session token in a header.
"use strict";

const TOKEN = document.querySelector('meta[name="shuping-token"]').content;
const $ = (sel) => document.querySelector(sel);
let current = null;        // the workbook picked: {path, name, folder, output, ...}
let steps = [];
let running = false;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(method, url, data) {
  const options = {method, headers: {"X-Shuping-Token": TOKEN}};
  if (data !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(data);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (e) {
    return {status: "error", messages: ["无法连接述评助手：启动它的窗口可能已关闭。请重新运行 shuping app。"]};
  }
  let body = {};
  try { body = await response.json(); } catch (e) { body = {status: "error", messages: ["服务器返回了无法识别的内容。"]}; }
  if (!response.ok && !body.status) body.status = "error";
  body.httpStatus = response.status;
  return body;
}

// --- picking the workbook -----------------------------------------------------------------------
function say(where, text, kind) {
  where.textContent = text || "";
  where.className = "message" + (kind ? " " + kind : "");
}

async function loadRecent() {
  const data = await api("GET", "/api/recent");
  const list = $("#recent");
  list.replaceChildren();
  for (const wb of data.recent || []) {
    list.append(el("li", {},
      el("a", {href: "#", class: "recent-link", onclick: (e) => { e.preventDefault(); pick(wb.path); }}, wb.name),
      el("span", {class: "muted"}, "  " + wb.folder), wb.exists ? "" : el("span", {class: "bad"}, "（已不存在）")));
  }
  if (!list.children.length) list.append(el("li", {class: "muted"}, "还没有"));
}

async function pick(path) {
  const data = await api("POST", "/api/workbook", {path});
  if (data.status === "error") return say($("#picker-message"), data.messages.join(" "), "bad");
  if (!data.exists || data.warning && !data.open_elsewhere) return say($("#picker-message"), data.warning, "bad");
  current = data;
  showMeeting();
}

async function browse(target, kind, dir) {
  const box = typeof target.box === "string" ? $(target.box) : target.box;
  const url = "/api/browse?kind=" + kind + (dir ? "&dir=" + encodeURIComponent(dir) : "");
  const data = await api("GET", url);
  box.hidden = false;
  box.replaceChildren();
  if (data.status === "error") { box.append(el("p", {class: "bad"}, data.messages.join(" "))); return; }
  const head = el("div", {class: "browser-head"},
    el("strong", {class: "ico-folder"}, data.dir),
    data.parent ? el("button", {class: "ghost small", onclick: () => browse(target, kind, data.parent)}, "上一级") : "",
    kind === "folder" ? el("button", {class: "primary small", onclick: () => { target.choose(data.dir); box.hidden = true; }}, "选这个文件夹") : "",
    el("button", {class: "ghost small", onclick: () => { box.hidden = true; }}, "关闭"));
  const list = el("ul", {class: "browser-list"});
  for (const f of data.folders) {
    list.append(el("li", {}, el("a", {href: "#", class: "folder ico-folder", onclick: (e) => { e.preventDefault(); browse(target, kind, f.path); }}, f.name)));
  }
  for (const f of data.files) {
    list.append(el("li", {}, el("a", {href: "#", class: "file ico-file", onclick: (e) => { e.preventDefault(); box.hidden = true; target.choose(f.path); }}, f.name)));
  }
  if (!data.folders.length && !data.files.length) list.append(el("li", {class: "muted"}, "（空）"));
  box.append(head, list);
}

async function newWorkbook(demo) {
  const path = $("#new-input").value.trim();
  const data = await api("POST", "/api/new", {path, demo});
  if (data.status === "error") return say($("#picker-message"), data.messages.join(" "), "bad");
  current = data;
  showMeeting();
}

// --- the meeting: card, step buttons, panel -----------------------------------------------------
function openButton(path, label) {
  return el("button", {class: "ghost small open", dataset: {path}, onclick: async () => {
    const r = await api("POST", "/api/open", {path});
    flash(r.status === "error" ? r.messages.join(" ") : r.messages[0], r.status === "error" ? "bad" : "ok");
  }}, label);
}

function flash(text, kind) {
  const box = $("#flash") || el("div", {id: "flash"});
  box.className = "flash " + (kind || "");
  box.textContent = text;
  if (!box.isConnected) document.body.append(box);
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => box.remove(), 4000);
}

async function refreshCard() {
  const info = await api("GET", "/api/workbook?path=" + encodeURIComponent(current.path));
  if (info.status !== "error") current = info;
  const card = $("#card");
  card.replaceChildren(
    el("div", {class: "card-name ico-book"}, current.name),
    el("div", {class: "muted"}, current.folder),
    el("div", {class: "card-actions"},
      openButton(current.path, "用 Excel/WPS 打开工作簿"),
      openButton(current.folder, "打开所在文件夹"),
      current.output_exists ? openButton(current.output, "打开成果文件夹") : ""),
    current.warning ? el("div", {id: "lock-warning", class: "warning"}, "⚠ " + current.warning) : "");
  $("#current").textContent = current.name;
}

const HELP = "按从上到下的顺序，就是一年中各步的先后；标“（唱票时用）”的一步只在唱票计票时需要。标“改”的步骤会修改工作簿，修改前自动备份。";

function showMeeting() {
  $("#picker").hidden = true;
  $("#meeting").hidden = false;
  $("#change-btn").hidden = false;
  const nav = $("#steps");
  nav.replaceChildren();
  steps.forEach((s, k) => {
    nav.append(el("button", {class: "step" + (s.when ? " optional" : ""), dataset: {step: s.step}, title: s.help, onclick: () => chooseStep(s)},
      el("span", {class: "num"}, String(k + 1)), el("span", {class: "label"}, s.label + (s.when ? "（" + s.when + "）" : "")),
      s.edits ? el("span", {class: "edits", title: "会修改工作簿（先自动备份）"}, "改") : ""));
  });
  // what the marks on the buttons mean, said on the page (not only on hover)
  nav.append(el("p", {id: "legend", class: "hint legend"},
    el("span", {class: "edits"}, "改"), "：这一步会修改工作簿（修改前自动备份）；没有这个标记的步骤不修改工作簿。",
    el("br"), "“（唱票时用）”：只在唱票计票（只录入各类别的汇总票数）时需要；逐张录入评议票时跳过这一步。"));
  $("#panel-title").textContent = "请在左侧点一个步骤";
  $("#panel-help").textContent = HELP;
  $("#form").replaceChildren();
  $("#result").replaceChildren();
  refreshCard();
}

function field(label, input) { return el("label", {class: "field"}, el("span", {}, label), input); }

function pathField(id, label, kind, placeholder) {
  const input = el("input", {id, type: "text", placeholder: placeholder || ""});
  const box = el("div", {class: "browser", hidden: true});
  const target = {box, choose: (p) => { input.value = p; }};
  return el("div", {class: "field"}, el("span", {}, label),
    el("div", {class: "row"}, input, el("button", {class: "ghost", onclick: () => browseIn(target, kind)}, "浏览…")), box);
}

function browseIn(target, kind) {
  browse(target, kind, current.folder);
}

const FORMS = {
  import_comments: () => [pathField("speech-input", "点评讲话稿（.docx 或 .txt）", "speech"),
    field("点评人（可不填）", el("input", {id: "reviewer-input", type: "text"})),
    el("label", {class: "check"}, el("input", {id: "dry-run-input", type: "checkbox"}), " 只预演，不修改工作簿")],
  ledger_merge: () => [pathField("folder-input", "各单位发回的整改台账所在文件夹", "folder")],
  carry: () => [pathField("old-input", "上一年度的工作簿", "xlsx")],
  progress: () => [field("统计日期（如 2024-07-01，不填为今天）", el("input", {id: "as-of-input", type: "text", placeholder: "年-月-日"}))],
};

function params(step) {
  const v = (id) => { const n = document.getElementById(id); return n ? n.value.trim() : ""; };
  switch (step) {
    case "import_comments": return {speech: v("speech-input"), reviewer: v("reviewer-input"), dry_run: $("#dry-run-input").checked};
    case "ledger_merge": return {folder: v("folder-input")};
    case "carry": return {old: v("old-input")};
    case "progress": return {as_of: v("as-of-input")};
    default: return {};
  }
}

function chooseStep(s) {
  if (running) return flash("请等当前步骤完成。", "bad");
  for (const b of document.querySelectorAll(".step")) b.classList.toggle("active", b.dataset.step === s.step);
  $("#panel-title").textContent = s.label;
  $("#panel-help").textContent = s.help;
  $("#result").replaceChildren();
  const form = $("#form");
  form.replaceChildren();
  if (FORMS[s.step]) {
    form.append(...FORMS[s.step](), el("button", {id: "run-btn", class: "primary", onclick: () => run(s.step, params(s.step))}, "运行：" + s.label));
  } else {
    run(s.step, {});
  }
}

async function run(step, p) {
  if (running) return;
  running = true;
  document.body.classList.add("busy");
  const box = $("#progress");
  box.hidden = false;
  box.replaceChildren(el("span", {class: "spinner"}), el("span", {id: "progress-text"}, "正在处理…"));
  $("#result").replaceChildren();
  const started = await api("POST", "/api/run/" + step, {path: current.path, params: p});
  if (started.status === "error") {
    finish();
    return render({status: "error", messages: started.messages});
  }
  let job = started;
  while (job.state === "running") {
    await new Promise((r) => setTimeout(r, 250));
    job = await api("GET", "/api/job/" + started.id);
    if (job.status === "error") break;
    const last = (job.progress || []).slice(-1)[0] || "正在处理…";
    $("#progress-text").textContent = last + "（已用 " + Math.round(job.seconds) + " 秒）";
  }
  finish();
  render(job.result || job);
  refreshCard();
}

function finish() {
  running = false;
  document.body.classList.remove("busy");
  $("#progress").hidden = true;
}

// --- what a step says ---------------------------------------------------------------------------
const STATUS_WORDS = {done: "完成", problems: "有问题需要处理", error: "未能完成"};

function table(t) {
  const head = el("tr", {}, t.header.map((h) => el("th", {}, h)));
  const body = t.rows.map((row) => el("tr", {}, row.map((v) => el("td", {}, v === null ? "" : v))));
  return el("div", {class: "table-box"}, el("h3", {}, t.title), t.note ? el("p", {class: "hint"}, t.note) : "",
    el("table", {class: "data", dataset: {key: t.key || ""}}, el("thead", {}, head), el("tbody", {}, body)));
}

function issuesTable(issues) {
  const head = el("tr", {}, ["级别", "位置", "问题", "怎么改"].map((h) => el("th", {}, h)));
  const rows = issues.map((i) => el("tr", {class: i.error ? "error" : "warn"},
    el("td", {}, i.level), el("td", {class: "cell"}, i.sheet + (i.cell ? "!" + i.cell : "")),
    el("td", {}, i.message), el("td", {class: "fix"}, i.fix)));
  return el("div", {class: "table-box"}, el("h3", {}, "问题清单（" + issues.length + " 处）"),
    el("p", {class: "hint"}, "在 Excel 或 WPS 中打开工作簿，按“位置”找到单元格改正，保存后再点“检查数据”。"),
    el("table", {id: "issues", class: "data issues"}, el("thead", {}, head), el("tbody", {}, rows)));
}

function render(r) {
  const box = $("#result");
  box.replaceChildren();
  const status = r.status || "error";
  box.append(el("div", {id: "status", class: "status " + status, dataset: {status}},
    (STATUS_WORDS[status] || status) + (r.seconds ? "（用时 " + r.seconds + " 秒）" : "")));
  if (r.messages && r.messages.length) box.append(el("ul", {id: "messages", class: "messages"}, r.messages.map((m) => el("li", {}, m))));
  if (r.issues && r.issues.length) box.append(issuesTable(r.issues));
  for (const t of r.tables || []) box.append(table(t));
  if (r.confirm) box.append(confirmBox(r));      // after what is to be confirmed
  if (r.charts && r.charts.length) {
    const charts = el("div", {class: "charts", id: "charts"});
    for (const c of r.charts) {
      const figure = el("figure", {class: "chart-box"});
      figure.innerHTML = c.svg;        // drawn by the server from the count, every text escaped
      charts.append(figure);
    }
    box.append(el("h3", {}, "统计图"), charts);
  }
  if (r.files && r.files.length || r.folder) {
    const list = el("ul", {id: "files", class: "files"});
    for (const f of r.files || []) {
      list.append(el("li", {}, el("span", {class: "ico-file"}, f.name), openButton(f.path, "打开"),
        el("a", {class: "download", href: "/api/file?path=" + encodeURIComponent(f.path)}, "下载")));
    }
    box.append(el("h3", {}, "生成的文件"), r.folder ? openButton(r.folder, "打开成果文件夹") : "", list);
  }
}

function confirmBox(r) {
  const c = r.confirm;
  if (c.action === "notices") {
    return el("div", {class: "confirm", id: "confirm"},
      el("h3", {}, "核对无误后生成"),
      el("div", {class: "row"},
        field("成文日期（如 2024-01-25，不填为今天）", el("input", {id: "date-input", type: "text", placeholder: "年-月-日"})),
        field("密级/标注（可不填）", el("input", {id: "mark-input", type: "text", placeholder: "如 内部资料"})),
        field("抄送（可不填）", el("input", {id: "cc-input", type: "text"}))),
      el("label", {class: "check"}, el("input", {id: "confirm-check", type: "checkbox"}), " 我已逐行核对上面的印发清单"),
      el("button", {id: "confirm-btn", class: "primary", disabled: true, onclick: () =>
        run("notices", {date: $("#date-input").value, mark: $("#mark-input").value, cc: $("#cc-input").value,
                        reviewed: $("#confirm-check").checked})}, c.label),
      wireCheck());
  }
  if (c.action === "mail_send") {
    return el("div", {class: "confirm", id: "confirm"},
      el("h3", {}, "确认发送"),
      el("p", {}, "发出的邮件无法收回。请核对下面预览中的每一位收件人、邮箱和附件。"),
      c.password ? field("邮箱密码（只用于这次发送，不保存）", el("input", {id: "password-input", type: "password", autocomplete: "off"})) : "",
      el("label", {class: "check"}, el("input", {id: "confirm-check", type: "checkbox"}), " 我已核对收件人和附件，确认发送这 " + c.count + " 封邮件"),
      el("div", {class: "row"},
        el("button", {id: "confirm-btn", class: "danger", disabled: true, onclick: () => {
          const pw = document.getElementById("password-input");
          run("mail_send", {confirmed: true, keys: c.keys, signature: c.signature, password: pw ? pw.value : ""});
        }}, c.label),
        el("button", {id: "drafts-btn", class: "ghost", onclick: () => run("mail_drafts", {})}, "不发送，只生成草稿")),
      wireCheck());
  }
  return el("div", {});
}

function wireCheck() {
  // enable the confirm button only once the box is ticked (after it is in the page)
  setTimeout(() => {
    const check = $("#confirm-check"), button = $("#confirm-btn");
    if (check && button) check.addEventListener("change", () => { button.disabled = !check.checked; });
  }, 0);
  return "";
}

// --- start ----------------------------------------------------------------------------------------
async function start() {
  const data = await api("GET", "/api/steps");
  steps = data.year || [];
  $("#open-btn").addEventListener("click", () => pick($("#path-input").value.trim()));
  $("#path-input").addEventListener("keydown", (e) => { if (e.key === "Enter") pick($("#path-input").value.trim()); });
  $("#browse-btn").addEventListener("click", () => browse({box: "#browser", choose: (p) => { $("#path-input").value = p; pick(p); }}, "xlsx", $("#path-input").value.trim()));
  $("#new-blank-btn").addEventListener("click", () => newWorkbook(false));
  $("#new-demo-btn").addEventListener("click", () => newWorkbook(true));
  $("#change-btn").addEventListener("click", () => {
    if (running) return;
    $("#meeting").hidden = true; $("#picker").hidden = false; $("#change-btn").hidden = true;
    $("#current").textContent = ""; loadRecent();
  });
  await loadRecent();
  const wanted = new URLSearchParams(location.search).get("workbook");
  if (wanted) pick(wanted);
  // the token stays out of the address bar (and of the history) once the cookie is set
  if (location.search) history.replaceState(null, "", "/");
}

start();
