// Hearth dashboard: plain JS, no libraries. Polls /api/instances and /api/system once a second, streams logs
// with EventSource (which resumes after the last event id by itself), and batches log lines per animation frame
// so fast output does not stall the page.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const api = async (method, path, body) => {
    const res = await fetch(path, { method, headers: body ? { "Content-Type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(json && json.error ? json.error.message : res.statusText);
    return json;
  };
  const fmtBytes = (b) => b == null ? "–" : b >= 1e9 ? (b / 1e9).toFixed(1) + " GB" : (b / 1e6).toFixed(0) + " MB";
  const state = { instances: [], usage: {}, editing: null, logSource: null, logName: null, pending: [], lines: 0 };

  // ---- instance table ----
  function render() {
    const tbody = document.querySelector("#instances tbody");
    $("empty").hidden = state.instances.length > 0;
    const rows = new Map([...tbody.rows].map((r) => [r.dataset.name, r]));
    for (const inst of state.instances) {
      let row = rows.get(inst.name);
      if (!row) {
        row = tbody.insertRow();
        row.dataset.name = inst.name;
        row.innerHTML = `<td><a class="open" target="_blank"></a><div class="reason"></div></td><td><span class="state"></span></td>` +
          `<td class="port"></td><td class="pid"></td><td class="restarts"></td><td class="rss"></td><td class="cpu"></td>` +
          `<td><button data-act="start">Start</button><button data-act="stop">Stop</button><button data-act="restart">Restart</button>` +
          `<button data-act="logs">Logs</button><button data-act="edit">Edit</button><button data-act="delete">Delete</button></td>`;
      }
      rows.delete(inst.name);
      const a = row.querySelector("a.open");
      a.textContent = inst.name;
      a.href = inst.url;
      const badge = row.querySelector(".state");
      badge.textContent = inst.state;
      badge.dataset.state = inst.state;
      row.dataset.state = inst.state;
      row.querySelector(".reason").textContent = inst.reason || "";
      row.querySelector(".port").textContent = inst.port ?? "–";
      row.querySelector(".pid").textContent = inst.pid ?? "–";
      row.querySelector(".restarts").textContent = inst.restarts;
      const u = state.usage[inst.name];
      row.querySelector(".rss").textContent = u ? fmtBytes(u.rss_bytes) : "–";
      row.querySelector(".cpu").textContent = u ? u.cpu_percent.toFixed(0) + "%" : "–";
    }
    for (const stale of rows.values()) stale.remove();
  }

  document.querySelector("#instances tbody").addEventListener("click", async (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    const name = button.closest("tr").dataset.name;
    const act = button.dataset.act;
    try {
      if (act === "logs") return openLogs(name);
      if (act === "edit") return edit(name);
      if (act === "delete") {
        if (!confirm(`Remove ${name}?`)) return;
        await api("DELETE", `/api/instances/${name}`);
      } else {
        await api("POST", `/api/instances/${name}/${act}`);
      }
      await refresh();
    } catch (err) { $("form-error").textContent = err.message; }
  });

  // ---- create / edit form ----
  function showKind() {
    const kind = $("f-kind").value;
    document.querySelectorAll("label.kind").forEach((l) => { l.hidden = !l.classList.contains("kind-" + kind); });
  }
  $("f-kind").addEventListener("change", showKind);

  function edit(name) {
    const spec = state.instances.find((i) => i.name === name).spec;
    state.editing = name;
    $("form-title").textContent = "Edit " + name;
    $("f-name").value = name; $("f-name").disabled = true;
    const builtin = spec.blueprint === "command" || spec.blueprint === "hearth-model";
    $("f-kind").value = builtin ? spec.blueprint : "blueprint";
    $("f-command").value = spec.command || "";
    $("f-model").value = spec.model || "";
    if (!builtin) $("f-blueprint").value = spec.blueprint;
    $("f-health").value = spec.health || "";
    $("f-restart").value = spec.restart;
    $("f-ttl").value = spec.ttl || "";
    $("f-autostart").checked = !!spec.autostart;
    $("f-submit").textContent = "Save";
    $("f-cancel").hidden = false;
    showKind();
  }

  function resetForm() {
    state.editing = null;
    $("create-form").reset();
    $("f-name").disabled = false;
    $("form-title").textContent = "New instance";
    $("f-submit").textContent = "Create";
    $("f-cancel").hidden = true;
    showKind();
  }
  $("f-cancel").addEventListener("click", resetForm);

  $("create-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const kind = $("f-kind").value;
    const spec = { name: $("f-name").value.trim(), restart: $("f-restart").value, autostart: $("f-autostart").checked };
    if (kind === "command") spec.command = $("f-command").value;
    if (kind === "hearth-model") { spec.blueprint = "hearth-model"; spec.model = $("f-model").value; }
    if (kind === "blueprint") spec.blueprint = $("f-blueprint").value;
    if ($("f-health").value) spec.health = $("f-health").value;
    if ($("f-ttl").value) spec.ttl = $("f-ttl").value;
    try {
      if (state.editing) await api("PUT", `/api/instances/${state.editing}`, spec);
      else await api("POST", "/api/instances", spec);
      $("form-error").textContent = "";
      resetForm();
      await refresh();
    } catch (err) { $("form-error").textContent = err.message; }
  });

  async function loadBlueprints() {
    const { blueprints } = await api("GET", "/api/blueprints");
    const select = $("f-blueprint");
    select.innerHTML = "";
    for (const b of blueprints.filter((b) => !b.built_in)) {
      const o = document.createElement("option");
      o.value = b.file; o.textContent = `${b.name} — ${b.description}`;
      select.appendChild(o);
    }
  }

  // ---- logs ----
  const MAX_LINES = 5000;
  function openLogs(name) {
    if (state.logSource) state.logSource.close();
    state.logName = name;
    state.pending = [];
    state.lines = 0;
    $("log").textContent = "";
    $("log-name").textContent = name;
    $("logs").hidden = false;
    const source = new EventSource(`/api/instances/${name}/logs/stream`);
    source.onmessage = (e) => {
      state.pending.push(JSON.parse(e.data).text);
      if (state.pending.length === 1) requestAnimationFrame(flushLogs);
    };
    state.logSource = source;
  }

  function flushLogs() {
    const pre = $("log");
    const lines = state.pending;
    state.pending = [];
    if (!lines.length) return;
    pre.appendChild(document.createTextNode(lines.join("\n") + "\n"));
    state.lines += lines.length;
    // Keep the DOM bounded: drop the oldest text nodes past the cap.
    while (state.lines > MAX_LINES && pre.firstChild) {
      state.lines -= (pre.firstChild.textContent.match(/\n/g) || []).length;
      pre.removeChild(pre.firstChild);
    }
    $("log-count").textContent = `(${state.lines} lines shown)`;
    if ($("log-follow").checked) pre.scrollTop = pre.scrollHeight;
  }

  // ---- system stats with small charts ----
  function spark(canvas, values, max) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = "#c2410c";
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = (i / Math.max(1, values.length - 1)) * canvas.width;
      const y = canvas.height - (v / (max || 1)) * (canvas.height - 2) - 1;
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
  }

  async function refreshSystem() {
    const { latest, history } = await api("GET", "/api/system?history=true");
    $("cpu").textContent = latest.cpu_percent.toFixed(0) + "%";
    $("mem").textContent = `${fmtBytes(latest.memory_used_bytes)} / ${fmtBytes(latest.memory_total_bytes)}`;
    $("disk").textContent = fmtBytes(latest.disk_free_bytes);
    if (latest.gpus && latest.gpus.length) {
      $("gpu-stat").hidden = false;
      $("gpu").textContent = latest.gpus.map((g) => `${g.utilization_percent}% ${fmtBytes(g.memory_used_bytes)}`).join(", ");
    }
    spark($("cpu-chart"), history.map((h) => h.cpu_percent), 100);
    spark($("mem-chart"), history.map((h) => h.memory_used_bytes), latest.memory_total_bytes);
    state.usage = Object.fromEntries(latest.instances.map((u) => [u.name, u]));
  }

  async function refresh() {
    state.instances = await api("GET", "/api/instances");
    render();
  }

  async function tick() {
    try { await Promise.all([refresh(), refreshSystem()]); } catch (err) { console.warn(err); }
    setTimeout(tick, 1000);
  }

  window.HearthDashboard = { state, refresh, openLogs };
  showKind();
  loadBlueprints().catch(console.warn);
  tick();
})();
