// The live list: calls starting, speaking and ending, pushed over /ws/calls/live/.
(function () {
  "use strict";
  const rows = document.getElementById("live-rows");
  const statusLine = document.getElementById("live-status");
  if (!rows) return;

  async function refresh() {
    const response = await fetch(rows.dataset.fragmentUrl, { credentials: "same-origin" });
    if (response.ok) rows.innerHTML = await response.text();
  }

  function onActivity(message) {
    if (message.event === "started" || message.event === "ended") {
      refresh();
      return;
    }
    const row = rows.querySelector("[data-call-sid='" + CSS.escape(message.call_sid) + "']");
    if (!row) {
      refresh();
      return;
    }
    if (message.event === "turn") {
      row.querySelector(".last-said").textContent =
        (message.role === "caller" ? "Caller: " : "Assistant: ") + message.text;
    } else if (message.event === "paused" || message.event === "resumed") {
      row.querySelector(".last-said").textContent =
        "Assistant " + message.event + " by " + message.staff_name;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(scheme + "://" + location.host + "/ws/calls/live/");
    ws.onopen = () => {
      statusLine.textContent = "Live: calls appear and update as they happen.";
      refresh();
    };
    ws.onmessage = (event) => onActivity(JSON.parse(event.data));
    ws.onclose = () => {
      statusLine.textContent = "Connection lost; reconnecting…";
      setTimeout(connect, 2000);
    };
  }
  connect();
})();
