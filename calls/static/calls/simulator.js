// The call simulator: plays Twilio's part of ConversationRelay on /ws/relay/.
// The server starts the call (POST /simulator/calls/) and returns the `setup` frame Twilio
// would send; after that every frame is the real protocol: prompt, interrupt, dtmf, info.
(function () {
  "use strict";
  const startForm = document.getElementById("sim-start");
  if (!startForm) return;
  const $ = (id) => document.getElementById(id);
  const transcript = $("sim-transcript");
  const sayForm = $("sim-say");
  const textInput = $("sim-text");
  const statusLine = $("sim-status");
  const speakBox = $("sim-speak");
  const micButton = $("sim-mic");
  const transcriptLink = $("sim-transcript-link");
  const csrfToken = startForm.querySelector("[name=csrfmiddlewaretoken]").value;
  const synth = window.speechSynthesis;
  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;

  let ws = null;
  let call = null;
  let language = "en-US";
  // The answer being received: its bubble, its text, what the caller has heard of it.
  let answer = null;
  let keypadBubble = null;
  let recognition = null;
  // Without speech synthesis, an answer is "being spoken" for as long as a calm voice would
  // take (the server makes the same estimate), so Interrupt works as on a phone.
  let speaking = null; // {text, startedAt, until}
  const CHARS_PER_SECOND = 14;

  function bubble(kind, text) {
    const el = document.createElement("div");
    el.className = "bubble " + kind;
    el.textContent = text;
    transcript.append(el);
    el.scrollIntoView({ block: "end" });
    return el;
  }

  function note(text) {
    keypadBubble = null;
    return bubble("note", text);
  }

  function setInCall(inCall) {
    for (const el of document.querySelectorAll(
      "#sim-say input, #sim-say button, #sim-keypad button, #sim-hangup"
    )) {
      el.disabled = !inCall;
    }
    $("sim-call").disabled = inCall;
    $("sim-profile").disabled = inCall;
    micButton.hidden = !Recognition;
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function speak(text, onDone) {
    if (!speakBox.checked || !synth || !text.trim()) {
      const startedAt = Date.now();
      const until = startedAt + 500 + (text.length / CHARS_PER_SECOND) * 1000;
      speaking = { text, startedAt, until };
      setTimeout(() => {
        if (speaking && speaking.until === until) {
          speaking = null;
          onDone();
        }
      }, until - startedAt);
      return;
    }
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = language;
    const current = answer;
    utterance.onboundary = (event) => {
      if (current) current.heardChars = event.charIndex;
    };
    utterance.onend = onDone;
    utterance.onerror = onDone;
    synth.speak(utterance);
  }

  function finishAnswer() {
    const finished = answer;
    answer = null;
    if (!finished) return;
    finished.el.classList.remove("streaming");
    speak(finished.text, () => send({ type: "info", name: "agentSpeaking", value: "off" }));
  }

  function onText(frame) {
    if (!answer) {
      keypadBubble = null;
      answer = { el: bubble("assistant streaming", ""), text: "", startedAt: Date.now(), heardChars: null };
      send({ type: "info", name: "agentSpeaking", value: "on" });
    }
    answer.text += frame.token;
    answer.el.textContent = answer.text;
    answer.el.scrollIntoView({ block: "end" });
    if (frame.last) finishAnswer();
  }

  function interrupt() {
    let heard;
    let startedAt;
    if (answer) {
      heard = answer.heardChars == null ? answer.text : answer.text.slice(0, answer.heardChars);
      startedAt = answer.startedAt;
    } else if (speaking && Date.now() < speaking.until) {
      // The caller heard about as much as a voice says in the time since it started.
      const chars = Math.floor(((Date.now() - speaking.startedAt) / 1000) * CHARS_PER_SECOND);
      heard = speaking.text.slice(0, chars).replace(/\S*$/, "").trim();
      startedAt = speaking.startedAt;
      speaking = null;
    } else if (synth && synth.speaking) {
      heard = "";
      startedAt = Date.now();
    } else {
      return; // nothing is being said: there is nothing to interrupt
    }
    const current = { startedAt };
    if (synth) synth.cancel();
    send({
      type: "interrupt",
      utteranceUntilInterrupt: heard,
      durationUntilInterruptMs: Date.now() - current.startedAt,
    });
    const bubbles = transcript.querySelectorAll(".bubble.assistant");
    const last = answer ? answer.el : bubbles[bubbles.length - 1];
    if (last) markInterrupted(last, heard);
    answer = null;
  }

  // What the caller heard stays; the rest is struck through, as on the transcript page.
  function markInterrupted(el, heard) {
    const full = el.textContent;
    const rest = full.startsWith(heard) ? full.slice(heard.length) : full;
    el.classList.remove("streaming");
    el.textContent = full.startsWith(heard) ? heard : "";
    if (rest.trim()) {
      const unheard = document.createElement("del");
      unheard.textContent = rest;
      el.append(unheard);
    }
  }

  function say(text) {
    text = text.trim();
    if (!text) return;
    interrupt();
    keypadBubble = null;
    bubble("caller", text);
    send({ type: "prompt", voicePrompt: text, lang: language, last: true });
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "text":
        onText(frame);
        break;
      case "language":
        language = frame.ttsLanguage || frame.transcriptionLanguage || language;
        if (recognition) recognition.lang = language;
        note("Language: " + language);
        break;
      case "end": {
        finishAnswer();
        const data = typeof frame.handoffData === "string" ? JSON.parse(frame.handoffData) : {};
        const transfer = data.reasonCode === "live_agent_request" || data.reasonCode === "menu";
        note(
          transfer
            ? "The assistant hands the call over" + (data.staff ? " (" + data.staff + ")" : "") +
              ": Twilio would now transfer you to a person."
            : "The assistant ended the call (" + (data.reasonCode || "end") + ")."
        );
        // Twilio closes the session once it has the end frame; so do we, after the last words.
        setTimeout(hangUp, speakBox.checked && synth && synth.speaking ? 4000 : 500);
        break;
      }
      case "play":
        note("Plays audio: " + frame.source);
        break;
      case "sendDigits":
        note("Sends digits: " + frame.digits);
        break;
      default:
        note("Frame: " + frame.type);
    }
  }

  async function startCall(event) {
    event.preventDefault();
    transcript.replaceChildren();
    transcriptLink.hidden = true;
    statusLine.textContent = "Calling…";
    let response;
    try {
      response = await fetch(startForm.action, {
        method: "POST",
        body: new FormData(startForm),
        headers: { "X-CSRFToken": csrfToken },
        credentials: "same-origin",
      });
    } catch (error) {
      statusLine.textContent = "Could not reach the server.";
      return;
    }
    if (!response.ok) {
      statusLine.textContent = "Could not start the call (" + response.status + ").";
      return;
    }
    call = await response.json();
    language = call.language || "en-US";
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(scheme + "://" + location.host + "/ws/relay/");
    ws.onopen = () => {
      send(call.setup);
      statusLine.textContent = "In a call. Type and press Enter to speak.";
      setInCall(true);
      if (call.greeting) {
        answer = { el: bubble("assistant", ""), text: call.greeting, startedAt: Date.now(), heardChars: null };
        answer.el.textContent = call.greeting;
        finishAnswer();
      }
      textInput.focus();
    };
    ws.onmessage = (message) => {
      try {
        onFrame(JSON.parse(message.data));
      } catch (error) {
        note("Unreadable frame from the server.");
      }
    };
    ws.onclose = () => {
      ws = null;
      answer = null;
      if (synth) synth.cancel();
      if (recognition) recognition.abort();
      setInCall(false);
      statusLine.textContent = "The call has ended.";
      transcriptLink.href = call.transcriptUrl;
      transcriptLink.hidden = false;
    };
  }

  function hangUp() {
    if (ws) ws.close(1000, "caller hung up");
  }

  function pressKey(digit) {
    interrupt();
    if (!keypadBubble) keypadBubble = bubble("caller keypad", "Keypad: ");
    keypadBubble.textContent += digit;
    send({ type: "dtmf", digit: digit });
  }

  function listen() {
    if (recognition) {
      recognition.stop();
      return;
    }
    recognition = new Recognition();
    recognition.lang = language;
    recognition.interimResults = true;
    recognition.continuous = true;
    micButton.textContent = "Stop listening";
    recognition.onresult = (event) => {
      for (let i = event.resultIndex; i < event.results.length; i++) {
        const result = event.results[i];
        if (result.isFinal) say(result[0].transcript);
        else if (answer || (synth && synth.speaking)) interrupt();
      }
    };
    recognition.onerror = (event) => {
      statusLine.textContent =
        "Speech recognition is not available here (" + event.error + "). Type instead.";
    };
    recognition.onend = () => {
      recognition = null;
      micButton.textContent = "Speak";
    };
    recognition.start();
  }

  startForm.addEventListener("submit", startCall);
  $("sim-hangup").addEventListener("click", hangUp);
  $("sim-interrupt").addEventListener("click", interrupt);
  micButton.addEventListener("click", listen);
  sayForm.addEventListener("submit", (event) => {
    event.preventDefault();
    say(textInput.value);
    textInput.value = "";
  });
  for (const key of document.querySelectorAll("#sim-keypad [data-digit]")) {
    key.addEventListener("click", () => pressKey(key.dataset.digit));
  }
  micButton.hidden = !Recognition;
})();
