// Hearth web chat: talks to this server's OpenAI-compatible API. The conversation lives only in this
// page; answers stream over SSE (fetch + a reader that splits "data:" events); Stop aborts the fetch,
// which the server sees as a disconnect and frees the sequence's slot.
(function () {
  "use strict";
  const $ = function (id) { return document.getElementById(id); };
  const conversation = [];
  let controller = null;

  function headers() {
    const h = { "Content-Type": "application/json" };
    const key = $("api-key").value.trim();
    if (key) h["Authorization"] = "Bearer " + key;
    return h;
  }

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = !message;
  }

  function addMessage(role, text) {
    const div = document.createElement("div");
    div.className = "message " + role;
    div.dataset.role = role;
    const content = document.createElement("div");
    content.className = "content";
    content.innerHTML = window.HearthMarkdown.render(text);
    div.appendChild(content);
    $("messages").appendChild(div);
    $("messages").scrollTop = $("messages").scrollHeight;
    return div;
  }

  async function loadModels() {
    try {
      const response = await fetch("/v1/models", { headers: headers() });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
      const select = $("model");
      select.innerHTML = "";
      for (const m of body.data) {
        const option = document.createElement("option");
        option.value = m.id;
        option.textContent = m.id;
        select.appendChild(option);
      }
      showError(body.data.length ? "" : "No models: start the server with --model PATH.");
    } catch (e) {
      showError("Could not list models: " + e.message);
    }
  }

  function setStreaming(on) {
    $("send").disabled = on;
    $("stop").disabled = !on;
  }

  // Reads an SSE body, calling onData with each event's data text.
  async function readEvents(body, onData) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split("\n").filter(function (l) { return l.startsWith("data:"); })
          .map(function (l) { return l.slice(5).replace(/^ /, ""); }).join("\n");
        if (data && onData(data) === false) return;
      }
    }
  }

  async function send(text) {
    showError("");
    conversation.push({ role: "user", content: text });
    addMessage("user", text);
    const div = addMessage("assistant", "");
    div.dataset.state = "streaming";
    const content = div.querySelector(".content");
    let answer = "";
    controller = new AbortController();
    setStreaming(true);
    try {
      const response = await fetch("/v1/chat/completions", {
        method: "POST",
        headers: headers(),
        signal: controller.signal,
        body: JSON.stringify({
          model: $("model").value,
          messages: conversation,
          stream: true,
          temperature: Number($("temperature").value),
          max_tokens: Number($("max-tokens").value),
        }),
      });
      if (!response.ok) {
        const body = await response.json().catch(function () { return {}; });
        throw new Error(body.error ? body.error.message : response.status + " " + response.statusText);
      }
      await readEvents(response.body, function (data) {
        if (data === "[DONE]") return false;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        const choice = chunk.choices && chunk.choices[0];
        if (choice && choice.delta && choice.delta.content) {
          answer += choice.delta.content;
          content.innerHTML = window.HearthMarkdown.render(answer);
          $("messages").scrollTop = $("messages").scrollHeight;
        }
        return true;
      });
      div.dataset.state = "done";
    } catch (e) {
      if (e.name === "AbortError") {
        div.dataset.state = "stopped";
      } else {
        div.dataset.state = "error";
        showError(e.message);
      }
    } finally {
      controller = null;
      setStreaming(false);
      // Keep what was said, even a stopped answer, so the next turn continues the conversation.
      if (answer) conversation.push({ role: "assistant", content: answer });
    }
  }

  $("composer").addEventListener("submit", function (e) {
    e.preventDefault();
    const text = $("input").value.trim();
    if (!text || controller) return;
    $("input").value = "";
    send(text);
  });
  $("input").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("composer").requestSubmit(); }
  });
  $("stop").addEventListener("click", function () { if (controller) controller.abort(); });
  $("new-chat").addEventListener("click", function () {
    if (controller) controller.abort();
    conversation.length = 0;
    $("messages").innerHTML = "";
  });
  $("api-key").addEventListener("change", loadModels);
  window.HearthChat = { conversation: conversation };
  loadModels();
})();
