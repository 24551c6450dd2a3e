/* 阳光农安 regulator console: a single page over the cloud's /api/v1 routes.
   Plain JavaScript, no framework, no CDN. Routes are the URL hash (#/alerts, #/alert/ID, #/map,
   #/sites, #/site/ID, #/devices, #/consult, #/consult/ID). The token stays in sessionStorage. */
(function () {
  "use strict";

  var T = {
    zh: {
      "nav.alerts": "告警", "nav.map": "地图", "nav.sites": "基地", "nav.devices": "设备",
      "nav.consult": "会诊", logout: "退出", cancel: "取消", confirm: "确定", lang: "English",
      title: "阳光农安 监管控制台", token: "API 令牌", login: "登录",
      badToken: "令牌无效、已过期或已吊销", live: "实时", offline: "未连接",
      alerts: "告警看板", rule: "规则", severity: "级别", status: "状态", site: "基地",
      since: "起始时间", all: "全部", time: "时间", subject: "对象", actions: "操作",
      ack: "确认", resolve: "处理完毕", ackReason: "确认告警: 请填写说明",
      resolveReason: "处理告警: 请填写处理结果", noAlerts: "没有符合条件的告警",
      detail: "告警详情", what: "发生了什么", evidence: "证据", history: "处理记录",
      who: "操作人", action: "动作", reason: "说明", raised: "产生时间",
      verified: "SHA-256 校验一致", mismatch: "SHA-256 不一致!", verifying: "正在校验 …",
      transcoded: "(旧 mp4v 片段, 已转码播放; 证据以原文件哈希为准)",
      map: "地图", legendOk: "无未处理告警", legendAlert: "有未处理告警",
      legendPoint: "抽样点 (定位质量)", sites: "基地", plots: "地块", crop: "作物",
      timeline: "地块时间线 (近 30 天)", trend: "速测趋势 (抑制率 %)",
      certificates: "合格证", credit: "信用", devices: "设备", lastSeen: "最后上线",
      onlineState: "在线", online: "在线", offlineState: "离线", never: "从未",
      telemetry: "遥测", quarantine: "隔离的消息", noAccess: "当前令牌无权查看",
      downlink: "远程抓拍 / 重启采集需要网关下行通道 (尚未提供)",
      consult: "远程诊断与会诊", newCase: "发起会诊", symptoms: "症状描述",
      herd: "畜群", species: "畜种", plot: "地块", photos: "照片", evidenceSha: "证据 SHA-256 (可选)",
      harvest: "计划采收/出栏日期", location: "位置 (纬度, 经度)", open: "发起",
      thread: "会诊记录", reply: "回复", send: "发送", check: "核对安全间隔期",
      problem: "病虫害/疫病", product: "推荐药剂 (有效成分)", dose: "用量",
      close: "结案", sendAnyway: "我已知晓上述问题, 仍然发送", phi: "安全间隔期",
      days: "天", flags: "提示", noCases: "暂无会诊", opened: "发起人", caseStatus: "状态",
      "st.open": "待答复", "st.answered": "已答复", "st.closed": "已结案",
      "a.open": "未处理", "a.acknowledged": "已确认", "a.resolved": "已处理", updated: "更新时间",
      diagnosis: "诊断", lookup: "参考数据", withdrawal: "休药期", sources: "来源",
    },
    en: {
      "nav.alerts": "Alerts", "nav.map": "Map", "nav.sites": "Sites", "nav.devices": "Devices",
      "nav.consult": "Consultations", logout: "Log out", cancel: "Cancel", confirm: "OK",
      lang: "中文", title: "Sunshine Agri-Safety console", token: "API token", login: "Log in",
      badToken: "invalid, expired or revoked token", live: "live", offline: "offline",
      alerts: "Alert board", rule: "Rule", severity: "Severity", status: "Status", site: "Site",
      since: "Since", all: "all", time: "Time", subject: "Subject", actions: "Actions",
      ack: "Acknowledge", resolve: "Resolve", ackReason: "Acknowledge: why",
      resolveReason: "Resolve: what was done", noAlerts: "No alerts match",
      detail: "Alert", what: "What happened", evidence: "Evidence", history: "Audit trail",
      who: "By", action: "Action", reason: "Note", raised: "Raised",
      verified: "SHA-256 verified", mismatch: "SHA-256 MISMATCH!", verifying: "verifying …",
      transcoded: "(older mp4v clip, transcoded to play; the original's hash is the evidence)",
      map: "Map", legendOk: "no open alert", legendAlert: "open alerts",
      legendPoint: "sampling point (fix quality)", sites: "Sites", plots: "Plots", crop: "Crop",
      timeline: "Plot timeline (last 30 days)", trend: "Rapid tests (inhibition %)",
      certificates: "Certificates", credit: "Credit", devices: "Devices", lastSeen: "Last seen",
      onlineState: "State", online: "online", offlineState: "offline", never: "never",
      telemetry: "Telemetry", quarantine: "Quarantined messages", noAccess: "not visible to this token",
      downlink: "Remote snapshot / restart capture need the gateway downlink (not available yet)",
      consult: "Remote diagnosis & consultation", newCase: "Open a consultation",
      symptoms: "Symptoms", herd: "Herd", species: "Species", plot: "Plot", photos: "Photos",
      evidenceSha: "Evidence SHA-256 (optional)", harvest: "Planned harvest / slaughter",
      location: "Location (lat, lon)", open: "Open", thread: "Thread", reply: "Reply",
      send: "Send", check: "Check PHI", problem: "Pest / disease",
      product: "Recommended product (active ingredient)", dose: "Dose", close: "Close case",
      sendAnyway: "I know the problems above; send anyway", phi: "PHI", days: "days",
      flags: "Flags", noCases: "No consultations", opened: "Opened by", caseStatus: "Status",
      "st.open": "open", "st.answered": "answered", "st.closed": "closed",
      "a.open": "open", "a.acknowledged": "acknowledged", "a.resolved": "resolved", updated: "Updated",
      diagnosis: "Diagnosis", lookup: "Reference data", withdrawal: "Withdrawal", sources: "Sources",
    },
  };
  var RULES = {
    phi_violation: ["违反安全间隔期采收", "harvest inside the PHI"],
    withdrawal_violation: ["违反休药期", "withdrawal violation"],
    banned_pesticide: ["使用禁用农药", "banned pesticide"],
    max_applications: ["超过最多施药次数", "too many applications"],
    unrecorded_spraying: ["未记录的施药", "spraying without an input record"],
    rapid_test_positive: ["速测阳性", "rapid test positive"],
    certificate_refused: ["合格证被拒", "certificate refused"],
    certificate_revoked: ["合格证被撤销", "certificate revoked"],
    device_offline: ["设备离线", "device offline"],
    clock_skew: ["设备时钟偏差", "clock skew"],
    sample_out_of_geofence: ["抽样点不在基地范围内", "sample outside the geofence"],
    unknown_input: ["投入品无参考数据", "input without reference data"],
    rapid_test_inconsistent: ["速测结果不一致", "inconsistent rapid test"],
    id_conflict: ["消息编号被他人占用", "message id taken by another sender"],
  };
  var KEYS = {
    crop: ["作物", "crop"], product: ["产品", "product"], reg_no: ["登记证号", "registration"],
    ingredients: ["有效成分", "ingredients"], phi_days: ["安全间隔期(天)", "PHI (days)"],
    applied: ["施药时间", "applied"], harvested: ["采收时间", "harvested"],
    source: ["依据", "source"], sources: ["依据", "sources"], lots: ["受影响批次", "lots affected"],
    lot: ["批次", "lot"], drug: ["兽药", "drug"], species: ["畜种", "species"],
    why: ["原因", "why"], activity: ["活动", "activity"], start: ["开始", "start"],
    end: ["结束", "end"], window_h: ["核对时长(小时)", "window (h)"], analyte: ["检测项目", "analyte"],
    inhibition_pct: ["抑制率 %", "inhibition %"], device: ["设备", "device"],
    safe_from: ["安全采收日", "safe from"], earliest_safe: ["最早安全日期", "earliest safe"],
    site: ["基地", "site"], subject: ["对象", "subject"], plot: ["地块", "plot"],
    opened_by: ["发起人", "opened by"], id: ["编号", "id"], region: ["行政区划", "region"],
    producer: ["生产主体", "producer"], grid: ["网格", "grid"], track: ["轨迹", "track"],
    window_from: ["核对起点", "window from"], window_to: ["核对终点", "window to"],
    grace_hours: ["宽限(小时)", "grace (h)"], score: ["信用分", "score"], grade: ["等级", "grade"],
    blacklisted: ["黑名单", "blacklisted"],
  };
  var lang = localStorage.getItem("agrisafe.lang") || "zh";
  var view = document.getElementById("view");
  var state = { me: null, sites: [], alertStream: null, consultStream: null, onAlert: null, onCase: null };

  function t(key) { return (T[lang] && T[lang][key]) || T.zh[key] || key; }
  function ruleName(r) { var n = RULES[r]; return n ? n[lang === "zh" ? 0 : 1] : r; }
  function keyName(k) { var n = KEYS[k]; return n ? n[lang === "zh" ? 0 : 1] : k; }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmtTime(v) {
    if (v === null || v === undefined || v === "") return "";
    var d = typeof v === "number" ? new Date(v) : new Date(v);
    if (isNaN(d.getTime())) return esc(v);
    return d.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
  }
  function token() { return sessionStorage.getItem("agrisafe.token"); }

  function api(path, opts) {
    opts = opts || {};
    var headers = Object.assign({ Authorization: "Bearer " + token() }, opts.headers || {});
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
    }
    return fetch(path, { method: opts.method || "GET", headers: headers, body: opts.body }).then(
      function (resp) {
        if (resp.status === 401) {
          if (state.me) logout();
          throw new Error(t("badToken"));
        }
        if (opts.raw) return resp;
        return resp.text().then(function (text) {
          var body = text ? JSON.parse(text) : null;
          if (!resp.ok) {
            var err = new Error((body && body.detail && JSON.stringify(body.detail)) || resp.statusText);
            err.status = resp.status; err.body = body;
            throw err;
          }
          return body;
        });
      });
  }

  function applyLang() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = t("title");
    document.querySelectorAll("[data-t]").forEach(function (el) { el.textContent = t(el.dataset.t); });
    document.getElementById("lang").textContent = t("lang");
  }

  function askReason(title) {
    var dlg = document.getElementById("reason-dialog");
    document.getElementById("reason-title").textContent = title;
    var box = document.getElementById("reason");
    box.value = "";
    return new Promise(function (resolve) {
      function done(ok) {
        dlg.close();
        okBtn.removeEventListener("click", onOk); cancel.removeEventListener("click", onCancel);
        resolve(ok ? box.value.trim() : null);
      }
      var okBtn = document.getElementById("reason-ok");
      var cancel = document.getElementById("reason-cancel");
      function onOk(ev) { ev.preventDefault(); if (box.value.trim()) done(true); }
      function onCancel() { done(false); }
      okBtn.addEventListener("click", onOk); cancel.addEventListener("click", onCancel);
      dlg.showModal();
      box.focus();
    });
  }

  /* ---------- login, streams ---------- */

  function logout() {
    sessionStorage.removeItem("agrisafe.token");
    closeStreams();
    state.me = null;
    if (location.hash === "#/login") route();
    else location.hash = "#/login";
  }
  function closeStreams() {
    if (state.alertStream) state.alertStream.close();
    if (state.consultStream) state.consultStream.close();
    state.alertStream = state.consultStream = null;
  }
  function openStreams() {
    closeStreams();
    var q = "?token=" + encodeURIComponent(token());
    var live = document.getElementById("live");
    var es = new EventSource("/api/v1/alerts/stream" + q);
    es.addEventListener("ready", function () { live.className = "live on"; live.textContent = t("live"); });
    es.addEventListener("alert", function (ev) { if (state.onAlert) state.onAlert(JSON.parse(ev.data)); });
    es.onerror = function () { live.className = "live off"; live.textContent = t("offline"); };
    state.alertStream = es;
    var cs = new EventSource("/api/v1/consultations/stream" + q);
    cs.addEventListener("consultation", function (ev) { if (state.onCase) state.onCase(JSON.parse(ev.data)); });
    state.consultStream = cs;
  }
  function showLogin(error) {
    document.getElementById("top").hidden = true;
    view.innerHTML =
      '<form id="login" class="card"><h1>' + esc(t("title")) + "</h1>" +
      '<label for="token">' + esc(t("token")) + "</label>" +
      '<input id="token" type="password" autocomplete="off" required>' +
      '<button class="act" type="submit">' + esc(t("login")) + "</button> " +
      '<button id="login-lang" type="button">' + esc(t("lang")) + "</button>" +
      '<p class="err">' + esc(error || "") + "</p></form>";
    document.getElementById("login-lang").onclick = function () { toggleLang(); showLogin(error); };
    document.getElementById("login").onsubmit = function (ev) {
      ev.preventDefault();
      sessionStorage.setItem("agrisafe.token", document.getElementById("token").value.trim());
      start().catch(function () { sessionStorage.removeItem("agrisafe.token"); showLogin(t("badToken")); });
    };
  }
  function start() {
    return api("/api/v1/whoami").then(function (me) {
      state.me = me;
      document.getElementById("who").textContent = me.name + " · " + me.role +
        (me.regions ? " · " + me.regions.join(",") : "");
      document.getElementById("top").hidden = false;
      openStreams();
      return api("/api/v1/sites").then(function (sites) {
        state.sites = sites.items || sites;
        if (!location.hash || location.hash === "#/login") location.hash = "#/alerts";
        else route();
      });
    });
  }
  function toggleLang() {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("agrisafe.lang", lang);
    applyLang();
  }

  /* ---------- alert board ---------- */

  var RULE_KEYS = Object.keys(RULES);
  var filters = { rule: "", severity: "", status: "", site: "", since: "" };

  function alertMatches(a) {
    if (filters.rule && a.rule !== filters.rule) return false;
    if (filters.severity && a.severity !== filters.severity) return false;
    if (filters.status && a.status !== filters.status) return false;
    if (filters.site && a.site !== filters.site) return false;
    if (filters.since && new Date(a.ts) < new Date(filters.since)) return false;
    return true;
  }
  function options(values, selected, label) {
    return '<option value="">' + esc(t("all")) + "</option>" + values.map(function (v) {
      return '<option value="' + esc(v) + '"' + (v === selected ? " selected" : "") + ">" +
        esc(label ? label(v) : v) + "</option>";
    }).join("");
  }
  function actionButtons(a) {
    var out = "";
    if (a.status === "open") out += '<button class="act warn" data-ack="' + esc(a.id) + '">' + esc(t("ack")) + "</button>";
    if (a.status !== "resolved") out += '<button class="act ok" data-resolve="' + esc(a.id) + '">' + esc(t("resolve")) + "</button>";
    return out;
  }
  function alertRow(a, fresh) {
    return '<tr id="alert-' + esc(a.id) + '" class="alert-row' + (fresh ? " new" : "") + '" data-rule="' + esc(a.rule) + '">' +
      "<td>" + fmtTime(a.ts) + "</td>" +
      '<td class="sev-' + esc(a.severity) + '">' + esc(a.severity) + "</td>" +
      '<td><a href="#/alert/' + encodeURIComponent(a.id) + '">' + esc(ruleName(a.rule)) + "</a></td>" +
      "<td>" + esc(a.site) + "</td><td>" + esc(a.subject) + "</td>" +
      '<td class="status st-' + esc(a.status) + '">' + esc(t("a." + a.status)) + "</td>" +
      "<td>" + actionButtons(a) + "</td></tr>";
  }
  function wireActions(root, after) {
    root.querySelectorAll("[data-ack]").forEach(function (b) {
      b.onclick = function () {
        askReason(t("ackReason")).then(function (note) {
          if (note === null) return;
          api("/api/v1/alerts/" + encodeURIComponent(b.dataset.ack) + "/acknowledge", { method: "POST", json: { note: note } })
            .then(after, function (e) { alert(e.message); });
        });
      };
    });
    root.querySelectorAll("[data-resolve]").forEach(function (b) {
      b.onclick = function () {
        askReason(t("resolveReason")).then(function (reason) {
          if (reason === null) return;
          api("/api/v1/alerts/" + encodeURIComponent(b.dataset.resolve) + "/resolve", { method: "POST", json: { reason: reason } })
            .then(after, function (e) { alert(e.message); });
        });
      };
    });
  }
  function renderCounts(items) {
    var counts = {};
    items.forEach(function (a) { counts[a.rule] = (counts[a.rule] || 0) + 1; });
    document.getElementById("counts").innerHTML = Object.keys(counts).sort().map(function (r) {
      return '<span class="count" data-count="' + esc(r) + '">' + esc(ruleName(r)) + " <b>" + counts[r] + "</b></span>";
    }).join("") || '<span class="muted">' + esc(t("noAlerts")) + "</span>";
  }
  function showAlerts() {
    var siteIds = state.sites.map(function (s) { return s.id; });
    view.innerHTML = "<h1>" + esc(t("alerts")) + "</h1>" +
      '<div class="filters">' +
      "<label>" + esc(t("rule")) + '<select id="f-rule">' + options(RULE_KEYS, filters.rule, ruleName) + "</select></label>" +
      "<label>" + esc(t("severity")) + '<select id="f-severity">' + options(["critical", "major", "minor", "info"], filters.severity) + "</select></label>" +
      "<label>" + esc(t("status")) + '<select id="f-status">' + options(["open", "acknowledged", "resolved"], filters.status, function (s) { return t("a." + s); }) + "</select></label>" +
      "<label>" + esc(t("site")) + '<select id="f-site">' + options(siteIds, filters.site) + "</select></label>" +
      "<label>" + esc(t("since")) + '<input id="f-since" type="datetime-local" value="' + esc(filters.since) + '"></label>' +
      "</div>" +
      '<div id="counts" class="counts"></div>' +
      '<table class="cards" id="alert-table"><thead><tr><th>' + [t("time"), t("severity"), t("rule"), t("site"), t("subject"), t("status"), t("actions")].map(esc).join("</th><th>") +
      '</th></tr></thead><tbody id="alert-rows"></tbody></table>';
    ["rule", "severity", "status", "site", "since"].forEach(function (k) {
      document.getElementById("f-" + k).onchange = function (ev) { filters[k] = ev.target.value; load(); };
    });
    var items = [];
    function paint() {
      var shown = items.filter(alertMatches);
      document.getElementById("alert-rows").innerHTML = shown.map(function (a) { return alertRow(a, a._fresh); }).join("") ||
        '<tr><td colspan="7" class="muted">' + esc(t("noAlerts")) + "</td></tr>";
      renderCounts(shown);
      wireActions(view, load);
    }
    function load() {
      var q = ["limit=500"];
      if (filters.rule) q.push("rule=" + encodeURIComponent(filters.rule));
      if (filters.status) q.push("status=" + encodeURIComponent(filters.status));
      if (filters.site) q.push("site=" + encodeURIComponent(filters.site));
      return api("/api/v1/alerts?" + q.join("&")).then(function (page) { items = page.items; paint(); });
    }
    state.onAlert = function (a) {
      items = items.filter(function (x) { return x.id !== a.id; });
      a._fresh = true;
      items.unshift(a);
      paint();
    };
    return load();
  }

  /* ---------- alert detail ---------- */

  function sentence(a) {
    var d = a.detail || {};
    var subject = a.subject || "";
    if (lang !== "zh") return ruleName(a.rule) + " at " + a.site + " (" + subject + ")" + (d.why ? ": " + d.why : "");
    var s = "基地 " + a.site + " 的 " + subject.replace("plot:", "地块 ").replace("herd:", "畜群 ").replace("lot:", "批次 ") +
      " 发生「" + ruleName(a.rule) + "」";
    if (d.product || d.crop) s += ": " + (d.crop ? "作物 " + d.crop + ", " : "") + (d.product ? "投入品 " + d.product : "");
    if (d.phi_days !== undefined) s += ", 安全间隔期 " + d.phi_days + " 天" + (d.source || d.sources ? " (依据 " + [].concat(d.sources || d.source).join(", ") + ")" : "");
    if (d.lots) s += ", 受影响批次 " + [].concat(d.lots).join(", ");
    return s + "。事件时间 " + fmtTime(a.ts) + "。";
  }
  function kvList(obj) {
    return '<dl class="kv">' + Object.keys(obj || {}).map(function (k) {
      var v = obj[k];
      if (v !== null && typeof v === "object") v = JSON.stringify(v);
      return "<dt>" + esc(keyName(k)) + "</dt><dd>" + esc(v) + "</dd>";
    }).join("") + "</dl>";
  }
  function blobOf(path) {
    return api(path, { raw: true }).then(function (resp) {
      if (!resp.ok) throw new Error(resp.status + " " + resp.statusText);
      return resp.arrayBuffer().then(function (buf) { return { buf: buf, resp: resp }; });
    });
  }
  function showEvidence(ref, box) {
    var sha = String(ref.sha256 || "");
    // Evidence refs of most kinds are free body fields: only a digest may become a path.
    if (!/^[0-9a-f]{64}$/.test(sha)) return;
    var id = "ev-" + sha.slice(0, 16);
    var media = ref.media || "";
    var el = document.createElement("div");
    el.className = "card evidence-item";
    el.id = id;
    el.innerHTML = "<div>" + esc(media) + ' <span class="sha">' + esc(sha) + '</span></div><div class="check muted">' + esc(t("verifying")) + '</div><div class="media"></div>';
    box.appendChild(el);
    var check = el.querySelector(".check");
    var holder = el.querySelector(".media");
    blobOf("/api/v1/evidence/" + sha).then(function (got) {
      var actual = window.sha256Hex(new Uint8Array(got.buf));
      var ok = actual === sha;
      check.className = "check " + (ok ? "verified" : "mismatch");
      check.textContent = (ok ? "✓ " + t("verified") : "✗ " + t("mismatch") + " " + actual);
      check.dataset.verified = ok ? "true" : "false";
      var type = got.resp.headers.get("content-type") || media;
      if (type.indexOf("image/") === 0) {
        var img = document.createElement("img");
        img.className = "evidence";
        img.src = URL.createObjectURL(new Blob([got.buf], { type: type }));
        holder.appendChild(img);
        return;
      }
      var playable = type.indexOf("video/webm") === 0
        ? Promise.resolve({ buf: got.buf, type: type, transcoded: false })
        : blobOf("/api/v1/evidence/" + sha + "/playable").then(function (p) {
          return { buf: p.buf, type: p.resp.headers.get("content-type") || "video/webm", transcoded: true };
        });
      return playable.then(function (p) {
        var video = document.createElement("video");
        video.className = "clip";
        video.controls = true; video.muted = true; video.preload = "auto"; video.playsInline = true;
        video.dataset.sha256 = sha;
        video.src = URL.createObjectURL(new Blob([p.buf], { type: p.type }));
        holder.appendChild(video);
        if (p.transcoded) {
          var note = document.createElement("div");
          note.className = "muted"; note.textContent = t("transcoded");
          holder.appendChild(note);
        }
        video.play().catch(function () { /* autoplay may be refused; controls remain */ });
      });
    }).catch(function (e) { check.className = "check err"; check.textContent = e.message; });
  }
  // Each rendering of a page claims the view; an older one still waiting for the network then
  // drops its results instead of adding them to the newer page (a hash change while the login's
  // own routing is in flight rendered the alert twice, its evidence into one box, six cards).
  var renders = 0;
  function claim() {
    var mine = ++renders;
    return function () { return mine === renders; };
  }
  function showAlert(id) {
    var current = claim();
    return api("/api/v1/alerts/" + encodeURIComponent(id)).then(function (a) {
      if (!current()) return;
      view.innerHTML = '<h1>' + esc(t("detail")) + ": " + esc(ruleName(a.rule)) + "</h1>" +
        '<div class="card"><p id="what">' + esc(sentence(a)) + "</p>" +
        '<p><span class="sev-' + esc(a.severity) + '">' + esc(a.severity) + '</span> · <span class="status st-' + esc(a.status) + '">' +
        esc(t("a." + a.status)) + "</span> · " + esc(t("raised")) + " " + fmtTime(a.raised_at) + "</p>" +
        kvList(a.detail) + '<p id="detail-actions">' + actionButtons(a) + "</p></div>" +
        "<h2>" + esc(t("evidence")) + '</h2><div id="records"></div><div id="evidence" class="grid two"></div>' +
        "<h2>" + esc(t("history")) + '</h2><table class="cards" id="history"><thead><tr><th>' +
        [t("time"), t("who"), t("action"), t("reason")].map(esc).join("</th><th>") + "</th></tr></thead><tbody>" +
        (a.history || []).map(function (h) {
          return "<tr><td>" + fmtTime(h.at_ms || h.ts_ms || h.ts) + "</td><td>" + esc(h.actor || h.by) + "</td><td>" +
            esc(h.action) + "</td><td>" + esc((h.detail && (h.detail.note || h.detail.reason)) || h.note || h.reason || "") + "</td></tr>";
        }).join("") + "</tbody></table>";
      wireActions(view, function () { showAlert(id); });
      var q = "site=" + encodeURIComponent(a.site) + "&limit=1000";
      if (a.subject && a.subject.indexOf("plot:") === 0) q += "&plot=" + encodeURIComponent(a.subject.slice(5));
      return api("/api/v1/records?" + q).then(function (page) {
        if (!current()) return;
        var wanted = {};
        (a.evidence || []).forEach(function (m) { wanted[m] = true; });
        var recs = page.items.filter(function (r) { return wanted[r.id]; });
        document.getElementById("records").innerHTML = '<table class="cards"><tbody>' + recs.map(function (r) {
          var env = r.envelope || r;
          return "<tr><td>" + fmtTime(env.ts) + "</td><td>" + esc(env.kind) + "</td><td>" + esc(env.device) +
            "</td><td>" + esc(JSON.stringify(Object.assign({}, env.body, { evidence: undefined }))) + "</td></tr>";
        }).join("") + "</tbody></table>";
        var box = document.getElementById("evidence");
        var seen = {};
        recs.forEach(function (r) {
          ((r.envelope || r).body.evidence || []).forEach(function (ref) {
            if (!seen[ref.sha256]) { seen[ref.sha256] = true; showEvidence(ref, box); }
          });
        });
      });
    });
  }

  /* ---------- map ---------- */

  function rings(geom) {
    if (!geom) return [];
    if (geom.type === "Polygon") return [geom.coordinates[0]];
    if (geom.type === "MultiPolygon") return geom.coordinates.map(function (p) { return p[0]; });
    return [];
  }
  function showMap() {
    return Promise.all([
      api("/api/v1/alerts?limit=1000&status=open"),
      api("/api/v1/alerts?limit=1000&status=acknowledged"),
      Promise.all(state.sites.map(function (s) {
        return api("/api/v1/records?kind=sample&limit=200&site=" + encodeURIComponent(s.id)).catch(function () { return { items: [] }; });
      })),
    ]).then(function (got) {
      var open = {};
      got[0].items.concat(got[1].items).forEach(function (a) { var k = a.site + "|" + a.subject; open[k] = (open[k] || 0) + 1; });
      var points = [];
      got[2].forEach(function (page) {
        page.items.forEach(function (r) {
          var env = r.envelope || r;
          if (env.geo && env.geo.lat !== undefined && env.geo.lat !== null) points.push(env);
        });
      });
      var all = [];
      state.sites.forEach(function (s) {
        rings(s.geofence).forEach(function (r) { all = all.concat(r); });
        (s.plots || []).forEach(function (p) { rings(p.polygon).forEach(function (r) { all = all.concat(r); }); });
      });
      points.forEach(function (e) { all.push([e.geo.lon, e.geo.lat]); });
      var W = 800, H = 560;
      if (!all.length) { view.innerHTML = "<h1>" + esc(t("map")) + '</h1><p class="muted">—</p>'; return; }
      var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      all.forEach(function (c) { minX = Math.min(minX, c[0]); maxX = Math.max(maxX, c[0]); minY = Math.min(minY, c[1]); maxY = Math.max(maxY, c[1]); });
      var k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
      var spanX = Math.max((maxX - minX) * k, 1e-6), spanY = Math.max(maxY - minY, 1e-6);
      var scale = Math.min((W - 40) / spanX, (H - 40) / spanY);
      var ox = (W - spanX * scale) / 2, oy = (H - spanY * scale) / 2;  // centred
      function xy(c) { return [ox + (c[0] - minX) * k * scale, H - oy - (c[1] - minY) * scale]; }
      function path(ring) { return ring.map(function (c) { var p = xy(c); return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "); }
      var svg = '<svg class="map" id="map-svg" viewBox="0 0 ' + W + " " + H + '" xmlns="http://www.w3.org/2000/svg">';
      state.sites.forEach(function (s) {
        rings(s.geofence).forEach(function (r) { svg += '<polygon class="geofence" points="' + path(r) + '"><title>' + esc(s.name || s.id) + "</title></polygon>"; });
        (s.plots || []).forEach(function (p) {
          var n = open[s.id + "|plot:" + p.id] || 0;
          rings(p.polygon).forEach(function (r) {
            svg += '<a href="#/site/' + encodeURIComponent(s.id) + '"><polygon class="plot ' + (n ? "alert" : "ok") + '" data-site="' + esc(s.id) +
              '" data-plot="' + esc(p.id) + '" points="' + path(r) + '"><title>' + esc((p.name || p.id) + " " + (p.crop || "") + (n ? " · " + n : "")) + "</title></polygon></a>";
            var c = xy(r[0]);
            var cx = 0, cy = 0;
            r.forEach(function (q) { var v = xy(q); cx += v[0]; cy += v[1]; });
            c = [cx / r.length, cy / r.length];
            svg += '<text x="' + c[0].toFixed(1) + '" y="' + c[1].toFixed(1) + '" text-anchor="middle">' + esc(p.name || p.id) + (n ? " ⚠" + n : "") + "</text>";
          });
        });
      });
      points.forEach(function (e) {
        var p = xy([e.geo.lon, e.geo.lat]);
        var q = e.geo.quality || e.geo.fix || "";
        var colour = q === "rtk" ? "#1565c0" : q === "dgps" || q === "gps" ? "#2e7d32" : "#ef8f00";
        svg += '<circle class="point" cx="' + p[0].toFixed(1) + '" cy="' + p[1].toFixed(1) + '" r="5" fill="' + colour + '"><title>' +
          esc((e.body && e.body.sample) + " · " + q + (e.geo.hdop !== undefined ? " · HDOP " + e.geo.hdop : "")) + "</title></circle>";
      });
      svg += "</svg>";
      view.innerHTML = "<h1>" + esc(t("map")) + "</h1>" + svg +
        '<p class="legend"><span class="c-ok">■ ' + esc(t("legendOk")) + '</span><span class="c-alert">■ ' +
        esc(t("legendAlert")) + '</span><span class="c-point">● ' + esc(t("legendPoint")) + "</span></p>";
    });
  }

  /* ---------- sites ---------- */

  function showSites() {
    view.innerHTML = "<h1>" + esc(t("sites")) + '</h1><table class="cards"><tbody>' + state.sites.map(function (s) {
      return '<tr><td><a href="#/site/' + encodeURIComponent(s.id) + '">' + esc(s.name || s.id) + "</a></td><td>" + esc(s.id) +
        "</td><td>" + esc(s.region) + "</td><td>" + (s.plots || []).length + " " + esc(t("plots")) + "</td></tr>";
    }).join("") + "</tbody></table>";
    return Promise.resolve();
  }
  function timelineSvg(plots, records) {
    var now = Date.now(), from = now - 30 * 86400e3, W = 800, row = 34, left = 90;
    var H = 30 + row * Math.max(plots.length, 1);
    function x(ms) { return left + (W - left - 10) * (ms - from) / (now - from); }
    var svg = '<svg class="map" id="timeline" viewBox="0 0 ' + W + " " + H + '">';
    for (var d = 0; d <= 30; d += 5) {
      var xd = x(from + d * 86400e3);
      svg += '<line x1="' + xd + '" x2="' + xd + '" y1="0" y2="' + H + '" stroke="#d6ddd9"/><text x="' + xd + '" y="' + (H - 5) + '" text-anchor="middle">' +
        esc(new Date(from + d * 86400e3).toISOString().slice(5, 10)) + "</text>";
    }
    plots.forEach(function (p, i) {
      var y = 10 + i * row;
      svg += '<text x="4" y="' + (y + 14) + '">' + esc(p.name || p.id) + "</text>";
      var open = {};
      records.filter(function (r) { return (r.body || {}).plot === p.id; }).forEach(function (r) {
        var env = r, ms = new Date(env.ts).getTime(), b = env.body || {};
        if (ms < from) return;
        if (env.kind === "activity") {
          if (b.state === "start") open[b.track] = ms;
          else if (b.state === "end") {
            var s = open[b.track] || ms;
            svg += '<rect x="' + x(s) + '" y="' + y + '" width="' + Math.max(3, x(ms) - x(s)) + '" height="10" fill="#c62828"><title>' + esc(b.activity) + "</title></rect>";
          }
        } else if (env.kind === "input_use") {
          // A sender's body is not trusted markup: only a finite number of days draws a bar.
          var phi = typeof b.phi_days === "number" && isFinite(b.phi_days) && b.phi_days > 0 ? b.phi_days : 0;
          if (phi) svg += '<rect x="' + x(ms) + '" y="' + (y + 12) + '" width="' + (x(ms + phi * 86400e3) - x(ms)) + '" height="6" fill="rgba(239,143,0,.4)"><title>' + esc(t("phi") + " " + phi) + "</title></rect>";
          svg += '<circle cx="' + x(ms) + '" cy="' + (y + 5) + '" r="5" fill="#1565c0"><title>' + esc(b.product || "input") + "</title></circle>";
        } else if (env.kind === "harvest") {
          svg += '<path d="M' + x(ms) + " " + y + " l5 10 l-10 0 z" + '" fill="#2e7d32"><title>harvest</title></path>';
        }
      });
    });
    return svg + "</svg>" + '<p class="legend"><span class="c-alert">■ 摄像头: 施药 / camera: spraying</span><span class="c-input">● 投入品记录 / input record</span>' +
      '<span class="c-point">■ ' + esc(t("phi")) + '</span><span class="c-ok">▲ 采收 / harvest</span></p>';
  }
  function trendSvg(points) {
    if (!points.length) return '<p class="muted">—</p>';
    var W = 800, H = 200, t0 = points[0][0], t1 = points[points.length - 1][0] || t0 + 1;
    function x(ms) { return 30 + (W - 40) * (ms - t0) / Math.max(t1 - t0, 1); }
    function y(v) { return H - 20 - (H - 40) * v / 100; }
    var svg = '<svg class="map" id="trend" viewBox="0 0 ' + W + " " + H + '"><line x1="30" x2="' + W + '" y1="' + y(50) + '" y2="' + y(50) + '" stroke="#c62828" stroke-dasharray="4 3"/>';
    svg += '<polyline fill="none" stroke="#1565c0" stroke-width="2" points="' + points.map(function (p) { return x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1); }).join(" ") + '"/>';
    points.forEach(function (p) { svg += '<circle cx="' + x(p[0]).toFixed(1) + '" cy="' + y(p[1]).toFixed(1) + '" r="3" fill="#1565c0"/>'; });
    return svg + '<text x="2" y="' + y(50) + '">50%</text></svg>';
  }
  function showSite(id) {
    var site = state.sites.find(function (s) { return s.id === id; });
    if (!site) { view.innerHTML = '<p class="err">404</p>'; return Promise.resolve(); }
    var q = "site=" + encodeURIComponent(id);
    var from = new Date(Date.now() - 30 * 86400e3).toISOString(), to = new Date(Date.now() + 3600e3).toISOString();
    return Promise.all([
      api("/api/v1/records?" + q + "&limit=1000&from=" + encodeURIComponent(from)),
      api("/api/v1/series?" + q + "&measurement=rapid_test&step=1d&from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to)).catch(function () { return null; }),
      api("/api/v1/certificates?" + q).catch(function () { return { items: [] }; }),
      api("/api/v1/producers/" + encodeURIComponent(site.producer) + "/credit").catch(function () { return null; }),
    ]).then(function (got) {
      var records = got[0].items.slice().sort(function (a, b) { return new Date(a.ts) - new Date(b.ts); });
      var tests = records.filter(function (r) { return r.kind === "rapid_test" && r.body.inhibition_pct !== undefined; })
        .map(function (r) { return [new Date(r.ts).getTime(), r.body.inhibition_pct]; });
      var series = got[1];
      if (series && series.points && series.points.length) {
        tests = series.points.filter(function (p) { return p.value !== null && p.value !== undefined; })
          .map(function (p) { return [new Date(p.ts || p.t).getTime(), p.value]; });
      }
      var certs = got[2].items || [];
      var credit = got[3];
      view.innerHTML = "<h1>" + esc(site.name || site.id) + '</h1><div class="card">' + kvList({ id: site.id, region: site.region, producer: site.producer, grid: site.grid }) +
        "<p>" + (site.plots || []).map(function (p) { return esc((p.name || p.id) + " · " + (p.crop || "")); }).join(" / ") + "</p></div>" +
        "<h2>" + esc(t("timeline")) + "</h2>" + timelineSvg(site.plots || [], records) +
        "<h2>" + esc(t("trend")) + "</h2>" + trendSvg(tests) +
        '<div class="grid two"><div><h2>' + esc(t("certificates")) + '</h2><table class="cards" id="certs"><tbody>' + certs.map(function (c) {
          return "<tr><td>" + esc(c.id) + "</td><td>" + esc(c.lot) + '</td><td class="st-' + esc(c.status) + '">' + esc(c.status) + "</td><td>" +
            esc((c.reasons || []).map(function (r) { return r.message || r.code || r; }).join("; ")) + "</td></tr>";
        }).join("") + '</tbody></table></div><div><h2>' + esc(t("credit")) + '</h2><div class="card" id="credit">' +
        (credit ? kvList({ producer: credit.producer, score: credit.score, grade: credit.grade, blacklisted: credit.blacklisted }) : '<span class="muted">' + esc(t("noAccess")) + "</span>") +
        "</div></div></div>";
    });
  }

  /* ---------- devices ---------- */

  function quarantined(page, site, device) {
    if (!page) return '<span class="muted">—</span>';
    var mine = (page.items || []).filter(function (q) { return (q.topic || "").indexOf("/" + site + "/" + device + "/") >= 0; });
    return mine.slice(0, 3).map(function (q) {
      return '<div class="flag">' + fmtTime(q.received_ms) + " " + esc(q.reason) + ": " + esc(String(q.detail).slice(0, 80)) + "</div>";
    }).join("") || "0";
  }
  function showDevices() {
    return Promise.all(state.sites.map(function (s) {
      return api("/api/v1/records?limit=1000&site=" + encodeURIComponent(s.id)).catch(function () { return { items: [] }; });
    }).concat([api("/api/v1/quarantine?limit=100").catch(function () { return null; })])).then(function (got) {
      var quarantine = got.pop();
      var html = "<h1>" + esc(t("devices")) + '</h1><p class="muted">' + esc(t("downlink")) + "</p>";
      state.sites.forEach(function (s, i) {
        var recs = got[i].items;
        html += "<h2>" + esc(s.name || s.id) + '</h2><table class="cards devices"><thead><tr><th>' +
          [t("devices"), t("lastSeen"), t("onlineState"), t("telemetry"), t("quarantine")].map(esc).join("</th><th>") + "</th></tr></thead><tbody>";
        (s.devices || []).forEach(function (d) {
          var mine = recs.filter(function (r) { return r.device === d.id; });
          var last = mine.reduce(function (m, r) { return Math.max(m, r.received_ms || 0); }, 0);
          var tel = mine.filter(function (r) { return r.kind === "telemetry"; }).sort(function (a, b) { return new Date(b.ts) - new Date(a.ts); })[0];
          var on = last && Date.now() - last < 15 * 60e3;
          html += '<tr data-device="' + esc(d.id) + '"><td>' + esc(d.id) + "<br><span class=\"muted\">" + esc(d.name || d.type) + "</span></td><td>" +
            (last ? fmtTime(last) : esc(t("never"))) + '</td><td class="' + (on ? "online" : "offline") + '">' + esc(on ? t("online") : t("offlineState")) +
            "</td><td>" + (tel ? kvList(tel.body) : "") + "</td><td>" + quarantined(quarantine, s.id, d.id) + "</td></tr>";
        });
        html += "</tbody></table>";
      });
      html += "<h2>" + esc(t("quarantine")) + "</h2>";
      if (!quarantine) html += '<p class="muted">' + esc(t("noAccess")) + "</p>";
      else html += '<table class="cards"><tbody>' + (quarantine.items || []).map(function (q) {
        return "<tr><td>" + fmtTime(q.received_ms) + "</td><td>" + esc(q.topic) + "</td><td>" + esc(q.reason) + "</td><td>" + esc(q.detail) + "</td></tr>";
      }).join("") + "</tbody></table>";
      view.innerHTML = html;
    });
  }

  /* ---------- consultations ---------- */

  function uploadPhotos(input, site) {
    var files = Array.prototype.slice.call(input.files || []);
    return Promise.all(files.map(function (f) {
      return f.arrayBuffer().then(function (buf) {
        return api("/api/v1/evidence", { method: "POST", body: buf, headers: { "Content-Type": f.type || "application/octet-stream", "X-Agrisafe-Site": site } });
      }).then(function (e) { return e.sha256; });
    }));
  }
  function showConsultList() {
    var siteOpts = state.sites.map(function (s) { return '<option value="' + esc(s.id) + '">' + esc(s.name || s.id) + "</option>"; }).join("");
    return api("/api/v1/consultations").then(function (page) {
      view.innerHTML = "<h1>" + esc(t("consult")) + '</h1><table class="cards" id="cases"><thead><tr><th>' +
        [t("updated"), t("site"), t("subject"), t("symptoms"), t("opened"), t("caseStatus")].map(esc).join("</th><th>") + "</th></tr></thead><tbody>" +
        (page.items.map(function (c) {
          return '<tr class="case-row" data-case="' + esc(c.id) + '"><td>' + fmtTime(c.updated_ms) + "</td><td>" + esc(c.site) + "</td><td>" +
            esc(c.crop || (c.herd + " " + (c.species || ""))) + '</td><td><a href="#/consult/' + encodeURIComponent(c.id) + '">' + esc(c.symptoms.slice(0, 60)) +
            "</a></td><td>" + esc(c.opened_by) + '</td><td class="status st-' + esc(c.status) + '">' + esc(t("st." + c.status)) + "</td></tr>";
        }).join("") || '<tr><td colspan="6" class="muted">' + esc(t("noCases")) + "</td></tr>") + "</tbody></table>" +
        '<h2>' + esc(t("newCase")) + '</h2><form id="new-case" class="card">' +
        '<div class="filters"><label>' + esc(t("site")) + '<select name="site">' + siteOpts + "</select></label>" +
        "<label>" + esc(t("crop")) + '<input name="crop" placeholder="黄瓜"></label>' +
        "<label>" + esc(t("plot")) + '<input name="plot" placeholder="P1"></label>' +
        "<label>" + esc(t("herd")) + '<input name="herd"></label>' +
        "<label>" + esc(t("species")) + '<input name="species" placeholder="pig"></label>' +
        "<label>" + esc(t("harvest")) + '<input name="harvest" type="date"></label>' +
        "<label>" + esc(t("location")) + '<input name="location" placeholder="37.43, 112.56"></label></div>' +
        "<label>" + esc(t("symptoms")) + '<textarea name="symptoms" rows="3" required></textarea></label>' +
        '<div class="filters"><label>' + esc(t("photos")) + '<input name="photos" type="file" accept="image/*" multiple capture="environment"></label>' +
        "<label>" + esc(t("evidenceSha")) + '<input name="sha" size="40"></label></div>' +
        '<button class="act" type="submit">' + esc(t("open")) + '</button> <span class="err" id="case-err"></span></form>';
      var form = document.getElementById("new-case");
      form.onsubmit = function (ev) {
        ev.preventDefault();
        var f = form.elements;
        var site = f.site.value;
        uploadPhotos(f.photos, site).then(function (shas) {
          if (f.sha.value.trim()) shas.push(f.sha.value.trim().toLowerCase());
          var body = { site: site, symptoms: f.symptoms.value, attachments: shas };
          ["crop", "plot", "herd", "species"].forEach(function (k) { if (f[k].value.trim()) body[k] = f[k].value.trim(); });
          if (f.harvest.value) body.harvest_ms = new Date(f.harvest.value + "T12:00:00").getTime();
          var ll = f.location.value.split(",").map(Number);
          if (ll.length === 2 && !isNaN(ll[0]) && !isNaN(ll[1])) body.location = { type: "Point", coordinates: [ll[1], ll[0]] };
          return api("/api/v1/consultations", { method: "POST", json: body });
        }).then(function (c) { location.hash = "#/consult/" + c.id; }, function (e) { document.getElementById("case-err").textContent = e.message; });
      };
      state.onCase = function () { if (location.hash === "#/consult") showConsultList(); };
    });
  }
  function attachmentsHtml(list) {
    return (list || []).map(function (sha) { return '<div class="attachment" data-sha="' + esc(sha) + '"></div>'; }).join("");
  }
  function loadAttachments(root) {
    root.querySelectorAll(".attachment").forEach(function (el) {
      if (el.dataset.loaded) return;
      el.dataset.loaded = "1";
      showEvidence({ sha256: el.dataset.sha, media: "" }, el);
    });
  }
  function flagsHtml(flags) {
    return (flags || []).map(function (f) { return '<div class="flag">⚠ ' + esc(f.message) + (f.source ? " (" + esc(f.source) + ")" : "") + "</div>"; }).join("");
  }
  function lookupHtml(l) {
    if (!l || !l.kind) return "";
    if (l.kind === "phi") return '<div class="lookup">' + esc(t("phi")) + ": " + esc(l.phi_days === null ? "?" : l.phi_days + " " + t("days")) + (l.sources && l.sources.length ? " · " + esc(t("sources")) + " " + esc(l.sources.join(", ")) : "") + "</div>";
    return '<div class="lookup">' + esc(t("withdrawal")) + ": " + esc(JSON.stringify(l.periods)) + "</div>";
  }
  function showCase(id) {
    return api("/api/v1/consultations/" + encodeURIComponent(id)).then(function (c) {
      var expert = state.me && (state.me.role === "expert" || state.me.role === "admin");
      view.innerHTML = "<h1>" + esc(t("consult")) + '</h1><div class="card" id="case" data-status="' + esc(c.status) + '">' +
        kvList({ site: c.site, subject: c.crop || (c.herd + " " + (c.species || "")), plot: c.plot, opened_by: c.opened_by }) +
        '<p class="status st-' + esc(c.status) + '" id="case-status">' + esc(t("st." + c.status)) + "</p><p>" + esc(c.symptoms) + "</p>" + attachmentsHtml(c.attachments) + "</div>" +
        "<h2>" + esc(t("thread")) + '</h2><div class="thread" id="thread">' + c.messages.map(function (m) {
          var d = m.diagnosis;
          return '<div class="msg ' + esc(m.role) + '"><div class="muted">' + esc(m.author) + " · " + esc(m.role) + " · " + fmtTime(m.ts_ms) + "</div><p>" + esc(m.body) + "</p>" +
            (d ? '<div class="diagnosis"><b>' + esc(t("diagnosis")) + ":</b> " + esc(d.problem) + (d.product ? " → " + esc(d.product) : "") + (d.dose ? " · " + esc(d.dose) : "") + lookupHtml(d.lookup) + "</div>" : "") +
            flagsHtml(m.flags) + attachmentsHtml(m.attachments) + "</div>";
        }).join("") + "</div>" +
        (c.status === "closed" ? "" :
          '<form id="reply" class="card"><label>' + esc(t("reply")) + '<textarea name="body" rows="3"></textarea></label>' +
          (expert ? '<div class="filters"><label>' + esc(t("problem")) + '<input name="problem"></label><label>' + esc(t("product")) + '<input name="product"></label><label>' +
            esc(t("dose")) + '<input name="dose"></label></div><button class="act" type="button" id="check">' + esc(t("check")) + "</button>" : "") +
          '<div class="filters"><label>' + esc(t("photos")) + '<input name="photos" type="file" accept="image/*" multiple></label></div>' +
          '<div id="check-result"></div><label id="confirm-box" hidden><input type="checkbox" name="confirm"> ' + esc(t("sendAnyway")) + "</label>" +
          '<p><button class="act" type="submit" id="send">' + esc(t("send")) + '</button> <button class="act warn" type="button" id="close">' + esc(t("close")) +
          '</button> <span class="err" id="reply-err"></span></p></form>');
      loadAttachments(view);
      state.onCase = function (changed) { if (changed.id === id && location.hash === "#/consult/" + id) showCase(id); };
      var form = document.getElementById("reply");
      if (!form) return;
      var f = form.elements;
      function diagnosis() {
        if (!expert || !f.problem.value.trim()) return null;
        var d = { problem: f.problem.value.trim() };
        if (f.product.value.trim()) d.product = f.product.value.trim();
        if (f.dose.value.trim()) d.dose = f.dose.value.trim();
        return d;
      }
      function showFlags(res) {
        document.getElementById("check-result").innerHTML = lookupHtml(res.lookup) + flagsHtml(res.flags);
        document.getElementById("confirm-box").hidden = !(res.flags && res.flags.length);
      }
      var checkBtn = document.getElementById("check");
      if (checkBtn) checkBtn.onclick = function () {
        var d = diagnosis();
        if (!d) return;
        api("/api/v1/consultations/" + encodeURIComponent(id) + "/check", { method: "POST", json: d }).then(showFlags, function (e) { document.getElementById("reply-err").textContent = e.message; });
      };
      form.onsubmit = function (ev) {
        ev.preventDefault();
        uploadPhotos(f.photos, c.site).then(function (shas) {
          var body = { body: f.body.value, attachments: shas, confirm_flags: f.confirm.checked };
          var d = diagnosis();
          if (d) body.diagnosis = d;
          return api("/api/v1/consultations/" + encodeURIComponent(id) + "/messages", { method: "POST", json: body });
        }).then(function () { showCase(id); }, function (e) {
          if (e.status === 409 && e.body && e.body.flags) showFlags(e.body);
          else document.getElementById("reply-err").textContent = e.message;
        });
      };
      document.getElementById("close").onclick = function () {
        askReason(t("close")).then(function (reason) {
          if (reason === null) return;
          api("/api/v1/consultations/" + encodeURIComponent(id) + "/close", { method: "POST", json: { reason: reason } }).then(function () { showCase(id); });
        });
      };
    });
  }

  /* ---------- router ---------- */

  function route() {
    applyLang();
    if (!token()) { showLogin(); return; }
    if (!state.me) { start().catch(function () { sessionStorage.removeItem("agrisafe.token"); showLogin(t("badToken")); }); return; }
    var parts = (location.hash || "#/alerts").slice(2).split("/");
    var page = parts[0], arg = parts.slice(1).map(decodeURIComponent).join("/");
    document.querySelectorAll("#nav a").forEach(function (a) { a.classList.toggle("on", a.getAttribute("href") === "#/" + page); });
    state.onAlert = null; state.onCase = null;
    var shown;
    if (page === "alert") shown = showAlert(arg);
    else if (page === "map") shown = showMap();
    else if (page === "sites") shown = showSites();
    else if (page === "site") shown = showSite(arg);
    else if (page === "devices") shown = showDevices();
    else if (page === "consult" && arg) shown = showCase(arg);
    else if (page === "consult") shown = showConsultList();
    else shown = showAlerts();
    Promise.resolve(shown).then(function () { view.dataset.page = page; }, function (e) {
      view.innerHTML = '<p class="err">' + esc(e.message) + "</p>";
    });
  }

  document.getElementById("logout").onclick = logout;
  document.getElementById("lang").onclick = function () { toggleLang(); route(); };
  window.addEventListener("hashchange", function () { delete view.dataset.page; route(); });
  route();
})();
