// SPDX-License-Identifier: Apache-2.0
// The front panel's page: draws the cabinet from the layout locker-sim sends (millimetres from
// the board file), keeps it in step with every state message, and turns clicks into actions
// ({"type":"action","action":...}), which locker-sim runs through its control interface.
// Other views (the tracking view, tracking.js) register window.lockerViews[name](data).
"use strict";

(() => {
  const svgNs = "http://www.w3.org/2000/svg";
  const maxEvents = 50;
  const $ = (sel) => document.querySelector(sel);
  let ws = null;
  let nextReq = 1;
  let selected = null;
  let lastState = null;
  const boxes = new Map();  // id -> {g, door, parcel, tag, coil, faults}

  window.lockerViews = window.lockerViews || {};
  // For people poking at the page in the console, and for the browser test.
  window.lockerPanel = { get state() { return lastState; }, send: (a, f) => send(a, f) };

  function el(name, attrs, parent) {
    const e = document.createElementNS(svgNs, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  // ---- the drawing ----
  function drawCabinet(layout) {
    const svg = $("#cabinet-drawing");
    svg.replaceChildren();
    boxes.clear();
    const W = layout.width_mm, H = layout.height_mm;
    const pad = 110;
    svg.setAttribute("viewBox", `${-pad} ${-pad} ${W + 2 * pad} ${H + 2 * pad}`);
    el("rect", { x: -20, y: 0, width: W + 40, height: H, class: "body" }, svg);
    el("line", { x1: -pad, y1: H, x2: W + pad, y2: H, class: "floor" }, svg);
    // A ruler every 500 mm above the floor: the drawing is to scale.
    for (let mm = 0; mm <= H; mm += 500) {
      el("line", { x1: -pad, y1: H - mm, x2: -20, y2: H - mm, class: "tick" }, svg);
      const t = el("text", { x: -pad + 4, y: H - mm - 8, class: "ruler", "font-size": 36 }, svg);
      t.textContent = mm === 0 ? "0 mm" : String(mm);
    }
    const inset = 10;
    for (const col of layout.columns) {
      for (const c of col.compartments) {
        const x = col.x_mm + inset, w = col.width_mm - 2 * inset;
        const y = H - (c.y_mm + c.height_mm) + inset, h = c.height_mm - 2 * inset;
        const g = el("g", {
          id: `c-${c.id}`, class: "compartment door-closed", "data-id": c.id,
          "data-door": "closed", tabindex: "0", role: "button",
          "aria-label": `compartment ${c.id}, size ${c.size}`,
        }, svg);
        el("rect", { x, y, width: w, height: h, class: "inside" }, g);
        const pw = Math.min(w * 0.6, 220), ph = Math.min(h * 0.55, 160);
        const parcel = el("rect", { x: x + (w - pw) / 2, y: y + h - ph - 8, width: pw, height: ph, rx: 6, class: "parcel" }, g);
        const door = el("rect", { x, y, width: w, height: h, rx: 4, class: "door" }, g);
        const fs = Math.max(28, Math.min(60, h * 0.3));
        const label = el("text", { x: x + 14, y: y + fs + 6, class: "label", "font-size": fs }, g);
        label.textContent = c.id;
        const size = el("text", { x: x + w - 14, y: y + fs + 6, class: "size", "font-size": fs * 0.6 }, g);
        size.textContent = c.size;
        const tag = el("rect", { x: x + 14, y: y + h - 44, width: 44, height: 30, rx: 4, class: "tag" }, g);
        const coil = el("circle", { cx: x + w - 30, cy: y + h / 2, r: 14, class: "coil" }, g);
        const faults = el("text", { x: x + 14, y: y + h - 56, class: "faults", "font-size": Math.max(26, fs * 0.65) }, g);
        const title = el("title", {}, g);
        title.textContent = `compartment ${c.id} (${c.size})` + (c.handle_mm != null ? `, handle at ${c.handle_mm} mm` : "");
        g.addEventListener("click", () => select(c.id));
        g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") select(c.id); });
        boxes.set(c.id, { g, door, parcel, tag, coil, faults });
      }
    }
  }

  function select(id) {
    selected = id;
    for (const [bid, b] of boxes) b.g.classList.toggle("selected", bid === id);
    $("#selected").textContent = id;
    describeSelected();
  }

  function describeSelected() {
    const c = lastState?.compartments.find((x) => x.id === selected);
    if (!c) return;
    const parts = [`door ${c.door}${c.forced ? " (forced)" : ""}`, c.coil ? "coil energized" : "coil off",
      c.occupied ? "parcel inside" : "empty", `sensor reads ${c.sensor ? "open" : "closed"}`];
    if (c.faults.length) parts.push("faults: " + c.faults.join(", "));
    $("#selected-state").textContent = parts.join(" · ");
  }

  function showState(s) {
    lastState = s;
    $("#display").textContent = s.display;
    $("#last-beep").textContent = s.last_beep || "—";
    const power = $("#power-state");
    power.textContent = s.power ? "mains on" : (s.battery ? "on battery" : "power off");
    power.className = "pill " + (s.power ? "on" : "warn");
    $("#alarm-led").classList.toggle("alarm", s.alarm);
    $("#buzzer").classList.toggle("alarm", s.buzzer);
    // The bounce fields follow the cabinet unless someone is typing in them.
    for (const [id, v] of [["#bounce-ms", s.bounce.ms], ["#bounce-count", s.bounce.count]]) {
      if (document.activeElement !== $(id)) $(id).value = v;
    }
    for (const c of s.compartments) {
      const b = boxes.get(c.id);
      if (!b) continue;
      b.g.dataset.door = c.door;
      b.g.dataset.coil = c.coil;
      b.g.dataset.occupied = c.occupied;
      b.g.dataset.faults = c.faults.join(",");
      b.g.classList.remove("door-closed", "door-ajar", "door-open");
      b.g.classList.add(`door-${c.door}`);
      b.g.classList.toggle("coil-on", c.coil);
      b.g.classList.toggle("occupied", c.occupied);
      b.g.classList.toggle("faulty", c.faults.length > 0 || c.forced);
      const f = [...c.faults];
      if (c.forced) f.unshift("forced");
      b.faults.textContent = f.join(" · ").toUpperCase();
    }
    describeSelected();
  }

  function addEvent(e, list) {
    const li = document.createElement("li");
    li.textContent = `${e.kind} ${e.details}`.trim();
    li.dataset.kind = e.kind;
    list.prepend(li);
    while (list.children.length > maxEvents) list.lastElementChild.remove();
  }

  function showReply(r) {
    const box = $("#reply");
    box.textContent = r.ok ? r.text : `refused: ${r.error}`;
    box.className = "reply " + (r.ok ? "ok" : "error");
  }

  // ---- the connection ----
  function onMessage(msg) {
    switch (msg.type) {
      case "hello":
        $("#hardware").textContent = msg.hardware || "";
        drawCabinet(msg.layout);
        $("#scanner-form").hidden = !msg.scanner;
        $("#badge-form").hidden = !msg.badge;
        $("#wiegand-form").hidden = !msg.badge;
        $("#power-off").disabled = false;
        if (selected) select(selected);
        break;
      case "state": showState(msg.state); break;
      case "event": addEvent(msg, $("#events")); break;
      case "events": {
        const list = $("#events");
        list.replaceChildren();
        for (const e of msg.events) addEvent(e, list);
        break;
      }
      case "reply": showReply(msg); break;
      case "view":
        try { window.lockerViews?.[msg.name]?.(msg.data); } catch (err) { console.error(`view ${msg.name}:`, err); }
        break;
      default: console.warn("unknown message from locker-sim", msg);
    }
  }

  function connect() {
    const conn = $("#connection");
    ws = new WebSocket(`ws://${location.host}/ws`);
    ws.onopen = () => { conn.textContent = "live"; conn.className = "pill on"; };
    ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
    ws.onclose = () => {
      conn.textContent = "disconnected: retrying"; conn.className = "pill warn";
      setTimeout(connect, 1000);
    };
  }

  function send(action, fields) {
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      showReply({ ok: false, error: "not connected to locker-sim" });
      return;
    }
    ws.send(JSON.stringify({ type: "action", action, req: nextReq++, ...fields }));
  }

  // ---- the controls ----
  function wire() {
    for (const b of document.querySelectorAll("#keypad button")) {
      b.addEventListener("click", () => send("press", { keys: b.dataset.key }));
    }
    for (const b of document.querySelectorAll("[data-door-action]")) {
      b.addEventListener("click", () => {
        if (!selected) { showReply({ ok: false, error: "click a compartment first" }); return; }
        const f = { id: selected };
        if (b.dataset.level) f.level = b.dataset.level;
        send(b.dataset.doorAction, f);
      });
    }
    for (const b of document.querySelectorAll("[data-power]")) {
      b.addEventListener("click", () => send("power", { on: b.dataset.power === "on" }));
    }
    const form = (id, fn) => $(id).addEventListener("submit", (ev) => { ev.preventDefault(); fn(); });
    form("#scanner-form", () => send("scan", { text: $("#scan-text").value.trim() }));
    form("#badge-form", () => send("badge", { id: $("#badge-id").value.trim() }));
    form("#wiegand-form", () => send("wiegand", { bits: $("#wiegand-bits").value.trim() }));
    form("#bounce-form", () => send("bounce", {
      ms: parseInt($("#bounce-ms").value, 10), count: parseInt($("#bounce-count").value, 10),
    }));
  }

  // After every script (tracking.js too) has run, so that its view is there for the first message.
  window.addEventListener("load", () => { wire(); connect(); });
})();
