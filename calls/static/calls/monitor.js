// The live monitor on a call's page: turns arrive over /ws/calls/<sid>/monitor/ as they are
// written (from whichever server process has the call), and staff can take the call over.
(function () {
  "use strict";
  const root = document.getElementById("monitor");
  const turns = document.getElementById("turns");
  if (!root || !turns) return;
  const sid = root.dataset.callSid;
  const statusLine = document.getElementById("monitor-status");
  const sayForm = document.getElementById("takeover-say");
  const sayInput = document.getElementById("takeover-text");
  const pauseButton = document.getElementById("takeover-pause");
  const handoffButton = document.getElementById("takeover-handoff");
  const errorLine = document.getElementById("takeover-error");
  let ws = null;
  let ended = false;
  let paused = false;

  function sequenceOf(el) {
    return parseInt(el.id.slice("turn-".length), 10) || 0;
  }

  function lastSequence() {
    let last = 0;
    for (const el of turns.querySelectorAll("[id^='turn-']")) last = Math.max(last, sequenceOf(el));
    return last;
  }

  function showTurn(sequence, html) {
    const empty = document.getElementById("turns-empty");
    if (empty) empty.remove();
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const el = template.content.firstElementChild;
    const existing = document.getElementById("turn-" + sequence);
    if (existing) {
      existing.replaceWith(el);
      return;
    }
    const later = Array.from(turns.querySelectorAll("[id^='turn-']")).find(
      (other) => sequenceOf(other) > sequence
    );
    turns.insertBefore(el, later || null);
    el.scrollIntoView({ block: "nearest" });
  }

  function setControls(enabled) {
    for (const el of [sayInput, sayForm.querySelector("button"), pauseButton, handoffButton]) {
      el.disabled = !enabled;
    }
  }

  function showState(message) {
    if ("can_hand_off" in message && !message.can_hand_off) {
      handoffButton.hidden = true;  // nobody to hand the call to: no live agent, no menu
    }
    if (message.event === "ending") {
      ended = true;
      setControls(false);
      statusLine.textContent =
        message.reason_code === "goodbye"
          ? "The assistant is saying goodbye; the call is ending."
          : "The call is being handed on" +
            (message.staff_name ? " by " + message.staff_name : "") +
            ": the assistant has stopped.";
      return;
    }
    if (message.event === "paused" || message.event === "resumed") {
      paused = message.event === "paused";
      pauseButton.textContent = paused ? "Resume the assistant" : "Pause the assistant";
      statusLine.textContent = paused
        ? "Live. The assistant is paused" + (message.staff_name ? " by " + message.staff_name : "") +
          ": the caller hears only what you type."
        : "Live. The assistant is answering.";
    }
    if (message.event === "ended" || message.live === false) {
      ended = true;
      setControls(false);
      statusLine.textContent = "The call has ended. Reload for the full record.";
    }
  }

  function showError(text) {
    errorLine.textContent = text;
    errorLine.hidden = !text;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(
      scheme + "://" + location.host + "/ws/calls/" + encodeURIComponent(sid) +
        "/monitor/?after=" + lastSequence()
    );
    ws.onopen = () => {
      statusLine.textContent = "Live. The assistant is answering.";
      setControls(true);
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "turn") showTurn(message.sequence, message.html);
      else if (message.type === "state") showState(message);
      else if (message.type === "error") showError(message.message);
      else if (message.type === "sent") {
        showError("");
        if (message.action === "say") sayInput.value = "";
      }
    };
    ws.onclose = () => {
      setControls(false);
      if (ended) return;
      statusLine.textContent = "Connection lost; reconnecting…";
      setTimeout(connect, 2000);
    };
  }

  function act(action, text) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ action, text: text || "" }));
  }

  sayForm.addEventListener("submit", (event) => {
    event.preventDefault();
    act("say", sayInput.value);
  });
  pauseButton.addEventListener("click", () => act(paused ? "resume" : "pause"));
  handoffButton.addEventListener("click", () => {
    if (window.confirm("Hand this call to a person now? The assistant stops.")) act("handoff");
  });
  connect();
})();
