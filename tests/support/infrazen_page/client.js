// The InfraZen chat client's behaviour, as documented (see index.html): one socket per chat,
// a fresh token from the app before each connect, 5 reconnect attempts with a linear back-off
// whose counter restarts whenever a socket opens, history appended again on every reconnect,
// uploads with no Authorization header, and a renderer that knows **bold** and line breaks only.
(function () {
  const params = new URLSearchParams(location.search);
  const agent = params.get("agent");
  const wsBase = agent.replace(/^http/, "ws");
  const path = params.get("path") || "/v1/chat/analytics";
  const retryMs = Number(params.get("retry_ms") || 2000);
  const maxAttempts = 5;
  const state = (window.chatState = { attempts: 0, opened: 0, connects: 0, gaveUp: false, socket: null });
  let pendingImage = null;

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function render(text) {
    return escapeHtml(text)
      .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
      .replace(/\n/g, "<br>");
  }

  function show(kind, content, timestamp, extra) {
    const div = document.createElement("div");
    div.className = "message " + kind + (extra && extra.error ? " error" : "");
    div.dataset.type = kind;
    div.dataset.timestamp = timestamp || new Date().toISOString();
    div.innerHTML = render(content);
    document.getElementById("messages").appendChild(div);
  }

  async function token() {
    const r = await fetch("/token" + location.search);
    return (await r.json()).token;
  }

  async function connect() {
    state.connects += 1;
    const ws = new WebSocket(wsBase + path + "?token=" + encodeURIComponent(await token()));
    state.socket = ws;
    ws.onopen = function () {
      state.opened += 1;
      state.attempts = 0; // the real client's rule
    };
    ws.onmessage = function (event) {
      const frame = JSON.parse(event.data);
      if (frame.type === "typing") return;
      show(frame.type, frame.content || "", frame.timestamp, frame);
    };
    ws.onclose = function () {
      if (state.attempts >= maxAttempts) {
        state.gaveUp = true;
        document.getElementById("status").textContent = "Соединение потеряно. Обновите страницу.";
        return;
      }
      state.attempts += 1;
      setTimeout(connect, retryMs * state.attempts);
    };
  }

  document.getElementById("file").addEventListener("change", async function (event) {
    const form = new FormData();
    form.append("file", event.target.files[0]);
    try {
      const r = await fetch(agent + "/v1/chat/upload", { method: "POST", body: form });
      const body = await r.json();
      if (!r.ok || !body.image_id) throw new Error(body.detail || "upload failed");
      pendingImage = body.image_id;
      document.getElementById("status").textContent = "Изображение загружено";
    } catch (e) {
      document.getElementById("status").textContent = "Ошибка загрузки изображения";
    }
  });

  document.getElementById("send").addEventListener("click", function () {
    const input = document.getElementById("text");
    let content = input.value;
    if (pendingImage) content = "[image:" + pendingImage + "] " + content;
    pendingImage = null;
    show("user", input.value);
    state.socket.send(JSON.stringify({ content: content }));
    input.value = "";
  });

  connect();
})();
