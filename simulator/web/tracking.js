// SPDX-License-Identifier: Apache-2.0
// The tracking system's view beside the cabinet: draws the snapshot of
// simulator/tracking/tracking_view (built only from what arrived over MQTT) into
// #view-tracking: the locker's liveness, the open alarms, and each parcel with what the
// recipient's tracking page says now and its timeline. The page's WebSocket hands each
// {"type":"view","name":"tracking","data":snapshot} to window.lockerViews.tracking(data).
// Everything from the wire goes in as text (textContent), never as markup.
(() => {
  'use strict';

  const css = `
#view-tracking { font: 14px/1.4 system-ui, sans-serif; color: #1d2430; }
#view-tracking h2 { font-size: 1.1em; margin: 0 0 .5em; }
#view-tracking h3 { font-size: 1em; margin: 1em 0 .3em; }
#view-tracking .tracking-liveness { padding: .3em .6em; border-radius: 4px; display: inline-block; }
#view-tracking .tracking-liveness.online { background: #dff3e3; color: #145a26; }
#view-tracking .tracking-liveness.offline { background: #fde2e1; color: #8a1c17; }
#view-tracking .tracking-liveness.unknown { background: #eceff3; color: #4a5565; }
#view-tracking .tracking-seen { color: #5c6675; margin-left: .6em; font-size: .9em; }
#view-tracking ul.tracking-alarms { list-style: none; padding: 0; margin: 0; }
#view-tracking ul.tracking-alarms li { padding: .2em .5em; margin: .2em 0; border-left: 4px solid #d9a400; background: #fff8e1; }
#view-tracking ul.tracking-alarms li.critical { border-color: #c62828; background: #fdecea; }
#view-tracking .tracking-parcel { border: 1px solid #d4d9e0; border-radius: 6px; padding: .5em .7em; margin: .5em 0; }
#view-tracking .tracking-parcel header { display: flex; gap: .8em; align-items: baseline; flex-wrap: wrap; }
#view-tracking .tracking-number { font-weight: 600; font-family: ui-monospace, monospace; }
#view-tracking .tracking-meta { color: #5c6675; font-size: .9em; }
#view-tracking .tracking-page { margin: .3em 0; padding: .3em .5em; background: #f3f6fa; border-radius: 4px; }
#view-tracking .status-ready .tracking-page { background: #e3f0ff; }
#view-tracking .status-collected .tracking-page, #view-tracking .status-in_transit .tracking-page { background: #dff3e3; }
#view-tracking .status-expired .tracking-page, #view-tracking .status-attempt_failed .tracking-page,
#view-tracking .status-refused .tracking-page, #view-tracking .status-not_delivered .tracking-page { background: #fff1e0; }
#view-tracking .tracking-code { font-family: ui-monospace, monospace; }
#view-tracking ol.tracking-timeline { margin: .3em 0 0; padding-left: 1.4em; font-size: .92em; }
#view-tracking ol.tracking-timeline time { color: #5c6675; font-family: ui-monospace, monospace; margin-right: .5em; }
#view-tracking .tracking-queued { color: #8a5a00; margin-left: .4em; }
#view-tracking .tracking-counters { color: #5c6675; font-size: .85em; margin-top: 1em; }
#view-tracking .tracking-problems { color: #8a1c17; font-size: .85em; }
#view-tracking .tracking-problems time, #view-tracking .tracking-alarms time { margin-right: .4em; }
`;

  function ensureStyle() {
    if (document.getElementById('tracking-style')) return;
    const style = document.createElement('style');
    style.id = 'tracking-style';
    style.textContent = css;
    document.head.appendChild(style);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  // "21 Nov 09:12:44" of an RFC 3339 UTC timestamp (parcels wait for days), the whole of it
  // as the tooltip.
  function short(ts) {
    if (typeof ts !== 'string' || ts.length < 19) return '';
    const month = months[Number(ts.slice(5, 7)) - 1] || ts.slice(5, 7);
    return `${Number(ts.slice(8, 10))} ${month} ${ts.slice(11, 19)}`;
  }
  function clock(ts) {
    const node = el('time', null, short(ts));
    if (typeof ts === 'string') node.dateTime = ts;
    node.title = ts || '';
    return node;
  }

  function liveness(live) {
    const box = el('div', 'tracking-live');
    const state = live.online === true ? 'online' : live.online === false ? 'offline' : 'unknown';
    box.appendChild(el('span', 'tracking-liveness ' + state, live.text || state));
    if (live.last_seen) {
      const seen = el('span', 'tracking-seen', 'last heard ');
      seen.appendChild(clock(live.last_seen));
      box.appendChild(seen);
    }
    return box;
  }

  function alarms(data) {
    const section = el('section', 'tracking-alarm-list');
    const open = (data.alarms && data.alarms.open) || [];
    section.appendChild(el('h3', null, open.length ? `Open alarms (${open.length})` : 'No open alarms'));
    if (!open.length) return section;
    const list = el('ul', 'tracking-alarms');
    for (const a of open) {
      const item = el('li', a.severity === 'critical' ? 'critical' : 'warning', a.text + ' since ');
      item.appendChild(clock(a.since));
      list.appendChild(item);
    }
    section.appendChild(list);
    return section;
  }

  function parcel(p) {
    const card = el('article', 'tracking-parcel status-' + (p.status || 'unknown'));
    card.dataset.trackingNumber = p.tracking_number;
    const head = el('header');
    head.appendChild(el('span', 'tracking-number', p.tracking_number));
    const meta = [];
    if (p.kind && p.kind !== 'delivery') meta.push(p.kind === 'return' ? 'return' : 'drop-off');
    if (p.size) meta.push('size ' + p.size);
    if (p.compartment) meta.push('compartment ' + p.compartment);
    if (p.reservation_id) meta.push('reservation ' + p.reservation_id);
    head.appendChild(el('span', 'tracking-meta', meta.join(' · ')));
    card.appendChild(head);
    const page = el('p', 'tracking-page', p.status_text);
    page.title = "what the recipient's tracking page says";
    card.appendChild(page);
    if (p.pickup_code) {
      const code = el('p', 'tracking-meta', 'Pickup code sent to the recipient: ');
      code.appendChild(el('span', 'tracking-code', p.pickup_code));
      card.appendChild(code);
    }
    if (p.dropoff_code) {
      const code = el('p', 'tracking-meta', 'Drop-off code sent to the sender: ');
      code.appendChild(el('span', 'tracking-code', p.dropoff_code));
      card.appendChild(code);
    }
    const line = el('ol', 'tracking-timeline');
    for (const e of p.timeline || []) {
      const item = el('li');
      item.dataset.kind = e.kind;
      item.appendChild(clock(e.ts));
      item.appendChild(document.createTextNode(e.text));
      if (e.queued) item.appendChild(el('span', 'tracking-queued', '(sent late)'));
      line.appendChild(item);
    }
    card.appendChild(line);
    return card;
  }

  function counters(data) {
    const c = data.counters || {};
    const seq = data.seq || {};
    const foot = el('footer', 'tracking-counters',
      `${c.events || 0} events · ${c.duplicates || 0} copies dropped · ` +
      `${seq.missing || 0} missing seq · ${c.unknown || 0} unknown · ${c.bad_payloads || 0} bad payloads` +
      (seq.last != null ? ` · last seq ${seq.last}` : '') +
      (seq.locker != null ? ` (locker's state: ${seq.locker})` : ''));
    return foot;
  }

  function problems(data) {
    const list = el('ul', 'tracking-problems');
    for (const p of data.problems || []) {
      const item = el('li', null);
      item.appendChild(clock(p.received));
      item.appendChild(document.createTextNode(`${p.problem} on ${p.topic}: ${p.detail}`));
      list.appendChild(item);
    }
    return list;
  }

  function render(data) {
    const root = document.getElementById('view-tracking');
    if (!root || !data) return;
    ensureStyle();
    root.replaceChildren();
    root.appendChild(el('h2', null, `Tracking system: locker ${data.locker_id}`));
    root.appendChild(liveness(data.liveness || {}));
    root.appendChild(alarms(data));
    const parcels = data.parcels || [];
    root.appendChild(el('h3', null, parcels.length ? `Parcels (${parcels.length})` : 'No parcels yet'));
    for (const p of parcels) root.appendChild(parcel(p));
    root.appendChild(counters(data));
    if ((data.problems || []).length) root.appendChild(problems(data));
  }

  window.lockerViews = window.lockerViews || {};
  window.lockerViews.tracking = render;
})();
